"""Số/ký hiệu and document types: should-match / should-not-match rows, with OCR variants."""

from __future__ import annotations

import pytest

from classify.doctypes import by_abbreviation, by_title
from classify.notation import align_code, parse_number_line

# line, number, notation, form, type name
MATCH = [
    ("Số: 15/QĐ-UBND", "15", "QĐ-UBND", "typed", "Quyết định"),
    ("Số: 2154/QĐ-UBND", "2154", "QĐ-UBND", "typed", "Quyết định"),
    ("Số: 1234/UBND-VX", "1234", "UBND-VX", "cong_van", "Công văn"),
    ("Số: 30/2020/NĐ-CP", "30", "2020/NĐ-CP", "normative", "Nghị định"),
    ("Số: 104/2016/QH13", "104", "2016/QH13", "normative", None),
    ("Số: 05/TTr-SNV", "05", "TTr-SNV", "typed", "Tờ trình"),
    ("Số: 46/BC-TTr", "46", "BC-TTr", "typed", "Báo cáo"),
    ("Số: 214/TB-HĐTD", "214", "TB-HĐTD", "typed", "Thông báo"),
    # OCR variants
    ("S6: 15/QĐ-UBND", "15", "QĐ-UBND", "typed", "Quyết định"),
    ("Sô: 15/QĐ-UBND", "15", "QĐ-UBND", "typed", "Quyết định"),
    ("So: 15/QD-UBND", "15", "QĐ-UBND", "typed", "Quyết định"),  # lost stroke on Đ
    ("Số 15 / QĐ - UBND", "15", "QĐ-UBND", "typed", "Quyết định"),  # spaces, no colon
    ("Số;587/SNV-CCVTLT", "587", "SNV-CCVTLT", "cong_van", "Công văn"),
    ("Số: l5/QĐ-UBND", "15", "QĐ-UBND", "typed", "Quyết định"),  # l for 1
    ("Số: 1O5/QĐ-UBND", "105", "QĐ-UBND", "typed", "Quyết định"),  # O for 0
    ("Số: 15/QĐ-UBN0", "15", "QĐ-UBNO", "typed", "Quyết định"),  # 0 for O in a code
    ("Số: 12/TTR-SYT", "12", "TTr-SYT", "typed", "Tờ trình"),  # capital R
    ("Số: 2154/QĐ-UBND. . : Phú Thọ, ngày 12", "2154", "QĐ-UBND", "typed", "Quyết định"),
    ("_ Số: 46/BC-TTr Thái Bình, ngày 17 tháng 11 năm 2020", "46", "BC-TTr", "typed", "Báo cáo"),
    ("Số: 30/2020/ND-CP", "30", "2020/NĐ-CP", "normative", "Nghị định"),
]

NO_MATCH = [
    "Thực hiện Văn bản số 3120/UBND-TCD ngày 02 tháng 10 năm 2020",  # a citation in the body
    "ĐẾN Số: 345 Ngày: 12/5/2021",  # the incoming stamp
    "ĐẾN Số: 345/UBND",
    "Số: 345",  # no notation
    "Số lượng: 186 hồ sơ",
    "Số điện thoại: 0912 486 237",
    "Căn cứ Nghị định số 30/2020/NĐ-CP",
    "",
]


@pytest.mark.parametrize(("line", "number", "notation", "form", "type_name"), MATCH)
def test_number_line_is_read(line, number, notation, form, type_name):
    found = parse_number_line(line)
    assert found is not None
    assert (found.number, found.notation, found.form, found.type_name) == (number, notation, form, type_name)


@pytest.mark.parametrize("line", NO_MATCH)
def test_not_a_number_line(line):
    assert parse_number_line(line) is None


def test_repair_is_reported():
    assert parse_number_line("Số: 15/QĐ-UBND").repaired is False
    assert parse_number_line("S6: 15/QĐ-UBND").repaired is True
    assert parse_number_line("Số: 15 / QĐ-UBND").repaired is True


@pytest.mark.parametrize(
    ("abbr", "name", "official"),
    [
        ("QĐ", "Quyết định", "QĐ"),
        ("qđ", "Quyết định", "QĐ"),
        ("QD", "Quyết định", "QĐ"),
        ("HD", "Hướng dẫn", "HD"),
        ("HĐ", "Hợp đồng", "HĐ"),  # exact spelling wins over shape
        ("DA", "Dự án", "DA"),
        ("ĐA", "Đề án", "ĐA"),
        ("TTR", "Tờ trình", "TTr"),
        ("CTr", "Chương trình", "CTr"),
        ("CT", "Chỉ thị", "CT"),
        ("QyĐ", "Quy định", "QyĐ"),
        ("GN", "Bản ghi nhớ", "GN"),  # 2011 list
        ("BGN", "Bản ghi nhớ", "BGN"),
        ("UQ", "Giấy ủy quyền", "UQ"),
        ("T8", "Thông báo", "TB"),
    ],
)
def test_abbreviation_table(abbr, name, official):
    found = by_abbreviation(abbr)
    assert found is not None
    assert (found[0].name, found[1]) == (name, official)


@pytest.mark.parametrize("abbr", ["UBND", "SNV", "TT", "XYZ", "NĐ"])
def test_not_a_type_abbreviation(abbr):
    assert by_abbreviation(abbr) is None


def test_normative_abbreviations_only_in_normative_form():
    assert by_abbreviation("NĐ", normative=True)[0].name == "Nghị định"
    assert by_abbreviation("TT", normative=True)[0].name == "Thông tư"


@pytest.mark.parametrize(
    ("line", "name", "rest"),
    [
        ("QUYẾT ĐỊNH", "Quyết định", ""),
        ("BÁO CÁO", "Báo cáo", ""),
        ("GIẤY MỜI", "Giấy mời", ""),
        ("GIẤY MỜI:", "Giấy mời", ""),  # a stray colon read by the engine
        ("QUYET DINH", "Quyết định", ""),  # diacritics lost
        ("QUYÉT ĐỊNH", "Quyết định", ""),  # acute for circumflex-acute
        ("THÔNG BÁO", "Thông báo", ""),
        ("KẾ HOẠCH TỔ CHỨC HỘI NGHỊ", "Kế hoạch", "TỔ CHỨC HỘI NGHỊ"),
        ("QUY ĐỊNH", "Quy định", ""),
        ("NGHỊ QUYẾT LIÊN TỊCH", "Nghị quyết liên tịch", ""),
        ("CÔNG VĂN", "Công văn", ""),
    ],
)
def test_title_line(line, name, rest):
    found = by_title(line)
    assert found is not None
    assert (found[0].name, found[1]) == (name, rest)


@pytest.mark.parametrize(
    "line",
    [
        "Quyết định",
        "THÔNG BÁOX",
        "BAN QUẢN LÝ DỰ ÁN",
        "CHI CỤC THUẾ",
        "THÔNG TIN NGƯỜI PHẢN ÁNH",
        "I. THÔNG TIN NGƯỜI PHẢN ÁNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "QUYẾT ĐỊNH về việc",
    ],
)
def test_not_a_title_line(line):
    assert by_title(line) is None


@pytest.mark.parametrize(
    ("code", "expected", "result"),
    [
        ("SIIIT", ["STTTT"], "STTTT"),  # T read as I
        ("SNV", ["SNV"], None),  # already right
        ("CCVTLT", ["SNV"], None),  # a unit code, not the issuer's
        ("UBN0", ["UBND"], "UBND"),
        ("XBND", ["UBND"], None),  # first letter differs
        ("SKV", ["SNV"], None),  # K and N are not confused
    ],
)
def test_issuer_code_aligned_with_initials(code, expected, result):
    assert align_code(code, expected) == result
