"""A second OCR reading of the secrecy and urgency stamps under the number, only when the
first reading lacks them and ink the first reading did not read stands there.

classify.mark_reading.mark_gap says where (the left column under 'Số:', the lines read surely
there left out). The region's ink is found on the scan, grey with a red stamp's ink kept dark
(its letters are as dark as print in the green channel, where a yellowed paper stays light;
a photocopy's dots are filled by a slight blur in a second try); the frame goes (long straight strokes, and
what is not of a letter's height); the letters left are grouped in rows. No row of letters,
no engine call: a page whose region holds only what was read costs nothing. Each row is read
alone as one line (Tesseract psm 7) from its letters only, black on white, enlarged; the
blurred try only when the plain one shows no mark. classify.mark_reading.marks_read takes a
mark from a row read whole as one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

from classify.layout import document_lines
from classify.mark_reading import MarkFound, MarkGap, MarkReading, mark_gap, marks_read
from core.errors import BadInput, OcrTimeout
from ocr.engine import OcrEngine, TesseractEngine
from ocr.region import crop_upright, enlarge
from schemas import Page

__all__ = ["MarkReread", "letter_rows", "mark_engine", "reread_marks", "row_image"]

log = logging.getLogger(__name__)

_TIMEOUT = 10.0
# Rows read at most, the lowest first: Decree 30 puts the stamps under the number, or under the
# công văn's 'V/v' abstract when it has one (ô 10a, 10b).
_MAX_ROWS = 4
# A letter of a stamp, in heights of the number line's words: capitals stand 0.5-1 of it
# (a skewed line's words are taller than their letters); more is a frame's side, less dust.
_LETTER = (0.5, 1.5)
_WIDEST = 2.5
_SURE_OTHER = 0.8  # a row read this surely as no mark is not read again blurred
_THINNEST = 0.1  # width / height: a bold I is 0.2, a frame's side 0.05
_LEAST_AREA = 0.04
_LEVEL = 0.5  # degrees of skew from which the region is levelled
_SPECKLED = 0.25  # ink share of a region above which it is dots on grey, not letters on paper
_DENSE = 0.45  # smoothed, letters are this much darker than the speckled paper at least


@dataclass(frozen=True)
class MarkReread:
    """The stamps read again (None when none was needed or no row of ink was found), what it
    cost, and the rows of letters found in the region (0: the page needed no engine call)."""

    reading: MarkReading | None
    calls: int = 0
    seconds: float = 0.0
    page: int | None = None
    rows: int = 0


def mark_engine(engine: OcrEngine | None = None) -> OcrEngine:
    """Tesseract reading one line (psm 7) in `engine`'s languages; another engine (a test's)
    as it is."""
    if engine is None or isinstance(engine, TesseractEngine):
        return TesseractEngine(lang=engine.lang if engine else "vie", psm=7, timeout=_TIMEOUT)
    return engine


def reread_marks(pages: list[Page], image_of: Callable[[int], Image.Image], engine: OcrEngine) -> MarkReread:
    """Read the stamp region of page 1 again when the first reading lacks a secrecy or an
    urgency mark and letters it did not read stand there. `image_of(number)`: page `number`
    as scanned (the coordinates of its word boxes)."""
    pages = sorted(pages, key=lambda p: p.number)
    gap = mark_gap(pages, document_lines(pages))  # a mark read on any page counts
    if gap is None:
        return MarkReread(None)
    started = time.perf_counter()
    grey = _region(image_of(gap.page), gap)
    plain = _ink(grey, gap.letter_height, blur=False) if grey is not None else None
    rows = letter_rows(plain, gap.letter_height) if plain is not None else []
    if grey is None or plain is None or not rows:
        return MarkReread(None, 0, round(time.perf_counter() - started, 3), gap.page, 0)
    blurred = None
    calls = 0
    read: list[tuple[str, float]] = []
    marks: list[MarkFound] = []
    for band in rows[::-1][:_MAX_ROWS]:
        for blur in (False, True):  # a photocopy's dotted letters: filled by a slight blur
            if blur and blurred is None:
                blurred = _ink(grey, gap.letter_height, blur=True)
            calls += 1
            try:
                result = engine.recognise(row_image(blurred if blur else plain, band, gap.letter_height))
            except (OcrTimeout, BadInput) as exc:  # a bonus reading: its failure costs the time
                log.info("stamp region of page %d not read again: %s", gap.page, exc)
                break
            text = " ".join(w.text.strip() for w in result.words if w.text.strip())
            read.append((text, round(result.confidence / 100, 3)))
            found = [m for m in marks_read([read[-1]], gap.missing) if m.kind not in {x.kind for x in marks}]
            if found:
                marks += found
                break
            if read[-1][1] >= _SURE_OTHER:  # read surely as something else: no blur makes it a mark
                break
        if {m.kind for m in marks} >= set(gap.missing):
            break
    seconds = round(time.perf_counter() - started, 3)
    log.info("stamp region of page %d read again: %d calls, %s", gap.page, calls, [m.value for m in marks])
    reading = MarkReading(gap.page, tuple(read), tuple(marks)) if read else None
    return MarkReread(reading, calls, seconds, gap.page, len(rows))


def _region(image: Image.Image, gap: MarkGap) -> np.ndarray | None:
    """The region, upright, grey with red ink dark, the lines read there painted over in the paper's shade."""
    x0, y0, x1, y1 = gap.box_scanned
    clip = (max(0, x0), max(0, y0), min(image.width, x1), min(image.height, y1))
    if clip[2] - clip[0] < 8 or clip[3] - clip[1] < 8:
        return None
    crop = image.crop(clip)
    if crop.mode in ("RGB", "RGBA"):  # red ink dark in the green channel, a yellowed paper light
        grey = np.array(crop.convert("RGB"))[:, :, 1]
    else:
        grey = np.array(crop.convert("L"))
    pad = 3
    paper = int(np.median(grey))  # a grey or yellowed paper's own shade, not white
    for kx0, ky0, kx1, ky1 in gap.known:
        grey[
            max(0, ky0 - clip[1] - pad) : max(0, ky1 - clip[1] + pad),
            max(0, kx0 - clip[0] - pad) : max(0, kx1 - clip[0] + pad),
        ] = paper
    if abs(gap.skew) >= _LEVEL:  # a skewed scan levelled: the stamp's frame is taken out as straight lines
        centre = (grey.shape[1] / 2, grey.shape[0] / 2)
        matrix = cv2.getRotationMatrix2D(centre, -gap.skew, 1.0)
        size = (grey.shape[1], grey.shape[0])
        grey = cv2.warpAffine(grey, matrix, size, flags=cv2.INTER_LINEAR, borderValue=paper)
    upright = crop_upright(Image.fromarray(grey), (0, 0, grey.shape[1], grey.shape[0]), gap.turn)
    return np.asarray(upright)


def _ink(grey: np.ndarray, letter: float, *, blur: bool) -> np.ndarray:
    """Ink (1) on paper (0) at Otsu's threshold, long straight strokes (a frame, a rule) out."""
    if blur:
        size = max(3, int(letter / 10) | 1)
        grey = cv2.GaussianBlur(grey, (size, size), 0)
    _, paper = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (paper == 0).astype(np.uint8)
    if ink.mean() > _SPECKLED:  # a field of dots (a dark photocopy's grey): letters are where ink is dense
        size = max(3, int(letter / 5) | 1)
        smooth = cv2.GaussianBlur(grey, (size, size), 0)
        ink = (smooth < _DENSE * float(np.median(smooth))).astype(np.uint8)
    if ink.mean() > 0.5:  # nothing but paper: Otsu split the paper's own shades
        return np.zeros_like(ink)
    gap = max(3, int(letter / 4))
    across = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    across = cv2.morphologyEx(across, cv2.MORPH_OPEN, np.ones((1, max(3, int(3 * letter))), np.uint8))
    down = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((max(3, gap // 3), 1), np.uint8))
    down = cv2.morphologyEx(down, cv2.MORPH_OPEN, np.ones((max(3, int(1.8 * letter)), 1), np.uint8))
    rules = cv2.dilate(across | down, np.ones((5, 5), np.uint8))
    ink[rules > 0] = 0
    return ink


Band = tuple[float, float, float, float, float]  # x0, y0, x1, y1 and its letters' height


def letter_rows(ink: np.ndarray, letter: float) -> list[Band]:
    """The rows of letters in an upright ink mask, top to bottom: each the band its letters
    stand in. `letter`: the height (px) of a line's words nearby; a letter is a part of ink
    0.35-1.5 of it tall, no wider than 2.5 of it; a row holds two at least."""
    found, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, high = _LETTER[0] * letter, _LETTER[1] * letter
    letters = [
        i
        for i in range(1, found)
        if low <= stats[i, cv2.CC_STAT_HEIGHT] <= high
        and _THINNEST * stats[i, cv2.CC_STAT_HEIGHT] <= stats[i, cv2.CC_STAT_WIDTH] <= _WIDEST * letter
        and stats[i, cv2.CC_STAT_AREA] >= _LEAST_AREA * letter * letter
    ]
    bands = []
    for row in _group(letters, stats):
        tall = float(np.median([stats[i, cv2.CC_STAT_HEIGHT] for i in row]))
        bands.append(
            (
                min(stats[i, cv2.CC_STAT_LEFT] for i in row) - 0.3 * tall,
                min(stats[i, cv2.CC_STAT_TOP] for i in row) - 0.35 * tall,
                max(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] for i in row) + 0.3 * tall,
                max(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] for i in row) + 0.35 * tall,
                tall,
            )
        )
    return bands


def _group(letters: list[int], stats: np.ndarray) -> list[list[int]]:
    """Letters in rows (centres within half a letter's height), rows of two or more, top down."""
    rows: list[tuple[float, list[int]]] = []
    for i in sorted(letters, key=lambda i: stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] / 2):
        centre = stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] / 2
        for index, (at, members) in enumerate(rows):
            tall = float(np.median([stats[m, cv2.CC_STAT_HEIGHT] for m in members]))
            if abs(at - centre) < 0.5 * tall:
                members.append(i)
                rows[index] = ((at * (len(members) - 1) + centre) / len(members), members)
                break
        else:
            rows.append((centre, [i]))
    return [members for _, members in rows if len(members) >= 2]


def row_image(ink: np.ndarray, band: Band, letter: float) -> Image.Image:
    """The ink of a row's band, black on white with a margin, enlarged: what stands in it (its
    letters, their accents, a broken letter's pieces), not a frame's thin straight pieces nor
    what reaches in from outside."""
    left, top, right, bottom, tall = band
    x0, y0 = max(0, int(left)), max(0, int(top))
    x1, y1 = int(right) + 1, int(bottom) + 1
    part = ink[y0:y1, x0:x1]
    found, labels, stats, _ = cv2.connectedComponentsWithStats(part, connectivity=8)
    keep = []
    for i in range(1, found):
        x, y, w, h, area = (int(v) for v in stats[i])
        touches = x == 0 or y == 0 or x + w >= part.shape[1] or y + h >= part.shape[0]
        thin = (h <= 0.12 * tall and w >= 3 * h) or (w <= 0.12 * tall and h >= 3 * w)
        reaching = touches and (h > 1.2 * tall or w > _WIDEST * letter)  # a frame's side, a rule
        if area >= 0.01 * tall * tall and not thin and not reaching:
            keep.append(i)
    image = Image.fromarray(np.where(np.isin(labels, keep), 0, 255).astype(np.uint8))
    image = enlarge(image, tall)
    return ImageOps.expand(image, border=max(8, image.height // 4), fill=255)
