"""OCR engines: the Tesseract adapter (the only module that imports pytesseract) and test engines.

`TesseractEngine` turns Tesseract's quirks into values and domain errors: one `image_to_data`
call per page gives the text, the words with boxes and their confidences; a timeout is
`OcrTimeout`, a missing program or language is `MissingDependency`, a page Tesseract refuses is
`BadInput`. `FixedTextEngine` and `FailingEngine` stand in for it in tests of other modules.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import pytesseract
from PIL import Image

from core.errors import BadInput, MissingDependency, OcrTimeout
from ocr.imaging import flatten_on_white
from schemas import Box, Word
from vntext.normalise import nfc

__all__ = [
    "EngineResult",
    "FailingEngine",
    "FixedTextEngine",
    "OcrEngine",
    "TesseractEngine",
    "debian_package",
    "parse_tsv",
]

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads make OCR several times slower when pages are already processed in
# parallel on few cores (measured: 5x on 2 cores). pytesseract always passes os.environ to the
# subprocess and has no per-call environment, so the limit is set here, once, at import.
os.environ["OMP_THREAD_LIMIT"] = "1"


@dataclass(frozen=True)
class EngineResult:
    """What an engine read on one image; boxes are in that image's coordinates."""

    text: str  # NFC; lines joined by "\n", paragraphs and blocks separated by a blank line
    words: list[Word]  # NFC text, confidence 0-100
    confidence: float  # mean word confidence, 0 when there are no words


class OcrEngine(Protocol):
    name: str
    version: str

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        """Read the text of one upright page image."""
        ...

    def orientation(self, image: Image.Image) -> tuple[int, float]:
        """(clockwise degrees 0/90/180/270 that turn the page upright, confidence); never raises:
        (0, 0.0) when the orientation cannot be told."""
        ...


def debian_package(lang: str) -> str:
    """The Debian package holding a Tesseract language: chi_sim -> tesseract-ocr-chi-sim."""
    return "tesseract-ocr-" + lang.lower().replace("_", "-")


class TesseractEngine:
    """Tesseract 5 through pytesseract, one subprocess per call."""

    name = "tesseract"

    def __init__(
        self, lang: str = "vie", timeout: float = 180.0, psm: int = 3, chars: str | None = None
    ) -> None:
        self.lang = lang
        self.timeout = timeout
        self.psm = psm
        self.chars = chars  # only these characters may be read (a region of digits), None: any

    def __repr__(self) -> str:
        return f"TesseractEngine(lang={self.lang!r}, timeout={self.timeout}, psm={self.psm})"

    @cached_property
    def version(self) -> str:
        try:
            return str(pytesseract.get_tesseract_version(cached=True))
        except pytesseract.TesseractNotFoundError as exc:
            raise _missing_tesseract() from exc

    def check(self) -> None:
        """Raise MissingDependency, naming the Debian package, unless Tesseract can run here."""
        try:
            installed = set(pytesseract.get_languages())
        except pytesseract.TesseractNotFoundError as exc:
            raise _missing_tesseract() from exc
        missing = [lang for lang in [*self.lang.split("+"), "osd"] if lang not in installed]
        if missing:
            raise _missing_languages(missing)

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        config = f"--psm {self.psm}" + (f" --dpi {dpi}" if dpi else "")
        if self.chars:
            config += f" -c tessedit_char_whitelist={self.chars}"
        try:
            tsv = pytesseract.image_to_data(
                _lossless(image), lang=self.lang, config=config, timeout=self.timeout
            )
        except Exception as exc:
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from exc
        return parse_tsv(tsv)

    def orientation(self, image: Image.Image) -> tuple[int, float]:
        try:
            osd = pytesseract.image_to_osd(
                _lossless(image), output_type=pytesseract.Output.DICT, timeout=self.timeout
            )
        except Exception as exc:  # the contract: no orientation is an answer, not a failure
            log.info("orientation not detected: %s", _message(exc))
            return 0, 0.0
        rotate, confidence = osd.get("rotate", 0), float(osd.get("orientation_conf", 0.0))
        if rotate not in (0, 90, 180, 270):
            return 0, 0.0
        return rotate, confidence

    def _translate(self, exc: Exception) -> Exception:
        message = _message(exc)
        if isinstance(exc, pytesseract.TesseractNotFoundError):
            return _missing_tesseract()
        if type(exc) is RuntimeError and "timeout" in message.lower():  # pytesseract says so
            return OcrTimeout(f"Tesseract did not finish the page within {self.timeout:g} s")
        if isinstance(exc, pytesseract.TesseractError):
            if "load any languages" in message or "Failed loading language" in message:
                failed = _FAILED_LANGUAGE.findall(message) or self.lang.split("+")
                return _missing_languages(failed)
            return BadInput(f"Tesseract could not read the page: {message}")
        return exc


_FAILED_LANGUAGE = re.compile(r"Failed loading language '([^']+)'")


def _missing_languages(langs: list[str]) -> MissingDependency:
    packages = ", ".join(debian_package(lang) for lang in langs)
    return MissingDependency(
        f"Tesseract language data missing ({'+'.join(langs)}): install the Debian package {packages}"
    )


def _missing_tesseract() -> MissingDependency:
    return MissingDependency("Tesseract is not installed: install the Debian package tesseract-ocr")


def _message(exc: Exception) -> str:
    if isinstance(exc, pytesseract.TesseractError):
        return str(exc.message).strip()
    return str(exc)


def _lossless(image: Image.Image) -> Image.Image:
    """A copy for pytesseract, which writes the image to a file in its `format` (lossy again for
    a JPEG) and sets that attribute on the object it is given. Netpbm (PGM/PBM/PPM) is lossless
    and written at once: PNG takes about a second to compress a noisy 300 dpi page."""
    if image.mode in ("1", "L", "RGB"):
        copy = image.copy()
    else:  # transparency onto white, as the page stages see it
        colour = "A" in image.getbands() or image.mode in ("P", "CMYK")
        copy = flatten_on_white(image, "RGB" if colour else "L")
    copy.format = "PPM"
    return copy


# --- TSV -----------------------------------------------------------------------------------------

_WORD_LEVEL = "5"


def parse_tsv(tsv: str) -> EngineResult:
    """Text, words and mean confidence from Tesseract's TSV output (pure function).

    Word.block is Tesseract's block number; Word.line numbers the page's lines from 1 in reading
    order. Lines of a paragraph are joined by a newline; paragraphs and blocks by a blank line.
    """
    words: list[Word] = []
    parts: list[str] = []  # line texts and the separators between them
    current: tuple[str, str, str] | None = None
    line_number = 0
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != _WORD_LEVEL:
            continue
        text = nfc(cells[11].strip())
        if not text:
            continue
        block, paragraph, line = cells[2], cells[3], cells[4]
        if (block, paragraph, line) == current:
            parts.append(" ")
        else:
            if current is not None:
                parts.append("\n" if current[:2] == (block, paragraph) else "\n\n")
            line_number += 1
            current = (block, paragraph, line)
        parts.append(text)
        left, top, width, height = (int(value) for value in cells[6:10])
        words.append(
            Word(
                text=text,
                confidence=min(max(float(cells[10]), 0.0), 100.0),
                box=Box(left=left, top=top, width=width, height=height),
                block=int(block),
                line=line_number,
            )
        )
    page_text = "".join(parts)
    confidence = sum(word.confidence for word in words) / len(words) if words else 0.0
    return EngineResult(text=page_text, words=words, confidence=confidence)


# --- engines for tests of other modules ----------------------------------------------------------


class FixedTextEngine:
    """Returns the same text for every page, with made-up boxes; for tests that need no OCR.

    Each line of `text` becomes a line of words, boxes laid out left to right, top to bottom.
    """

    name = "fixed"
    version = "1"

    def __init__(self, text: str, confidence: float = 95.0, rotation: tuple[int, float] = (0, 0.0)) -> None:
        self.text = nfc(text)
        self.confidence = confidence
        self.rotation = rotation

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        words = []
        for line_number, line in enumerate(self.text.splitlines(), start=1):
            left = 10
            for token in line.split():
                box = Box(left=left, top=line_number * 40, width=20 * len(token), height=30)
                words.append(Word(text=token, confidence=self.confidence, box=box, line=line_number))
                left += box.width + 20
        return EngineResult(text=self.text, words=words, confidence=self.confidence if words else 0.0)

    def orientation(self, image: Image.Image) -> tuple[int, float]:
        return self.rotation


class FailingEngine:
    """Raises the given error on every page; for error paths (timeouts, bad pages, no Tesseract)."""

    name = "failing"
    version = "1"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        raise self.error

    def orientation(self, image: Image.Image) -> tuple[int, float]:
        return 0, 0.0
