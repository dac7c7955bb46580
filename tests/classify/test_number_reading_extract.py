"""The extractor with the Số line read again (classify.number_reading): a number refused for
the engine's confidence is stored when a second reading agrees, and stays empty, flagged for a
person, when none does; a hand's number is never taken from a second reading."""

from __future__ import annotations

import pytest

from classify import extract
from classify.header import read_header
from classify.layout import document_lines
from classify.number_reading import NumberReading
from schemas import Page
from tests.classify.classify_support import fixture_docs, word_page
from tests.classify.test_number_reading import PRINTED, _number_word


@pytest.fixture(scope="module")
def d01() -> Page:
    doc = next(d for d in fixture_docs() if d.doc_id == "d01_qd_phutho")
    return word_page(doc.lines[0])


def _again(page: Page, number: str) -> NumberReading:
    line = read_header(document_lines([page])[0]).number[1]  # type: ignore[index]
    return NumberReading(line.page, line.index, number, f"Số: {number}/QĐ-UBND", 0.9)


def test_a_number_read_the_same_again_is_stored(d01: Page) -> None:
    page = _number_word(d01, PRINTED, 20.0)
    first = extract([page]).metadata
    assert first.number is None and any(r.startswith("Số văn bản") for r in first.review)
    found = extract([page], number=_again(page, "2154"))
    meta = found.metadata
    assert meta.number == "2154" and meta.notation == "QĐ-UBND"
    assert not any(r.startswith("Số văn bản") for r in meta.review)
    assert 0.6 <= meta.confidence["number"] < 0.95
    assert "đọc lại" in found.evidence["number"].text
    assert meta.issuer == first.issuer and meta.date == first.date


def test_a_glyph_read_twice_takes_the_number_read_again(d01: Page) -> None:
    page = _number_word(d01, "2188§/QĐ-UBND", 80.0)
    assert extract([page]).metadata.number is None
    assert extract([page], number=_again(page, "2188")).metadata.number == "2188"
    assert extract([page], number=_again(page, "2189")).metadata.number is None


def test_no_second_reading_or_another_number_leaves_it_for_a_person(d01: Page) -> None:
    page = _number_word(d01, PRINTED, 20.0)
    for again in (None, _again(page, "2164")):
        meta = extract([page], number=again).metadata
        assert meta.number is None and meta.confidence["number"] == 0.0
        assert any(r.startswith("Số văn bản viết tay hoặc không đọc rõ") for r in meta.review)


def test_a_hand_number_is_not_taken_from_a_second_reading(d01: Page) -> None:
    page = _number_word(d01, PRINTED, 20.0, apart=True)
    meta = extract([page], number=_again(page, "2154")).metadata
    assert meta.number is None


def test_a_number_read_surely_is_kept_as_read(d01: Page) -> None:
    meta = extract([d01], number=_again(d01, "2164")).metadata  # a reading never asked for
    assert meta.number == "2154"
