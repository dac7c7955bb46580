"""A second OCR reading of the signature region, only when the first reading lacks the name.

classify.signer.signature_gap says where (the region under the position line) and why (no
name, a name without its family name, a misspelled one); ocr.region reads that region again;
the result goes to the extractor as a `SecondReading`, which takes a name from it only when
it reads one surely. Pages whose signer was read need nothing: no extra engine call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from classify.layout import document_lines, original_box, upright_frame
from classify.signer import SecondReading, name_from_second, signature_gap
from core.errors import BadInput, OcrTimeout
from ocr.engine import OcrEngine
from ocr.region import reread_region
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
    for binarised in (True, False):  # grey only when black and white gave no name
        calls += 1
        try:
            read = reread_region(image, box, turn, gap.letter_height, engine, binarised=binarised)
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
