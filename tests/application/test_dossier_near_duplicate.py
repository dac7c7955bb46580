"""A dossier's document that re-scans paper already archived is reported as single ingest reports
one: `near_duplicate` with the match's reason, not `ingested` (real Tesseract, store and
lookup). It counted among the batch's ingested documents."""

from __future__ import annotations

import pytest

from application.dossier_intake import ingest_dossier
from application.ingest import ingest_file
from application.services import build_services
from core.settings import Settings
from schemas import BatchSummary
from tests.dedup.pages import corpus_page, rescan
from tests.support import CLEAN_PNG


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("rescan")
    services = build_services(Settings(home=root / "home", workers=1))
    first = ingest_file(CLEAN_PNG, services, batch="first")
    again = root / "QD-rescan.jpg"  # one file: a one-document dossier
    again.write_bytes(rescan(corpus_page(CLEAN_PNG.name)))
    intake = ingest_dossier(again, services, code="HS-01", batch="again")
    return first, intake


def test_a_rescanned_document_of_a_dossier_is_a_near_duplicate(outcomes) -> None:
    first, intake = outcomes
    assert first.status == "ingested"
    (document,) = intake.outcomes
    assert document.status == "near_duplicate", document
    assert document.reason and f"near-duplicate of record {first.id}" in document.reason
    assert intake.dossier is not None and [d.id for d in intake.dossier.documents] == [document.id]


def test_the_batch_counts_it_a_near_duplicate_not_ingested(outcomes) -> None:
    _, intake = outcomes
    summary = BatchSummary(batch="again", outcomes=intake.outcomes)
    assert summary.of("ingested") == [] and len(summary.of("near_duplicate")) == 1
    assert summary.pages == 1
