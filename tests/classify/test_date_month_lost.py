"""A month the first reading lost ('Khánh Hòa, ngày 09 tháng năm 2023': the word filter dropped
an italic '11' read 'lÌ') is read again from the blank between 'tháng' and 'năm', digits only,
as one word; taken only when both readings agree surely on a month (1-12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from application.date_reading import date_engine, reread_date
from classify import extract
from classify.date_reading import DateReading, date_gap, fill, resolve
from classify.layout import document_lines
from schemas import Box, Page, Word

_ITALIC = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf")
_LINE = ["Khánh", "Hòa,", "ngày", "09", "tháng", "12", "năm", "2023"]


def _page(ink: tuple[int, int, int] = (0, 0, 0)) -> tuple[Page, Image.Image]:
    """The date line at about 300 dpi, its month word lost from the first reading."""
    image = Image.new("RGB", (1500, 200), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(_ITALIC), 46) if _ITALIC.exists() else ImageFont.load_default(46)
    words, x = [], 60
    for token in _LINE:
        left, top, right, bottom = draw.textbbox((x, 70), token, font=font)
        draw.text((x, 70), token, font=font, fill=ink if token == _LINE[5] else (0, 0, 0))
        if token != _LINE[5]:
            box = Box(left=left, top=top, width=right - left, height=bottom - top)
            words.append(Word(text=token, confidence=90, box=box))
        x = right + 18
    text = " ".join(w.text for w in words)
    return Page(number=1, text=text, words=words, width=image.width, height=image.height), image


def test_the_lost_month_is_a_gap_to_read_again() -> None:
    page, _ = _page()
    gap = date_gap(document_lines([page])[:1])
    assert gap is not None and [(t.slot, t.read) for t in gap.targets] == [("month", "")]
    reading = fill(gap, {"month": "12"})
    assert reading is not None and reading.text == "Khánh Hòa, ngày 09 tháng 12 năm 2023"


@pytest.mark.parametrize(
    ("readings", "taken"),
    [
        ([("11", 0.9), ("11", 0.85)], "11"),
        ([("7", 0.96), ("7", 0.97)], "7"),
        ([("13", 0.9), ("13", 0.9)], None),  # no month
        ([("01", 0.72), ("01", 0.65)], None),  # unsure
        ([("11", 0.9), ("1", 0.9)], None),  # the readings disagree
        ([("11", 0.9)], None),  # one reading only
    ],
)
def test_a_lost_month_is_taken_only_when_sure(readings: list[tuple[str, float]], taken: str | None) -> None:
    assert resolve("", readings) == taken


def test_tesseract_reads_the_lost_month_again() -> None:
    page, image = _page()
    assert extract([page]).metadata.date is None
    found = reread_date([page], lambda number: image, date_engine())
    assert found.digits == {"month": "12"} and found.calls == 2
    metadata = extract([page], date=found.reading).metadata
    assert metadata.date == dt.date(2023, 12, 9)
    assert "(đọc lại chữ số)" in extract([page], date=found.reading).evidence["date"].text


def test_a_month_in_blue_ink_is_not_read() -> None:
    page, image = _page(ink=(30, 60, 200))
    found = reread_date([page], lambda number: image, date_engine())
    assert found.reading is None and found.digits == {}


def test_a_reading_that_changes_more_than_the_month_is_not_taken() -> None:
    page, _ = _page()
    other = DateReading(page=1, index=0, text="Khánh Hòa, ngày 08 tháng 12 năm 2023")
    assert extract([page], date=other).metadata.date is None
