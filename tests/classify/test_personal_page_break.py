"""Personal data cut by a page break: a page's last lines and the next page's first are read as
one text (the break a line break), so a name, a phone number or a date of birth cut by the break
is listed, on the page where it starts; what stands alone on either page is listed as before."""

from __future__ import annotations

from classify.layout import Line
from classify.personal import find_personal_data


def _pages(*pages: list[str]) -> list[list[Line]]:
    return [
        [Line(text=t, page=n, index=i) for i, t in enumerate(lines)] for n, lines in enumerate(pages, start=1)
    ]


def found(*pages: list[str]) -> set[tuple[str, str, int]]:
    return {(x.kind, x.value, x.page) for x in find_personal_data(_pages(*pages))}


FIRST = ["QUYẾT ĐỊNH Về việc cấp lại giấy tờ cho công dân", "Điều 1. Cấp lại sổ hộ khẩu cho bà Hoàng Thị"]
SECOND = [
    "Quyxmai, sinh ngày 12/04/1995, CCCD số 087195003214, thường trú tại bản Tả Phìn.",
    "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
]


def test_a_name_cut_by_a_page_break_is_listed_on_the_page_it_starts() -> None:
    items = found(FIRST, SECOND)
    assert ("full_name", "Hoàng Thị Quyxmai", 1) in items
    assert {("date_of_birth", "12/04/1995", 2), ("cccd", "087195003214", 2)} <= items
    assert not any(kind == "full_name" and value != "Hoàng Thị Quyxmai" for kind, value, _ in items)


def test_a_phone_number_and_a_birth_date_cut_by_a_page_break_are_listed() -> None:
    items = found(
        ["Điều 1. Giao cho ông Lò Văn Quyxsa, điện thoại 0912 486"],
        ["237, thường trú tại bản Tả Phìn, sinh ngày"],
        ["12/04/1995, nhận lại giấy tờ."],
    )
    assert ("phone", "0912 486\n237", 1) in items
    assert ("date_of_birth", "12/04/1995", 3) in items
    assert ("full_name", "Lò Văn Quyxsa", 1) in items


def test_a_sentence_ended_before_the_break_ties_no_name_to_the_next_page() -> None:
    """An official named at the end of a page is not tied to the data of a person on the next."""
    items = found(
        ["Nơi nhận: Văn phòng UBND tỉnh.", "Người ký: ông Trần Văn Quyxbinh."],
        ["Ông Lê Văn Quyxtam, sinh ngày 02/05/1980, nhận quyết định."],
    )
    names = {value for kind, value, _ in items if kind == "full_name"}
    assert names == {"Lê Văn Quyxtam"}


def test_data_on_one_page_is_listed_once_with_its_page() -> None:
    items = find_personal_data(_pages(["Ông Lê Văn Quyxtam, sinh ngày 02/05/1980."], SECOND))
    assert sorted((x.kind, x.page) for x in items) == [
        ("address", 2),
        ("cccd", 2),
        ("date_of_birth", 1),
        ("date_of_birth", 2),
        ("full_name", 1),
    ]


def test_a_page_number_heading_the_next_page_does_not_cut_the_sentence() -> None:
    """From page 2 on, a letter prints its page number at the top (Decree 30/2020): read between
    the two halves, it would end the name and the sentence (it reads as a table row's number)."""
    items = found(["Điều 1. Cấp lại sổ hộ khẩu cho bà Hoàng Thị", "1"], ["- 2 -", *SECOND])
    assert ("full_name", "Hoàng Thị Quyxmai", 1) in items
