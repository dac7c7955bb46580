"""A secrecy stamp read again by real Tesseract when the first reading lost the header it
stands in: a dark photocopy whose top is dots on grey (no number, no issuer read), and a
stamp the first reading took for an issuer line, unsurely (application/mark_reading.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from application.mark_reading import mark_engine, reread_marks
from application.second_readings import SecondReadings
from classify import classify, load_rules
from ocr import TesseractEngine
from schemas import Box, Page, Word

_FONTS = Path("/usr/share/fonts/truetype/liberation2")
HEADER = [
    ("ỦY BAN NHÂN DÂN", 150, 200, "b"),
    ("TỈNH LONG AN", 200, 260, "b"),
    ("Số: 12/QĐ-UBND", 170, 330, "r"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1100, 200, "b"),
    ("Long An, ngày 15 tháng 01 năm 2019", 1250, 330, "r"),
]
BODY = [
    ("QUYẾT ĐỊNH", 1050, 700, "b"),
    ("Về việc ban hành quy chế làm việc của cơ quan", 700, 770, "r"),
    ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;", 350, 900, "r"),
]


def _font(style: str) -> ImageFont.FreeTypeFont:
    name = {"r": "LiberationSerif-Regular.ttf", "b": "LiberationSerif-Bold.ttf"}[style]
    path = _FONTS / name
    return ImageFont.truetype(str(path), 40) if path.exists() else ImageFont.load_default(40)


def _draw(draw: ImageDraw.ImageDraw, rows, words: list[Word], first: int, confidence: int = 93) -> None:
    for row, (text, x, y, style) in enumerate(rows, first):
        for token in text.split():
            left, top, right, bottom = draw.textbbox((x, y), token, font=_font(style))
            draw.text((x, y), token, font=_font(style), fill="black")
            box = Box(left=left, top=top, width=right - left, height=bottom - top)
            words.append(Word(text=token, confidence=confidence, box=box, line=row))
            x = right + 14


def _stamp(draw: ImageDraw.ImageDraw, mark: str, x: int, y: int, fill) -> None:
    left, top, right, bottom = draw.textbbox((x, y), mark, font=_font("b"))
    draw.text((x, y), mark, font=_font("b"), fill=fill)
    draw.rectangle((left - 18, top - 12, right + 18, bottom + 12), outline=fill, width=4)


def _speckled(mark: str | None) -> tuple[Image.Image, Page]:
    """A bilevel photocopy whose top half is a field of dots (40 % of it black) the header and
    the stamp stand in: the first reading read the body only."""
    image = Image.new("L", (2480, 1800), 255)
    draw = ImageDraw.Draw(image)
    header_words: list[Word] = []
    _draw(draw, HEADER, header_words, 0)
    if mark:
        _stamp(draw, mark, 250, 420, 0)
    words: list[Word] = []
    _draw(draw, BODY, words, 0)
    dots = np.random.default_rng(3).random((image.height, image.width)) < 0.4
    dots[640:] = False  # the body below is read
    ink = np.where(dots, 0, np.asarray(image))
    image = Image.fromarray(ink.astype(np.uint8)).convert("1")
    text = "\n".join(x[0] for x in BODY)
    return image, Page(number=1, text=text, words=words, width=image.width, height=image.height)


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return mark_engine()


def test_a_stamp_in_a_speckled_header_no_line_of_which_was_read(engine) -> None:
    image, page = _speckled("TỐI MẬT")
    assert SecondReadings().metadata([page]).secrecy is None
    found = reread_marks([page], lambda number: image, engine)
    assert found.reading is not None and [m.value for m in found.reading.marks] == ["TỐI MẬT"]
    metadata = SecondReadings(marks=found).metadata([page])
    assert metadata.secrecy == "TỐI MẬT" and metadata.confidence["secrecy"] < 0.8
    assert classify(metadata, [page], load_rules()).access == "not_accessible"


def test_a_speckled_header_without_a_stamp_gives_no_mark(engine) -> None:
    image, page = _speckled(None)
    found = reread_marks([page], lambda number: image, engine)
    assert found.calls <= 8
    assert found.reading is None or found.reading.marks == ()


def test_a_stamp_taken_for_an_issuer_line_unsurely_is_read_again(engine) -> None:
    """No number read; the stamp under the issuer read as '[TL YẾT? MÃI]' at 9 %, and taken
    for the issuer's last line: the region starts above it, not under it."""
    image = Image.new("RGB", (2480, 1050), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    words: list[Word] = []
    _draw(draw, [HEADER[0], HEADER[1], HEADER[3]], words, 0)
    _stamp(draw, "TUYỆT MẬT", 200, 330, (200, 20, 25))
    left, top, right, bottom = draw.textbbox((200, 330), "TUYỆT MẬT", font=_font("b"))
    for i, token in enumerate(("[TL", "YẾT?", "MÃI]")):
        third = (right - left) // 3
        box = Box(left=left + i * third, top=top, width=third - 10, height=bottom - top)
        words.append(Word(text=token, confidence=9, box=box, line=3))
    _draw(draw, BODY, words, 4)
    text = "\n".join([HEADER[0][0], HEADER[1][0], HEADER[3][0], "[TL YẾT? MÃI]", *(x[0] for x in BODY)])
    page = Page(number=1, text=text, words=words, width=image.width, height=image.height)
    assert SecondReadings().metadata([page]).secrecy is None
    found = reread_marks([page], lambda number: image, engine)
    assert found.reading is not None and [m.value for m in found.reading.marks] == ["TUYỆT MẬT"]


def _turned(box: Box, degrees: float, centre: tuple[float, float]) -> Box:
    """The upright box of a box turned `degrees` counter-clockwise about `centre` (image y down)."""
    import math

    a = math.radians(degrees)
    cx, cy = centre
    xs, ys = [], []
    for x, y in (
        (box.left, box.top),
        (box.left + box.width, box.top),
        (box.left, box.top + box.height),
        (box.left + box.width, box.top + box.height),
    ):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * math.cos(a) + dy * math.sin(a))
        ys.append(cy - dx * math.sin(a) + dy * math.cos(a))
    return Box(
        left=int(min(xs)), top=int(min(ys)), width=int(max(xs) - min(xs)), height=int(max(ys) - min(ys))
    )


def test_a_boxed_stamp_on_a_skewed_scan(engine) -> None:
    """A scan turned 8 degrees (Page.skew): the stamp's frame is slanted across its letters
    until the region is levelled."""
    image = Image.new("RGB", (2480, 1300), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    words: list[Word] = []
    _draw(draw, [*HEADER, *BODY], words, 0)
    _stamp(draw, "TUYỆT MẬT", 200, 420, (200, 20, 25))
    centre = (image.width / 2, image.height / 2)
    image = image.rotate(8, resample=Image.Resampling.BICUBIC, center=centre, fillcolor=(255, 255, 255))
    image = image.filter(ImageFilter.GaussianBlur(2))  # a soft scan: the frame's slant thick
    words = [w.model_copy(update={"box": _turned(w.box, 8, centre)}) for w in words]
    text = "\n".join(x[0] for x in [*HEADER, *BODY])
    page = Page(number=1, text=text, words=words, width=image.width, height=image.height, skew=8.0)
    found = reread_marks([page], lambda number: image, engine)
    assert found.reading is not None and [m.value for m in found.reading.marks] == ["TUYỆT MẬT"]
