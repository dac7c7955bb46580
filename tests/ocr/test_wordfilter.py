"""Which words are text: specks, noise lines, words read twice, doubled vowels; reading order."""

from __future__ import annotations

import pytest

from ocr.reading_order import order_lines
from ocr.wordfilter import filter_words, reference_height, repair_doubled_vowel
from schemas import Box, Word


def _line(text: str, line: int, *, top: int = 0, left: int = 0, height: int = 40, conf: float = 95.0):
    words, x = [], left
    for token in text.split():
        words.append(
            Word(
                text=token,
                confidence=conf,
                box=Box(left=x, top=top, width=20 * len(token), height=height),
                line=line,
            )
        )
        x += 20 * len(token) + 15
    return words


BODY = _line("Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011", 1, top=100) + _line(
    "Xét đề nghị của Giám đốc Sở Nội vụ", 2, top=160
)


def test_speck_tokens_and_speck_lines_are_dropped() -> None:
    specks = _line("* + R h", 3, top=220, height=8, conf=70.0) + _line(
        ". * R", 4, top=300, height=40, conf=30.0
    )
    inline = [Word(text="R", confidence=92.0, box=Box(left=900, top=100, width=8, height=9), line=1)]
    kept = filter_words(BODY + specks + inline)
    assert [w.text for w in kept.words] == [w.text for w in BODY]
    assert kept.dropped == len(specks) + 1


def test_real_short_lines_stay() -> None:
    page = (
        BODY
        + _line("- CVP,PCVP;", 3, top=220, conf=64.0)
        + _line("2", 4, top=300)
        + _line("Lênin", 5, top=360)
    )
    assert [w.text for w in filter_words(page).words] == [w.text for w in page]


def test_punctuation_boxed_with_its_word_is_no_duplicate() -> None:
    pair = [
        Word(text="ngày", confidence=33.0, box=Box(left=500, top=100, width=90, height=40), line=1),
        Word(text="./.", confidence=33.0, box=Box(left=520, top=100, width=70, height=40), line=1),
    ]
    assert [w.text for w in filter_words(BODY[:3] + pair).words][-2:] == ["ngày", "./."]


def test_a_word_read_twice_keeps_the_surer_reading() -> None:
    twice = [
        Word(text="PHÚC", confidence=93.0, box=Box(left=500, top=100, width=90, height=40), line=1),
        Word(text="P", confidence=60.0, box=Box(left=500, top=100, width=25, height=40), line=1),
    ]
    assert [w.text for w in filter_words(BODY[:3] + twice).words][-1] == "PHÚC"
    assert "P" not in [w.text for w in filter_words(BODY[:3] + twice).words]


@pytest.mark.parametrize(
    ("token", "fixed"),
    [("Truyêền", "Truyền"), ("nghiệệp", "nghiệp"), ("Truyền", "Truyền"), ("UBND", "UBND"), ("xyz", "xyz")],
)
def test_doubled_vowels_are_repaired_only_into_a_syllable(token: str, fixed: str) -> None:
    assert repair_doubled_vowel(token) == fixed


def test_reference_height_needs_confident_syllables() -> None:
    assert reference_height(BODY) == 40
    assert reference_height(_line("* R", 1)) is None


def test_side_by_side_lines_are_read_row_by_row() -> None:
    left = _line("ỦY BAN NHÂN DÂN", 1, top=100, left=100) + _line("TỈNH PHÚ THỌ", 2, top=150, left=150)
    right = _line("CỘNG HÒA XÃ HỘI", 3, top=102, left=900) + _line("Độc lập - Tự do", 4, top=152, left=950)
    ordered = order_lines(left + right)
    texts = " ".join(w.text for w in ordered)
    assert texts == "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI TỈNH PHÚ THỌ Độc lập - Tự do"
    assert [w.line for w in ordered] == sorted(w.line for w in ordered)


def test_a_last_line_read_first_goes_back_to_its_place() -> None:
    lines = _line("Biên bản kết thúc", 9, top=900) + _line("Số lượng hồ sơ", 1, top=100)
    assert [w.text for w in order_lines(lines)][:2] == ["Số", "lượng"]
