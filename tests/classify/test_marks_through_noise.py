"""Secrecy and urgency stamps read through OCR noise: the skeleton of a stamp's capitals
(classify.marks.stamp_level), where a stamp read that way counts on the first reading, and the
pure half of the second reading of the region under the number (classify.mark_reading)."""

from __future__ import annotations

import pytest

from classify import classify, extract, extract_metadata, load_rules
from classify.layout import Line, document_lines
from classify.mark_reading import MarkFound, MarkReading, mark_gap, marks_read, with_marks
from classify.marks import find_marks, stamp_level
from schemas import Box, Page, Word


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("MẬT", ("secrecy", "MẬT")),
        ("NIẬT", ("secrecy", "MẬT")),  # an M in pieces
        ("XIÀI", ("secrecy", "MẬT")),
        ("M.T", ("secrecy", "MẬT")),  # a letter lost to a dot
        ("IMẬT|", ("secrecy", "MẬT")),  # the frame's side glued to it
        ("1ÔI MẬT", ("secrecy", "TỐI MẬT")),  # a T without its bar
        ("TÔI MXIẮT", ("secrecy", "TỐI MẬT")),
        ("TUYẾT MẬT", ("secrecy", "TUYỆT MẬT")),
        ("'LHƯỢNG KHẨN", ("urgency", "THƯỢNG KHẨN")),
        ("THƯỢNG KHĂẮN", ("urgency", "THƯỢNG KHẨN")),  # a vowel read twice
        ("HO 1 TỌC", ("urgency", "HỎA TỐC")),  # a letter lost in a long mark
        ("| KHẤN |", ("urgency", "KHẨN")),
        # ordinary words stay words: other letters than a stamp's confusions
        ("MỘT", None),
        ("ĐẤT", None),
        ("NHẬT", None),
        ("MẶT TRẬN", None),
        ("TIN MẬT", None),
        ("ĐỘ MẬT", None),
        ("THƯỢNG", None),
        ("KHÁNH", None),
        ("MT", None),  # too little left to tell
        ("M..T.", ("secrecy", "MẬT")),
        ("M.T.T", None),  # two letters lost: no more a reading of one mark
    ],
)
def test_stamp_level(read: str, expected: tuple[str, str] | None) -> None:
    assert stamp_level(read) == expected


def _ocr_line(text: str, index: int = 8, x0: int = 150, width: int = 2000) -> Line:
    """A line of an OCR'd page (word boxes), on the left half unless placed otherwise."""
    return Line(text, 1, index, (x0, 600, x0 + 40 * len(text), 650), width, 0.9)


def test_a_broken_stamp_counts_where_stamps_stand_only() -> None:
    assert [m.value for m in find_marks([_ocr_line("NIẬT")])] == ["MẬT"]
    assert find_marks([_ocr_line("NIẬT")])[0].confidence < 0.8  # a person confirms it
    assert find_marks([_ocr_line("NIẬT", index=40)]) == []  # far down the page: body text
    assert find_marks([_ocr_line("NIẬT", x0=1500)]) == []  # the right column: not ô 10a
    assert find_marks([Line("NIẬT", 1, 8)]) == []  # plain text (no word boxes): letters as printed
    assert find_marks([_ocr_line("HÒA LỘC")]) == []  # a place, not 'HỎA TỐC'
    assert [m.value for m in find_marks([_ocr_line("HO TỐC")])] == ["HỎA TỐC"]
    # a letter read as another is the edit allowed; the accents of the letters read right still
    # have to fit ('THƯƠNG NHÂN' is 'THƯỢNG KHẨN' read at 75 dpi, 'KHĂN' keeps being a word)
    assert [m.value for m in find_marks([_ocr_line("THƯƠNG NHÂN")])] == ["THƯỢNG KHẨN"]
    assert find_marks([_ocr_line("KHĂN")]) == []


def test_marks_read_from_rows_read_again() -> None:
    rows = [("V/v báo cáo", 0.9), ("XIÀI", 0.3), ("TÔI MẬT", 0.9), ("KHÁN", 0.8)]
    found = marks_read(rows)
    assert [(m.kind, m.value) for m in found] == [("secrecy", "TỐI MẬT"), ("urgency", "KHẨN")]
    assert all(m.confidence < 0.8 for m in found)
    assert marks_read(rows, ["urgency"])[0].value == "KHẨN"
    assert marks_read([("HÒA LỘC", 0.9)]) == []
    assert marks_read([("HÓA TÔC", 0.9)])[0].value == "HỎA TỐC"


HEADER = [
    ("ỦY BAN NHÂN DÂN", 150, 200),
    ("TỈNH BẮC NINH", 190, 260),
    ("Số: 12/QĐ-UBND", 170, 330),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1150, 200),
    ("Độc lập - Tự do - Hạnh phúc", 1300, 260),
    ("Bắc Ninh, ngày 15 tháng 01 năm 2019", 1250, 330),
    ("QUYẾT ĐỊNH", 1050, 700),
    ("Về việc ban hành quy chế làm việc của cơ quan", 500, 770),
]


def _page(lines=HEADER) -> Page:
    """A first reading: each line's words with boxes (30 px a letter, 45 px tall)."""
    words = []
    for row, (text, x, y) in enumerate(lines):
        for token in text.split():
            words.append(
                Word(
                    text=token,
                    confidence=92,
                    box=Box(left=x, top=y, width=30 * len(token), height=45),
                    line=row,
                )
            )
            x += 30 * len(token) + 20
    return Page(number=1, text="\n".join(t for t, _, _ in lines), words=words, width=2480, height=3508)


def test_the_region_under_the_number() -> None:
    page = _page()
    gap = mark_gap([page], document_lines([page]))
    assert gap is not None and gap.missing == ("secrecy", "urgency")
    x0, y0, x1, y1 = gap.box
    assert y0 < 375 < y1 <= 770  # from the number line's foot down to the first line across the column
    assert x0 < 170 and x1 < 1150  # the left column
    assert gap.letter_height == 45
    marked = _page([*HEADER, ("MẬT", 300, 420)])
    assert mark_gap([marked], document_lines([marked])).missing == ("urgency",)
    both = _page([*HEADER, ("MẬT", 300, 420), ("KHẨN", 300, 490)])
    assert mark_gap([both], document_lines([both])) is None  # both read: nothing to look for


def test_a_mark_read_again_makes_the_record_not_accessible() -> None:
    page = _page()
    first = extract_metadata([page])
    assert first.secrecy is None
    reading = MarkReading(1, (("NIẬT", 0.6),), (MarkFound("secrecy", "MẬT", "NIẬT", 0.65),))
    metadata = with_marks(first, reading)
    assert metadata.secrecy == "MẬT" and metadata.confidence["secrecy"] < 0.8
    assert any("Dấu độ mật" in reason for reason in metadata.review)
    result = classify(metadata, [page], load_rules())
    assert result.access == "not_accessible"
    # a mark the first reading has is kept as it read it
    marked = _page([*HEADER, ("TỐI MẬT", 300, 420)])
    kept = with_marks(extract([marked]).metadata, reading)
    assert kept.secrecy == "TỐI MẬT"
