"""The secrecy/urgency stamps under the number read again by real Tesseract when the first
reading lacks them (application/mark_reading.py), through the document's second readings
(application/second_readings.py) and back from its provenance log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from application.mark_reading import mark_engine, reread_marks
from application.second_readings import MARKS_STEP, SecondReadings, read_again, recorded
from classify import classify, load_rules
from core.errors import OcrTimeout
from ocr import FailingEngine, TesseractEngine
from schemas import Box, Page, Word

_FONTS = Path("/usr/share/fonts/truetype/liberation2")
RED = (200, 20, 25)
HEADER = [
    ("ỦY BAN NHÂN DÂN", 150, 200, "b"),
    ("TỈNH BẮC NINH", 190, 260, "b"),
    ("Số: 12/QĐ-UBND", 170, 330, "r"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1100, 200, "b"),
    ("Bắc Ninh, ngày 15 tháng 01 năm 2019", 1250, 330, "r"),
    ("QUYẾT ĐỊNH", 1050, 700, "b"),
    ("Về việc ban hành quy chế làm việc của cơ quan", 400, 770, "r"),
]


def _font(style: str) -> ImageFont.FreeTypeFont:
    name = {"r": "LiberationSerif-Regular.ttf", "b": "LiberationSerif-Bold.ttf"}[style]
    path = _FONTS / name
    return ImageFont.truetype(str(path), 40) if path.exists() else ImageFont.load_default(40)


def _scan(
    marks: list[str],
    *,
    dotted: bool = False,
    extra: list[tuple[str, int, int, str]] = (),
    paper: tuple[int, int, int] = (255, 255, 255),
) -> tuple[Image.Image, Page]:
    """Page 1 of a Quyết định at 300 dpi with `marks` stamped in red boxes under the number;
    the first reading as the engine gave it, without the stamps. `dotted`: a photocopy, the
    red gone to a pale grey printed in dots."""
    image = Image.new("RGB", (2480, 1100), paper)
    draw = ImageDraw.Draw(image)
    words = []
    for row, (text, x, y, style) in enumerate([*HEADER, *extra]):
        for token in text.split():
            left, top, right, bottom = draw.textbbox((x, y), token, font=_font(style))
            draw.text((x, y), token, font=_font(style), fill="black")
            box = Box(left=left, top=top, width=right - left, height=bottom - top)
            words.append(Word(text=token, confidence=93, box=box, line=row))
            x = right + 14
    y = 420
    for mark in marks:
        left, top, right, bottom = draw.textbbox((250, y), mark, font=_font("b"))
        draw.text((250, y), mark, font=_font("b"), fill=RED)
        draw.rectangle((left - 18, top - 12, right + 18, bottom + 12), outline=RED, width=4)
        y += 100
    if dotted:
        grey = np.asarray(image.convert("L")).astype(float)
        pale = np.where(grey < 200, grey + (255 - grey) * 0.35, 255.0)  # the copier's light red
        rng = np.random.default_rng(7)
        image = Image.fromarray(
            np.where(rng.random(grey.shape) * 255 > pale, 0, 255).astype(np.uint8)
        ).convert("1")
    text = "\n".join(x[0] for x in [*HEADER, *extra])
    return image, Page(number=1, text=text, words=words, width=image.width, height=image.height)


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return mark_engine()


def test_a_red_stamp_the_first_reading_missed_is_read_again(engine) -> None:
    image, page = _scan(["MẬT"])
    assert SecondReadings().metadata([page]).secrecy is None
    found = reread_marks([page], lambda number: image, engine)
    assert 1 <= found.calls <= 2 and found.seconds < 20
    assert found.reading is not None and [m.value for m in found.reading.marks] == ["MẬT"]
    metadata = SecondReadings(marks=found).metadata([page])
    assert metadata.secrecy == "MẬT" and metadata.confidence["secrecy"] < 0.8
    assert classify(metadata, [page], load_rules()).access == "not_accessible"


def test_a_photocopied_stamp_in_dots(engine) -> None:
    image, page = _scan(["TỐI MẬT", "THƯỢNG KHẨN"], dotted=True)
    found = reread_marks([page], lambda number: image, engine)
    metadata = SecondReadings(marks=found).metadata([page])
    assert (metadata.secrecy, metadata.urgency) == ("TỐI MẬT", "THƯỢNG KHẨN")


def test_no_engine_call_where_only_what_was_read_stands() -> None:
    """No stamp; the 'V/v' abstract read surely there is not read again."""
    vv = [("V/v báo cáo kết quả thực hiện", 160, 420, "r")]
    image, page = _scan([], extra=vv)
    found = reread_marks([page], lambda number: image, FailingEngine(RuntimeError("not called")))
    assert found.calls == 0 and found.reading is None


def test_a_stamp_under_the_abstract_on_a_grey_paper(engine) -> None:
    """The 'V/v' abstract read surely is left out in the paper's own shade, not white (a white
    patch on grey paper made the paper itself look like ink)."""
    vv = [("V/v báo cáo kết quả thực hiện", 160, 420, "r")]
    image, page = _scan([], extra=vv, paper=(185, 185, 178))
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = draw.textbbox((300, 520), "KHẨN", font=_font("b"))
    draw.text((300, 520), "KHẨN", font=_font("b"), fill=RED)
    draw.rectangle((left - 18, top - 12, right + 18, bottom + 12), outline=RED, width=4)
    found = reread_marks([page], lambda number: image, engine)
    assert found.reading is not None and [m.value for m in found.reading.marks] == ["KHẨN"]


def test_a_timeout_is_given_up() -> None:
    image, page = _scan(["KHẨN"])
    found = reread_marks([page], lambda number: image, FailingEngine(OcrTimeout("slow")))
    assert found.calls == 1 and found.reading is None


def test_the_reading_is_logged_and_taken_again_from_the_log() -> None:
    image, page = _scan(["KHẨN"])
    engine = TesseractEngine()
    readings = read_again([page], lambda number: image, engine)
    assert readings.metadata([page]).urgency == "KHẨN"
    events = readings.events(engine)
    logged = next(e for e in events if e.step == MARKS_STEP)
    assert logged.parameters["marks"][0]["value"] == "KHẨN" and logged.parameters["calls"] >= 1
    assert recorded([page], events).metadata([page]).urgency == "KHẨN"
    # the stored text read again with the stamp in it: the log's reading is not needed
    marked = page.model_copy(
        update={
            "words": [
                *page.words,
                Word(text="KHẨN", confidence=95, box=Box(left=290, top=425, width=130, height=45), line=20),
            ]
        }
    )
    assert recorded([marked], events).marks.reading is None
