"""A second OCR reading of the signature region when the first reading lacks the name, or
of the name's own line when it read the name whole but not surely.

classify.signer.signature_gap says where (the region under the position line, or the name's
line) and why (no name, a name without its family name, a misspelled one; "check name");
ocr.region reads that region again; the result goes to the extractor as a `SecondReading`,
which takes a name from it only when it reads one surely, and keeps a name it checks only
when it reads it alike. Pages whose signer was read surely need nothing: no extra engine call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from classify.layout import Line, document_lines, original_box, upright_frame
from classify.signer import SecondReading, SignatureGap, name_checked, name_from_second, signature_gap
from core.errors import BadInput, OcrTimeout
from ocr.engine import OcrEngine
from ocr.region import line_engine, reread_region
from schemas import Page

__all__ = ["SignatureReread", "reread_signature"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureReread:
    """The second reading (None when none was needed or possible) and what it cost."""

    reading: SecondReading | None
    calls: int = 0
    seconds: float = 0.0
    reason: str = ""


def reread_signature(
    pages: list[Page], image_of: Callable[[int], Image.Image], engine: OcrEngine
) -> SignatureReread:
    """Read the signature region again when the first reading lacks the signer's name.
    `image_of(number)`: page `number` as scanned (the coordinates of its word boxes)."""
    pages = sorted(pages, key=lambda p: p.number)
    doc = document_lines(pages)
    gap = signature_gap(doc, [p.number for p in pages])
    if gap is None:
        return SignatureReread(None)
    if gap.reason == "check name":
        return _check_name(pages, doc, gap, image_of, engine)
    image = image_of(gap.page)
    if gap.box is None:  # the whole page, as scanned
        box, turn = (0, 0, image.width, image.height), 0
    else:
        page = next(p for p in pages if p.number == gap.page)
        turn, width, height = upright_frame(page)
        box = original_box(gap.box, turn, width, height)
    started = time.perf_counter()
    lines: tuple[tuple[str, float], ...] = ()
    calls = 0
    # grey only when black and white gave no name; a whole page first with its paper made
    # white (a grey, shaded or noisy sheet the first reading found empty)
    ways = [(False, True), (False, False)] if gap.box else [(True, True), (False, True), (False, False)]
    for flattened, binarised in ways:
        calls += 1
        try:
            read = reread_region(
                image, box, turn, gap.letter_height, engine, binarised=binarised, flattened=flattened
            )
        except (OcrTimeout, BadInput) as exc:  # a bonus reading: its failure costs the time, no more
            log.info("signature region of page %d not read again: %s", gap.page, exc)
            break
        lines += read.lines
        if name_from_second(doc, SecondReading(page=gap.page, lines=lines)):
            break
    seconds = round(time.perf_counter() - started, 3)
    log.info("signature region of page %d read again (%s): %d calls", gap.page, gap.reason, calls)
    reading = SecondReading(page=gap.page, lines=lines) if lines else None
    return SignatureReread(reading, calls, seconds, gap.reason)


def _check_name(
    pages: list[Page],
    doc: list[list[Line]],
    gap: SignatureGap,
    image_of: Callable[[int], Image.Image],
    engine: OcrEngine,
) -> SignatureReread:
    """The line of a name read whole, read again as one line, black and white then grey:
    the name stays only if neither reads another name (the grey reading is skipped once the
    first disagrees)."""
    single = line_engine(engine)
    if gap.box is None:
        return SignatureReread(None)
    page = next(p for p in pages if p.number == gap.page)
    turn, width, height = upright_frame(page)
    box = original_box(gap.box, turn, width, height)
    image = image_of(gap.page)
    started = time.perf_counter()
    lines: tuple[tuple[str, float], ...] = ()
    calls = 0
    for binarised in (True, False):
        calls += 1
        try:
            read = reread_region(image, box, turn, gap.letter_height, single, binarised=binarised)
        except (OcrTimeout, BadInput) as exc:  # a check: its failure leaves the name as read
            log.info("signer's name on page %d not read again: %s", gap.page, exc)
            break
        lines += read.lines
        if name_checked(doc, SecondReading(page=gap.page, lines=lines)) is False:
            break  # another name read: left for a person, whatever the next reading says
    seconds = round(time.perf_counter() - started, 3)
    log.info("signer's name on page %d checked: %d calls", gap.page, calls)
    reading = SecondReading(page=gap.page, lines=lines) if lines else None
    return SignatureReread(reading, calls, seconds, gap.reason)
