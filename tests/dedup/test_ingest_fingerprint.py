"""The fingerprint stored at ingest is the file's: page 1's hashes are taken from the image the
OCR loaded, not from a second rendering of the file, and must not differ from one."""

from __future__ import annotations

from pathlib import Path

from application.ingest import ingest_file
from application.services import build_services
from core.settings import load_settings
from dedup import fingerprint_file, read_fingerprint
from storage import read_record
from tests.support import CLEAN_PDF


def test_ingest_stores_the_same_fingerprint_as_reading_the_file_again(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    services = build_services(settings)
    outcome = ingest_file(CLEAN_PDF, services)
    assert outcome.status == "ingested", outcome.reason
    record = read_record(services.store, outcome.id, with_words=False)
    stored = read_fingerprint(services.store, outcome.id)
    again = fingerprint_file(CLEAN_PDF, record.pages, record.metadata, max_pixels=settings.max_image_pixels)
    assert stored == again
    assert int(stored.phash, 16) and stored.shingles > 10
