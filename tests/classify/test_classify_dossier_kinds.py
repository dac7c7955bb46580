"""Documents a dossier mixes in beside the state's: Party committees' documents, lists, citizens'
petitions, copies; and header names that wrap or carry a comma. Rows with OCR variants."""

from __future__ import annotations

import datetime as dt

import pytest

from classify import extract_metadata
from classify.evaluate import actual_fields
from classify.extract import extract
from classify.gazetteer import match_place
from classify.header import is_motto
from classify.notation import is_party_notation, joined, parse_number_line
from classify.orgname import read_bodies
from tests.classify.classify_support import text_page

PARTY = """ĐẢNG BỘ TỈNH BẮC GIANG
ĐẢNG CỘNG SẢN VIỆT NAM
TỈNH ỦY
*
Số 1630-BC/TU
Bắc Giang, ngày 08 tháng 7 năm 2016
BÁO CÁO
Tình hình chuyển đổi số trong cơ quan nhà nước sáu tháng đầu năm 2016
Thực hiện Kế hoạch số 141/KH-UBND ngày 13 tháng 3 năm 2016 của Ủy ban nhân dân tỉnh.
Nơi nhận:
T/M BAN THƯỜNG VỤ
- Các đồng chí Ủy viên Ban Thường vụ,
PHÓ BÍ THƯ
- Lưu Văn phòng Tỉnh Ủy.
Nguyễn Văn Hùng"""


@pytest.mark.parametrize(
    ("line", "number", "notation", "type_name"),
    [
        ("Số 1630-BC/TU", "1630", "BC/TU", "Báo cáo"),
        ("Số: 45-CV/HU", "45", "CV/HU", "Công văn"),
        ("Số 12-NQ/TW", "12", "NQ/TW", "Nghị quyết"),
        ("Số 12 - NQ/ĐU", "12", "NQ/ĐU", "Nghị quyết"),  # spaces around the hyphen
        ("Sô 746-CV/HU", "746", "CV/HU", "Công văn"),  # the label's mark misread
        ("Số l060-KH/TU", "1060", "KH/TU", "Kế hoạch"),  # l for 1
        ("Số 1630-BC/TU Bắc Giang, ngày 08 tháng 7 năm 2016", "1630", "BC/TU", "Báo cáo"),
    ],
)
def test_party_number_lines(line, number, notation, type_name):
    found = parse_number_line(line)
    assert found is not None and found.form == "party"
    assert (found.number, found.notation, found.type_name) == (number, notation, type_name)
    assert found.full == f"{number}-{notation}"


def test_state_numbers_are_not_party_numbers():
    for line, full in (("Số: 15/QĐ-UBND", "15/QĐ-UBND"), ("Số: 2154/UBND-VX", "2154/UBND-VX")):
        found = parse_number_line(line)
        assert found is not None and found.form != "party" and found.full == full
        assert not is_party_notation(found.notation)
    assert joined("30", "2020/NĐ-CP") == "30/2020/NĐ-CP"
    assert (joined("12", None), joined(None, "NQ/TU"), joined("", ""), joined(None, None)) == (
        "12",
        "NQ/TU",
        "",
        "",
    )
    assert parse_number_line("Thực hiện Nghị quyết số 12-NQ/TU ngày 5 tháng 3") is None  # a citation


def test_party_motto_is_no_issuer():
    assert is_motto("ĐẢNG CỘNG SẢN VIỆT NAM") and is_motto("ĐẢNG CỘNG SẢN VIỆT NAM.")
    assert not is_motto("ĐẢNG BỘ TỈNH BẮC GIANG")


@pytest.mark.parametrize(
    ("lines", "issuer", "parent"),
    [
        (["ĐẢNG BỘ TỈNH BẮC GIANG", "TỈNH ỦY", "*"], "Tỉnh ủy Bắc Giang", "Đảng bộ tỉnh Bắc Giang"),
        (["ĐẢNG BỘ TỈNH HÀ GIANG", "HUYỆN ỦY ĐÔNG HÒA", "*"], "Huyện ủy Đông Hòa", "Đảng bộ tỉnh Hà Giang"),
        (["TỈNH ỦY BẮC GIANG"], "Tỉnh ủy Bắc Giang", None),
    ],
)
def test_party_committees(lines, issuer, parent):
    found, above = read_bodies(lines)
    assert found is not None and found.name == issuer
    assert (above.name if above else None) == parent


def test_party_document_read_whole():
    extraction = extract([text_page(PARTY)])
    meta = extraction.metadata
    assert (meta.number, meta.notation, meta.doc_type) == ("1630", "BC/TU", "Báo cáo")
    assert meta.issuer == "Tỉnh ủy Bắc Giang" and meta.parent_issuer == "Đảng bộ tỉnh Bắc Giang"
    assert meta.date == dt.date(2016, 7, 8)
    assert actual_fields(extraction)["number_notation"] == "1630-BC/TU"


def test_a_list_opens_with_its_title_and_dates_itself_under_it():
    page = "\n".join(
        [
            "DANH MỤC VĂN BẢN ĐỀ NGHỊ BÃI BỎ",
            "(Tính đến ngày 23 tháng 4 năm 2020)",
            "STT Nội dung Đơn vị thực hiện Thời gian",
            "1 Tuyên truyền, phổ biến Các phòng Quý I/2020",
            "2 Rà soát, thống kê Sở Tài chính Quý III/2020",
        ]
    )
    meta = extract_metadata([text_page(page)])
    assert meta.doc_type == "Danh mục" and meta.date == dt.date(2020, 4, 23)
    assert meta.issuer is None  # no body is printed on it ('STT' is a table's head, not one)


PETITION = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Nam Định, ngày 12 tháng 5 năm 2021
ĐƠN ĐỀ NGHỊ
Về việc cấp giấy chứng nhận quyền sử dụng đất
Kính gửi: Ủy ban nhân dân xã
Tôi tên là: Trần Thị Mai, sinh ngày 14/02/1968.
Tôi xin cam đoan những nội dung trình bày trên là đúng sự thật./.
NGƯỜI LÀM ĐƠN
Trần Thị Mai"""


def test_a_petition_is_typed_by_its_title_and_authored_by_its_petitioner():
    meta = extract_metadata([text_page(PETITION)])
    assert meta.doc_type == "Đơn đề nghị"
    assert meta.issuer == "Trần Thị Mai" and meta.signer is not None and meta.signer.name == "Trần Thị Mai"
    assert meta.confidence["issuer"] >= 0.8  # the signature and 'Tôi tên là' agree
    no_name = PETITION.replace("Tôi tên là: Trần Thị Mai", "Tôi là người sử dụng đất")
    assert extract_metadata([text_page(no_name)]).issuer == "Trần Thị Mai"


@pytest.mark.parametrize(
    ("lines", "issuer"),
    [
        # the province's name wrapped onto a line of its own (ground truth's interleaving)
        (
            ["UBND TỈNH BÀ RỊA - VŨNG", "TÀU", "SỞ NÔNG NGHIỆP VÀ PHÁT", "TRIỂN NÔNG THÔN"],
            "Sở Nông nghiệp và Phát triển nông thôn tỉnh Bà Rịa - Vũng Tàu",
        ),
        (["UBND TỈNH BÀ RỊA - VŨNG", "TÀU", "THANH TRA"], "Thanh tra tỉnh Bà Rịa - Vũng Tàu"),
        # the comma between two fields of activity is the name's own
        (
            ["UBND TỈNH QUẢNG NINH", "SỞ VĂN HÓA, THỂ THAO VÀ", "DU LỊCH"],
            "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ninh",
        ),
        # a short line under a whole place name is not taken into it
        (["UBND TỈNH BẮC NINH", "VĂN PHÒNG"], "Văn phòng Ủy ban nhân dân tỉnh Bắc Ninh"),
    ],
)
def test_wrapped_and_punctuated_header_names(lines, issuer):
    found, _ = read_bodies(lines)
    assert found is not None and found.name == issuer


def test_a_copy_label_is_no_part_of_the_issuer():
    page = "\n".join(
        [
            "BẢN SAO",
            "UBND TỈNH BẮC NINH",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "SỞ TÀI NGUYÊN VÀ MÔI",
            "Độc lập - Tự do - Hạnh phúc",
            "TRƯỜNG",
            "Số: 2069/STNMT-KHTC",
            "Bắc Ninh, ngày 01 tháng 7 năm 2017",
            "V/v góp ý dự thảo văn bản về phát triển du lịch cộng đồng",
        ]
    )
    assert extract_metadata([text_page(page)]).issuer == "Sở Tài nguyên và Môi trường tỉnh Bắc Ninh"


def test_thua_thien_hue_until_2025_hue_after():
    before = match_place("Thừa Thiên Huế", "tỉnh", on=dt.date(2016, 10, 9)).unit
    assert before is not None and before.name == "Thừa Thiên Huế" and before.present_province == "Huế"
    assert before.valid_to == dt.date(2024, 12, 31)
    after = match_place("Huế", "thành phố", on=dt.date(2025, 3, 1)).unit
    assert after is not None and after.name == "Huế" and after.valid_from == dt.date(2025, 1, 1)
    lines = ["UBND TỈNH THỪA THIÊN HUẾ", "SỞ Y TẾ"]
    page = "\n".join([*lines, "Số: 12/SYT-VP", "Thừa Thiên Huế, ngày 09 tháng 10 năm 2016", "V/v tiêm chủng"])
    assert extract_metadata([text_page(page)]).issuer == "Sở Y tế tỉnh Thừa Thiên Huế"


def test_a_petition_without_its_motto_still_opens_with_its_title():
    """The motto lost (a torn or faint top): the date, then 'ĐƠN …' — a title below the date."""
    page = "\n".join(PETITION.split("\n")[2:])
    meta = extract_metadata([text_page(page)])
    assert meta.doc_type == "Đơn đề nghị" and meta.date == dt.date(2021, 5, 12)
