"""A Số line the first reading lost altogether is read from the header's left column, under
the issuer's name, with real Tesseract: taken when both readings agree surely; a hand's number
in blue ink is never read."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from application.number_reading import number_engine, reread_number
from classify import extract
from classify.number_reading import LOST
from ocr.engine import OcrEngine
from schemas import Box, Page, Word

_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
_BOLD = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf")
_HAND = Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf")
BLUE = (25, 55, 170)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size)


def _header(number: str, *, hand: str | None = None) -> tuple[Image.Image, Page]:
    """A header's left column at 300 dpi; the first reading holds the issuer's two lines and the
    title, not the Số line (lost). `hand`: a number written in blue into the blank before it."""
    image = Image.new("RGB", (1400, 700), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    lines = [
        ("ỦY BAN NHÂN DÂN", _FONT, 50, 60, True),
        ("TỈNH LÀO CAI", _BOLD, 50, 130, True),
        ("Số: ", _FONT, 50, 230, False),
        ("BÁO CÁO", _BOLD, 54, 420, True),
    ]
    words: list[Word] = []
    for index, (text, path, size, y, kept) in enumerate(lines):
        x = 120 if index < 3 else 500
        for token in text.split():
            font = _font(path, size)
            left, top, right, bottom = draw.textbbox((x, y), token, font=font)
            draw.text((x, y), token, font=font, fill=(0, 0, 0))
            if kept:
                box = Box(left=left, top=top, width=right - left, height=bottom - top)
                words.append(Word(text=token, confidence=93, box=box, line=index))
            x = right + 16
        if index == 2 and hand:
            left, _, x, _ = draw.textbbox((x, y - 10), hand, font=_font(_HAND, 62))
            draw.text((left, y - 10), hand, font=_font(_HAND, 62), fill=BLUE)
            x += 30
        if index == 2:
            draw.text((x, y), number, font=_font(_FONT, 50), fill=(0, 0, 0))
    text = "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI\nBÁO CÁO\n"
    return image, Page(number=1, text=text, words=words, width=image.width, height=image.height)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return number_engine()


def test_a_lost_number_line_is_read_from_the_left_column(engine: OcrEngine) -> None:
    image, page = _header("2622/BC-UBND")
    assert extract([page]).metadata.number is None
    found = reread_number([page], lambda number: image, engine)
    assert found.calls == 2 and found.reading is not None and found.reading.index == LOST
    assert found.reading.number == "2622" and found.reading.confidence >= 0.85
    extraction = extract([page], number=found.reading)
    assert (extraction.metadata.number, extraction.metadata.notation) == ("2622", "BC-UBND")
    assert "đọc lại" in extraction.evidence["number"].text


def test_a_hand_number_in_blue_is_not_read(engine: OcrEngine) -> None:
    image, page = _header("/BC-UBND", hand="2622")
    found = reread_number([page], lambda number: image, engine)
    assert found.reading is None
    assert extract([page], number=found.reading).metadata.number is None


def test_the_lost_line_read_again_is_logged_and_applied_on_reclassify() -> None:
    from application.second_readings import read_again, recorded
    from ocr.engine import TesseractEngine

    image, page = _header("2622/BC-UBND")
    second = read_again([page], lambda number: image, TesseractEngine())
    assert second.metadata([page]).number == "2622"
    events = second.events(TesseractEngine())
    logged = next(e for e in events if e.step == "ocr_number")
    assert logged.parameters["lost"] is True and logged.parameters["psm"] == [6, 6]
    assert recorded([page], events).metadata([page]).number == "2622"  # reprocess --classify
