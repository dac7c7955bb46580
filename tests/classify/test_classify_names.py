"""Canonical names of places, bodies and positions from OCR-damaged reads; never a wrong neighbour."""

from __future__ import annotations

import datetime as dt

import pytest
from rapidfuzz.distance import Levenshtein

from classify import extract_metadata
from classify.bodies import canonical_body, canonical_position
from classify.gazetteer import REORGANISED, gazetteer, match_place
from classify.norm import compact_key as compact
from classify.orgname import read_bodies
from tests.classify.classify_support import plan, text_page


def test_gazetteer_holds_both_periods_with_successors():
    g = gazetteer()
    assert len(g.provinces(dt.date(2018, 1, 1))) == 63
    assert len(g.provinces(REORGANISED)) == 34
    assert g.present_of("Vĩnh Phúc") == "Phú Thọ"
    assert g.former_provinces("Phú Thọ") == ["Hòa Bình", "Phú Thọ", "Vĩnh Phúc"]
    district = match_place("Sa Đéc", "thành phố", on=dt.date(2021, 7, 15)).unit
    assert district is not None and (district.tier, district.province) == ("district", "Đồng Tháp")
    assert district.valid_to == REORGANISED - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("read", "level", "want"),
    [
        ("Vĩnh Phúx", "tỉnh", "Vĩnh Phúc"),  # one substitution
        ("I Vĩnh P Phúc", "tỉnh", "Vĩnh Phúc"),  # stray single letters
        ("Lâm Đôồng", "tỉnh", "Lâm Đồng"),  # a doubled diacritic
        ("Tuyen Quang", "tỉnh", "Tuyên Quang"),  # lost diacritics
        ("Đá Nang", "thành phố", "Đà Nẵng"),  # wrong diacritics (a real scan)
        ("Hà Nan", "tỉnh", "Hà Nam"),  # one edit from Hà Nam, two from Hà Nội
        ("Hà Nộ", "thành phố", "Hà Nội"),  # one deletion
        ("Quảng Ninb", "tỉnh", "Quảng Ninh"),  # one edit from Quảng Ninh, more from Quảng Nam
    ],
)
def test_place_one_edit_away_comes_back_canonical(read, level, want):
    found = match_place(read, level, on=dt.date(2019, 5, 1))
    assert found.unit is not None and found.unit.name == want
    assert 0.7 <= found.confidence < 1.0


def _province_names() -> list[str]:
    return sorted({u.name for u in gazetteer().units if u.tier == "province"})


def test_every_province_one_edit_away_comes_back_or_is_flagged_never_wrong():
    names = _province_names()
    keys = {compact(x) for x in names}
    right = 0
    for name in names:
        key = compact(name)
        for i in range(len(key)):
            for read in (key[:i] + "X" + key[i + 1 :], key[:i] + key[i + 1 :]):
                if read in keys:
                    continue  # the slip spells another real unit ('HAGIANG'): nothing can tell
                found = match_place(read, "tỉnh", on=dt.date(2019, 5, 1))
                assert found.unit is None or found.unit.name == name, (read, found.unit)
                right += found.unit is not None
    assert right > 850  # of about 920 reads: the rest are flagged as ambiguous


def test_three_edits_between_two_real_units_is_never_either_of_them():
    names = _province_names()
    pairs = 0
    for a in names:
        for b in names:
            ka, kb = compact(a), compact(b)
            if a >= b or Levenshtein.distance(ka, kb) != 6:
                continue
            mid = Levenshtein.editops(ka, kb)[:3].apply(ka, kb)  # three edits from each
            found = match_place(mid, "tỉnh", on=dt.date(2019, 5, 1))
            assert found.unit is None or found.unit.name not in (a, b), (mid, found.unit)
            pairs += 1
    assert pairs > 400


@pytest.mark.parametrize(
    ("read", "first", "second"),
    [
        ("Hà Nậi", "Hà Nội", "Hà Nam"),  # one edit from each
        ("BINHGIANG", "An Giang", "Bình Dương"),  # three edits from each
        ("LAOCIANG", "An Giang", "Lào Cai"),
        ("CANTHANG", "An Giang", "Cần Thơ"),
    ],
)
def test_read_between_two_real_units_is_flagged_with_a_reason(read, first, second):
    distances = [Levenshtein.distance(compact(read), compact(x)) for x in (first, second)]
    assert distances[0] == distances[1]
    found = match_place(read, "tỉnh", on=dt.date(2019, 5, 1))
    assert found.unit is None and found.reason
    assert found.confidence < 0.7


@pytest.mark.parametrize(
    ("lines", "issuer"),
    [
        (["ỦY BAN NHÂN DÂN", "TỈNH I VĨNH P PHÚC"], "Ủy ban nhân dân tỉnh Vĩnh Phúc"),
        (
            ["UBND TỈNH LÂM ĐỒNG", "SỞ THÔNG TIN VÀ TRUYÊỀN THÔNG"],
            "Sở Thông tin và Truyền thông tỉnh Lâm Đồng",
        ),  # noqa: E501
        (["UBND TỈNH TUYÊN QUANG", "SỞNỘI VỤ"], "Sở Nội vụ tỉnh Tuyên Quang"),
        (["ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÁ NANG"], "Ủy ban nhân dân thành phố Đà Nẵng"),
        (["UBND TỈNH THÁI BÌNH", "THANH TRA TỈNH"], "Thanh tra tỉnh Thái Bình"),
    ],
)
def test_issuer_read_through_noise_comes_back_canonical(lines, issuer):
    body, _ = read_bodies(lines)
    found = canonical_body(body, dt.date(2019, 5, 1))
    assert found.name == issuer
    assert found.read == body.name  # the name as read is kept beside it
    assert found.confidence >= 0.7


def test_unknown_place_keeps_the_read_name_and_says_why():
    body, _ = read_bodies(["UBND TỈNH HÀ NẬI", "SỞ NỘI VỤ"])
    found = canonical_body(body, dt.date(2019, 5, 1))
    assert found.name is None and found.unit is None
    assert "Hà Nậi" in found.review and "không khớp" in found.review


@pytest.mark.parametrize(
    ("printed", "canonical"),
    [("PHÓ CHỦ TỊCH", "Phó Chủ tịch"), ("HỦ TỊCH", "Chủ tịch"), ("CHÁNH VĂN PHÒNG", "Chánh Văn phòng"),
     ("GIAM ĐÔC", "Giám đốc"), ("ĐẠI DIỆN BÊN GIAO", None)],
)  # fmt: skip
def test_position_canonical(printed, canonical):
    assert canonical_position(printed)[0] == canonical


NOISY = plan(unit="TỈNH I VĨNH P PHÚC", place="Vĩnh Phúc", number="88", day="26", month="7", year="2018")


def test_noisy_document_carries_canonical_issuer_and_present_province():
    meta = extract_metadata([text_page(NOISY)])
    assert meta.issuer == "Ủy ban nhân dân tỉnh Vĩnh Phúc"
    assert meta.issuer_printed == "Ủy ban nhân dân tỉnh I Vĩnh P Phúc"
    assert (meta.province, meta.province_present) == ("Vĩnh Phúc", "Phú Thọ")
    assert meta.date == dt.date(2018, 7, 26)
    assert meta.signer.position_canonical == "Phó Chủ tịch"
    assert meta.review == []


def test_a_name_many_units_bear_is_found_inside_the_parents_province():
    alone = plan(unit="HUYỆN CHÂU THÀNH", place="Châu Thành")
    meta = extract_metadata([text_page(alone)])
    assert meta.issuer == "Ủy ban nhân dân huyện Châu Thành" and meta.province is None  # which one?
    under = alone.replace("ỦY BAN NHÂN DÂN", "UBND TỈNH TIỀN GIANG", 1)
    meta = extract_metadata([text_page(under.replace("HUYỆN CHÂU THÀNH", "UBND HUYỆN CHÂU THÀNH", 1))])
    assert meta.issuer == "Ủy ban nhân dân huyện Châu Thành"
    assert (meta.province, meta.province_present) == ("Tiền Giang", "Đồng Tháp")
    assert meta.review == []
