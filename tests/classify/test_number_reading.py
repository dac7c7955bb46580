"""The số read again when the first reading was refused for the engine's confidence: which Số
lines are read again (printed numbers glued to their ký hiệu, never a hand's), and when a
second reading agrees, disagrees or tells nothing (pure rules, as tables)."""

from __future__ import annotations

import pytest

from classify.layout import document_lines
from classify.number_reading import (
    MIN_CONFIDENCE,
    NumberGap,
    NumberReading,
    agreed,
    judge,
    number_gap,
    resolve,
)
from schemas import Page, Word
from tests.classify.classify_support import fixture_docs, word_page

PRINTED = "2154/QĐ-UBND"  # d01's number and ký hiệu, one word as Tesseract gives it


@pytest.fixture(scope="module")
def d01() -> Page:
    doc = next(d for d in fixture_docs() if d.doc_id == "d01_qd_phutho")
    return word_page(doc.lines[0])


def _number_word(
    page: Page, text: str, confidence: float, *, taller: float = 1.0, apart: bool = False
) -> Page:
    """d01 with its number word read as `text` at `confidence` (0-100); `taller`: its height
    times this; `apart`: the number and its ký hiệu read as two words, a gap between."""
    words: list[Word] = []
    for word in page.words:
        if word.text != PRINTED:
            words.append(word)
            continue
        box = word.box.model_copy(update={"height": int(word.box.height * taller)})
        if not apart:
            words.append(word.model_copy(update={"text": text, "confidence": confidence, "box": box}))
            continue
        number, rest = text.split("/", 1)
        cut = box.width * len(number) // len(text)
        words.append(
            word.model_copy(
                update={
                    "text": number,
                    "confidence": confidence,
                    "box": box.model_copy(update={"width": cut - 8}),
                }
            )
        )
        tail = word.box.model_copy(update={"left": box.left + cut, "width": box.width - cut})
        words.append(word.model_copy(update={"text": "/" + rest, "confidence": 90.0, "box": tail}))
    return page.model_copy(update={"words": words})


def _gap(page: Page) -> NumberGap | None:
    return number_gap(document_lines([page]))


def test_a_number_read_surely_is_not_read_again(d01: Page) -> None:
    assert _gap(d01) is None
    assert _gap(_number_word(d01, PRINTED, 60.0)) is None  # middling: the extractor keeps it


def test_a_glued_number_read_unsurely_is_read_again(d01: Page) -> None:
    gap = _gap(_number_word(d01, PRINTED, 20.0))
    assert gap is not None and gap.numbers == ("2154",) and gap.notation == "QĐ-UBND"
    assert gap.page == 1 and "2154" in gap.text


@pytest.mark.parametrize(
    ("read", "numbers"),
    [
        ("2154§/QĐ-UBND", ("21548",)),  # a glyph read for a digit: the first reading's number
        ("21ó4/QĐ-UBND", ("2164",)),
        ("2188§/QĐ-UBND", ("2188", "21888")),  # an 8 read twice, or a digit of its own
        ("796ó/QĐ-UBND", ("796", "7966")),
        ("796ó§/QĐ-UBND", None),  # two glyphs: no number
    ],
)
def test_glyph_readings(d01: Page, read: str, numbers: tuple[str, ...] | None) -> None:
    gap = _gap(_number_word(d01, read, 30.0))
    assert (gap.numbers if gap else None) == numbers


@pytest.mark.parametrize(
    ("text", "taller", "apart"),
    [
        (PRINTED, 1.0, True),  # standing apart from its ký hiệu, as a hand's in the blank
        (PRINTED, 1.8, True),  # ... and taller than the print
        ("\\527/QĐ-UBND", 1.0, False),  # strokes that are no digits
    ],
)
def test_a_hand_number_is_never_read_again(d01: Page, text: str, taller: float, apart: bool) -> None:
    assert _gap(_number_word(d01, text, 20.0, taller=taller, apart=apart)) is None


GAP = NumberGap(
    page=1, index=4, text="Số: 3330/KH-UBND", box=(0, 0, 10, 10), numbers=("3330",), notation="KH-UBND"
)


@pytest.mark.parametrize(
    ("words", "verdict"),
    [
        ([("Số:", 0.93), ("3330/KH-UBND", 0.9)], "agree"),
        ([("Số:", 0.6), ("3330/KH-UBND", MIN_CONFIDENCE)], "agree"),  # the label's confidence aside
        ([("Số:", 0.93), ("2220/KH-UBND", 0.58)], "disagree"),  # another number, however unsure
        ([("Số:", 0.93), ("3330/KH-UBND", 0.84)], "unsure"),
        ([("Số:", 0.93), ("3330", 0.95), ("/KH-UBND", 0.95)], "unsure"),  # not glued: may be a hand's
        ([("Số:", 0.93), ("3330/KH-UBNĐ", 0.95)], "agree"),  # the stroke of a Đ aside
        ([("Số:", 0.93), ("3330/BC-UBND", 0.95)], "unsure"),  # another ký hiệu: not the same line
        ([("Số:", 0.93), ("33§0/KH-UBND", 0.95)], "disagree"),  # 3380
        ([("Số:", 0.93), ("33?0/KH-UBND", 0.95)], "unsure"),  # no number
        ([("Kính", 0.9), ("gửi:", 0.9)], "unsure"),
        ([], "unsure"),
    ],
)
def test_judge(words: list[tuple[str, float]], verdict: str) -> None:
    found, reading = judge(GAP, words)
    assert found == verdict
    assert (reading is not None) == (verdict == "agree")
    if reading is not None:
        assert reading.number == "3330" and (reading.page, reading.index) == (1, 4)


def test_resolve_stops_at_the_first_reading_that_tells() -> None:
    agree = [("Số:", 0.93), ("3330/KH-UBND", 0.9)]
    other = [("Số:", 0.93), ("3380/KH-UBND", 0.9)]
    unsure = [("Số:", 0.93), ("3330/KH-UBND", 0.5)]
    assert resolve(GAP, [unsure, agree]) is not None
    assert resolve(GAP, [other, agree]) is None  # a disagreement is not outvoted
    assert resolve(GAP, [unsure, unsure]) is None
    assert resolve(GAP, []) is None


def test_agreed_only_for_the_same_line_and_a_number_the_first_reading_can_be(d01: Page) -> None:
    from classify.header import read_header

    page = _number_word(d01, PRINTED, 20.0)
    notation, line = read_header(document_lines([page])[0]).number  # type: ignore[misc]
    same = NumberReading(line.page, line.index, "2154", "Số: 2154/QĐ-UBND", 0.9)
    assert agreed(same, notation, line) == "2154"
    assert agreed(None, notation, line) is None
    assert agreed(NumberReading(line.page, line.index + 1, "2154", same.text, 0.9), notation, line) is None
    assert agreed(NumberReading(line.page, line.index, "2164", same.text, 0.9), notation, line) is None
    hand = _number_word(d01, PRINTED, 20.0, apart=True)
    notation, line = read_header(document_lines([hand])[0]).number  # type: ignore[misc]
    assert agreed(same, notation, line) is None
