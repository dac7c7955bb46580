"""Page quality: the score and the review reasons, and which words are noise (pure)."""

from __future__ import annotations

import pytest

from api.vietnamese import reason_vi
from ocr.quality import (
    INK_WITHOUT_WORDS,
    MIN_SYLLABLE_SHARE,
    UNREADABLE_REASON,
    assess_page,
    syllable_share,
)
from ocr.wordfilter import is_noise_word
from schemas import Box, Word


def _words(text: str, confidence: float = 95.0) -> list[Word]:
    box = Box(left=0, top=0, width=10, height=10)
    return [Word(text=token, confidence=confidence, box=box) for token in text.split()]


GOOD = "Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011 của Quốc hội Số: 2154/QĐ-UBND"


def test_a_good_page_needs_no_review() -> None:
    quality = assess_page(_words(GOOD), GOOD)
    assert quality.reasons == []
    assert quality.syllable_share == 1.0
    assert quality.score == pytest.approx(0.95)


def test_garbage_that_the_engine_is_sure_of_is_caught_by_the_syllables() -> None:
    text = "Tlie qnick hrown fox jnmps ovcr tbe lazv dog Quyết định"
    quality = assess_page(_words(text, 91.0), text)
    assert quality.syllable_share is not None and quality.syllable_share < MIN_SYLLABLE_SHARE
    assert quality.reasons == [f"only 18% of words are Vietnamese syllables (< {MIN_SYLLABLE_SHARE:.0%})"]
    assert quality.score == pytest.approx(quality.syllable_share, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "confidence", "reasons"),
    [
        ("", 0.0, ["no text recognised"]),
        (GOOD, 41.0, ["low OCR confidence (41 < 60)"]),
        ("KT. CHỦ TỊCH", 30.0, ["low OCR confidence (30 < 60)"]),  # too few words to judge syllables
    ],
)
def test_review_reasons(text: str, confidence: float, reasons: list[str]) -> None:
    assert assess_page(_words(text, confidence), text).reasons == reasons


def test_orientation_doubts_come_first() -> None:
    doubt = "orientation unsure (OSD confidence 0.4)"
    assert assess_page(_words(GOOD), GOOD, [doubt]).reasons == [doubt]


def test_share_ignores_numbers_notations_and_acronyms() -> None:
    share, judged = syllable_share(_words("2154/QĐ-UBND UBND 12/9/2019 - Quyết định"))
    assert (share, judged) == (None, 2)


@pytest.mark.parametrize(
    ("text", "confidence", "noise"),
    [
        ('"ẽ:...Ỏẳằẳằ', 0.0, True),  # a signature read as letters
        ("—_", 40.0, True),  # a rule read as symbols
        ("C===,", 20.0, True),
        ("-", 40.0, False),  # a dash is punctuation
        ("./.", 30.0, False),
        ("Quyết", 10.0, False),  # a syllable is kept however unsure
        ("UBND", 10.0, False),
        ("Tlie", 85.0, False),  # sure enough to keep
        ("Tlie", 25.0, True),
    ],
)
def test_noise_words(text: str, confidence: float, noise: bool) -> None:
    word = Word(text=text, confidence=confidence, box=Box(left=0, top=0, width=5, height=5))
    assert is_noise_word(word) is noise


def _boxed(text: str, confidence: float) -> list[Word]:
    return [
        Word(text=t, confidence=confidence, box=Box(left=0, top=0, width=10, height=10)) for t in text.split()
    ]


def test_shares_in_doubt_add_up_to_a_flag() -> None:
    words = _boxed(GOOD, 95.0) + _boxed("thành lập", 50.0)
    alone = assess_page(words, GOOD)
    assert alone.reasons == [] and 0.05 < alone.suspect_share < 0.15
    flagged = assess_page(words, GOOD, dropped=2, unread=0.05)
    assert len(flagged.reasons) == 1 and "of the page in doubt" in flagged.reasons[0]


def test_noise_and_unread_lettering_are_reasons() -> None:
    assert assess_page(_boxed(GOOD, 95.0), GOOD, dropped=40).reasons == [
        "71% of what was read was noise (>= 15%)"
    ]
    assert assess_page(_boxed(GOOD, 95.0), GOOD, unread=0.5).reasons == [
        "50% of the lettering was not read (>= 15%)"
    ]


def test_a_page_mostly_noise_and_unsure_is_unreadable() -> None:
    words = _boxed("Quyết định", 95.0) + _boxed("Tlie qnick hrown", 30.0)
    quality = assess_page(words, "Quyết định Tlie qnick hrown", dropped=50)
    assert quality.unreadable and quality.reasons[0] == UNREADABLE_REASON


def test_print_on_the_page_and_no_word_read_is_an_unreadable_page_not_a_blank_one() -> None:
    blank = assess_page([], "", scanned_unread=0.0)
    assert blank.reasons == ["no text recognised"] and not blank.unreadable
    lost = assess_page([], "", scanned_unread=1.0)
    assert lost.unreadable and lost.reasons == [UNREADABLE_REASON, INK_WITHOUT_WORDS]
    assert reason_vi(f"trang 2: {INK_WITHOUT_WORDS}") == f"trang 2: {INK_WITHOUT_WORDS}"  # as shown


def test_print_the_clean_up_erased_counts_as_unread_lettering() -> None:
    words = _boxed(GOOD, 95.0)
    assert assess_page(words, GOOD, scanned_unread=0.3).reasons == []  # seals and stamps may be that
    assert assess_page(words, GOOD, unread=0.0, scanned_unread=0.8).reasons == [
        "80% of the lettering was not read (>= 15%)"
    ]
