"""A text-poor page on yellowed paper, saved as a JPEG, read by real Tesseract through the page
pipeline: its few lines must come out (the clean-up once whitened them all as a border); and,
read as nothing, it is an unreadable page, not a blank sheet."""

from __future__ import annotations

import pytest
from PIL import Image

from ocr.engine import FixedTextEngine, TesseractEngine
from ocr.load import SourcePage
from ocr.page_reader import PageResult, process_page
from ocr.quality import INK_WITHOUT_WORDS, UNREADABLE_REASON
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


def test_a_page_with_print_read_as_nothing_is_unreadable_not_blank() -> None:
    image = signature_page_on_tinted_paper(quality=25)
    if image is None:
        pytest.skip("Liberation Serif 2 (fonts-liberation2) not installed")
    page = process_page(SourcePage(number=2, image=image, dpi=300), FixedTextEngine("")).page
    assert page.unreadable and page.needs_review
    assert page.review_reasons == [UNREADABLE_REASON, INK_WITHOUT_WORDS]
    blank = Image.new("RGB", image.size, (235, 220, 180))
    page = process_page(SourcePage(number=3, image=blank, dpi=300), FixedTextEngine("")).page
    assert not page.unreadable and page.review_reasons == ["no text recognised"]
