"""The date of issue through OCR noise: more letters read for a printed 1 read again ('L1',
'2]'), the glyphs' shapes refused where the engine's own unsure reading says another digit,
and a year read wrong on the date line left empty when the document speaks of another."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from application.date_reading import date_engine, reread_date
from application.second_readings import SecondReadings
from classify import extract, extract_metadata
from classify.date_reading import date_gap, engine_disagrees, other_year, with_year_checked
from classify.layout import document_lines
from schemas import Box, Page, Word

HEADER = "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI\nSố: 2622/BC-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
BODY = "\nBÁO CÁO\nKết quả thực hiện tuyển dụng viên chức năm 2023\n\nNội dung báo cáo năm 2023.\n"


@pytest.mark.parametrize(
    ("line", "targets"),
    [
        ("Lào Cai, ngày L1 tháng 12 năm 2023", [("day", "L1")]),
        ("Thạch An, ngày 2] tháng 01 năm 2019", [("day", "2]")]),
        ("Thạch An, ngày 21 tháng [2 năm 2019", [("month", "[2")]),
    ],
)
def test_more_letters_stand_for_a_printed_1(line: str, targets: list[tuple[str, str]]) -> None:
    gap = date_gap(document_lines([Page(number=1, text=HEADER + line + BODY)]))
    assert gap is not None and [(t.slot, t.read) for t in gap.targets] == targets


@pytest.mark.parametrize(
    ("read", "shape", "readings", "disagree"),
    [
        ("1S", "15", [("8", 0.0)], True),  # the engine saw an 8 where the shapes saw a 5
        ("1S", "15", [("15", 0.4)], False),
        ("1S", "18", [("18", 0.3), ("16", 0.2)], False),  # a 6 is no reading of an S
        ("0T", "07", [("01", 0.5)], True),
        ("S", "5", [("3", 0.0)], False),
        ("S", "5", [], False),
    ],
)
def test_engine_disagrees(read: str, shape: str, readings: list[tuple[str, float]], disagree: bool) -> None:
    assert engine_disagrees(read, shape, readings) is disagree


def test_a_year_the_document_does_not_speak_of() -> None:
    assert other_year(2016, ["ngày l2 tháng 10 năm 2016", "năm 2018", "trong năm 2018"]) == (2018, 2)
    assert other_year(2019, ["ngày 18 tháng 3 năm 2019", "năm 2018"]) is None  # said once only
    assert other_year(2018, ["năm 2018", "năm 2018", "năm 2019", "năm 2019"]) is None  # its own too
    assert other_year(2018, ["172.600.000 đồng", "năm 2021", "năm 2021"]) is None  # two digits apart
    text = (
        HEADER + "Vĩnh Phúc, ngày 12 tháng 10 năm 2016\nBÁO CÁO\nThu gom rác năm 2018\nKế hoạch năm 2018.\n"
    )
    page = Page(number=1, text=text)
    first = extract_metadata([page])
    assert first.date is None  # extract checks the year itself (tests/classify/test_extract_year.py)
    checked = with_year_checked(first.model_copy(update={"date": dt.date(2016, 10, 12)}), [page])
    assert checked.date is None and checked.date_partial is None and checked.confidence["date"] == 0
    assert any("năm 2018" in reason for reason in checked.review)
    assert SecondReadings().metadata([page]).date is None  # ingest's path does the same
    right = Page(number=1, text=text.replace("năm 2016", "năm 2018"))
    assert with_year_checked(extract_metadata([right]), [right]).date == dt.date(2018, 10, 12)


_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")


def test_tesseract_reads_a_day_whose_1_was_read_as_a_bracket() -> None:
    image = Image.new("L", (1700, 160), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(_FONT), 40) if _FONT.exists() else ImageFont.load_default(40)
    words, x = [], 60
    for token in ["Thạch", "An,", "ngày", "21", "tháng", "01", "năm", "2019"]:
        left, top, right, bottom = draw.textbbox((x, 50), token, font=font)
        draw.text((x, 50), token, font=font, fill=0)
        read = "2]" if token == "21" else token
        words.append(
            Word(
                text=read, confidence=90, box=Box(left=left, top=top, width=right - left, height=bottom - top)
            )
        )
        x = right + 16
    page = Page(
        number=1, text=" ".join(w.text for w in words), words=words, width=image.width, height=image.height
    )
    assert extract([page]).metadata.date is None
    found = reread_date([page], lambda number: image, date_engine())
    assert found.reading is not None
    assert extract([page], date=found.reading).metadata.date == dt.date(2019, 1, 21)
