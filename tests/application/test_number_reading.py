"""The Số line read again with real Tesseract on a rendered line: a printed number the first
reading gave unsurely is read the same, a number first misread is read otherwise (refused),
and a hand's number is never read again (no engine call)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from application.number_reading import number_engine, reread_number
from core.errors import OcrTimeout
from ocr import FailingEngine
from ocr.engine import OcrEngine
from schemas import Box, Page, Word

_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
_HAND = Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf")
BLUE = (25, 55, 170)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size)


def _rendered(parts: list[tuple[str, str, float]], *, hand: str | None = None) -> tuple[Image.Image, Page]:
    """A Số line rendered at 300 dpi (13 pt), each word `(printed, first read, confidence 0-100)`;
    `hand`: a word written by hand in blue ink (its first reading as given) between them."""
    image = Image.new("RGB", (1200, 140), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    words, x = [], 60
    for printed, read, confidence in parts:
        by_hand = printed == hand
        font = _font(_HAND, 64) if by_hand else _font(_FONT, 54)
        left, top, right, bottom = draw.textbbox((x, 40), printed, font=font)
        draw.text((x, 40), printed, font=font, fill=BLUE if by_hand else (0, 0, 0))
        box = Box(left=left, top=top, width=right - left, height=bottom - top)
        words.append(Word(text=read, confidence=confidence, box=box, line=0))
        x = right + (40 if by_hand else 16)
    text = " ".join(w.text for w in words)
    return image, Page(number=1, text=text, words=words, width=image.width, height=image.height)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return number_engine()


def test_a_number_read_unsurely_is_read_the_same_again(engine: OcrEngine) -> None:
    image, page = _rendered([("Số:", "Số:", 93), ("760/BC-UBND", "7ó0/BC-UBND", 30)])
    found = reread_number([page], lambda number: image, engine)
    assert 1 <= found.calls <= 2 and found.seconds < 20 and found.page == 1
    assert found.reading is not None and found.reading.number == "760"
    assert found.reading.confidence >= 0.85
    assert len(found.readings) == found.calls  # the words of each reading, for the log


def test_a_number_misread_the_first_time_is_read_otherwise_and_refused(engine: OcrEngine) -> None:
    image, page = _rendered([("Số:", "Số:", 93), ("2944/BC-UBND", "3944/BC-UBND", 40)])
    found = reread_number([page], lambda number: image, engine)
    assert found.calls >= 1 and found.reading is None
    assert any("2944" in text for words in found.readings for text, _ in words)


def test_no_engine_call_when_the_number_was_read_surely() -> None:
    image, page = _rendered([("Số:", "Số:", 93), ("760/BC-UBND", "760/BC-UBND", 91)])
    found = reread_number([page], lambda number: image, FailingEngine(RuntimeError("not called")))
    assert found.calls == 0 and found.reading is None


def test_a_hand_number_is_never_read_again() -> None:
    """Written into the blank in blue ink, apart from the printed '/QĐ-UBND': no engine call."""
    parts = [("Số:", "Số:", 95), ("653", "653", 30), ("/QĐ-UBND", "/QĐ-UBND", 90)]
    image, page = _rendered(parts, hand="653")
    found = reread_number([page], lambda number: image, FailingEngine(RuntimeError("not called")))
    assert found.calls == 0 and found.reading is None


def test_a_blue_number_read_as_glued_is_not_confirmed(engine: OcrEngine) -> None:
    """A hand's blue number the first reading glued to the ký hiệu: its colour dropped, the
    second reading does not see it, and nothing is confirmed."""
    parts = [("Số:", "Số:", 95), ("653", "653/QĐ-UBND", 30), ("/QĐ-UBND", "", 90)]
    image, page = _rendered(parts, hand="653")
    glued = page.words[1].box.model_copy(
        update={"width": page.words[2].box.left + page.words[2].box.width - page.words[1].box.left}
    )
    words = [page.words[0], page.words[1].model_copy(update={"box": glued})]
    page = page.model_copy(update={"words": words, "text": "Số: 653/QĐ-UBND"})
    found = reread_number([page], lambda number: image, engine)
    assert found.calls >= 1 and found.reading is None
    assert not any("6" in text for words in found.readings for text, _ in words)


def test_a_timeout_is_given_up() -> None:
    image, page = _rendered([("Số:", "Số:", 93), ("760/BC-UBND", "7ó0/BC-UBND", 30)])
    found = reread_number([page], lambda number: image, FailingEngine(OcrTimeout("slow")))
    assert found.calls == 1 and found.reading is None and found.page == 1
