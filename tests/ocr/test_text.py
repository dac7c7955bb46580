"""Vietnamese text hygiene: search keys keep lengths; OCR repairs letters and line-end hyphens."""

from __future__ import annotations

import unicodedata

import pytest

from vntext.normalise import (
    canonical_tones,
    clean_ocr_text,
    fix_foreign_letters,
    fold,
    folded_key,
    foreign_letters,
    join_hyphenated_lines,
    nfc,
    search_key,
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hoà bình", "hòa bình"),
        ("THUỶ LỢI", "thủy lợi"),
        ("khoẻ", "khỏe"),
        ("hoàn thành", "hoàn thành"),  # a final consonant fixes the mark's place
        ("quý", "quý"),  # qu is a consonant
        ("Đảng uỷ", "đảng ủy"),
    ],
)
def test_search_key_uses_one_tone_convention(text: str, key: str) -> None:
    assert search_key(text) == key
    assert len(search_key(text)) == len(nfc(text))


def test_folded_key_drops_every_mark_and_keeps_length() -> None:
    text = "Đảng ủy Vĩnh Phúc, HOẢ TỐC"
    assert folded_key(text) == "dang uy vinh phuc, hoa toc"
    assert fold(text) == "Dang uy Vinh Phuc, HOA TOC"
    assert len(folded_key(text)) == len(text)
    assert canonical_tones(unicodedata.normalize("NFD", "hoà")) == "hòa"


@pytest.mark.parametrize(
    ("read", "fixed", "notes"),
    [
        ("Cộng hoö", "Cộng hoô", ["ö>ô"]),
        ("Bäc Ninh", "Bâc Ninh", ["ä>â"]),
        ("trång", "trăng", ["å>ă"]),
        ("tïnh", "tinh", ["ï>i"]),
        ("ñgày", "ngày", ["ñ>n"]),
        ("Ðiều ðó", "Điều đó", ["Ð>Đ", "ð>đ"]),
        ("lęnh", "lẹnh", ["ę>ẹ"]),
        ("ö\u0301", "ố", ["ö́>ố"]),  # a foreign mark and a tone: the closest is ố
        ("Straße", "Straße", ["ß"]),  # no close Vietnamese letter: kept, listed
        ("Nguyễn Thị Thuỷ", "Nguyễn Thị Thuỷ", []),
    ],
)
def test_letters_foreign_to_vietnamese_are_replaced_or_listed(
    read: str, fixed: str, notes: list[str]
) -> None:
    assert fix_foreign_letters(read) == (fixed, notes)
    assert foreign_letters(read) == [note.split(">")[0] for note in notes]


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("chủ nghĩa Mác-\nLênin", "chủ nghĩa Mác-Lênin"),  # a hyphenated name keeps its hyphen
        ("Số: 2154/QĐ-\nUBND", "Số: 2154/QĐ-UBND"),  # so does a notation
        ("Xô-\nviết", "Xô-viết"),
        ("ngh-\niệp vụ", "nghiệp vụ"),  # a syllable broken in two is one again
        ("Độc lập -\nTự do", "Độc lập -\nTự do"),  # a dash after a space is text
        ("- Như trên;\n- Lưu: VT.", "- Như trên;\n- Lưu: VT."),
    ],
)
def test_hyphenated_line_ends_are_joined(text: str, joined: str) -> None:
    assert join_hyphenated_lines(text) == joined


def test_clean_ocr_text_is_nfc_fixed_and_joined() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định thöng-\nbáo")
    text, notes = clean_ocr_text(decomposed)
    assert text == "Quyết định thông-báo" and notes == ["ö>ô"]
    assert unicodedata.is_normalized("NFC", text)
