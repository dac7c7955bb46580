"""A số or day written by hand into the printed form is left empty and flagged, never guessed;
the printed ký hiệu, month and year are still read."""

from __future__ import annotations

import datetime as dt

import pytest

from classify import classify_pages, extract_metadata
from schemas import Page
from tests.classify.classify_support import fixture_docs, plan, text_page, word_page


@pytest.mark.parametrize(("number", "day"), [("……", "……"), ("", ""), ("..........", "....."), ("AB", "xy")])
def test_blank_or_unreadable_number_and_day_are_left_empty(number, day):
    meta = extract_metadata([text_page(plan(number=number, day=day))])
    assert meta.number is None and meta.notation == "KH-UBND" and meta.doc_type == "Kế hoạch"
    assert meta.date is None and meta.date_partial == "2019-05"
    assert meta.issuer == "Ủy ban nhân dân thành phố Đà Nẵng"
    assert any(x.startswith("Số văn bản") for x in meta.review)
    assert any(x.startswith("Ngày ban hành") and "5/2019" in x for x in meta.review)
    assert meta.confidence["number"] == 0.0 and meta.confidence["date"] == 0.0


def test_the_review_reasons_reach_the_classification():
    meta, result = classify_pages([text_page(plan(number="……", day="……"))], today=dt.date(2025, 6, 1))
    assert result.needs_review
    assert set(meta.review) <= set(result.review_reasons)


def test_printed_number_and_day_are_read():
    meta = extract_metadata([text_page(plan(number="115", day="2 6"))])
    assert (meta.number, meta.date, meta.date_partial) == ("115", dt.date(2019, 5, 26), None)
    assert meta.review == []


def _with(page: Page, text: str, *, confidence: float | None = None, taller: float = 1.0) -> Page:
    words = []
    for w in page.words:
        if w.text == text:
            box = w.box.model_copy(update={"height": int(w.box.height * taller)})
            w = w.model_copy(update={"confidence": confidence or w.confidence, "box": box})
        words.append(w)
    return page.model_copy(update={"words": words})


@pytest.fixture(scope="module")
def d01() -> Page:
    doc = next(d for d in fixture_docs() if d.doc_id == "d01_qd_phutho")
    return word_page(doc.lines[0])


def test_low_confidence_number_and_tall_day_are_not_guessed(d01):
    clean = extract_metadata([d01])
    assert (clean.number, clean.date) == ("2154", dt.date(2019, 9, 12))
    page = _with(_with(d01, "2154/QĐ-UBND", confidence=20.0), "12", taller=1.8)  # a hand's day
    meta = extract_metadata([page])
    assert meta.number is None and meta.notation == "QĐ-UBND"
    assert meta.date is None and meta.date_partial == "2019-09"
    assert len(meta.review) == 2
    assert meta.issuer == clean.issuer and meta.signer == clean.signer


def test_a_printed_number_read_with_middling_confidence_is_kept(d01):
    meta = extract_metadata([_with(d01, "2154/QĐ-UBND", confidence=60.0)])
    assert meta.number == "2154" and meta.review == []
