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
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image, ImageFilter

from ocr.engine import OcrEngine, TesseractEngine
from schemas import Word

__all__ = [
    "GlyphShape",
    "digit_by_shape",
    "glyph_shapes",
    "shape_digits",
    "RegionRead",
    "binarise",
    "crop_upright",
    "despeckle",
    "drop_colour",
    "enlarge",
    "line_engine",
    "region_engine",
    "reread_region",
    "white_paper",
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


def line_engine(engine: OcrEngine) -> OcrEngine:
    """The engine for reading one line again: Tesseract (in `engine`'s languages) reading
    the region as a single text line (psm 7), also for an engine that wraps Tesseract (its
    name says so); another engine (a test's) is used as it is."""
    if isinstance(engine, TesseractEngine) or engine.name == TesseractEngine.name:
        return TesseractEngine(lang=getattr(engine, "lang", "vie"), psm=7, timeout=_TIMEOUT)
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


def white_paper(image: Image.Image) -> Image.Image:
    """Black print on white from a page whose paper is grey, shaded or noisy: each pixel
    divided by the brightest around it (a window a fortieth of the page: the paper there),
    a 5 x 5 median against the noise, then black only what is far darker than the paper's
    own spread (three times the gap between its median and its 5th percentile)."""
    grey = np.asarray(drop_colour(image)).astype(np.float32)
    size = max(31, (min(grey.shape) // 40) | 1)
    paper = cv2.blur(cv2.dilate(grey, np.ones((size, size), np.uint8)), (size, size))
    flat = cv2.medianBlur(np.clip(grey / np.maximum(paper, 1) * 255, 0, 255).astype(np.uint8), 5)
    low, middle = np.percentile(flat, [5, 50])
    threshold = min(160.0, middle - 3 * (middle - low))
    return Image.fromarray(np.where(flat < threshold, 0, 255).astype(np.uint8))


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
    flattened: bool = False,
) -> RegionRead:
    """Read the region again: cropped upright, colour dropped, enlarged, despeckled,
    binarised (or left grey: `binarised=False`), or its paper made white (`flattened`,
    `white_paper`); one engine call."""
    started = time.perf_counter()
    crop = crop_upright(image, box, turn)
    if flattened:
        prepared = white_paper(enlarge(crop, letter_height))
    else:
        prepared = despeckle(enlarge(drop_colour(crop), letter_height))
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


# Digits told apart by the shape of their printed glyph, where the engine read a letter that
# stands for two digits ('S': 5 or 8, 'T': 1 or 7). Measured on the corpus generator's tuning
# split (italic Liberation Serif / TeX Gyre Termes of the date line, 75-300 dpi, photocopies)
# and on both fonts upright, bold and italic at 16-60 px: an 8 shows its two loops (one filled
# by toner leaves one, as a 9 has: refused); a 5 has none and its right side is open between the
# top bar and the bowl (its rightmost ink there stands left of the middle); a 7's top bar spans
# the glyph over a narrow foot; a 1 is narrow, a short flag over a wider foot. Anything between
# is refused: a filled 8 is neither an 8 nor a 5 here.
_HOLE_AREA = 0.03  # a loop counts when it holds at least this share of the glyph's box
_MAJOR_HEIGHT = 0.55  # a glyph stands at least this share of the tallest one's height


@dataclass(frozen=True)
class GlyphShape:
    """What the shape of one printed glyph shows: closed loops, how far right its ink reaches
    in the upper middle (22-50 % of its height, share of its width), the width of its top
    and bottom fifths (share of its width)."""

    loops: int
    right_reach: float
    top: float
    bottom: float
    aspect: float = 0.0  # width / height
    stature: float = 1.0  # height / the word's tallest glyph's


def glyph_shapes(image: Image.Image, count: int) -> tuple[GlyphShape, ...] | None:
    """The shapes of the `count` glyphs of a word image (left to right); None when it does
    not hold exactly `count` glyphs of the word's height (touching or broken characters)."""
    grey = np.asarray(image.convert("L"))
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    found, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    parts = [i for i in range(1, found) if stats[i, cv2.CC_STAT_AREA] >= 12]
    if not parts:
        return None
    tallest = max(stats[i, cv2.CC_STAT_HEIGHT] for i in parts)
    major = sorted(
        (i for i in parts if stats[i, cv2.CC_STAT_HEIGHT] >= _MAJOR_HEIGHT * tallest),
        key=lambda i: stats[i, cv2.CC_STAT_LEFT],
    )
    if len(major) != count:
        return None
    shapes = []
    for i in major:
        x, y, w, h = (int(v) for v in stats[i, :4])
        shapes.append(replace(_shape(labels[y : y + h, x : x + w] == i), stature=round(h / tallest, 3)))
    return tuple(shapes)


def _shape(mask: np.ndarray) -> GlyphShape:
    height, width = mask.shape
    padded = np.ones((height + 2, width + 2), np.uint8)  # paper all round the glyph
    padded[1:-1, 1:-1] = ~mask
    found, labels, stats, _ = cv2.connectedComponentsWithStats(padded, connectivity=4)
    outside = labels[0, 0]
    loops = sum(
        1
        for i in range(1, found)
        if i != outside and stats[i, cv2.CC_STAT_AREA] >= _HOLE_AREA * height * width
    )
    reach = []
    for row in mask[int(height * 0.22) : max(int(height * 0.22) + 1, int(height * 0.5))]:
        inked = np.flatnonzero(row)
        reach.append((inked[-1] + 1) / width if inked.size else 0.0)
    band = max(1, height // 5)
    return GlyphShape(
        loops=loops,
        right_reach=round(min(reach), 3) if reach else 1.0,
        top=round(_span(mask[:band]), 3),
        bottom=round(_span(mask[-band:]), 3),
        aspect=round(width / height, 3),
    )


def _span(rows: np.ndarray) -> float:
    inked = np.flatnonzero(rows.any(axis=0))
    return (inked[-1] - inked[0] + 1) / rows.shape[1] if inked.size else 0.0


# The loops each printed digit may show (an 8 may lose one to a blot; a 4 is open or closed).
_LOOPS = {
    "0": {1},
    "1": {0},
    "2": {0},
    "3": {0},
    "4": {0, 1},
    "5": {0},
    "6": {1},
    "7": {0},
    "8": {1, 2},
    "9": {1},
}


def digit_by_shape(shape: GlyphShape, choices: str) -> str | None:
    """The one digit among `choices` the glyph's shape shows, None when it shows none surely:
    8 (two loops), 5 (no loop, open on the right), 7 (a top bar the glyph's width over a
    narrow foot), 1 (a third as wide as tall, or narrow with a short flag, over a wider foot, as
    tall as the word's digits: a 7 that lost its bar is shorter); a letter
    that stands for one digit only ('G': 6) by that digit's loops."""
    shown = set()
    for digit in choices:
        if digit == "8":
            fits = shape.loops == 2
        elif digit == "5":
            fits = shape.loops == 0 and shape.right_reach <= 0.5
        elif digit == "7":
            fits = shape.loops == 0 and shape.top >= 0.88 and shape.bottom <= 0.36
        elif digit == "1":
            narrow = shape.aspect <= 0.35 or (shape.top <= 0.8 and shape.aspect <= 0.6)
            fits = shape.loops == 0 and shape.bottom >= 0.45 and narrow and shape.stature >= 0.9
        else:  # a digit no other choice shares a letter with ('G': 6, 'Z': 2)
            fits = len(choices) == 1 and shape.loops in _LOOPS.get(digit, set())
        if fits:
            shown.add(digit)
    return shown.pop() if len(shown) == 1 else None


def shape_digits(
    image: Image.Image,
    box: tuple[int, int, int, int],
    turn: int,
    letter_height: float | None,
    read: str,
    lookalikes: dict[str, str],
) -> str | None:
    """The digits of a printed word the engine read as `read` ('1S', '0T'), each letter told
    by its glyph's shape among the digits `lookalikes` gives it; the word's digits must show
    the loops they have (a check that the glyphs were cut right). No engine call; None when
    any glyph is unsure."""
    prepared = despeckle(enlarge(drop_colour(crop_upright(image, box, turn)), letter_height))
    shapes = glyph_shapes(prepared, len(read))
    if shapes is None:
        return None
    digits = []
    for char, shape in zip(read, shapes, strict=True):
        if char.isdigit():
            if shape.loops not in _LOOPS[char]:
                return None
            digits.append(char)
            continue
        digit = digit_by_shape(shape, lookalikes.get(char, ""))
        if digit is None:
            return None
        digits.append(digit)
    return "".join(digits)
