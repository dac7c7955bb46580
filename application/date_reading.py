"""A second OCR reading of the day and month of the date of issue, only when the first read
letters where digits are printed ('ngày 1S tháng 01', 'tháng S').

classify.date_reading.date_gap says which words; each is read again from the scan, limited to
digits (Tesseract psm 7), black-and-white and then grey; classify.date_reading.resolve takes
the digits only when both readings agree surely and fit the letter first read. Pages whose
date was read need nothing: no extra engine call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from classify.date_reading import (
    LOOKALIKES,
    DateReading,
    combine,
    date_gap,
    engine_disagrees,
    fill,
    gap_box,
    resolve,
    target_box,
)
from classify.layout import document_lines
from core.errors import BadInput, OcrTimeout
from ocr.engine import OcrEngine, TesseractEngine
from ocr.region import reread_region, shape_digits
from schemas import Page

__all__ = ["DateReread", "date_engine", "reread_date"]

log = logging.getLogger(__name__)

_PAD = 6  # px around the word's box
_BLANK_PAD = 20  # px of white above and below a lost month's blank
_INSET = 3  # px kept off the words either side of a lost month's blank ('tháng', 'năm')
_TIMEOUT = 10.0


@dataclass(frozen=True)
class DateReread:
    """The date line with re-read digits (None when none was needed or resolved), its cost, the
    page read again and the digits taken, by slot ('day', 'month')."""

    reading: DateReading | None
    calls: int = 0
    seconds: float = 0.0
    page: int | None = None
    digits: dict[str, str] = field(default_factory=dict)
    by_shape: tuple[str, ...] = ()  # slots whose digits the glyphs' shapes alone gave


def date_engine(engine: OcrEngine | None = None) -> OcrEngine:
    """Tesseract reading one line of digits only (psm 7); another engine (a test's) as it is."""
    if engine is None or isinstance(engine, TesseractEngine):
        lang = engine.lang if engine else "vie"
        return TesseractEngine(lang=lang, psm=7, timeout=_TIMEOUT, chars="0123456789")
    return engine


def _coloured_ink(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Whether the ink in `box` is mostly coloured (a hand's blue pen, a red seal), not black
    print: a month written by hand is never read again (a person enters it)."""
    if image.mode not in ("RGB", "RGBA"):
        return False
    array = np.asarray(image.convert("RGB").crop(box), dtype=np.int16)
    if array.size == 0:
        return False
    ink = array.min(axis=2) < 160
    coloured = ink & (array.max(axis=2) - array.min(axis=2) > 60)
    return bool(ink.sum()) and coloured.sum() > 0.3 * ink.sum()


def _word_engine(engine: OcrEngine) -> OcrEngine:
    """The digits of a lost month read as one word (psm 8): an italic '11' or '01' alone in its
    blank is read nothing as a line (psm 7), and read right as a word with white above and below."""
    if isinstance(engine, TesseractEngine):
        return TesseractEngine(lang=engine.lang, psm=8, timeout=_TIMEOUT, chars="0123456789")
    return engine


def reread_date(pages: list[Page], image_of: Callable[[int], Image.Image], engine: OcrEngine) -> DateReread:
    """Read the day/month words of the date line again when the first reading gave letters.
    `image_of(number)`: page `number` as scanned (the coordinates of its word boxes)."""
    pages = sorted(pages, key=lambda p: p.number)
    gap = date_gap(document_lines(pages)[:1])
    if gap is None:
        return DateReread(None)
    page = next(p for p in pages if p.number == gap.page)
    image = image_of(gap.page)
    started = time.perf_counter()
    calls = 0
    digits: dict[str, str] = {}
    by_shape: list[str] = []
    for target in gap.targets:
        if target.read == "":  # a month the first reading lost: the blank between its words
            blank = gap_box(page, gap, target)
            where = ((blank[0] + _INSET, blank[1], blank[2] - _INSET, blank[3]), 0) if blank else None
        else:
            where = target_box(page, gap, target)
        if where is None:
            continue
        (x0, y0, x1, y1), turn = where
        blank = target.read == ""
        if blank and _coloured_ink(image, box_of := (x0, y0, x1, y1)):
            log.info("lost month of page %d written in colour %s: a hand's, not read again", gap.page, box_of)
            continue
        pad = (0, _BLANK_PAD) if blank else (_PAD, _PAD)
        box = (x0 - pad[0], y0 - pad[1], x1 + pad[0], y1 + pad[1])
        reader = _word_engine(engine) if blank else engine
        height = 0.7 * ((x1 - x0) if turn % 2 else (y1 - y0))  # the word's letters, upright
        readings: list[tuple[str, float]] = []
        for binarised in (True, False):
            calls += 1
            try:
                read = reread_region(image, box, turn, height, reader, binarised=binarised)
            except (OcrTimeout, BadInput) as exc:  # a bonus reading: its failure costs the time
                log.info("date of page %d not read again: %s", gap.page, exc)
                break
            text = "".join(t for t, _ in read.lines).replace(" ", "")
            readings.append((text, read.confidence))  # digits: the lines' own figure counts letters only
            if resolve(target.read, readings * 2) is None:
                break  # the first reading already unsure: the second is not asked for
        # no engine call; a month lost has no letters read for the shapes to choose among
        shaped = shape_digits(image, box, turn, height, target.read, LOOKALIKES) if target.read else None
        by_engine = resolve(target.read, readings)
        if by_engine is None and shaped is not None and engine_disagrees(target.read, shaped, readings):
            log.info("date %s: the shapes' %s and the engine's %s disagree", target.slot, shaped, readings)
            shaped = None
        found = combine(target.read, by_engine, shaped)
        if found is not None:
            digits[target.slot] = found
            if by_engine is None:
                by_shape.append(target.slot)
    seconds = round(time.perf_counter() - started, 3)
    reading = fill(gap, digits, by_shape)
    log.info("date line of page %d read again: %d calls, %s", gap.page, calls, digits or "nothing sure")
    return DateReread(reading, calls, seconds, gap.page, digits, tuple(by_shape))
