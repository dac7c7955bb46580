"""Dates and subjects read through the usual OCR slips."""

from __future__ import annotations

import datetime as dt

import pytest

from classify.dates import parse_date_line
from classify.subject import trim_noise


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Đà Nẵng, ngày 26tháng 7 năm 2019", dt.date(2019, 7, 26)),  # glued label
        ("Đà Nẵng, ngày 2 6 tháng 7 năm 20 19", dt.date(2019, 7, 26)),  # split digits
        ("Đà Nẵng, ngày l2 tháng O7 năm 2Ol9", dt.date(2019, 7, 12)),  # l/O for 1/0
        ("Da Nang, ngay 12 thang 7 nam 2019", dt.date(2019, 7, 12)),  # lost marks
    ],
)
def test_dates_through_ocr_slips(line, date):
    found = parse_date_line(line)
    assert found is not None and found.date == date and found.place


@pytest.mark.parametrize("day", ["31", "o", "\\5", "ab"])
def test_an_impossible_or_unreadable_day_leaves_the_month(day):
    found = parse_date_line(f"Đà Nẵng, ngày {day} tháng 2 năm 2019")
    assert found is not None and found.date is None and found.partial == "2019-02"
    assert found.day_read == day


@pytest.mark.parametrize(
    ("read", "kept"),
    [
        ("V/v xin ý kiến Đức Chúa trời S S à S ì", "V/v xin ý kiến Đức Chúa trời"),
        ("Về việc ban hành quy chế năm 2021 ửx", "Về việc ban hành quy chế năm 2021"),
        ("Về việc thành lập Tổ công tác số 1", "Về việc thành lập Tổ công tác số 1"),
        ("Về việc ban hành Phụ lục A", "Về việc ban hành Phụ lục A"),
        ("V/v cấp phép cho Công ty TNHH ABC", "V/v cấp phép cho Công ty TNHH ABC"),
    ],
)
def test_subject_loses_trailing_debris_only(read, kept):
    assert trim_noise(read) == kept
