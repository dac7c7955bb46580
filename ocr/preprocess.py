"""Page clean-up before OCR: the steps of ocr/cleanup.py and ocr/geometry.py run in order, each
switchable and timed.

`prepare` takes a page as scanned (8-bit gray `H x W` or RGB `H x W x 3`) and returns the image
for the OCR engine with the affine map from its pixels back to the ORIGINAL page's and one
`StepRecord` per step: downscale (over 400 dpi), colour (red seals), resolution, borders, punch
holes, noise, background, deskew, upscale (under 250 dpi), orientation, despeckle, binarisation
(off). It is `clean_page` + `detect_orientation` + `orient_page`, which the OCR pipeline calls
apart so that it can read an unsure page both ways. The input array is never altered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from core.errors import BadInput
from ocr.cleanup import (
    binarise,
    clear_speckle_fields,
    colour_to_gray,
    denoise,
    despeckle,
    is_bilevel,
    noise_level,
    normalise_background,
    remove_borders,
    remove_punch_holes,
)
from ocr.geometry import (
    deskew,
    estimate_dpi,
    estimate_orientation,
    estimate_skew,
    line_direction,
    map_box,
    rotate,
    turn,
    upscale,
)
from ocr.imaging import paper_level

__all__ = [
    "Orientation",
    "OrientationGuess",
    "PrepareOptions",
    "Prepared",
    "StepRecord",
    "binarise",
    "clean_page",
    "colour_to_gray",
    "denoise",
    "deskew",
    "despeckle",
    "detect_orientation",
    "estimate_dpi",
    "estimate_orientation",
    "estimate_skew",
    "is_bilevel",
    "line_direction",
    "map_box",
    "noise_level",
    "normalise_background",
    "orient_page",
    "paper_level",
    "prepare",
    "remove_borders",
    "remove_punch_holes",
    "rotate",
    "turn",
    "upscale",
]

# (clockwise degrees that turn the page upright, confidence); see OcrEngine.orientation.
Orientation = Callable[[np.ndarray], tuple[int, float]]


@dataclass(frozen=True)
class StepRecord:
    """What one step did to one page: its parameters, what it found, how long it took."""

    name: str
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PrepareOptions:
    """Which steps run, and their few parameters. The defaults are the product's settings."""

    colour: bool = True  # colour pages: round red seals (and blue ink if asked) removed
    # Signatures and notes in blue ink (scattered: a page mostly in blue, a carbon copy, is kept).
    # Off: an incoming-document stamp in violet ink is text; measured gain 0.61 -> 0.59 % CER.
    remove_blue_ink: bool = False
    borders: bool = True
    punch_holes: bool = True
    background: bool = True
    denoise: bool = True  # applied only when noise is measured on the page
    despeckle: bool = True
    speckle_fields: bool = True  # bilevel pages: fields of dots thinner than print cleared
    deskew: bool = True
    max_skew: float = 10.0  # degrees
    upscale: bool = True
    min_dpi: int = 250  # pages below this resolution are upscaled ...
    downscale: bool = True
    max_dpi: int = 400  # ... and pages above this one downscaled ...
    target_dpi: int = 300  # ... to this one
    orientation: bool = True
    min_orientation_confidence: float = 2.0  # an OSD turn less sure than this is not applied
    verify_orientation_below: float = 5.0  # OSD less sure: both readings are compared by OCR
    binarise: bool = False  # Tesseract binarises itself; measured no better with ours


@dataclass
class Prepared:
    """A page ready for OCR: the image, its resolution, and the way back to the original page."""

    image: np.ndarray  # 8-bit grayscale
    dpi: int
    to_original: np.ndarray  # 3x3 affine: this image's pixel coordinates -> the original page's
    original_size: tuple[int, int]  # (width, height) of the page as scanned
    orientation: int = 0  # clockwise degrees turned to upright
    orientation_confidence: float = 0.0
    skew: float = 0.0  # degrees (counter-clockwise) of skew found and corrected
    lines: str = "horizontal"  # text lines on the page as scanned: horizontal, vertical, unknown
    bilevel: bool = False  # the page came hard-thresholded (two grey levels)
    steps: list[StepRecord] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)


# --- the pipeline -------------------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.steps: list[StepRecord] = []

    def run(self, name: str, params: dict[str, Any], action: Callable[[], tuple[Any, dict[str, Any]]]):
        started = time.perf_counter()
        value, result = action()
        self.steps.append(StepRecord(name, round(time.perf_counter() - started, 4), params, result))
        return value


def prepare(
    image: np.ndarray,
    dpi: int | None,
    *,
    orientation: Orientation | None = None,
    options: PrepareOptions | None = None,
) -> Prepared:
    """Clean one page for OCR. `image`: 8-bit gray (H x W) or RGB (H x W x 3), as scanned.

    `orientation` reads a page's orientation (the OCR engine's OSD), asked only when the script's
    shape does not tell. The input array is never modified. Same as `clean_page`, `detect_orientation`,
    then `orient_page`.
    """
    options = options or PrepareOptions()
    cleaned = clean_page(image, dpi, options)
    if not options.orientation:
        return orient_page(cleaned, 0, 0.0, options)
    guess = detect_orientation(cleaned, orientation, options)
    cleaned.review_reasons.extend(guess.doubts)
    return orient_page(cleaned, guess.degrees, guess.confidence, options)


def clean_page(image: np.ndarray, dpi: int | None, options: PrepareOptions | None = None) -> Prepared:
    """Every step up to the orientation: colour, resolution, borders, holes, noise, background,
    skew, upscale. The result is not yet turned upright nor despeckled (see `orient_page`)."""
    options = options or PrepareOptions()
    if image.ndim not in (2, 3) or image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit gray or RGB array, not {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    if width == 0 or height == 0:
        raise BadInput(f"page has no pixels ({width}x{height})")
    record = _Recorder()
    forward = np.eye(3)
    if dpi and options.downscale and dpi > options.max_dpi:  # shrink first: every step is cheaper
        image, forward = _downscaled(image, dpi, options, record, forward)
        dpi = options.target_dpi
    gray = image
    if image.ndim == 3:
        remove_blue = options.remove_blue_ink
        if options.colour:
            gray = record.run(
                "colour",
                {"remove_blue": remove_blue},
                lambda: colour_to_gray(image, dpi or 300, remove_blue=remove_blue),
            )
        else:
            gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    page_dpi = record.run("resolution", {"from_file": dpi}, lambda: _resolution(gray, dpi))
    if options.downscale and page_dpi > options.max_dpi:  # a guessed resolution
        gray, forward = _downscaled(gray, page_dpi, options, record, forward)
        page_dpi = float(options.target_dpi)
    gray = _clean(gray, page_dpi, options, record)
    skew, lines, clarity = 0.0, "horizontal", 0.0
    if options.deskew:
        skew, lines, clarity = record.run(
            "deskew", {"max_angle": options.max_skew}, lambda: _skew(gray, page_dpi, options.max_skew)
        )
        if abs(skew) >= 0.05:
            gray, matrix = rotate(gray, -skew)
            forward = matrix @ forward
    out_dpi = page_dpi
    if options.upscale and page_dpi < options.min_dpi:
        factor = options.target_dpi / page_dpi
        gray = record.run(
            "upscale",
            {"factor": round(factor, 3)},
            lambda: (upscale(gray, factor), {"dpi": options.target_dpi}),
        )
        forward = np.diag([factor, factor, 1.0]) @ forward
        out_dpi = options.target_dpi
    return Prepared(
        image=gray,
        dpi=int(round(out_dpi)),
        to_original=forward,  # old -> new until orient_page inverts it
        original_size=(width, height),
        skew=skew,
        lines=lines if clarity >= _CLEAR_LINES else "unknown",
        bilevel=any(step.result.get("bilevel") for step in record.steps if step.name == "denoise"),
        steps=record.steps,
    )


# Fewer blobs along than across by this ratio: the text-line direction is trusted.
_CLEAR_LINES = 1.1


@dataclass(frozen=True)
class OrientationGuess:
    """An orientation answer: clockwise degrees to upright, how sure, and who said so."""

    degrees: int
    confidence: float
    sure: bool
    method: str  # "script" (ascenders/descenders), "osd" (the engine), "none"
    doubts: tuple[str, ...] = ()


def detect_orientation(
    cleaned: Prepared, detect: Orientation | None = None, options: PrepareOptions | None = None
) -> OrientationGuess:
    """The orientation of a cleaned page: first from the shape of its script (free), then, when
    that is unsure, from the engine's OSD checked against the direction of the text lines. An
    unsure OSD turn below `min_orientation_confidence` is not applied."""
    options = options or PrepareOptions()
    started = time.perf_counter()
    guess = _orientation_guess(cleaned, detect, options)
    cleaned.steps.append(
        StepRecord(
            "orientation",
            round(time.perf_counter() - started, 4),
            {"min_confidence": options.min_orientation_confidence},
            {
                "degrees": guess.degrees,
                "confidence": round(guess.confidence, 2),
                "method": guess.method,
                "sure": guess.sure,
            },
        )
    )
    return guess


def _orientation_guess(
    cleaned: Prepared, detect: Orientation | None, options: PrepareOptions
) -> OrientationGuess:
    degrees, score, sure = estimate_orientation(cleaned.image, cleaned.dpi, cleaned.lines)
    if sure:
        return OrientationGuess(degrees, score, True, "script")
    if detect is None:
        return OrientationGuess(degrees if sure else 0, score, False, "script")
    degrees, confidence = detect(cleaned.image)
    doubts = []
    quarter = degrees in (90, 270)
    if cleaned.lines != "unknown" and (cleaned.lines == "vertical") != quarter:
        doubts.append(f"orientation unsure: text lines run {cleaned.lines}ly, OSD says {degrees} degrees")
    if confidence < options.min_orientation_confidence:
        doubts.append(f"orientation unsure (OSD confidence {confidence:.1f})")
        degrees = 0 if cleaned.lines != "vertical" else degrees
    sure = not doubts and confidence >= options.verify_orientation_below
    return OrientationGuess(degrees, confidence, sure, "osd", tuple(doubts))


def orient_page(
    cleaned: Prepared, degrees: int, confidence: float = 0.0, options: PrepareOptions | None = None
) -> Prepared:
    """Turn a cleaned page upright (`degrees` clockwise), then despeckle and binarise if asked.
    The result's `to_original` maps its pixels to the page as scanned."""
    options = options or PrepareOptions()
    record = _Recorder()
    gray, matrix = turn(cleaned.image, degrees)
    forward = matrix @ cleaned.to_original
    if options.despeckle:
        gray = record.run("despeckle", {}, lambda: despeckle(gray, cleaned.dpi))
    if options.binarise:
        gray = record.run("binarise", {}, lambda: (binarise(gray, cleaned.dpi), {}))
    return replace(
        cleaned,
        image=gray,
        to_original=np.linalg.inv(forward),
        orientation=degrees % 360,
        orientation_confidence=confidence,
        steps=[*cleaned.steps, *record.steps],
        review_reasons=list(cleaned.review_reasons),
    )


def _downscaled(
    image: np.ndarray, dpi: float, options: PrepareOptions, record: _Recorder, forward: np.ndarray
):
    factor = options.target_dpi / dpi
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    small = record.run(
        "downscale",
        {"factor": round(factor, 3)},
        lambda: (cv2.resize(image, size, interpolation=cv2.INTER_AREA), {"dpi": options.target_dpi}),
    )
    scale = np.diag([size[0] / image.shape[1], size[1] / image.shape[0], 1.0])
    return small, scale @ forward


def _resolution(gray: np.ndarray, dpi: int | None) -> tuple[float, dict[str, Any]]:
    if dpi:
        return float(dpi), {"dpi": dpi, "source": "file"}
    estimate = estimate_dpi(gray)
    if estimate is None:
        return 300.0, {"dpi": 300, "source": "default"}
    estimate = float(min(max(estimate, 72), 1200))
    return estimate, {"dpi": round(estimate), "source": "letter height"}


def _clean(gray: np.ndarray, dpi: float, options: PrepareOptions, record: _Recorder) -> np.ndarray:
    if options.borders:
        gray = record.run("borders", {}, lambda: remove_borders(gray, dpi))
    if options.punch_holes:
        gray = record.run("punch_holes", {}, lambda: remove_punch_holes(gray, dpi))
    if options.denoise:
        gray = record.run("denoise", {}, lambda: denoise(gray, dpi))
        if options.speckle_fields and record.steps[-1].result.get("bilevel"):
            gray = record.run("speckle_fields", {}, lambda: clear_speckle_fields(gray, dpi))
    if options.background:
        gray = record.run("background", {}, lambda: normalise_background(gray, dpi))
    return gray


def _skew(gray: np.ndarray, dpi: float, max_angle: float):
    lines, clarity = line_direction(gray, dpi)
    angle = estimate_skew(gray, dpi, max_angle, lines)
    return (angle, lines, clarity), {"angle": angle, "lines": lines, "clarity": round(clarity, 2)}
