"""The personal-data masker: table rows that must be masked and rows that must stay as they are."""

from __future__ import annotations

import re

import pytest

from api.images import CannotRedact, redaction_boxes
from indexing.masking import MASK, MASKED, find_spans, mask_in_place, mask_snippet, mask_text
from schemas import Box, Page, Word

SHOULD_MASK = [
    # (text, the part that must disappear)
    ("CCCD số 001095001234 cấp ngày 01/02/2021", "001095001234"),
    ("căn cước công dân: 001 095 001 234", "001 095 001 234"),
    ("CMND 123456789", "123456789"),
    ("số CMND: 12345678", "12345678"),  # a short (OCR-damaged) number after a label
    ("điện thoại 0912 345 678", "0912 345 678"),
    ("ĐT: 0912.345.678", "0912.345.678"),
    ("SĐT 0912-345-678", "0912-345-678"),
    ("dien thoai 0912345678", "0912345678"),  # no accents
    ("liên hệ (024) 3825 1234", "(024) 3825 1234"),
    ("gọi +84 912 345 678", "84 912 345 678"),
    ("hoặc 84912345678", "84912345678"),
    ("số 0238.3598.612 của phòng", "0238.3598.612"),
    ("CCCD 0O1O95001234", "0O1O95001234"),  # OCR read some zeros as O
    ("sinh ngày 12/03/1970", "12/03/1970"),
    ("Sinh ngay 5 thang 6 nam 1990", "5"),
    ("ngày, tháng, năm sinh: 05/06/1990", "05/06/1990"),
    ("sinh năm 1970", "1970"),
    ("Ông A, sinh 1985, trú tại", "1985"),
    ("hộ chiếu B1234567", "B1234567"),
    ("email nguyen.van.a@gmail.com", "nguyen.van.a"),
    ("mã số thuế 0101234567", "0101234567"),
    # any one non-alphanumeric character separates digit groups (issue 12: "/", "_", "+" passed)
    ("gọi 0914/762/305", "0914/762/305"),
    ("gọi 0914_762_305", "0914_762_305"),
    ("gọi 0914+762+305", "0914+762+305"),
    ("gọi 0914·762·305", "0914·762·305"),
    ("gọi 0914\u00a0762\u00a0305", "0914\u00a0762\u00a0305"),
    ("gọi 0914–762–305", "0914–762–305"),
    ("gọi 0914,762,305", "0914,762,305"),
    ("điện thoại 0277 3 861 245.", "0277 3 861 245"),  # a landline with a one-digit group
    # OCR reads a letter for a digit at a word's edge too (red team s15): l/I for 1, O for 0, S for
    # 5, B for 8, where the word is mostly digits
    ("sinh năm l976, thường trú", "l976"),
    ("Ông Lò Văn A, SN 1976, trú tại", "1976"),  # SN: sinh năm
    ("Ngày sinh: 12/04/l995.", "12/04/l995"),
    ("sinh ngày 12/O4/1995", "12/O4/1995"),
    ("điện thoại 0912 486 2S7.", "0912 486 2S7"),
    ("CCCD 0010B5001234", "0010B5001234"),
    ("ĐT (0277) 3.861.245", "0277) 3.861.245"),
]
SHOULD_KEEP = [
    "Số: 2154/QĐ-UBND",
    "Vĩnh Phúc, ngày 29 tháng 6 năm 2018",
    "Nghị định 30/2020/NĐ-CP",
    "từ 01.01.2018 - 31.12.2018",
    "Tổng kinh phí 1.234.567.890 đồng",
    "Số học sinh 1250 em",
    "vệ sinh môi trường năm 2019",
    "thí sinh 2024",
    "Điều 1 2 3 4 5 6 7 8 9 10",
    "ngày 08/3/2022",
    "lúc 08 giờ 00 ngày 10 tháng 3 năm 2022",
    # words of letters beside numbers are not read as digits
    "SOS 115, Bộ Y tế 2019",
    "phòng B1, tầng 3, khu IS0 9001",
    "học sinh lớp 12S năm 2019",
    "SN 12 đường Trần Phú",  # số nhà, not a year
]


@pytest.mark.parametrize(("text", "secret"), SHOULD_MASK)
def test_masks_personal_data(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked and MASKED in masked, masked
    in_place = mask_in_place(text)
    assert secret not in in_place and len(in_place) == len(text) and MASK in in_place


def test_the_public_form_shows_no_length() -> None:
    """A 9-digit CMND and a 12-digit CCCD, a 10- and an 11-digit phone all become one token."""
    forms = {mask_text(f"CCCD {n}") for n in ("123456789", "001095001234", "0912 345 678", "+84 912 345 678")}
    assert forms == {f"CCCD {MASKED}"}


@pytest.mark.parametrize("text", SHOULD_KEEP)
def test_keeps_other_numbers(text: str) -> None:
    assert mask_text(text) == text
    assert mask_in_place(text) == text


def test_date_of_birth_keeps_its_words_in_place_and_is_one_token_in_public() -> None:
    assert mask_in_place("sinh ngày 5 tháng 6 năm 1990") == "sinh ngày • tháng • năm ••••"
    assert mask_text("sinh ngày 5 tháng 6 năm 1990") == f"sinh ngày {MASKED}"


def test_known_values_are_masked_accent_insensitively() -> None:
    values = ["thôn Đông Xuân, xã Tam Hợp"]
    masked = mask_text("Địa chỉ: THON DONG XUAN, XA TAM HOP, huyện", values)
    assert "DONG" not in masked and masked.endswith(", huyện")


def test_spans_are_merged_and_sorted() -> None:
    text = f"CCCD {'0' * 12} và điện thoại 0912345678"
    spans = find_spans(text)
    assert spans == sorted(spans) and len(spans) == 2
    assert all(text[s:e].strip("0123456789") == "" for s, e in spans)


def test_snippet_mask_keeps_highlights_and_escaping() -> None:
    snippet = "Ông A &amp; bà B, điện thoại 0912 <mark>345</mark> 678 và <mark>số hóa</mark>"
    masked = mask_snippet(snippet)
    assert "<mark>số hóa</mark>" in masked and "<mark>•" not in masked  # no highlight on a mask
    assert "&amp;" in masked and not re.search(r"\d{3}", masked)


def test_snippet_cut_through_a_number_is_masked() -> None:
    assert mask_snippet("…345 678 là số của ông A") == f"…{MASKED} là số của ông A"
    assert mask_snippet("liên hệ số 0912 345…") == f"liên hệ số {MASKED}…"


def _page(tokens: list[tuple[str, int]]) -> Page:
    words = [
        Word(text=t, confidence=90, box=Box(left=i * 50, top=line * 30, width=40, height=20), line=line)
        for i, (t, line) in enumerate(tokens)
    ]
    return Page(number=1, text=" ".join(t for t, _ in tokens), words=words)


def test_redaction_boxes_cover_a_number_split_into_words() -> None:
    page = _page([("CCCD", 0), ("0010", 0), ("9500", 0), ("1234", 0), ("ký", 1), ("tên", 1)])
    (box,) = redaction_boxes(page)  # one box over the three words: their number and lengths hidden
    assert (box.left, box.width) == (50, 140)


def test_redaction_refuses_a_page_without_word_boxes() -> None:
    with pytest.raises(CannotRedact):
        redaction_boxes(Page(number=1, text="điện thoại 0912345678"))
    assert redaction_boxes(Page(number=1, text="không có dữ liệu cá nhân")) == []


def test_known_values_are_found_across_line_breaks() -> None:
    assert (
        mask_text("liên hệ ông Hồ\nSỹ Nam, điện thoại", ["Hồ Sỹ Nam"]) == f"liên hệ ông {MASKED}, điện thoại"
    )
    assert mask_in_place("ông Hồ\nSỹ Nam", ["Hồ Sỹ Nam"]) == "ông ••\n•• •••"
    # a short value is masked too, where it stands as whole words with its accents (folded, a
    # value "A" would be every à, á, ả of the text)
    assert mask_text("số Hồ", ["Hồ"]) == f"số {MASKED}"
    assert (
        mask_text("ông Lò A và bà Lò Ả, hồ sơ; Lò Anh", ["Lò A"]) == f"ông {MASKED} và bà Lò Ả, hồ sơ; Lò Anh"
    )
    assert mask_text("Phụ lục A, LÒ A", ["Lò A"]) == f"Phụ lục A, {MASKED}"


def test_the_public_record_masks_a_retention_typed_with_a_name() -> None:
    """Retention is free text in a review: the public record masks a listed name in it, as the
    public's retention facet does (indexing/arrays.py)."""
    from api.reading import masked_record
    from schemas import Classification, Metadata, PersonalData, Record

    record = Record(
        id="r1", source="r1.pdf", sha256="0" * 64, size=1, media_type="application/pdf", page_count=0,
        metadata=Metadata(personal_data=[PersonalData(kind="name", value="Bùi Văn Thắng", page=1)]),
        classification=Classification(access="public", retention="Đến khi ông Bùi Văn Thắng nghỉ hưu"),
    )  # fmt: skip
    shown = masked_record(record).classification.retention
    assert "Thắng" not in shown and MASKED in shown and shown.startswith("Đến khi ông")
    unset = record.model_copy(update={"classification": Classification()})
    assert masked_record(unset).classification.retention is None
