"""extract_metadata on whole documents: the six fixture documents as plain text and as pages
with word boxes (row order, column order, merged rows, turned pages), and layout helpers."""

from __future__ import annotations

import datetime as dt

import pytest
from classify_support import Doc, fixture_docs, text_page, word_page

from classify import extract, extract_metadata
from classify.evaluate import FIELDS, actual_fields, expected_fields
from classify.layout import Line, page_lines, unreadable
from schemas import Box, Page, Word

DOCS = fixture_docs()
IDS = [d.doc_id for d in DOCS]


def _check(doc: Doc, pages: list[Page]) -> None:
    extraction = extract(pages)
    expected, actual = expected_fields(doc.metadata), actual_fields(extraction)
    wrong = {f: (expected[f], actual[f]) for f in FIELDS if expected[f] != actual[f]}
    assert wrong == {}


def test_the_fixtures_are_there():
    assert len(DOCS) == 6


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_plain_text(doc: Doc):
    _check(doc, doc.pages)


@pytest.mark.parametrize("order", ["rows", "columns"])
@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_word_boxes_in_either_reading_order(doc: Doc, order: str):
    pages = [word_page(lines, n + 1, order=order) for n, lines in enumerate(doc.lines)]
    _check(doc, pages)


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_rows_merged_across_columns(doc: Doc):
    pages = [word_page(lines, n + 1, merge_rows=True) for n, lines in enumerate(doc.lines)]
    _check(doc, pages)


@pytest.mark.parametrize("turn", [90, 180, 270])
@pytest.mark.parametrize("doc", DOCS[:3], ids=IDS[:3])
def test_boxes_of_a_turned_page(doc: Doc, turn: int):
    pages = [word_page(lines, n + 1, order="columns", turn=turn) for n, lines in enumerate(doc.lines)]
    _check(doc, pages)


def test_signers_side_by_side_are_told_apart():
    doc = next(d for d in DOCS if d.doc_id.startswith("d05"))
    for pages in (doc.pages, [word_page(x, n + 1, order="columns") for n, x in enumerate(doc.lines)]):
        signers = extract(pages).signers
        assert [(s.name, s.position) for s in signers] == [
            ("Nguyễn Hữu Phước", "CHÁNH VĂN PHÒNG"),
            ("Trương Công Định", "PHÓ GIÁM ĐỐC"),
        ]


def test_signer_authority_and_on_behalf_of():
    doc = next(d for d in DOCS if d.doc_id.startswith("d06"))
    signer = extract(doc.pages).signers[0]
    assert (signer.authority, signer.on_behalf_of, signer.position) == (
        "TM.",
        "HỘI ĐỒNG TUYỂN DỤNG",
        "CHỦ TỊCH",
    )


def test_addressees_and_recipients():
    doc = next(d for d in DOCS if d.doc_id.startswith("d02"))
    extraction = extract(doc.pages)
    assert extraction.addressees == [
        "Các sở, ban, ngành thuộc tỉnh",
        "Ủy ban nhân dân các huyện, thị xã, thành phố",
    ]
    assert extraction.metadata.recipients[-1] == "Lưu: VT, CCVTLT"


def test_every_field_has_a_confidence():
    meta = extract_metadata(DOCS[0].pages)
    for name in (
        "number",
        "notation",
        "doc_type",
        "issuer",
        "date",
        "subject",
        "signer",
        "secrecy",
        "urgency",
        "personal_data",
    ):
        assert 0.0 <= meta.confidence[name] <= 1.0
    assert meta.confidence["date"] >= 0.9


# --- small documents written for one feature ---------------------------------------------------

CONG_VAN_OCR = """UBND TỈNH VĨNH PHÚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SO NOI VU Doc lap - Tu do - Hanh phuc
S6: 1234/SNV-VP Vinh Phuc, ngay 29 thang 6 nam 2018
V/V: gui bao cao
THƯỢNG KHẨN
Kinh gui: Uy ban nhan dan tinh.
So Noi vu bao cao nhu sau ve cong tac van thu luu tru nam 2018 va ke hoach nam sau./.
Noi nhan:
GIÁM ĐỐC
- Như trên;
- Lưu: VT.
Nguyen Van An"""


def test_ocr_text_without_accents_two_columns_merged():
    meta = extract_metadata([text_page(CONG_VAN_OCR)])
    assert (meta.number, meta.notation, meta.doc_type) == ("1234", "SNV-VP", "Công văn")
    assert meta.date == dt.date(2018, 6, 29)
    assert meta.place == "Vĩnh Phúc"  # the gazetteer's spelling
    assert meta.issuer_printed == "Sở Noi vu tỉnh Vĩnh Phúc"  # the kind of body gets its accent back
    assert meta.issuer == "Sở Nội vụ tỉnh Vĩnh Phúc"  # the table of bodies gives the field's
    assert meta.parent_issuer == "Ủy ban nhân dân tỉnh Vĩnh Phúc"
    assert (meta.province, meta.province_present) == ("Vĩnh Phúc", "Phú Thọ")
    assert meta.subject == "V/v gui bao cao"
    assert meta.urgency == "THƯỢNG KHẨN"
    assert meta.signer.name == "Nguyễn Van An"
    assert meta.confidence["number"] < 0.9  # 'S6:' was repaired
    assert meta.confidence["date"] < 0.9  # no accents


NORMATIVE = """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 30/2020/NĐ-CP
Hà Nội, ngày 05 tháng 3 năm 2020
NGHỊ ĐỊNH
Về công tác văn thư
Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
TM. CHÍNH PHỦ
THỦ TƯỚNG
Nguyễn Xuân Phúc"""


def test_normative_document():
    extraction = extract([text_page(NORMATIVE)])
    meta = extraction.metadata
    assert (meta.number, meta.notation, meta.doc_type) == ("30", "2020/NĐ-CP", "Nghị định")
    assert extraction.notation_form == "normative"
    assert (meta.issuer, meta.parent_issuer) == ("Chính phủ", None)
    assert meta.subject == "Về công tác văn thư"
    assert (meta.signer.authority, meta.signer.position, meta.signer.name) == (
        "TM.",
        "THỦ TƯỚNG",
        "Nguyễn Xuân Phúc",
    )


INCOMING = """ĐẾN Số: 345
Ngày: 12/5/2021
UBND TỈNH BẮC NINH
SỞ NỘI VỤ
Số: 587/SNV-CCVTLT
Bắc Ninh, ngày 08 tháng 4 năm 2021
V/v đôn đốc nộp lưu
TUYỆT MẬT
Kính gửi: Các sở."""


def test_incoming_stamp_and_secret_mark():
    extraction = extract([text_page(INCOMING)])
    assert extraction.incoming is not None
    assert (extraction.incoming.number, extraction.incoming.date) == ("345", dt.date(2021, 5, 12))
    assert (extraction.metadata.number, extraction.metadata.notation) == ("587", "SNV-CCVTLT")
    assert extraction.metadata.secrecy == "TUYỆT MẬT"


def test_a_typed_abbreviation_without_a_title_and_with_v_v_is_a_cong_van():
    text = "CỤC THUẾ TỈNH X\nSố: 123/CT-TTHT\nX, ngày 02 tháng 3 năm 2021\nV/v hướng dẫn chính sách thuế"
    meta = extract_metadata([text_page(text)])
    assert meta.doc_type == "Công văn"


def test_empty_document():
    meta = extract_metadata([Page(number=1)])
    assert meta.number is None and meta.doc_type is None and meta.signer is None
    assert meta.confidence["number"] < 0.5


# --- layout --------------------------------------------------------------------------------------


def _word(text: str, left: int, top: int, block: int = 1, line: int = 1, conf: float = 95) -> Word:
    return Word(
        text=text,
        confidence=conf,
        block=block,
        line=line,
        box=Box(left=left, top=top, width=len(text) * 20, height=40),
    )


def test_a_merged_row_is_split_at_the_column_gap():
    page = Page(
        number=1,
        width=2480,
        height=3508,
        words=[
            _word("SỞ", 300, 200),
            _word("NỘI", 360, 200),
            _word("VỤ", 440, 200),
            _word("Độc", 1400, 200),
            _word("lập", 1480, 200),
        ],
    )
    lines = page_lines(page)
    assert [(x.text, x.side) for x in lines] == [("SỞ NỘI VỤ", "left"), ("Độc lập", "right")]
    assert [x.text for x in page_lines(page, columns=False)] == ["SỞ NỘI VỤ Độc lập"]


def test_lines_come_in_reading_order_whatever_the_engine_order():
    words = [_word("below", 300, 900, block=1, line=1), _word("above", 1400, 200, block=2, line=2)]
    assert [x.text for x in page_lines(Page(number=1, width=2480, height=3508, words=words))] == [
        "above",
        "below",
    ]


@pytest.mark.parametrize(
    ("text", "confidence", "expected"),
    [
        ("L4 [taVnie —— Ï iw0lSm | 4709098 | LauBven -", 0.9, True),
        ("Thí sinh có tên trong danh sách có mặt lúc 07 giờ", 0.9, False),
        ("theo Thông tư số 02/2019/TT-BNV ngày 24 tháng 01 năm 2019", 0.9, False),
        ("Thí sinh có tên trong danh sách có mặt lúc 07 giờ", 0.3, True),
    ],
)
def test_unreadable_lines(text, confidence, expected):
    assert unreadable(Line(text=text, page=1, index=0, confidence=confidence)) is expected
