"""A text-poor page on yellowed paper, saved as a JPEG, read by real Tesseract through the page
pipeline: its few lines must come out (the clean-up once whitened them all as a border)."""

from __future__ import annotations

import pytest

from ocr.engine import TesseractEngine
from ocr.load import SourcePage
from ocr.page_reader import PageResult, process_page
from tests.ocr.measures import bow_recall
from tests.ocr.synthetic import SIGNATURE_PAGE_TEXT, signature_page_on_tinted_paper


@pytest.fixture(scope="module")
def tinted_read(engine: TesseractEngine) -> PageResult:
    image = signature_page_on_tinted_paper(quality=25)
    if image is None:
        pytest.skip("Liberation Serif 2 (fonts-liberation2) not installed")
    return process_page(SourcePage(number=1, image=image, dpi=300), engine)


def test_a_sparse_page_on_yellowed_paper_reads(tinted_read: PageResult) -> None:
    page = tinted_read.page
    assert bow_recall(page.text, SIGNATURE_PAGE_TEXT) >= 0.9
    assert "Võ Minh Dũng" in page.text
    assert not page.needs_review, page.review_reasons
    borders = next(step for step in tinted_read.steps if step.name == "borders")
    assert borders.result["borders"] == 0
