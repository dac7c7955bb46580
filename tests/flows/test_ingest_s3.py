"""SOHOA_STORAGE=s3://… end to end against moto's S3 server over HTTP (the MinIO code path):
ingest, search, fixity verify and a reindex from storage alone."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from application.ingest import ingest_file
from application.services import build_services
from core.settings import load_settings
from indexing import reindex
from schemas import SearchQuery
from storage import iter_record_ids, read_package_bytes, read_record
from storage.fixity import verify
from tests.moto_s3 import BUCKET, CREDENTIALS
from tests.support import JPEG_PAGE

pytestmark = pytest.mark.integration


def test_ingest_verify_reindex_on_s3(moto_endpoint: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", CREDENTIALS["region"])
    settings = load_settings(home=tmp_path / "home", storage=f"s3://{BUCKET}/{uuid.uuid4().hex}")
    services = build_services(settings)
    assert services.store.url.startswith("s3://")

    outcome = ingest_file(JPEG_PAGE, services, batch="s3")
    assert outcome.status == "ingested", outcome.reason
    record = read_record(services.store, outcome.id)
    assert record.metadata.doc_type == "Giấy mời"
    assert read_package_bytes(services.store, record.id, "document.pdf").startswith(b"%PDF")
    assert ingest_file(JPEG_PAGE, services, batch="s3").status == "duplicate"

    report = verify(services.store)
    assert report.records == 1 and not report.problems

    services.index.clear()
    assert services.index.search(SearchQuery(q="giay moi")).total == 0
    rebuilt = reindex(services.store, services.index)
    assert rebuilt.indexed == 1 == len(list(iter_record_ids(services.store)))
    assert [h.id for h in services.index.search(SearchQuery(q="giay moi")).hits] == [record.id]
