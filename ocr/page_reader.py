"""One page image -> one `schemas.Page`: the stages a page goes through, and what they record.

The page stages, in order: clean-up (ocr/preprocess.py: resolution, colour, borders, holes,
noise, background, skew), orientation (the shape of the script; when unsure the engine's OSD; when
that is unsure too, the page read both ways), recognition, noise words dropped, Vietnamese hygiene
(vntext/normalise.py), word boxes mapped back to the page as scanned, quality score (ocr/quality.py).
`process_page` is what each worker of the page pool runs (ocr/parallel.py); a file's pages are
streamed through it by ocr/pipeline.py.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ocr.coverage import scanned_unread_share, unread_share
from ocr.diacritics import correct_diacritics
from ocr.engine import EngineResult, OcrEngine
from ocr.imaging import page_array
from ocr.load import SourcePage
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
from vntext.syllable_lm import active_model
from vntext.syllables import token_kind

__all__ = [
    "MIN_ORIENTATION_CONFIDENCE",
    "DocumentOrientation",
    "REVIEW_CONFIDENCE",
    "VERIFY_ORIENTATION_BELOW",
    "PageResult",
    "ocr_page",
    "process_page",
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


@dataclass
class PageResult:
    """A page read, with what each step did."""

    page: Page
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


def ocr_page(source: SourcePage, engine: OcrEngine, *, options: PrepareOptions | None = None) -> Page:
    """Read one page: clean, upright, recognise; boxes in the page's original coordinates."""
    return process_page(source, engine, options=options).page


def process_page(
    source: SourcePage,
    engine: OcrEngine,
    *,
    options: PrepareOptions | None = None,
    keep_source: bool = False,
    orientation_hint: int | None = None,
) -> PageResult:
    """`ocr_page` with the step records.
    `keep_source`: the result also carries the page image as loaded. `orientation_hint`: the
    document's orientation (`DocumentOrientation`), tried first unless the page's own evidence
    is strong; with it the engine's OSD is not asked."""
    options = options or PrepareOptions()
    scanned = page_array(source.image)
    cleaned = clean_page(scanned, source.dpi, options)
    if options.orientation:
        osd = _osd(engine) if orientation_hint is None else None
        guess = detect_orientation(cleaned, osd, options)
    else:
        guess = OrientationGuess(0, 0.0, True, "none")
        orientation_hint = None
    prepared, result, doubts, known = _read_upright(cleaned, guess, engine, options, orientation_hint)
    page, notes = _page(source, prepared, result, doubts, scanned)
    if notes:
        log.info("page %d: letters foreign to Vietnamese replaced: %s", source.number, " ".join(notes))
    kept = source.image if keep_source else None
    return PageResult(
        page=page, steps=prepared.steps, notes=notes, source_image=kept, orientation_known=known
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


def _page(
    source: SourcePage, prepared: Prepared, result: EngineResult, doubts: list[str], scanned: np.ndarray
):
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
    words, corrected, correcting, syllables = _correct_diacritics(words)
    unchanged = not filtered.dropped and not filtered.repaired and ordered == result.words and not corrected
    text = fix_foreign_letters(result.text)[0] if unchanged else text_from_words(words)
    text = join_hyphenated_lines(text)
    unread = unread_share(prepared.image, prepared.dpi, ordered)
    # A field of dots on the page as scanned passes for print there: measured only without one.
    speckled = any(step.name == "speckle_fields" and step.result.get("fields") for step in prepared.steps)
    as_scanned = 0.0 if speckled else scanned_unread_share(scanned, _scan_dpi(prepared), words)
    quality = assess_page(
        words, text, doubts, dropped=filtered.dropped, unread=unread, scanned_unread=as_scanned
    )
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
                "scanned_unread_share": round(as_scanned, 4),
                "confidence": round(quality.confidence, 1),
                "syllable_share": quality.syllable_share,
                "words": len(words),
                "diacritics": corrected,
                "diacritics_seconds": round(correcting, 5),
                "diacritics_model": syllables,
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
    if quality.unreadable and not words:
        log.warning("page %d: unreadable page (print on it, no word read)", source.number)
    elif quality.unreadable:
        noise = 100 * quality.noise_share
        log.warning("page %d: unreadable page (%.0f %% of the reading was noise)", source.number, noise)
    return page, notes


def _correct_diacritics(words: list[Word]) -> tuple[list[Word], list[str], float, str]:
    """Unsure words read with the wrong marks, corrected by the syllable model (ocr/diacritics.py):
    the words, the changes ("khân>khẩn"), the seconds it took and the model's name ("base", or
    "learned:<pairs>:<hash>" when grown from the archive's pages: vntext.syllable_lm.active_model)."""
    started = time.perf_counter()
    model = active_model()
    words, corrected = correct_diacritics(words, model)
    changes = [f"{c.read}>{c.corrected}" for c in corrected]
    return words, changes, time.perf_counter() - started, model.name


def _scan_dpi(prepared: Prepared) -> float:
    """The resolution of the page as scanned: the file's, or the one the clean-up estimated
    (undoing its shrinking of a page over 400 dpi)."""
    dpi, scale = float(prepared.dpi), 1.0
    for step in prepared.steps:
        if step.name == "downscale":
            scale *= step.params["factor"]
        elif step.name == "resolution":
            dpi = float(step.result.get("dpi") or dpi)
    return dpi / scale if scale < 1.0 and dpi <= 400 else dpi


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
