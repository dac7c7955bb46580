"""Page images for the near-duplicate tests: a re-scan of a page, and a letter on the same
letterhead with other text. Made from the corpus fixture pages, in memory."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.support import CORPUS_FIXTURES

__all__ = ["FONT", "corpus_page", "lines_of", "other_text_page", "rescan"]

FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")


def corpus_page(name: str) -> Image.Image:
    """A fixture page, e.g. 'd01_qd_phutho__clean_p1.png', loaded."""
    with Image.open(CORPUS_FIXTURES / "pages" / name) as image:
        image.load()
        return image.copy()


def lines_of(name: str) -> list[dict]:
    """The ground-truth lines (text, bbox, region) of a fixture page, by its stem."""
    data = json.loads((CORPUS_FIXTURES / "gt" / f"{name}.lines.json").read_text(encoding="utf-8"))
    return data["lines"]


def rescan(
    image: Image.Image,
    *,
    angle: float = 1.5,
    scale: float = 0.5,
    noise: float = 12.0,
    quality: int = 35,
    shift: tuple[int, int] = (18, 25),
    seed: int = 1,
) -> bytes:
    """The same paper through another scanner: placed a little askew and off-centre, read at
    another resolution, noisier, saved as a low-quality JPEG. Returns the JPEG bytes."""
    page = image.convert("L")
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    moved = Image.new("L", page.size, 255)
    moved.paste(page, shift)
    size = (round(page.width * scale), round(page.height * scale))
    small = np.asarray(moved.resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    noisy = small + np.random.default_rng(seed).normal(0, noise, small.shape)
    out = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    dpi = round(300 * scale)
    out.save(buffer, format="JPEG", quality=quality, dpi=(dpi, dpi))
    return buffer.getvalue()


def other_text_page(image: Image.Image, lines: list[dict], texts: list[str]) -> Image.Image:
    """The page with its subject and body lines blanked and `texts` written in their place:
    the same letterhead, number, date, recipients and signer, another letter."""
    page = image.convert("L")
    draw = ImageDraw.Draw(page)
    slots = [line for line in lines if line["region"] in ("subject", "body")]
    for line in slots:
        draw.rectangle(line["bbox"], fill=255)
    font = ImageFont.truetype(str(FONT), 54)  # 13 pt at 300 dpi
    left = min(line["bbox"][0] for line in slots)
    for line, text in zip(slots, texts, strict=False):
        draw.text((left, line["bbox"][1]), text, font=font, fill=0)
    return page
