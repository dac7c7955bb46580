"""OCR: scan files to page images, Tesseract to text and word boxes, Vietnamese text hygiene."""

from ocr.engine import (
    EngineResult,
    FailingEngine,
    FixedTextEngine,
    OcrEngine,
    TesseractEngine,
    debian_package,
    parse_tsv,
)
from ocr.load import SourcePage, count_pages, detect_media_type, iter_pages
from ocr.pipeline import box_to_original, grayscale, ocr_file, ocr_page, rotate_clockwise
from ocr.text import canonical_tones, fold, folded_key, nfc, search_key

__all__ = [
    "EngineResult",
    "FailingEngine",
    "FixedTextEngine",
    "OcrEngine",
    "SourcePage",
    "TesseractEngine",
    "box_to_original",
    "canonical_tones",
    "count_pages",
    "debian_package",
    "detect_media_type",
    "fold",
    "folded_key",
    "grayscale",
    "iter_pages",
    "nfc",
    "ocr_file",
    "ocr_page",
    "parse_tsv",
    "rotate_clockwise",
    "search_key",
]
