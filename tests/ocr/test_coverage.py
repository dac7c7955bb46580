"""Unread lettering: letter-sized ink outside every kept word box (pure, synthetic pages)."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.coverage import unread_share
from schemas import Box, Word
from tests.ocr.synthetic import DPI, text_page


def _band(top: int, bottom: int, width: int) -> Word:
    return Word(text="x", confidence=90.0, box=Box(left=0, top=top, width=width, height=bottom - top))


def test_words_over_all_the_lettering_leave_nothing_unread() -> None:
    page = text_page(lines=20)
    assert unread_share(page, DPI, [_band(0, page.shape[0], page.shape[1])]) == 0.0


def test_a_skipped_half_of_the_page_is_found() -> None:
    page = text_page(lines=20)
    rows = np.flatnonzero((page < 128).any(axis=1))
    middle = int((rows[0] + rows[-1]) / 2)
    share = unread_share(page, DPI, [_band(0, middle, page.shape[1])])
    assert share == pytest.approx(0.5, abs=0.1)
    assert unread_share(page, DPI, []) == 1.0


def test_a_page_with_little_lettering_is_not_judged() -> None:
    page = np.full((2339, 1654), 245, np.uint8)
    page[1000:1010, 200:1400] = 0  # a rule, no letters
    assert unread_share(page, DPI, []) == 0.0
