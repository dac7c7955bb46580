"""A two-word secrecy stamp whose first word came back broken while its 'MẬT' is whole
(classify.marks.stamp_level): a secret at the level its first word is nearest to; ordinary
vocabulary ('BÍ MẬT', 'TIN MẬT') is no stamp."""

from __future__ import annotations

import pytest

from classify.marks import stamp_level


@pytest.mark.parametrize(
    ("read", "level"),
    [
        ("TUY ïE MẬT", "TUYỆT MẬT"),  # 70 dpi photocopy
        ("TUYÍ#Ir MẬT", "TUYỆT MẬT"),  # a stacked accent cut
    ],
)
def test_a_broken_first_word_before_a_whole_mat(read: str, level: str) -> None:
    assert stamp_level(read) == ("secrecy", level)


@pytest.mark.parametrize(
    "read", ["BÍ MẬT", "BẢO MẬT", "TIN MẬT", "ĐỊA MẬT", "ĐỘ MẬT", "Bí Mật", "nội dung mật", "x MẬT", "ÔI MÂ"]
)
def test_ordinary_words_before_mat_are_no_stamp(read: str) -> None:
    assert stamp_level(read) is None


def test_the_plain_forms_are_unchanged() -> None:
    assert stamp_level("TỐI MẬT") == ("secrecy", "TỐI MẬT")
    assert stamp_level("| MẬT |") == ("secrecy", "MẬT")
    assert stamp_level("THƯỢNG KHẨN") == ("urgency", "THƯỢNG KHẨN")
