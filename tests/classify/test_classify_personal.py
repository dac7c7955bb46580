"""Personal data: CCCD structure, CMND, phones, e-mail, dates of birth, addresses, names."""

from __future__ import annotations

import pytest

from classify.layout import Line
from classify.personal import cccd_structure, find_personal_data


def found(*texts: str) -> set[tuple[str, str]]:
    lines = [Line(text=t, page=1, index=i) for i, t in enumerate(texts)]
    return {(x.kind, x.value) for x in find_personal_data([lines])}


def kinds(*texts: str) -> set[str]:
    return {kind for kind, _ in found(*texts)}


@pytest.mark.parametrize(
    ("digits", "valid", "year"),
    [
        ("034068004127", True, 1968),  # Thái Bình, male, 20th century
        ("087195003214", True, 1995),  # Đồng Tháp, female (1), 20th century
        ("001203012345", True, 2003),  # Hà Nội, male, 21st century (2)
        ("079305012345", True, 2005),  # TP HCM, female, 21st century (3)
        ("003068004127", False, 1968),  # 003 is not a province code
        ("099068004127", False, 1968),  # beyond 096
        ("12345678901", False, None),  # 11 digits
    ],
)
def test_cccd_structure(digits, valid, year):
    assert cccd_structure(digits) == (valid, year)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["số căn cước công dân: 034068004127, cấp ngày 25/4/2019."], {("cccd", "034068004127")}),
        (["số CCCD: 049079002316;"], {("cccd", "049079002316")}),
        (["so CCCD: 049079002316"], {("cccd", "049079002316")}),  # accents lost
        (["CCCD số 034 068 004 127"], {("cccd", "034068004127")}),  # grouped, named
        (["mã 034068004127 trên hệ thống"], {("cccd", "034068004127")}),  # structure alone
        (["số CCCD: 0491880065531."], {("cccd", "0491880065531")}),  # a digit too many: still one
        (["CCCTD: 049079002316"], {("cccd", "049079002316")}),  # keyword misread
        (["số CMND: 142536789"], {("cmnd", "142536789")}),
        (["chứng minh nhân dân số 142536789"], {("cmnd", "142536789")}),
        (["hộ chiếu số C1234567"], {("passport", "C1234567")}),
    ],
)
def test_identity_numbers(texts, expected):
    assert {x for x in found(*texts) if x[0] in ("cccd", "cmnd", "passport")} == expected


@pytest.mark.parametrize(
    "texts",
    [
        ["tài khoản 003068004127 tại ngân hàng"],  # 12 digits, no valid structure, no keyword
        ["mã số 142536789"],  # 9 digits without a CMND keyword
        ["Số lượng: 186 hồ sơ, 62 hộp, 9,5 mét giá"],
        ["diện tích 312 m2, tờ bản đồ số 08, thửa đất số 215"],
        ["034 068 004 127"],  # grouped digits without a keyword
    ],
)
def test_not_identity_numbers(texts):
    assert not ({"cccd", "cmnd", "passport"} & kinds(*texts))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("liên hệ bà Nguyễn Thị Minh Nguyệt, số điện thoại 0912 486 237 để", "0912 486 237"),
        ("liên hệ ông Hồ Sỹ Nam, điện thoại 0238.3598.612.", "0238.3598.612"),
        ("Ông Lê Văn A, ĐT: +84 912 486 237.", "+84 912 486 237"),
        ("Bà Trần Thị B, di động 0975203418.", "0975203418"),
        ("Ông Phạm C, SĐT 01234 567 890.", "01234 567 890"),  # an 11-digit number before 2018
    ],
)
def test_phone_of_a_person(text, value):
    assert ("phone", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "hệ Phòng Nội vụ thành phố, điện thoại 0277 3 861 245.",  # an office's number
        "Thời gian: 08 giờ 00 ngày 10 tháng 3 năm 2022.",
        "Văn bản số 0912/UBND-VX ngày 12/5/2021",
        "Ông Lê Văn A, số tài khoản 12345678901234.",
    ],
)
def test_not_a_personal_phone(text):
    assert "phone" not in kinds(text)


def test_dates_of_birth():
    assert ("date_of_birth", "14/02/1968") in found("Họ và tên: Vũ Văn Khải; sinh ngày 14/02/1968;")
    assert ("date_of_birth", "09/05/1979") in found("- Ông A Bê, sinh ngày 09/05/1979, chuyên viên")
    assert ("date_of_birth", "1/1/1990") in found("Ngày sinh: 1/1/1990")
    # a table with a 'Ngày sinh' column, and a row whose CCCD gives the same birth year
    rows = found("STT Họ và tên Ngày sinh Số CCCD", "1 Nguyễn Thị Ngọc Hân 12/04/1995 087195003214")
    assert ("date_of_birth", "12/04/1995") in rows
    assert ("date_of_birth", "12/04/1995") in found("Nguyễn Thị Hân 12/04/1995 087195003214")


@pytest.mark.parametrize(
    "text",
    [
        "Hồ sơ đã được tiếp nhận ngày 18/3/2019 nhưng bị trả lại",
        "cấp ngày 25/4/2019.",
        "trước ngày 31/12/2020.",
    ],
)
def test_not_a_date_of_birth(text):
    assert "date_of_birth" not in kinds(text)


def test_addresses():
    text = (
        "Địa chỉ thường trú: thôn Đông Hải, xã Thụy Hải, huyện Thái Thụy, tỉnh",
        "Thái Bình; số điện thoại: 0975 203 418.",
    )
    assert ("address", "thôn Đông Hải, xã Thụy Hải, huyện Thái Thụy, tỉnh Thái Bình") in found(*text)
    assert ("address", "số 5 ngõ 12 phố Huế, Hà Nội") in found("Bà X Y, trú tại số 5 ngõ 12 phố Huế, Hà Nội.")
    assert ("address", "xóm 3, xã Yên Lạc") in found("Ông A B; Địa chỉ: xóm 3, xã Yên Lạc.")


@pytest.mark.parametrize(
    "text",
    [
        "3. Địa điểm: Hội trường tầng 3, Sở Thông tin và Truyền thông, số 16 đường Trường Thi.",
        "Địa chỉ: 12 Hai Bà Trưng, Hoàn Kiếm, Hà Nội; Website: www.example.gov.vn",  # an office
        "nơi ông làm việc",
    ],
)
def test_not_a_personal_address(text):
    assert "address" not in kinds(text)


def test_names_only_when_tied_to_other_personal_data():
    assert ("full_name", "Nguyễn Hữu Phước") in found(
        "- Ông Nguyễn Hữu Phước, sinh ngày 09/05/1979, Chánh Văn phòng Sở; số",
        "CCCD: 049079002316; điện thoại: 0905 318 742.",
    )
    assert ("full_name", "Hồ Sỹ Nam") in found("liên hệ ông Hồ", "Sỹ Nam, điện thoại 0238.3598.612.")
    # an official named by office only, and a person with nothing else personal
    assert "full_name" not in kinds("1. Ông Nguyễn Văn Hùng, Phó Giám đốc Sở Nội vụ - Tổ trưởng;")
    assert "full_name" not in kinds("- Bà Huỳnh Thị Mỹ Lệ, chuyên viên Phòng Thu thập, bổ sung tài liệu.")


def test_table_rows_with_cell_borders():
    rows = found(
        "STT Họ và tên Ngày sinh Số CCCD",
        "1_ |Nguyễn Thị Ngọc Hân 12/04/1995 087195003214",
        "2| Lê Hoàng Phúc 30/09/1993 087093001876",
    )
    assert {("full_name", "Nguyễn Thị Ngọc Hân"), ("full_name", "Lê Hoàng Phúc")} <= rows


def test_page_numbers_are_kept():
    page2 = [Line(text="số CCCD: 049079002316", page=2, index=0)]
    assert [x.page for x in find_personal_data([[], page2])] == [2]


def test_a_name_printed_in_capitals_is_listed_and_masked() -> None:
    """A decision's article or a form's field may print the person in capitals ('ÔNG NGUYỄN VĂN
    AN', 'HỌ VÀ TÊN: LÊ THỊ BÌNH'): listed as its capitalised twin is, so masked in the public text
    (red team s16: only 'Ông Nguyễn Văn An' was)."""
    from indexing.masking import mask_text

    article = "Điều 1. Cấp phép cho ÔNG NGUYỄN VĂN AN, sinh ngày 12/03/1980, cư trú tại xã Yên Lạc."
    field = "HỌ VÀ TÊN: LÊ THỊ BÌNH, điện thoại 0912345678."
    listed = found(article, field)
    assert ("full_name", "NGUYỄN VĂN AN") in listed and ("full_name", "LÊ THỊ BÌNH") in listed
    assert ("phone", "0912345678") in listed
    masked = mask_text(article + "\n" + field, [value for _, value in listed])
    assert "NGUYỄN" not in masked and "BÌNH" not in masked and "0912345678" not in masked
    assert found("ỦY BAN NHÂN DÂN TỈNH VĨNH PHÚC, BÀ RỊA - VŨNG TÀU") == set()  # no person named
