"""A second reading of one region of a page (the signature block under its position line).

The first reading of a page reads it whole; a name printed under a red seal or a signature, or
on a page the engine found almost empty, can come back missing. Re-reading just that region,
upright, with the seal's and the ink's colour taken out, enlarged, despeckled, binarised
and read as a block of lines (psm 6), gives it a second chance. Pure image steps
(`crop_upright`, `drop_colour`, `enlarge`, `despeckle`, `binarise`) apart from the one engine
call (`reread_region`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter

from ocr.engine import OcrEngine, TesseractEngine
from schemas import Word

__all__ = [
    "RegionRead",
    "binarise",
    "crop_upright",
    "despeckle",
    "drop_colour",
    "enlarge",
    "region_engine",
    "reread_region",
]

# Letters of a name stand about this many pixels tall after `enlarge` (Tesseract reads best
# at 20-40 px x-height; a 96 dpi photocopy has names ~12 px tall).
_TARGET_HEIGHT = 48
# A second reading is a bonus: one that takes longer than this (a whole noisy page) is given up.
_TIMEOUT = 10.0


@dataclass(frozen=True)
class RegionRead:
    """What the second reading gave: its lines (top to bottom), mean confidence 0-1, cost."""

    lines: tuple[tuple[str, float], ...]  # each line's text and its least sure word's confidence, 0-1
    confidence: float
    calls: int
    seconds: float


def region_engine(engine: OcrEngine | None = None) -> OcrEngine:
    """The engine for region re-reads: Tesseract (in `engine`'s languages) reading the region
    as one uniform block of lines (psm 6); another engine (a test's) is used as it is."""
    if engine is None or isinstance(engine, TesseractEngine):
        return TesseractEngine(lang=engine.lang if engine else "vie", psm=6, timeout=_TIMEOUT)
    return engine


def crop_upright(image: Image.Image, box: tuple[int, int, int, int], turn: int) -> Image.Image:
    """The region `box` (x0, y0, x1, y1, in the image's coordinates, clipped to it), turned
    so that its text runs left to right: `turn` clockwise quarter turns is the direction the
    text runs in the image (1: downwards)."""
    x0, y0, x1, y1 = box
    clipped = (max(0, x0), max(0, y0), min(image.width, x1), min(image.height, y1))
    crop = image.crop(clipped)
    return crop.rotate(90 * (turn % 4), expand=True) if turn % 4 else crop


def drop_colour(image: Image.Image) -> Image.Image:
    """Grey where coloured ink (a red seal, a blue signature) turns pale and black print
    stays black: each pixel's brightest channel."""
    if image.mode not in ("RGB", "RGBA"):
        return image.convert("L")
    array = np.asarray(image.convert("RGB"))
    return Image.fromarray(array.max(axis=2).astype(np.uint8), mode="L")


def despeckle(image: Image.Image) -> Image.Image:
    """A 3 x 3 median: a photocopy's toner dust and a noisy scan's speckle go, letters stay."""
    return image.filter(ImageFilter.MedianFilter(3))


def binarise(image: Image.Image) -> Image.Image:
    """Black on white at Otsu's threshold: what is left of a pale seal's ink goes white."""
    _, black_white = cv2.threshold(
        np.asarray(image.convert("L")), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU
    )
    return Image.fromarray(black_white)


def enlarge(image: Image.Image, letter_height: float | None) -> Image.Image:
    """Scaled so that letters `letter_height` px tall become about _TARGET_HEIGHT px (None:
    unknown, kept as it is)."""
    if letter_height is None:
        return image
    factor = _TARGET_HEIGHT / max(1.0, letter_height)
    if factor <= 1.2:
        return image
    factor = min(factor, 4.0)
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS)


def reread_region(
    image: Image.Image,
    box: tuple[int, int, int, int],
    turn: int,
    letter_height: float | None,
    engine: OcrEngine,
    *,
    binarised: bool = True,
) -> RegionRead:
    """Read the region again: cropped upright, colour dropped, enlarged, despeckled,
    binarised (or left grey: `binarised=False`); one engine call."""
    started = time.perf_counter()
    prepared = despeckle(enlarge(drop_colour(crop_upright(image, box, turn)), letter_height))
    if binarised:
        prepared = binarise(prepared)
    result = engine.recognise(prepared)
    return RegionRead(
        lines=_lines(result.words),
        confidence=round(result.confidence / 100, 3),
        calls=1,
        seconds=round(time.perf_counter() - started, 3),
    )


def _lines(words: list[Word]) -> tuple[tuple[str, float], ...]:
    """The engine's lines in its order, each with the lowest confidence (0-1) of its words
    that hold a letter: a name is as sure as its least sure word."""
    runs: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        if word.text.strip():
            runs.setdefault((word.block, word.line), []).append(word)
    lines = []
    for run in runs.values():
        lettered = [w.confidence for w in run if any(c.isalpha() for c in w.text)] or [0.0]
        lines.append((" ".join(w.text.strip() for w in run), round(min(lettered) / 100, 3)))
    return tuple(lines)
