"""The abstract across its line wraps and an engine's slips: a range wrapped at its dash, an
abstract opening with words a body may open with, a comma read as a dot."""

from __future__ import annotations

import pytest

from classify import extract_metadata
from tests.classify.classify_support import text_page

HEAD = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NINH\nSố: 482/KH-UBND\nQuảng Ninh, ngày 14 tháng 4 năm 2023\n{title}\n"
BODY = (
    "Nhằm nâng cao hiệu quả ứng dụng dịch vụ công trực tuyến trên địa bàn tỉnh Quảng\n"
    "Ninh, trong thời gian qua, các cơ quan, đơn vị đã quan tâm chỉ đạo và đạt được một số kết\n"
)


RANGE = "Kiểm tra dịch vụ công trực tuyến giai đoạn"
LAND = "Thực hiện quản lý đất đai và cấp giấy chứng nhận"


@pytest.mark.parametrize(
    ("lines", "subject"),
    [
        (f"{RANGE} 2023 -\n2025", f"{RANGE} 2023 - 2025"),
        (f"{RANGE} 2022\n- 2024", f"{RANGE} 2022 - 2024"),
        (f"{LAND}\nquyền sử dụng đất năm 2017", f"{LAND} quyền sử dụng đất năm 2017"),
        ("Kiểm tra phòng. chống thiên tai năm 2019", "Kiểm tra phòng, chống thiên tai năm 2019"),
        ("Kiểm tra kết quả phòng.\nchống thiên tai", "Kiểm tra kết quả phòng, chống thiên tai"),
    ],
)
def test_the_abstract_under_the_title(lines, subject):
    page = text_page(HEAD.format(title="KẾ HOẠCH") + lines + "\n" + BODY)
    assert extract_metadata([page]).subject == subject


def test_a_body_opening_with_a_cited_document_is_no_abstract():
    body = "Thực hiện Kế hoạch số 224/KH-UBND ngày 30 tháng 3 năm 2017 của Ủy ban nhân dân tỉnh\n"
    page = text_page(HEAD.format(title="HƯỚNG DẪN") + body + BODY)
    assert extract_metadata([page]).subject is None
