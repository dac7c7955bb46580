"""The day and month of the date of issue read again when the first reading gave letters
('ngày 1S tháng 01'): the pure rules as tables (what is re-read, what digits are taken), the
extractor with a second reading, and real Tesseract on a rendered date line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from application.date_reading import date_engine, reread_date
from classify import extract
from classify.date_reading import DateReading, combine, date_gap, fill, resolve
from classify.layout import document_lines
from core.errors import OcrTimeout
from ocr import FailingEngine
from schemas import Box, Page, Word

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
HEADER = "ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\nSố: 2622/BC-UBND\n"
BODY = "\nBÁO CÁO\nKết quả thực hiện phòng, chống dịch bệnh năm 2019\n\nNội dung báo cáo.\n"


def _page(date_line: str) -> Page:
    return Page(number=1, text=HEADER + MOTTO + date_line + BODY)


@pytest.mark.parametrize(
    ("read", "readings", "expected"),
    [
        ("1S", [("15", 0.9), ("15", 0.88)], "15"),
        ("1S", [("18", 0.9), ("18", 0.9)], "18"),  # S may be 8 as well
        ("S", [("5", 0.96), ("5", 0.96)], "5"),
        ("0T", [("01", 0.9), ("01", 0.9)], "01"),
        ("lO", [("10", 0.9), ("10", 0.9)], "10"),
        ("S", [("3", 0.9), ("3", 0.9)], None),  # 3 is no reading of an S
        ("1S", [("19", 0.9), ("19", 0.9)], None),
        ("1S", [("15", 0.9), ("19", 0.9)], None),  # the two readings disagree
        ("1S", [("15", 0.9), ("15", 0.6)], None),  # one unsure
        ("1S", [("15", 0.9)], None),  # one reading is not enough
        ("1S", [("5", 0.9), ("5", 0.9)], None),  # a digit lost
        ("0S", [("06", 0.9), ("06", 0.9)], None),
    ],
)
def test_resolve(read: str, readings: list[tuple[str, float]], expected: str | None) -> None:
    assert resolve(read, readings) == expected


@pytest.mark.parametrize(
    ("line", "targets"),
    [
        ("Bắc Ninh, ngày 1S tháng 01 năm 2019", [("day", "1S")]),
        ("Bạc Liêu, ngày 04 tháng S năm 2017", [("month", "S")]),
        ("Đồng Hòa, ngày 0S tháng 0T năm 2024", [("day", "0S"), ("month", "0T")]),
        ("Bình Phước. ngày 09 tháng S năm 20019", [("month", "S")]),
        ("Bắc Ninh, ngày 15 tháng 01 năm 2019", None),  # read: nothing to do
        ("Bắc Ninh, ngày … tháng 01 năm 2019", None),  # left blank for a hand
        ("Bắc Ninh, ngày \\5 tháng 01 năm 2019", None),  # a hand's strokes
        ("Bắc Ninh, ngày 15 tháng 01 năm 201S", [("year", "201S")]),
        ("Bắc Ninh, ngày 1S tháng 01 năm 201S", [("day", "1S"), ("year", "201S")]),
        ("Bắc Ninh, ngày 15 tháng 01 năm SSSS", None),  # no digit: not a year read with slips
    ],
)
def test_date_gap(line: str, targets: list[tuple[str, str]] | None) -> None:
    gap = date_gap(document_lines([_page(line)]))
    if targets is None:
        assert gap is None
    else:
        assert gap is not None and [(t.slot, t.read) for t in gap.targets] == targets


def test_a_cited_date_in_running_text_is_not_read_again() -> None:
    cited = "Thực hiện Kế hoạch số 10/KH-UBND ngày 0S tháng 4 năm 2019\n"
    text = HEADER + MOTTO + "Bắc Ninh, ngày 15 tháng 01 năm 2019\n" + cited
    assert date_gap(document_lines([Page(number=1, text=text)])) is None
    text = HEADER + cited
    assert date_gap(document_lines([Page(number=1, text=text)])) is None


def test_fill_puts_only_the_resolved_digits_in() -> None:
    gap = date_gap(document_lines([_page("Đồng Hòa, ngày 0S tháng 0T năm 2024")]))
    assert gap is not None
    assert fill(gap, {}) is None
    reading = fill(gap, {"month": "01"})
    assert reading is not None and reading.text == "Đồng Hòa, ngày 0S tháng 01 năm 2024"


def test_extract_takes_the_date_read_again() -> None:
    page = _page("Bắc Ninh, ngày 1S tháng 01 năm 2019")
    first = extract([page]).metadata
    assert first.date is None and first.date_partial == "2019-01"
    line = next(x for x in document_lines([page])[0] if "ngày" in x.text)
    again = DateReading(page=1, index=line.index, text="Bắc Ninh, ngày 15 tháng 01 năm 2019")
    found = extract([page], date=again)
    meta = found.metadata
    assert meta.date == dt.date(2019, 1, 15) and meta.date_partial is None
    assert "1S" in found.evidence["date"].text and "đọc lại" in found.evidence["date"].text
    # a reading of another line, or one that does not parse, changes nothing
    assert extract([page], date=DateReading(1, line.index + 1, again.text)).metadata.date is None
    wrong = DateReading(1, line.index, "Bắc Ninh, ngày 1S tháng 01 năm 2019")
    assert extract([page], date=wrong).metadata.date_partial == "2019-01"


def test_a_month_read_again_gives_the_partial_date() -> None:
    """The first reading had no month ('tháng 0T'): the month read again keeps the date as its
    month and year, the day ('0S', not resolved) left for a person."""
    page = _page("Đồng Hòa, ngày 0S tháng 0T năm 2024")
    assert extract([page]).metadata.date_partial is None
    line = next(x for x in document_lines([page])[0] if "ngày" in x.text)
    found = extract([page], date=DateReading(1, line.index, "Đồng Hòa, ngày 0S tháng 01 năm 2024")).metadata
    assert found.date is None and found.date_partial == "2024-01"
    assert any("cần nhập ngày" in reason for reason in found.review)


_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
_ITALIC = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf")


def _rendered(printed: str, first_read: dict[str, str], italic: bool = False) -> tuple[Image.Image, Page]:
    """A date line rendered at 300 dpi; its words as the first reading gave them (`first_read`:
    printed word -> what the engine read)."""
    image = Image.new("L", (1700, 160), 255)
    draw = ImageDraw.Draw(image)
    path = _ITALIC if italic else _FONT
    font = ImageFont.truetype(str(path), 40) if path.exists() else ImageFont.load_default(40)
    words, x = [], 60
    for token in printed.split():
        left, top, right, bottom = draw.textbbox((x, 50), token, font=font)
        draw.text((x, 50), token, font=font, fill=0)
        box = Box(left=left, top=top, width=right - left, height=bottom - top)
        words.append(Word(text=first_read.get(token, token), confidence=90, box=box, line=0))
        x = right + 16
    text = " ".join(w.text for w in words)
    return image, Page(number=1, text=text, words=words, width=image.width, height=image.height)


def test_tesseract_reads_the_day_again() -> None:
    image, page = _rendered("Bắc Ninh, ngày 15 tháng 01 năm 2019", {"15": "1S"})
    assert extract([page]).metadata.date is None
    found = reread_date([page], lambda number: image, date_engine())
    assert 1 <= found.calls <= 2 and found.seconds < 20
    assert found.reading is not None
    assert extract([page], date=found.reading).metadata.date == dt.date(2019, 1, 15)


def test_a_digit_the_letter_cannot_stand_for_is_refused() -> None:
    image, page = _rendered("Bạc Liêu, ngày 04 tháng 3 năm 2017", {"3": "S"})
    found = reread_date([page], lambda number: image, date_engine())
    assert found.calls >= 1 and found.reading is None
    assert extract([page], date=found.reading).metadata.date is None


def test_no_engine_call_when_the_date_was_read() -> None:
    image, page = _rendered("Bắc Ninh, ngày 15 tháng 01 năm 2019", {})
    found = reread_date([page], lambda number: image, FailingEngine(RuntimeError("not called")))
    assert found.calls == 0 and found.reading is None


def test_the_year_read_again() -> None:
    image, page = _rendered("Bắc Ninh, ngày 15 tháng 01 năm 2018", {"2018": "201S"})
    assert extract([page]).metadata.date is None
    found = reread_date([page], lambda number: image, date_engine())
    assert found.reading is not None
    assert extract([page], date=found.reading).metadata.date == dt.date(2018, 1, 15)


def test_a_timeout_is_given_up() -> None:
    image, page = _rendered("Bắc Ninh, ngày 13 tháng 01 năm 2019", {"13": "1S"})  # no shape tells a 3
    found = reread_date([page], lambda number: image, FailingEngine(OcrTimeout("slow")))
    assert found.calls == 1 and found.reading is None


@pytest.mark.parametrize(
    ("read", "engine", "shape", "expected"),
    [
        ("1S", "15", None, "15"),
        ("1S", None, "15", "15"),
        ("1S", "15", "15", "15"),
        ("1S", "18", "15", None),  # the two disagree: neither
        ("1S", None, "13", None),  # a 3 the S cannot stand for
        ("0T", None, "07", "07"),
        ("0T", None, "7", None),  # a glyph short
        ("0T", None, None, None),
    ],
)
def test_combine(read: str, engine: str | None, shape: str | None, expected: str | None) -> None:
    assert combine(read, engine, shape) == expected


def test_the_glyphs_shapes_tell_the_digits_the_engine_cannot() -> None:
    """The engine's re-reading times out: the day printed '18', first read '1S', is told an 8 by
    its two loops; the month '07' read '0T' a 7 by its bar (italic, as the date line is)."""
    image, page = _rendered("Hà Nam, ngày 18 tháng 07 năm 2021", {"18": "1S", "07": "0T"}, italic=True)
    found = reread_date([page], lambda number: image, FailingEngine(OcrTimeout("slow")))
    assert found.reading is not None and found.by_shape == found.reading.by_shape == ("day", "month")
    metadata = extract([page], date=found.reading).metadata
    assert metadata.date == dt.date(2021, 7, 18)
    # stored, but for a person to confirm: below the review threshold, with a reason saying why
    assert metadata.confidence["date"] == pytest.approx(0.5, abs=0.05)
    assert any("hình dạng chữ số" in reason for reason in metadata.review)


def test_a_date_the_engine_read_again_is_not_flagged_as_read_by_shape() -> None:
    image, page = _rendered("Bắc Ninh, ngày 15 tháng 01 năm 2019", {"15": "1S"})
    found = reread_date([page], lambda number: image, date_engine())
    assert found.reading is not None and found.by_shape == ()
    metadata = extract([page], date=found.reading).metadata
    assert metadata.confidence["date"] >= 0.6 and not any("hình dạng" in r for r in metadata.review)
