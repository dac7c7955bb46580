"""The year check of the date of issue is extract's own: every path (sohoa classify FILE,
reprocess --classify, ingest) leaves a misread year empty with a reason for a person."""

from __future__ import annotations

import datetime as dt

from classify.extract import extract, extract_metadata
from schemas import Page

_TEXT = (
    "ỦY BAN NHÂN DÂN\nTỈNH VĨNH PHÚC\nSố: 12/BC-UBND\n"
    "Vĩnh Phúc, ngày 12 tháng 10 năm 2016\nBÁO CÁO\nThu gom rác năm 2018\nKế hoạch năm 2018.\n"
)


def test_a_misread_year_is_left_empty_by_extract_itself() -> None:
    page = Page(number=1, text=_TEXT)
    metadata = extract_metadata([page])
    assert metadata.date is None and metadata.date_partial is None
    assert metadata.confidence["date"] == 0
    assert any("năm 2018" in reason for reason in metadata.review)
    assert extract([page]).metadata.date is None


def test_a_year_the_text_speaks_of_is_kept() -> None:
    page = Page(number=1, text=_TEXT.replace("năm 2016", "năm 2018"))
    assert extract_metadata([page]).date == dt.date(2018, 10, 12)
