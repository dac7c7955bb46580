"""A page the first reading found empty is read again with its paper made white
(ocr.region.white_paper): a grey, shaded, noisy sheet where Otsu's threshold blackens the
dark half of the paper. Real Tesseract on a small rendered page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from application.signature_reading import reread_signature
from classify import extract
from ocr.region import binarise, region_engine, reread_region, white_paper
from schemas import Page

_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf")
NAME = "Phạm Quang Hùng"


@pytest.fixture(scope="module")
def shaded() -> Image.Image:
    """A 1400 x 900 sheet shading from dark grey (top) to light grey, with speckle, holding a
    signature block: the print a little darker than the darkest paper."""
    rows = np.linspace(120, 225, 900)[:, None] * np.ones((1, 1400))
    noise = np.random.default_rng(7).normal(0, 10, rows.shape)
    image = Image.fromarray(np.clip(rows + noise, 0, 255).astype(np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(_FONT), 42) if _FONT.exists() else ImageFont.load_default(42)
    for text, top in [("KT. CHỦ TỊCH", 120), ("PHÓ CHỦ TỊCH", 190), (NAME, 520)]:
        draw.text((700, top), text, font=font, fill=(25, 25, 25))
    return image


def test_white_paper_keeps_the_print_only(shaded) -> None:
    ink = np.asarray(white_paper(shaded)) < 128
    assert ink.mean() < 0.03  # the print, not the dark paper
    assert ink[520:580, 700:1000].mean() > 0.1  # the name is there
    assert (np.asarray(binarise(shaded)) < 128).mean() > 0.2  # Otsu: the dark half goes black


def test_a_page_read_empty_gives_its_signer(shaded) -> None:
    box = (0, 0, shaded.width, shaded.height)
    read = reread_region(shaded, box, 0, None, region_engine(), flattened=True)
    assert any(NAME in text for text, _ in read.lines)
    first = Page(number=1, text="QUYẾT ĐỊNH\nCác cơ quan thi hành Quyết định này./.")
    pages = [first, Page(number=2)]  # the second page read empty the first time
    found = reread_signature(pages, lambda number: shaded, region_engine())
    assert found.reason == "page read empty" and found.calls == 1 and found.seconds < 10
    assert extract(pages, found.reading).metadata.signer.name == NAME
