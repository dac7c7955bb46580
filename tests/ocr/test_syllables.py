"""The syllable validator: phonotactics and spelling rules as tables, then real text."""

from __future__ import annotations

import pytest

from tests.support import CORPUS_FIXTURES
from vntext.syllables import is_syllable, split_tone, token_kind

VALID = [
    "a", "ý", "ở", "yêu", "oai", "uyên", "ước", "gì", "giếng", "giữ", "quốc", "quyết", "quý", "khuya",
    "khuỷu", "thuở", "nghiêng", "nghĩ", "ghế", "kìa", "kỹ", "kĩ", "Nguyễn", "ĐẠI", "Phước", "hòa", "hoà",
    "thủy", "thuỷ", "xoong", "boong", "ắt", "ạc", "huých", "oanh", "ngoằn", "ngoèo", "Việt", "trưởng",
]  # fmt: skip
INVALID = [
    "",  # nothing
    "ngiêng",  # ngh before i/e/ê
    "nghương",  # ng elsewhere
    "kà",  # k only before i/e/ê/y
    "cế",  # c never before e/ê/i
    "gế",  # gh before e
    "ghà",  # g elsewhere
    "hoàt",  # a stop final takes only sắc or nặng
    "ác̀",  # two tones
    "ac",  # a stop final with no tone
    "tyên",  # yê after a consonant is written iê
    "iêu",  # iê with no consonant is written yê
    "qa",  # q only as qu
    "Tlie",  # tl is no onset
    "bcd",  # no vowel
    "wifi",  # w and f are not Vietnamese letters
    "hẻm̃",  # tone mark on m
    "ñ",  # not a Vietnamese letter
]


@pytest.mark.parametrize("word", VALID)
def test_valid_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", INVALID)
def test_invalid_syllables(word: str) -> None:
    assert not is_syllable(word)


def test_tone_is_split_from_the_letters() -> None:
    assert split_tone("Thường") == ("thương", "huyền")
    assert split_tone("ĐỐC") == ("đôc", "sắc")
    assert split_tone("hoa") == ("hoa", "")
    assert split_tone("á\u0300") == ("a", "many")


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("Quyết", "syllable"),
        ("định:", "syllable"),
        ("(bà)", "syllable"),
        ("Xô-viết", "syllable"),
        ("2154/QĐ-UBND", "other"),
        ("UBND;", "other"),
        ("12/9/2019.", "other"),
        ("318/TTr-SNV", "other"),
        ("(b/c);", "other"),
        ("cntt@nghean.gov.vn", "other"),
        ("-", "other"),
        ('"ẽ:...Ỏẳằẳằ', "invalid"),
        ("Tlie", "invalid"),
        ("thự.chiện", "invalid"),
        ("ĐỘC§", "invalid"),
    ],
)
def test_token_kinds(token: str, kind: str) -> None:
    assert token_kind(token) == kind


def test_real_administrative_text_is_nearly_all_syllables_or_notation() -> None:
    tokens = [
        token
        for path in sorted((CORPUS_FIXTURES / "gt").glob("*.gt.txt"))
        for token in path.read_text(encoding="utf-8").split()
    ]
    invalid = [token for token in tokens if token_kind(token) == "invalid"]
    assert len(tokens) > 800
    assert len(invalid) <= len(tokens) * 0.005, invalid
