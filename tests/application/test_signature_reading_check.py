"""A signer's name read whole is checked by reading its line again (application/
signature_reading.py, real Tesseract): a reading that gives another name leaves the name
empty for a person, with both readings in the review reason; one that agrees keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from application.signature_reading import reread_signature
from classify import extract
from core.errors import OcrTimeout
from ocr import FailingEngine
from ocr.region import region_engine
from schemas import Box, Page, Word

_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf")
PRINTED = "Phạm Quang Hùng"


@pytest.fixture(scope="module")
def block() -> tuple[Image.Image, list[tuple[str, Box]]]:
    """A 1400 x 700 signature block at 300 dpi: its titles and the printed name, with the
    box of each word as a first reading gives it."""
    image = Image.new("RGB", (1400, 700), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(_FONT), 42) if _FONT.exists() else ImageFont.load_default(42)
    boxes: list[tuple[str, Box]] = []
    for text, top in [("KT. GIÁM ĐỐC", 80), ("PHÓ GIÁM ĐỐC", 150), (PRINTED, 480)]:
        x = 560
        for token in text.split():
            left, _, right, _ = draw.textbbox((x, top), token, font=font)
            draw.text((x, top), token, font=font, fill="black")
            boxes.append((token, Box(left=x, top=top, width=right - left, height=52)))
            x = right + 14
    return image, boxes


def _page(boxes: list[tuple[str, Box]], name: str, size: tuple[int, int], sure: float = 84) -> Page:
    """The first reading: the titles as printed, the name's words as `name` gives them, read
    `sure` % surely (below 90: checked)."""
    read = [t for t, _ in boxes[:-3]] + name.split()
    words = [
        Word(text=text, confidence=95 if i < 6 else sure, box=box, line=0 if i < 3 else 1 if i < 6 else 2)
        for i, (text, (_, box)) in enumerate(zip(read, boxes, strict=True))
    ]
    return Page(number=1, text="", words=words, width=size[0], height=size[1])


def test_a_name_the_engine_read_with_another_mark_is_left_empty(block) -> None:
    image, boxes = block
    page = _page(boxes, "Phạm Quang Hưng", image.size)  # the engine read ù as ư
    assert extract([page]).metadata.signer.name == "Phạm Quang Hưng"  # the first reading alone
    found = reread_signature([page], lambda number: image, region_engine())
    assert found.reason == "check name" and found.calls == 1 and found.seconds < 10
    metadata = extract([page], found.reading).metadata
    assert metadata.signer.name is None and metadata.signer.position == "PHÓ GIÁM ĐỐC"
    assert any("Phạm Quang Hưng" in r and PRINTED in r for r in metadata.review)
    assert metadata.confidence["signer"] == 0.0


def test_a_name_read_again_alike_is_kept(block) -> None:
    image, boxes = block
    page = _page(boxes, PRINTED, image.size)
    found = reread_signature([page], lambda number: image, region_engine())
    assert found.reason == "check name" and found.calls == 2  # black and white, then grey
    assert extract([page], found.reading).metadata.signer.name == PRINTED


def test_no_check_of_a_name_read_surely(block) -> None:
    image, boxes = block
    page = _page(boxes, "Phạm Quang Hưng", image.size, sure=96)
    found = reread_signature([page], lambda number: image, region_engine())
    assert found.reading is None and found.calls == 0
    assert extract([page], found.reading).metadata.signer.name == "Phạm Quang Hưng"


def test_a_check_that_times_out_leaves_the_name_as_read(block) -> None:
    image, boxes = block
    page = _page(boxes, PRINTED, image.size)
    found = reread_signature([page], lambda number: image, FailingEngine(OcrTimeout("too slow")))
    assert found.reading is None and found.calls == 1 and found.reason == "check name"
    assert extract([page], found.reading).metadata.signer.name == PRINTED
