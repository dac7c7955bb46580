"""A second OCR reading of the Số line ('Số: 760/BC-UBND') when the first reading's number was
left empty as unsure (classify.number_reading.number_gap): printed digits glued to their ký
hiệu, which Tesseract reads right but gives a low confidence.

The line is cut from the scan, its colour dropped (a hand's blue ink and a red stamp go pale)
and read again as one line (psm 7), its letters enlarged to about 48 px; when that tells
nothing (unparsed, or not sure), the line with a margin round it is read as a block (psm 6),
letters about 32 px, black and white. classify.number_reading.resolve takes the number only
when a reading agrees with the first; a reading that gives another number ends it (the number
stays empty, for a person). No gap, no engine call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from classify.layout import document_lines, original_box, upright_frame
from classify.notation import parse_number_line
from classify.number_reading import (
    LostNumberGap,
    NumberReading,
    Words,
    judge,
    judge_lost,
    lost_number_gap,
    number_gap,
)
from core.errors import BadInput, OcrTimeout
from ocr.engine import OcrEngine, TesseractEngine
from ocr.region import binarise, crop_upright, drop_colour, line_engine, region_engine
from schemas import Page, Word

__all__ = ["NumberReread", "number_engine", "reread_number"]

log = logging.getLogger(__name__)

_PAD = 6  # px round the line's box, for the line read alone
_LINE_LETTERS = 48  # px the letters are scaled to for the line read alone (psm 7)
_BLOCK_LETTERS = 32  # ... for the line read with its margin (psm 6)
_LETTERS = 0.7  # the letters' height in the line's box (the box holds the marks above them)


@dataclass(frozen=True)
class NumberReread:
    """The number both readings give (None when none was needed or agreed), what it cost, the
    page read again and the words of each reading made (for the provenance log)."""

    reading: NumberReading | None
    calls: int = 0
    seconds: float = 0.0
    page: int | None = None
    readings: tuple[tuple[tuple[str, float], ...], ...] = ()
    lost: bool = False  # the first reading had no Số line: the left column was read (psm 6 twice)


def number_engine(engine: OcrEngine | None = None) -> OcrEngine:
    """Tesseract (in `engine`'s languages, vie by default) reading one line (psm 7); another
    engine (a test's) as it is."""
    return line_engine(engine or TesseractEngine())


def reread_number(
    pages: list[Page], image_of: Callable[[int], Image.Image], engine: OcrEngine
) -> NumberReread:
    """Read the Số line of page 1 again when its number was left empty as unsure. `image_of(number)`:
    page `number` as scanned (the coordinates of its word boxes); `engine`: `number_engine`'s."""
    pages = sorted(pages, key=lambda p: p.number)
    doc = document_lines(pages)[:1]
    gap = number_gap(doc)
    if gap is None:
        lost = lost_number_gap(doc)
        return _reread_lost(pages, lost, image_of, engine) if lost else NumberReread(None)
    page = next(p for p in pages if p.number == gap.page)
    turn, width, height = upright_frame(page)
    x0, y0, x1, y1 = original_box(gap.box, turn, width, height)
    tall = (x1 - x0) if turn % 2 else (y1 - y0)  # the line's height, upright
    image = image_of(gap.page)
    preparations = (
        ((x0 - _PAD, y0 - _PAD, x1 + _PAD, y1 + _PAD), _LINE_LETTERS, False, engine),
        ((x0 - tall, y0 - tall // 2, x1 + tall, y1 + tall // 2), _BLOCK_LETTERS, True, region_engine(engine)),
    )
    started = time.perf_counter()
    readings: list[Words] = []
    found: NumberReading | None = None
    calls = 0
    for box, letters, black_white, reader in preparations:
        calls += 1
        prepared = _scaled(drop_colour(crop_upright(image, box, turn)), _LETTERS * tall, letters)
        try:
            result = reader.recognise(binarise(prepared) if black_white else prepared)
        except (OcrTimeout, BadInput) as exc:  # a bonus reading: its failure costs the time
            log.info("number of page %d not read again: %s", gap.page, exc)
            break
        words = _number_line(result.words)
        readings.append(words)
        verdict, found = judge(gap, words)
        if verdict != "unsure":
            break
    seconds = round(time.perf_counter() - started, 3)
    log.info(
        "number line of page %d read again: %d calls, %s",
        gap.page,
        calls,
        found.number if found else "no agreement",
    )
    return NumberReread(found, calls, seconds, gap.page, tuple(tuple(w) for w in readings))


def _reread_lost(
    pages: list[Page], gap: LostNumberGap, image_of: Callable[[int], Image.Image], engine: OcrEngine
) -> NumberReread:
    """No Số line in the first reading: the left column under the issuer's name read as a block
    (psm 6), grey and then black and white, colour dropped; `judge_lost` weighs the readings."""
    page = next(p for p in pages if p.number == gap.page)
    turn, width, height = upright_frame(page)
    box = original_box(gap.box, turn, width, height)
    image = image_of(gap.page)
    reader = region_engine(engine)
    started = time.perf_counter()
    readings: list[Words] = []
    calls = 0
    for black_white in (False, True):
        calls += 1
        prepared = _scaled(drop_colour(crop_upright(image, box, turn)), _LETTERS * gap.height, _BLOCK_LETTERS)
        try:
            result = reader.recognise(binarise(prepared) if black_white else prepared)
        except (OcrTimeout, BadInput) as exc:  # a bonus reading: its failure costs the time
            log.info("left column of page %d not read again: %s", gap.page, exc)
            break
        words = _number_line(result.words)
        readings.append(words if _labelled(words) else [])
    found = judge_lost(gap, readings)
    seconds = round(time.perf_counter() - started, 3)
    log.info("lost number line of page %d read again: %d calls, %s", gap.page, calls, found)
    return NumberReread(found, calls, seconds, gap.page, tuple(tuple(w) for w in readings), lost=True)


def _scaled(image: Image.Image, letter_height: float, target: int) -> Image.Image:
    """`image` scaled so that letters `letter_height` px tall stand `target` px tall."""
    factor = min(8.0, max(0.5, target / max(1.0, letter_height)))
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _number_line(words: list[Word]) -> list[tuple[str, float]]:
    """The engine's line that opens with the Số label (the first line when none does), as
    (text, confidence 0-1) in reading order."""
    runs: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        if word.text.strip():
            runs.setdefault((word.block, word.line), []).append(word)
    lines = [[(w.text.strip(), round(w.confidence / 100, 3)) for w in run] for run in runs.values()]
    labelled = next((line for line in lines if _labelled(line)), None)
    return labelled or (lines[0] if lines else [])


def _labelled(line: list[tuple[str, float]]) -> bool:
    return parse_number_line(" ".join(t for t, _ in line)) is not None
