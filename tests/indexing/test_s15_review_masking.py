"""Review s15 (be50bd1): a look-alike letter is read as a digit where OCR misread one, not in a
row of short codes that hold one letter and one digit each ("B1 B2 B3 B4 B5" is not a 10-digit
number to hide from the public); a date's "O4" beside its digit groups still is."""

from __future__ import annotations

import time

import pytest

from indexing.masking import MASKED, mask_text

KEPT = [
    "Các phòng B1 B2 B3 B4 B5 tầng 2",
    "mẫu S1 S2 S3 S4 S5 S6 đã kiểm tra",
    "Phụ lục I1 I2 I3 I4 I5",
]
MASKED_STILL = [
    ("sinh ngày 12/O4/1995, quê", "12/O4/1995"),
    ("Ngày sinh: O4/12/1995.", "O4/12/1995"),
    ("sinh năm l976, thường trú", "l976"),
    ("điện thoại 0912 486 2S7.", "0912 486 2S7"),
    ("ĐT 0912 486 2S 7O", "0912 486 2S 7O"),
]


@pytest.mark.parametrize("text", KEPT)
def test_a_row_of_short_codes_is_not_a_number(text: str) -> None:
    assert mask_text(text) == text


@pytest.mark.parametrize(("text", "value"), MASKED_STILL)
def test_a_misread_digit_beside_digit_groups_is_still_masked(text: str, value: str) -> None:
    masked = mask_text(text)
    assert value not in masked and MASKED in masked


def test_a_long_page_of_digits_and_look_alikes_masks_in_milliseconds() -> None:
    """2,000 characters of digits and look-alike letters, before and after each other."""
    pages = ["1S" * 1000, "S" * 1999 + "1", "1" * 1000 + "S" * 1000, "B1 " * 666, "x" + "1S" * 999 + "x"]
    started = time.perf_counter()
    for page in pages:
        mask_text(page)
    assert time.perf_counter() - started < 1.0  # ~10 ms idle; a quadratic scan would take seconds
