"""An O in the day ('ngày O7': a hand's round stroke, or a printed 0) is never taken from the
first reading's letters: the day stays empty, month and year kept, and the line is read again."""

from __future__ import annotations

import datetime as dt

from classify.date_reading import date_gap
from classify.dates import parse_date_line
from classify.layout import document_lines
from schemas import Page


def test_an_o_in_the_day_is_not_taken_as_a_zero() -> None:
    found = parse_date_line("Bắc Ninh, ngày O7 tháng 7 năm 2017")
    assert found is not None and found.date is None and (found.year, found.month) == (2017, 7)
    assert parse_date_line("Bắc Ninh, ngày 07 tháng 7 năm 2017").date == dt.date(2017, 7, 7)
    page = Page(number=1, text="Bắc Ninh, ngày O7 tháng 7 năm 2017\n")
    gap = date_gap(document_lines([page])[:1])
    assert gap is not None and [(t.slot, t.read) for t in gap.targets] == [("day", "O7")]
