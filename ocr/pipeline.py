"""One page image -> one `schemas.Page`; one file -> its pages, streamed, optionally in parallel.

The page stages, in order: clean-up (ocr/preprocess.py: resolution, colour, borders, holes,
noise, background, skew), orientation (the shape of the script; when unsure the engine's OSD; when
that is unsure too, the page read both ways), recognition, noise words dropped, Vietnamese hygiene
(vntext/normalise.py), word boxes mapped back to the page as scanned, quality score (ocr/quality.py).
`ocr_file` streams a file's pages through that, in a process pool when asked (ocr/parallel.py),
and can write the searchable PDF on the way (ocr/pdf.py).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from ocr.coverage import unread_share
from ocr.engine import EngineResult, OcrEngine
from ocr.load import JPEG, PNG, SourcePage, detect_media_type, iter_pages
from ocr.parallel import PagePool
from ocr.pdf import PageImage, SearchablePdfWriter, encode_page_image
from ocr.preprocess import (
    OrientationGuess,
    Prepared,
    PrepareOptions,
    StepRecord,
    clean_page,
    detect_orientation,
    map_box,
    orient_page,
)
from ocr.quality import REVIEW_CONFIDENCE, assess_page, syllable_share
from ocr.reading_order import order_lines
from ocr.wordfilter import filter_words
from schemas import Box, Page, Word
from vntext.normalise import fix_foreign_letters, join_hyphenated_lines, nfc
from vntext.syllables import token_kind

__all__ = [
    "MIN_ORIENTATION_CONFIDENCE",
    "DocumentOrientation",
    "REVIEW_CONFIDENCE",
    "VERIFY_ORIENTATION_BELOW",
    "PageResult",
    "box_to_original",
    "grayscale",
    "ocr_file",
    "ocr_file_results",
    "ocr_page",
    "page_array",
    "process_page",
    "rotate_clockwise",
    "text_from_words",
    "verdict",
]

log = logging.getLogger(__name__)

# Tesseract's OSD confidence below which a detected turn is not applied (its usual rule of thumb:
# under ~2 the answer is a guess; OCRmyPDF's stricter default is 14).
MIN_ORIENTATION_CONFIDENCE = 2.0
# Under this OSD confidence (or when OSD and the text lines disagree), both readings of the page
# (as detected and turned 180 degrees) are recognised and the one with more Vietnamese wins.
VERIFY_ORIENTATION_BELOW = PrepareOptions().verify_orientation_below
# A script-shape score this high is the page's own strong evidence: it overrides the document's.
STRONG_ORIENTATION = 6.0
# The syllable validator's verdict on a reading (see `verdict`): valid from this share of
# Vietnamese syllables among the judged words, rejected under INVALID_SHARE (or under
# VALID_SHARE with twice MIN_JUDGED judged); upright pages here: 0.95-1.0, turned ones < 0.4.
VALID_SHARE = 0.75
INVALID_SHARE = 0.5
MIN_JUDGED = 8

_TRANSPOSE_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,  # PIL turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


@dataclass
class PageResult:
    """A page read, with what the PDF needs and what each step did."""

    page: Page
    image: PageImage | None = None  # the page as scanned, compressed for the searchable PDF
    steps: list[StepRecord] = field(default_factory=list)
    source_image: Image.Image | None = None  # the page as loaded: page 1 only, when asked
    notes: list[str] = field(default_factory=list)  # foreign letters replaced ("ö>ô")
    orientation_known: bool = False  # the page's own evidence settled its orientation


class DocumentOrientation:
    """The orientation the pages of one document share: the commonest among pages whose own
    evidence settled theirs (None until one has)."""

    def __init__(self) -> None:
        self._seen: Counter[int] = Counter()

    def add(self, result: PageResult) -> None:
        if result.orientation_known:
            self._seen[result.page.orientation] += 1

    @property
    def hint(self) -> int | None:
        return self._seen.most_common(1)[0][0] if self._seen else None


def ocr_file(
    path: Path,
    engine: OcrEngine,
    *,
    max_pixels: int = 200_000_000,
    workers: int = 1,
    options: PrepareOptions | None = None,
    pdf: BinaryIO | None = None,
    pool: PagePool | None = None,
) -> Iterator[Page]:
    """OCR every page of a scan file, in page order, one page at a time (BadInput as soon as a
    page is bad). `workers` > 1: pages are read by that many processes, one Tesseract each (or
    pass a `PagePool` to reuse one for many files). `pdf`: a binary stream to write the
    searchable PDF to, complete once the last page is read."""
    for result in ocr_file_results(
        path, engine, max_pixels=max_pixels, workers=workers, options=options, pdf=pdf, pool=pool
    ):
        yield result.page


def ocr_file_results(
    path: Path,
    engine: OcrEngine,
    *,
    max_pixels: int = 200_000_000,
    workers: int = 1,
    options: PrepareOptions | None = None,
    pdf: BinaryIO | None = None,
    pool: PagePool | None = None,
    keep_first: bool = False,
) -> Iterator[PageResult]:
    """`ocr_file` with each page's step records and notes. With a `pool`, its engine and
    options are used. `keep_first`: page 1's result also carries the image as loaded
    (`source_image`), for whatever else needs to look at the page without loading it again."""
    path = Path(path)
    media_type = detect_media_type(path)
    single = path if media_type in (JPEG, PNG) else None  # its bytes can go into the PDF as is
    want_image = pdf is not None
    if pool is not None:
        results = pool.read_file(
            path, media_type, max_pixels=max_pixels, pdf_images=want_image, keep_first=keep_first
        )
        yield from _written(results, pdf)
        return
    if workers > 1:
        with PagePool(engine, workers, options) as own_pool:
            results = own_pool.read_file(
                path, media_type, max_pixels=max_pixels, pdf_images=want_image, keep_first=keep_first
            )
            yield from _written(results, pdf)
        return
    pages = iter_pages(path, media_type, max_pixels=max_pixels)
    yield from _written(_in_turn(pages, engine, options, want_image, single, keep_first), pdf)


def _in_turn(pages, engine, options, want_image, single, keep_first) -> Iterator[PageResult]:
    """Pages read one after the other, each told the document's orientation so far."""
    document = DocumentOrientation()
    for source in pages:
        result = process_page(
            source,
            engine,
            options=options,
            pdf_image=want_image,
            source_file=single,
            keep_source=keep_first and source.number == 1,
            orientation_hint=document.hint,
        )
        document.add(result)
        yield result


def _written(results: Iterator[PageResult], pdf: BinaryIO | None) -> Iterator[PageResult]:
    writer = SearchablePdfWriter(pdf) if pdf is not None else None
    for result in results:
        if writer is not None and result.image is not None:
            writer.add_page(result.image, result.page)
            result.image = None  # written: let it go
        yield result
    if writer is not None:
        writer.close()


def ocr_page(source: SourcePage, engine: OcrEngine, *, options: PrepareOptions | None = None) -> Page:
    """Read one page: clean, upright, recognise; boxes in the page's original coordinates."""
    return process_page(source, engine, options=options).page


def process_page(
    source: SourcePage,
    engine: OcrEngine,
    *,
    options: PrepareOptions | None = None,
    pdf_image: bool = False,
    source_file: Path | None = None,
    keep_source: bool = False,
    orientation_hint: int | None = None,
) -> PageResult:
    """`ocr_page` with the step records, and the page compressed for the PDF if asked.
    `source_file`: the file the page came from when it is the whole file (JPEG, PNG).
    `keep_source`: the result also carries the page image as loaded. `orientation_hint`: the
    document's orientation (`DocumentOrientation`), tried first unless the page's own evidence
    is strong; with it the engine's OSD is not asked."""
    options = options or PrepareOptions()
    cleaned = clean_page(page_array(source.image), source.dpi, options)
    if options.orientation:
        osd = _osd(engine) if orientation_hint is None else None
        guess = detect_orientation(cleaned, osd, options)
    else:
        guess = OrientationGuess(0, 0.0, True, "none")
        orientation_hint = None
    prepared, result, doubts, known = _read_upright(cleaned, guess, engine, options, orientation_hint)
    page, notes = _page(source, prepared, result, doubts)
    image = encode_page_image(source.image, source.dpi, source_file) if pdf_image else None
    if notes:
        log.info("page %d: letters foreign to Vietnamese replaced: %s", source.number, " ".join(notes))
    kept = source.image if keep_source else None
    return PageResult(
        page=page, image=image, steps=prepared.steps, notes=notes, source_image=kept, orientation_known=known
    )


def _osd(engine: OcrEngine):
    return lambda array: engine.orientation(Image.fromarray(array))


def _recognise(prepared: Prepared, engine: OcrEngine) -> EngineResult:
    started = time.perf_counter()
    result = engine.recognise(Image.fromarray(prepared.image), dpi=prepared.dpi)
    prepared.steps.append(
        StepRecord(
            "recognise",
            round(time.perf_counter() - started, 4),
            {"engine": engine.name, "dpi": prepared.dpi},
            {"words": len(result.words), "confidence": round(result.confidence, 1)},
        )
    )
    return result


def _reading_score(result: EngineResult) -> float:
    """How much readable Vietnamese a reading holds: confidences of its syllable words."""
    return sum(w.confidence / 100 for w in result.words if token_kind(w.text) == "syllable")


def verdict(result: EngineResult) -> bool | None:
    """Does the syllable validator accept a reading? True: enough words judged and most are
    Vietnamese syllables; False: enough judged and too few are, or the words stand taller than
    wide (Tesseract reads a page turned a quarter by turning its lines itself: good syllables,
    wrong orientation); None: too few words to tell."""
    long_words = [w for w in result.words if sum(c.isalnum() for c in w.text) >= 3]
    upright = sum(1 for w in long_words if w.box.width > w.box.height)
    if len(long_words) >= 3 and upright < len(long_words) / 2:
        return False  # words taller than wide: the engine read lines running across the page
    share, judged = syllable_share(result.words)
    if share is None:
        return None
    if share >= VALID_SHARE:
        return True
    return False if share < INVALID_SHARE or judged >= 2 * MIN_JUDGED else None


def _candidates(cleaned: Prepared, first: int) -> list[int]:
    """Turns to try, `first` first: its half turn next; the quarter turns when the direction
    of the text lines is unknown or disagrees with `first`."""
    flip = (first + 180) % 360
    across = [(first + 90) % 360, (first + 270) % 360]
    quarter = first in (90, 270)
    if cleaned.lines == "unknown" or (cleaned.lines == "vertical") != quarter:
        return [first, flip, *across]
    return [first, flip]


def _read_upright(
    cleaned: Prepared,
    guess: OrientationGuess,
    engine: OcrEngine,
    options: PrepareOptions,
    hint: int | None = None,
) -> tuple[Prepared, EngineResult, list[str], bool]:
    """Turn and read the page, the first turn tried being the document's (`hint`) unless the
    page's own evidence is strong, else the guess. A reading the syllable validator rejects,
    or one too short to judge on an unsure page, is not stored before the other turns are read:
    the first that validates wins, else the one with the most Vietnamese in it. The doubts stay
    only when no reading could tell. Last: whether the page's own evidence settled its
    orientation (the reading kept validates, or the guess is strong)."""
    first = guess.degrees
    strong = guess.sure and guess.confidence >= STRONG_ORIENTATION
    if hint is not None and hint != first and not strong:
        first = hint
    readings: list[tuple[int, Prepared, EngineResult]] = []
    verdicts: list[bool | None] = []
    decided = False
    for candidate in _candidates(cleaned, first):
        prepared = orient_page(cleaned, candidate, guess.confidence, options)
        result = _recognise(prepared, engine)
        readings.append((candidate, prepared, result))
        judged = verdict(result)
        verdicts.append(judged)
        settled = guess.sure or candidate == hint
        if judged is True or (judged is None and settled and len(readings) == 1):
            decided = True
            break
        if judged is None and len(readings) >= 2:
            break  # two short readings: compare them
    scores = [_reading_score(result) for _, _, result in readings]
    # A validated reading first, a rejected one last; then the most Vietnamese; ties: the first.
    rank = [(v is True, v is not False, score) for v, score in zip(verdicts, scores, strict=True)]
    best = max(range(len(readings)), key=lambda i: (rank[i], -i))
    candidate, prepared, result = readings[best]
    if len(readings) > 1:
        others = sorted(scores, reverse=True)[1]
        decided = decided or (scores[best] >= 3 and scores[best] >= 2 * others)
        decided = decided or all(r.text == result.text for _, _, r in readings)
        prepared.steps.append(
            StepRecord(
                "orientation_check",
                0.0,
                {"candidates": [c for c, _, _ in readings]},
                {"scores": [round(score, 2) for score in scores], "chosen": candidate},
            )
        )
    doubts = [] if decided or guess.sure else list(guess.doubts)
    if not decided and guess.sure and len(readings) > 1:
        doubts = [f"orientation unsure: no turn of the page reads as Vietnamese (kept {candidate} degrees)"]
    return prepared, result, doubts, verdicts[best] is True or strong


def _page(source: SourcePage, prepared: Prepared, result: EngineResult, doubts: list[str]):
    started = time.perf_counter()
    width, height = source.image.size
    filtered = filter_words(result.words)
    ordered = order_lines(filtered.words)
    words, notes = [], list(filtered.repaired)
    for word in ordered:
        text, found = fix_foreign_letters(word.text)
        notes.extend(found)
        box = _to_original(word.box, prepared.to_original, width, height)
        words.append(word.model_copy(update={"text": text, "box": box}))
    unchanged = not filtered.dropped and not filtered.repaired and ordered == result.words
    text = fix_foreign_letters(result.text)[0] if unchanged else text_from_words(words)
    text = join_hyphenated_lines(text)
    unread = unread_share(prepared.image, prepared.dpi, ordered)
    quality = assess_page(words, text, doubts, dropped=filtered.dropped, unread=unread)
    prepared.steps.append(
        StepRecord(
            "text",
            round(time.perf_counter() - started, 4),
            {},
            {
                "dropped": filtered.dropped,
                "noise_share": quality.noise_share,
                "suspect_share": quality.suspect_share,
                "unread_share": round(unread, 4),
                "confidence": round(quality.confidence, 1),
                "syllable_share": quality.syllable_share,
                "words": len(words),
            },
        )
    )
    page = Page(
        number=source.number,
        text=text,
        words=words,
        width=width,
        height=height,
        dpi=source.dpi,
        orientation=prepared.orientation,
        orientation_confidence=prepared.orientation_confidence,
        skew=prepared.skew,
        confidence=quality.confidence,
        quality=quality.score,
        needs_review=bool(quality.reasons),
        review_reasons=quality.reasons,
        unreadable=quality.unreadable,
    )
    if quality.unreadable:
        noise = 100 * quality.noise_share
        log.warning("page %d: unreadable page (%.0f %% of the reading was noise)", source.number, noise)
    return page, notes


def _to_original(box: Box, matrix: np.ndarray, width: int, height: int) -> Box:
    left, top, w, h = map_box(matrix, box.left, box.top, box.width, box.height)
    left, top = min(max(left, 0), width - 1), min(max(top, 0), height - 1)
    return Box(left=left, top=top, width=max(1, min(w, width - left)), height=max(1, min(h, height - top)))


def text_from_words(words: list[Word]) -> str:
    """Page text from words: a line per `line`, a blank line where the block changes (pure)."""
    parts: list[str] = []
    current: tuple[int, int] | None = None
    for word in words:
        key = (word.block, word.line)
        if key == current:
            parts.append(" ")
        elif current is not None:
            parts.append("\n" if key[0] == current[0] else "\n\n")
        current = key
        parts.append(word.text)
    return nfc("".join(parts))


# --- pure image and geometry helpers -------------------------------------------------------------


def page_array(image: Image.Image) -> np.ndarray:
    """The page as an 8-bit array: RGB (H x W x 3) when it has colour channels, else gray."""
    if image.mode in ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV") and image.mode != "L":
        if image.mode == "P" and not _palette_has_colour(image):
            return np.asarray(grayscale(image))
        flat = image
        if "A" in image.getbands() or "transparency" in image.info:
            rgba = image.convert("RGBA")
            flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            flat.alpha_composite(rgba)
        return np.asarray(flat.convert("RGB"))
    return np.asarray(grayscale(image))


def _palette_has_colour(image: Image.Image) -> bool:
    palette = image.getpalette() or []
    triples = zip(palette[0::3], palette[1::3], palette[2::3], strict=False)
    return any(not (r == g == b) for r, g, b in triples)


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
