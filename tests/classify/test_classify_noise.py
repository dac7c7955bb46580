"""Dates and subjects read through the usual OCR slips."""

from __future__ import annotations

import datetime as dt

import pytest

from classify import extract_metadata
from classify.dates import parse_date_line
from classify.subject import trim_noise
from tests.classify.classify_support import text_page


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


SIGNED = """ỦY BAN NHÂN DÂN
TỈNH PHÚ THỌ
Số: 15/QĐ-UBND
Phú Thọ, ngày 12 tháng 9 năm 2019
QUYẾT ĐỊNH
Về việc thành lập Tổ công tác
Điều 1. Giao ông {repeat}, Phó Giám đốc Sở, làm tổ trưởng./.
Nơi nhận:
KT. CHỦ TỊCH
- Như trên;
PHÓ CHỦ TỊCH
- Lưu: VT.
Lươnz Xuân Thắng"""


def test_a_misspelled_signer_takes_the_spelling_of_its_repeat_in_the_text():
    meta = extract_metadata([text_page(SIGNED.format(repeat="Lương Xuân Thắng"))])
    assert meta.signer.name == "Lương Xuân Thắng"


def test_a_misspelled_family_name_one_letter_from_one_common_one_is_repaired_less_surely():
    meta = extract_metadata([text_page(SIGNED.format(repeat="Nguyễn Văn An"))])
    assert meta.signer.name == "Lương Xuân Thắng"  # 'z' spells no Vietnamese syllable; Lương only
    clean = extract_metadata([text_page(SIGNED.format(repeat="Nguyễn Văn An").replace("Lươnz", "Lương"))])
    assert meta.confidence["signer"] < clean.confidence["signer"]


def test_a_misspelled_signer_without_a_close_repeat_is_left_for_a_person():
    page = SIGNED.format(repeat="Nguyễn Văn An").replace("Lươnz Xuân Thắng", "Lương Xuân Thắnz")
    meta = extract_metadata([text_page(page)])
    assert meta.signer.name is None and meta.signer.position == "PHÓ CHỦ TỊCH"
    assert meta.confidence["signer"] == 0.0
    assert any("Lương Xuân Thắnz" in reason for reason in meta.review)
