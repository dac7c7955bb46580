"""One page image -> one `schemas.Page`; one file -> its pages, streamed.

The page stages, in order: grayscale, orientation (turn upright), clean-up (the seam for
ocr/preprocess.py), recognition, then word boxes mapped back to the page as scanned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.engine import EngineResult, OcrEngine
from ocr.load import SourcePage, detect_media_type, iter_pages
from schemas import Box, Page

__all__ = [
    "MIN_ORIENTATION_CONFIDENCE",
    "REVIEW_CONFIDENCE",
    "box_to_original",
    "grayscale",
    "ocr_file",
    "ocr_page",
    "rotate_clockwise",
]

log = logging.getLogger(__name__)

# Tesseract's OSD confidence below which a detected turn is not applied (its usual rule of thumb:
# under ~2 the answer is a guess; OCRmyPDF's stricter default is 14).
MIN_ORIENTATION_CONFIDENCE = 2.0
# Mean word confidence under which a page is sent to a person for review.
REVIEW_CONFIDENCE = 60.0

_TRANSPOSE_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,  # PIL turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def ocr_file(path: Path, engine: OcrEngine, *, max_pixels: int = 200_000_000) -> Iterator[Page]:
    """OCR every page of a scan file, one page at a time (BadInput as soon as a page is bad)."""
    path = Path(path)
    media_type = detect_media_type(path)
    for source in iter_pages(path, media_type, max_pixels=max_pixels):
        yield ocr_page(source, engine)


def ocr_page(source: SourcePage, engine: OcrEngine) -> Page:
    """Read one page: grayscale, upright, recognise; boxes in the page's original coordinates."""
    gray = grayscale(source.image)
    degrees, orientation_confidence = engine.orientation(gray)
    if degrees and orientation_confidence < MIN_ORIENTATION_CONFIDENCE:
        log.info(
            "page %d: orientation %d not applied (confidence %.2f)",
            source.number,
            degrees,
            orientation_confidence,
        )
        degrees = 0
    upright = rotate_clockwise(gray, degrees)
    prepared = _clean_up(upright)
    result = engine.recognise(prepared, dpi=source.dpi)
    return _page(source, result, degrees, orientation_confidence)


def _clean_up(image: Image.Image) -> Image.Image:
    """Seam for ocr/preprocess.py (deskew, denoise, border and seal removal): identity for now.

    Whatever comes here must keep the upright image's size and coordinates, or report its skew
    so boxes can be mapped back.
    """
    return image


def _page(source: SourcePage, result: EngineResult, degrees: int, osd_conf: float) -> Page:
    width, height = source.image.size
    words = [
        word.model_copy(update={"box": box_to_original(word.box, degrees, (width, height))})
        for word in result.words
    ]
    reasons = []
    if not result.text.strip():
        reasons.append("no text recognised")
    elif result.confidence < REVIEW_CONFIDENCE:
        reasons.append(f"low OCR confidence ({result.confidence:.0f} < {REVIEW_CONFIDENCE:.0f})")
    return Page(
        number=source.number,
        text=result.text,
        words=words,
        width=width,
        height=height,
        dpi=source.dpi,
        orientation=degrees,
        orientation_confidence=osd_conf,
        confidence=result.confidence,
        quality=min(max(result.confidence / 100, 0.0), 1.0),
        needs_review=bool(reasons),
        review_reasons=reasons,
    )


# --- pure image and geometry helpers -------------------------------------------------------------


def grayscale(image: Image.Image) -> Image.Image:
    """8-bit grayscale ("L"): transparency flattened on white, 16-bit scaled rather than clipped."""
    if image.mode == "L":
        return image
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image) >> 8).astype(np.uint8))
    if image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = values.max() or 1.0
        return Image.fromarray((np.clip(values, 0, None) * 255 / top).astype(np.uint8))
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        return flat.convert("L")
    return image.convert("L")


def rotate_clockwise(image: Image.Image, degrees: int) -> Image.Image:
    """Turn an image by a multiple of 90 degrees clockwise (lossless)."""
    degrees %= 360
    if degrees == 0:
        return image
    if degrees not in _TRANSPOSE_CLOCKWISE:
        raise ValueError(f"rotation must be a multiple of 90 degrees, not {degrees}")
    return image.transpose(_TRANSPOSE_CLOCKWISE[degrees])


def box_to_original(box: Box, degrees: int, size: tuple[int, int]) -> Box:
    """Map a box found on the image turned `degrees` clockwise back to the original image.

    `size` is the ORIGINAL image's (width, height).
    """
    width, height = size
    left, top, w, h = box.left, box.top, box.width, box.height
    degrees %= 360
    if degrees == 90:
        return Box(left=top, top=height - left - w, width=h, height=w)
    if degrees == 180:
        return Box(left=width - left - w, top=height - top - h, width=w, height=h)
    if degrees == 270:
        return Box(left=width - top - h, top=left, width=h, height=w)
    if degrees == 0:
        return box
    raise ValueError(f"rotation must be a multiple of 90 degrees, not {degrees}")
