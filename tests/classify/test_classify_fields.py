"""Place/date, marks, issuing bodies, incoming stamp: should-match / should-not-match rows,
with lost diacritics and OCR slips as rows."""

from __future__ import annotations

import datetime as dt

import pytest

from classify.dates import parse_date_line, parse_numeric_date
from classify.layout import Line
from classify.marks import find_marks
from classify.orgname import clean_header_line, initials, read_bodies
from classify.stamp import read_incoming


def lines(*texts: str, page: int = 1) -> list[Line]:
    return [Line(text=t, page=page, index=i) for i, t in enumerate(texts)]


@pytest.mark.parametrize(
    ("line", "place", "date"),
    [
        ("Vĩnh Phúc, ngày 29 tháng 6 năm 2018", "Vĩnh Phúc", dt.date(2018, 6, 29)),
        ("Phú Thọ, ngày 12 tháng 9 năm 2019", "Phú Thọ", dt.date(2019, 9, 12)),
        ("Hà Nội, ngày 05 tháng 02 năm 2018", "Hà Nội", dt.date(2018, 2, 5)),
        ("Hà Nội, ngày 01 tháng 06 năm 2018", "Hà Nội", dt.date(2018, 6, 1)),  # padded: style only
        ("Thành phố Hồ Chí Minh, ngày 3 tháng 3 năm 2022", "Thành phố Hồ Chí Minh", dt.date(2022, 3, 3)),
        ("Vinh Phuc, ngay 29 thang 6 nam 2018", "Vinh Phuc", dt.date(2018, 6, 29)),  # no marks
        ("Phú Thọ, ngảy 12 thảng 9 nãm 2019", "Phú Thọ", dt.date(2019, 9, 12)),  # wrong marks
        ("Phú Thọ, ngày l2 tháng 9 năm 2O19", "Phú Thọ", dt.date(2019, 9, 12)),  # l/1, O/0
        ("Phú Thọ ngày 12 tháng 9 năm 2019", "Phú Thọ", dt.date(2019, 9, 12)),  # comma lost
        (
            "Số: 2154/QĐ-UBND. . : Phú Thọ, ngày 12 tháng 9 năm 2019",
            "Phú Thọ",
            dt.date(2019, 9, 12),
        ),  # merged with the number
        ("TỈNH PHÚ THỌ Phú Thọ, ngày 12 tháng 9 năm 2019", "Phú Thọ", dt.date(2019, 9, 12)),
    ],
)
def test_date_line(line, place, date):
    found = parse_date_line(line)
    assert found is not None
    assert (found.place, found.date) == (place, date)


@pytest.mark.parametrize(
    "line",
    [
        "Phú Thọ, ngày 12 tháng 0 năm 2019",  # month 0
        "Phú Thọ, ngày 12 tháng _ năm 2022",  # the month was not read
        "Phú Thọ, ngày 12 tháng 9 năm 1789",  # implausible year
        "Độc lập - Tự do - Hạnh phúc",
    ],
)
def test_not_a_date_line(line):
    assert parse_date_line(line) is None


def test_a_body_date_has_no_place():
    found = parse_date_line("Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011;")
    assert found is not None and found.place is None


def test_date_line_repairs_are_reported():
    assert parse_date_line("Hà Nội, ngày 05 tháng 02 năm 2018").repaired is False
    assert parse_date_line("Hà Nội, ngày O5 tháng 02 năm 2018").repaired is True


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("14/02/1968", dt.date(1968, 2, 14)),
        ("9.5.1979", dt.date(1979, 5, 9)),
        ("25-4-2019", dt.date(2019, 4, 25)),
        ("31/02/2019", None),
        ("12/2019", None),
    ],
)
def test_numeric_date(text, date):
    assert parse_numeric_date(text) == date


# --- marks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        ("MẬT", "secrecy", "MẬT"),
        ("TỐI MẬT", "secrecy", "TỐI MẬT"),
        ("TUYỆT MẬT", "secrecy", "TUYỆT MẬT"),
        ("| MẬT |", "secrecy", "MẬT"),
        ("MAT", "secrecy", "MẬT"),
        ("TOI MAT", "secrecy", "TỐI MẬT"),
        ("Mật", "secrecy", "MẬT"),
        ("[TUYET MAT]", "secrecy", "TUYỆT MẬT"),
        ("KHẨN", "urgency", "KHẨN"),
        ("THƯỢNG KHẨN", "urgency", "THƯỢNG KHẨN"),
        ("HỎA TỐC", "urgency", "HỎA TỐC"),
        ("HOẢ TỐC", "urgency", "HỎA TỐC"),
        ("HOA TOC", "urgency", "HỎA TỐC"),
        ("KHAN", "urgency", "KHẨN"),
        ("LƯU HÀNH NỘI BỘ", "circulation", "LƯU HÀNH NỘI BỘ"),
        ("XEM XONG TRẢ LẠI", "circulation", "XEM XONG TRẢ LẠI"),
        ("DỰ THẢO", "circulation", "DỰ THẢO"),
        ("GIẢI MẬT", "declassified", "GIẢI MẬT"),
        ("Số: 46/BC-TTr MẬT", "secrecy", "MẬT"),  # merged into the number row
    ],
)
def test_mark(line, kind, value):
    marks = find_marks(lines(line))
    assert [(m.kind, m.value) for m in marks] == [(kind, value)]


@pytest.mark.parametrize(
    "line",
    [
        "bảo vệ bí mật nhà nước",
        "BÁO CÁO CÔNG TÁC BẢO VỆ BÍ MẬT NHÀ NƯỚC",
        "ỦY BAN MẶT TRẬN TỔ QUỐC",
        "khẩn trương triển khai",
        "TRIỂN KHAI KHẨN TRƯƠNG",
        "ĐỘ MẬT",
        "MẬT KHẨU",
        "Mật độ dân số cao",
        "KHẨN CẤP",
        "Cộng hòa xã hội",
        "",
    ],
)
def test_not_a_mark(line):
    assert [m for m in find_marks(lines(line)) if m.kind in ("secrecy", "urgency")] == []


def test_standalone_mark_is_surer_than_embedded():
    alone = find_marks(lines("MẬT"))[0]
    merged = find_marks(lines("Số: 46/BC-TTr MẬT"))[0]
    assert alone.standalone and not merged.standalone
    assert alone.confidence > merged.confidence


# --- issuing bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "issuer", "parent"),
    [
        (["ỦY BAN NHÂN DÂN", "TỈNH PHÚ THỌ"], "Ủy ban nhân dân tỉnh Phú Thọ", None),
        (["UBND TỈNH BẮC NINH", "SỞ NỘI VỤ"], "Sở Nội vụ tỉnh Bắc Ninh", "Ủy ban nhân dân tỉnh Bắc Ninh"),
        (
            ["UBND TỈNH THÁI BÌNH", "THANH TRA TỈNH"],
            "Thanh tra tỉnh Thái Bình",
            "Ủy ban nhân dân tỉnh Thái Bình",
        ),
        (
            ["SỞ NỘI VỤ TỈNH QUẢNG NAM", "TRUNG TÂM LƯU TRỮ LỊCH SỬ"],
            "Trung tâm Lưu trữ lịch sử tỉnh Quảng Nam",
            "Sở Nội vụ tỉnh Quảng Nam",
        ),
        (["BỘ LAO ĐỘNG - THƯƠNG BINH", "VÀ XÃ HỘI"], "Bộ Lao động - Thương binh và Xã hội", None),
        (["BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG"], "Bộ Tài nguyên và Môi trường", None),
        (
            ["UBND HUYỆN THÁI THỤY", "PHÒNG NỘI VỤ"],
            "Phòng Nội vụ huyện Thái Thụy",
            "Ủy ban nhân dân huyện Thái Thụy",
        ),
        (["ỦY BAN NHÂN DÂN", "XÃ THỤY HẢI"], "Ủy ban nhân dân xã Thụy Hải", None),
        (["CHÍNH PHỦ"], "Chính phủ", None),
        (["ỦY BAN NHÂN DÂN", "TỈNH BÀ RỊA - VŨNG TÀU"], "Ủy ban nhân dân tỉnh Bà Rịa - Vũng Tàu", None),
        # OCR debris and a lost accent on the kind of body
        (["â ỦY BAN NHÂN DÂN. ..", "TỈNH PHÚ THỌ: :"], "Ủy ban nhân dân tỉnh Phú Thọ", None),
        (
            ["UBND TỈNH BẮC NINH- ......", "SƠ NỘI VỤ h ._"],
            "Sở Nội vụ tỉnh Bắc Ninh",
            "Ủy ban nhân dân tỉnh Bắc Ninh",
        ),
    ],
)
def test_issuing_body(header, issuer, parent):
    found, found_parent = read_bodies(header)
    assert found.name == issuer
    assert (found_parent.name if found_parent else None) == parent


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("â ỦY BAN NHÂN DÂN. ..", "ỦY BAN NHÂN DÂN"),
        ("SỞ NỘI VỤ h ._", "SỞ NỘI VỤ"),
        ("BỘ LAO ĐỘNG - THƯƠNG BINH", "BỘ LAO ĐỘNG - THƯƠNG BINH"),
        ("_____", ""),
    ],
)
def test_header_line_debris(raw, cleaned):
    assert clean_header_line(raw) == cleaned


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "STTTT"),
        ("UBND TỈNH BẮC NINH", "UBND"),
        ("SỞ NỘI VỤ", "SNV"),
        ("HỘI ĐỒNG TUYỂN DỤNG", "HĐTD"),
    ],
)
def test_issuer_initials(printed, code):
    assert initials(printed) == code


# --- incoming stamp --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "number", "date"),
    [
        (["ĐẾN Số: 345 Ngày: 12/5/2021"], "345", dt.date(2021, 5, 12)),
        (["CÔNG VĂN ĐẾN", "Số: 1234", "Ngày: 15/4/2021"], "1234", dt.date(2021, 4, 15)),
        (["DEN So: 34S Ngay: 12/5/21"], "345", dt.date(2021, 5, 12)),  # no accents, S for 5
        (["ĐẾN", "Số: 77", "Ngày: 20/4"], "77", dt.date(2021, 4, 20)),  # year from the document
        (["Số đến: 88", "Ngày: 02/01"], "88", dt.date(2022, 1, 2)),  # after the issue: next year
    ],
)
def test_incoming_stamp(texts, number, date):
    found = read_incoming(lines(*texts), issued=dt.date(2021, 4, 8))
    assert found is not None
    assert (found.number, found.date) == (number, date)


@pytest.mark.parametrize(
    "texts",
    [
        ["Thời gian giao nộp: đến ngày 30 tháng 6 năm 2021"],
        ["hồ sơ đã đến hạn nộp lưu"],
        ["Số: 587/SNV-CCVTLT"],
    ],
)
def test_not_an_incoming_stamp(texts):
    assert read_incoming(lines(*texts), issued=dt.date(2021, 4, 8)) is None
