"""Issuer names through an engine's slips: a level glued to its place, a place lost or cut at
the end of the top line (completed from the place of issue, a province's only), a kind of body
misread in its initials."""

from __future__ import annotations

from classify.bodies import canonical_body
from classify.orgname import initials, read_bodies


def test_a_level_glued_to_its_place():
    issuer, parent = read_bodies(["UBND TỈNHLẠNGSƠN", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"])
    assert parent is not None and (parent.level, parent.place) == ("tỉnh", "Lạngsơn")
    assert canonical_body(issuer, None, "Lạng Sơn").name == "Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn"
    assert read_bodies(["SỞ QUẢNG CÁO"])[0].name == "Sở Quảng cáo"  # a syllable is never split


def test_a_top_line_place_lost_or_cut_is_the_place_of_issue():
    assert read_bodies(["UBND TỈNH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"], "Quảng Ninh")[0].name == (
        "Sở Giáo dục và Đào tạo tỉnh Quảng Ninh"
    )
    assert read_bodies(["UBND TỈNH QUẢNG", "SỞ NỘI VỤ"], "Quảng Ngãi")[0].name == "Sở Nội vụ tỉnh Quảng Ngãi"
    # another province printed, a district's level, a place of issue no province bears: as read
    assert (
        read_bodies(["UBND TỈNH QUẢNG NAM", "SỞ NỘI VỤ"], "Quảng Ngãi")[0].name == "Sở Nội vụ tỉnh Quảng Nam"
    )
    assert read_bodies(["UBND HUYỆN", "PHÒNG NỘI VỤ"], "Tân Phú")[0].name == "Phòng Nội vụ"
    assert read_bodies(["UBND TỈNH QUẢNG", "SỞ NỘI VỤ"], "Quảng Xyz")[0].name == "Sở Nội vụ tỉnh Quảng"


def test_initials_of_a_kind_of_body_misread():
    assert initials("ỦY BAN NHÂN ĐẦN TỈNH PHÚ THỌ") == "UBND"  # a D read as Đ: the code is UBND
    assert initials("SỞ GIÁO DỤC VÀ ĐÀO TẠO") == "SGDĐT"
