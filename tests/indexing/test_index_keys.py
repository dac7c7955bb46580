"""The fast page keys agree with vntext.normalise's definitions."""

from __future__ import annotations

import pytest

from indexing.page_keys import folded_view, page_keys
from vntext.normalise import folded_key, search_key

TEXTS = [
    "ỦY BAN NHÂN DÂN TỈNH VĨNH PHÚC\nSố: 2154/QĐ-UBND",
    "Đảng uỷ xã hoà bình, thuỷ lợi, khoẻ mạnh; Ðiều 1 (Đ dạng Ð)",
    "àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ đĐ",
    "ÀÁẢÃẠ ẰẮẲẴẶ ẦẤẨẪẬ ÈÉẺẼẸ ỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ỒỐỔỖỘ ỜỚỞỠỢ ÙÚỦŨỤ ỪỨỬỮỰ ỲÝỶỸỴ",
    "naïve café Ωmega ß ﬁ 50% ½",
]


@pytest.mark.parametrize("text", TEXTS)
def test_page_keys_and_folded_view_match_ocr_text(text: str) -> None:
    assert page_keys(text) == (search_key(text), folded_key(text))
    assert folded_view(text) == folded_key(text)


def test_folded_view_keeps_one_character_per_character() -> None:
    text = "İstanbul Đà Nẵng"
    assert len(folded_view(text)) == len(text)
    assert folded_view(text) == "istanbul da nang"
