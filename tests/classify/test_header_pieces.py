"""The header read from pieces an engine splits or garbles: the date line cut by a hand's day,
the Số line with its slash lost or its notation above the label, a V/v line after a bare label,
a hyphenated place; none of them may become part of the issuer's name."""

from __future__ import annotations

import datetime as dt

import pytest

from classify import extract_metadata
from tests.classify.classify_support import text_page

TOP = "ỦY BAN NHÂN DÂN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH QUẢNG BÌNH\nĐộc lập - Tự do - Hạnh phúc\n"
BODY = (
    "QUYẾT ĐỊNH\nVề việc phê duyệt kế hoạch\nCăn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6\n"
    "năm 2015; Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức\n"
    "chính quyền địa phương ngày 22 tháng 11 năm 2019; xét đề nghị của Giám đốc Sở Nội vụ,\n"
)


def _meta(middle: str, top: str = TOP, body: str = BODY):
    return extract_metadata([text_page(top + middle + body)])


@pytest.mark.parametrize(
    "middle",
    [
        "Số: 653/QĐ-UBND\nQuảng Bình, ngày\ntháng 9 năm 2022\n",  # the day written in between
        "Số: 653/QĐ-UBND\ntháng 9 năm 2022\nQuảng Bình, ngày\n",  # ... read in the other order
        "Số: 653/QĐ-UBND\nQuảng Bình, ngà\ntháng 9 năm 2022\n",  # 'ngày' cut where the hand began
    ],
)
def test_a_date_line_split_by_a_hand_gives_its_place_and_month(middle):
    meta = _meta(middle)
    assert meta.place == "Quảng Bình"
    assert meta.date is None and meta.date_partial == "2022-09"
    assert any(x.startswith("Ngày ban hành") for x in meta.review)


def test_a_date_line_too_garbled_for_its_date_still_gives_a_known_place():
    meta = _meta("Số: 653/QĐ-UBND\nQuảng Bình. ngày 09 tháng S năm 20019\n")
    assert meta.place == "Quảng Bình" and meta.date is None
    assert _meta("Số: 653/QĐ-UBND\nBúc an, ngày 09 tháng S năm 20019\n").place is None  # no such place


def test_the_number_line_read_without_its_slash():
    top = "ỦY BAN NHÂN DÂN\nHUYỆN VŨ THƯ\n"
    meta = _meta("SỐ 1293 BC-UBND\nVũ Thư, ngày 18 tháng 12 năm 2016\n", top, "BÁO CÁO\nKết quả kiểm tra\n")
    assert (meta.number, meta.notation) == ("1293", "BC-UBND")
    assert meta.issuer == "Ủy ban nhân dân huyện Vũ Thư"
    # a code that is not the issuer's own: the line was read too badly to take a number from it
    garbled = _meta("SỐ 1337 BC-VXP\nVũ Thư, ngày 18 tháng 12 năm 2016\n", top, "BÁO CÁO\nKết quả\n")
    assert garbled.number is None and garbled.notation is None
    assert garbled.issuer == "Ủy ban nhân dân huyện Vũ Thư"  # never 'Sở ...' from the Số line


def test_a_garbled_number_line_is_no_part_of_the_issuer():
    meta = _meta("SỐ: UIĐT\nQuảng Bình, ngày 09 tháng 9 năm 2019\n")
    assert meta.issuer == "Ủy ban nhân dân tỉnh Quảng Bình"


def test_a_vv_line_after_a_bare_label_is_no_notation():
    cong_van = (
        "Số:\nV/v góp ý dự thảo văn bản về\nQuảng Bình, ngày 14 tháng 9 năm 2017\nKính gửi: Sở Nội vụ\n"
    )
    meta = _meta(cong_van, body="Theo đề nghị của Sở Nội vụ,\n")
    assert meta.notation is None and meta.number is None
    assert meta.subject == "V/v góp ý dự thảo văn bản về"


def test_a_notation_read_above_its_label():
    meta = _meta("/QĐĐ-UBND\nSố:\nQuảng Bình, ngày 10 tháng 10 năm 2018\n")
    assert (meta.number, meta.notation) == (None, "QĐ-UBND")


def test_a_hyphenated_place_is_read_whole():
    top = "ỦY BAN NHÂN DÂN\nTỈNH BÀ RỊA - VŨNG TÀU\n"
    meta = _meta(
        "Số: 491/KH-UBND\nBà Rịa - Vũng Tàu, ngày 25 tháng 6 năm 2017\n", top, "KẾ HOẠCH\nVề việc x\n"
    )
    assert meta.place == "Bà Rịa - Vũng Tàu" and meta.date == dt.date(2017, 6, 25)


def test_a_vv_line_whose_slash_was_lost_still_makes_a_cong_van():
    meta = _meta(
        "SỐ; 13237 VXP-EFCCB\nV v góp ý dự thảo văn bản\nQuảng Bình, ngày 1 tháng 9 năm 2017\n", body=""
    )
    assert meta.doc_type == "Công văn" and meta.number is None


def test_a_place_several_units_bear_is_spelled_as_they_are():
    top = "ỦY BAN NHÂN DÂN\nHUYỆN BẢO LÂM\n"
    meta = _meta("Số: 2592/UBND-VP\nBdo Lam, ngày 08 tháng 7 năm 2023\n", top, "V/v báo cáo kết quả\n")
    assert meta.place == "Bảo Lâm"  # huyện Bảo Lâm of Lâm Đồng and of Cao Bằng: the unit unsure
    assert meta.province is None
