"""A listed value cut by a page break is masked on both pages, each piece at its page's edge
only: alone a piece may be a common word ("An" of "Nguyễn Văn An") that stays readable
elsewhere on the page."""

from __future__ import annotations

from indexing.masking import MASKED, find_spans, mask_text, values_of
from schemas import PersonalData, Record
from tests.indexing.conformance import make_record


def _listed(record: Record, *values: str) -> Record:
    personal = [PersonalData(kind="full_name", value=v, page=1) for v in values]
    metadata = record.metadata.model_copy(update={"personal_data": personal})
    return record.model_copy(update={"metadata": metadata})


def _public(record: Record) -> list[str]:
    values = values_of(record)
    return [mask_text(page.text, values) for page in record.pages]


def test_a_name_cut_by_a_page_break_is_masked_on_both_pages() -> None:
    record = _listed(
        make_record(
            "a" * 32,
            "QUYẾT ĐỊNH\nĐiều 1. Cấp lại sổ hộ khẩu cho bà Hoàng Thị",
            "Quyxmai, sinh ngày 12/04/1995, thường trú tại bản Tả Phìn.",
        ),
        "Hoàng Thị Quyxmai",
    )
    first, second = _public(record)
    assert first.endswith(f"cho bà {MASKED}") and "Hoàng" not in first, first
    assert second.startswith(f"{MASKED}, sinh ngày") and "Quyxmai" not in second, second


def test_a_piece_is_masked_at_its_page_edge_only() -> None:
    """The second page's "An" is masked where the name goes on; "An ninh", "Nghệ An" and "an
    toàn" later on the same page, and "Nguyễn Văn" inside the first page, are not."""
    record = _listed(
        make_record(
            "b" * 32,
            "Ông Nguyễn Văn Bình và ông Nguyễn Văn",
            "An, sinh năm 1980. Về An ninh, an toàn ở Nghệ An.",
        ),
        "Nguyễn Văn An",
    )
    first, second = _public(record)
    assert first == f"Ông Nguyễn Văn Bình và ông {MASKED}", first
    assert second == f"{MASKED}, sinh năm {MASKED}. Về An ninh, an toàn ở Nghệ An.", second


def test_a_phone_number_cut_by_a_page_break_keeps_no_digits_on_the_next_page() -> None:
    record = _listed(
        make_record("c" * 32, "Ông Lò Văn Quyxsa, điện thoại 0912 486", "237, thường trú tại bản Tả Phìn."),
        "0912 486\n237",
    )
    first, second = _public(record)
    assert "486" not in first and "237" not in second, (first, second)


def test_without_a_break_no_piece_is_added() -> None:
    record = _listed(
        make_record("d" * 32, "Bà Hoàng Thị Quyxmai, sinh năm 1995.", "Điều 2. Thi hành."),
        "Hoàng Thị Quyxmai",
    )
    assert values_of(record) == ("Hoàng Thị Quyxmai",)
    assert find_spans(record.pages[1].text, values_of(record)) == []


def test_a_page_number_between_the_pieces_does_not_keep_them_readable() -> None:
    record = _listed(
        make_record(
            "e" * 32,
            "Điều 1. Cấp lại sổ hộ khẩu cho bà Hoàng Thị\n1",
            "- 2 -\nQuyxmai, sinh ngày 12/04/1995, thường trú tại bản Tả Phìn.",
        ),
        "Hoàng Thị Quyxmai",
    )
    first, second = _public(record)
    assert first == f"Điều 1. Cấp lại sổ hộ khẩu cho bà {MASKED}\n1", first
    assert second.startswith(f"- 2 -\n{MASKED}, sinh ngày") and "Quyxmai" not in second, second
