"""OCR: scan files to page images, clean-up, Tesseract to text and word boxes, Vietnamese text
hygiene, page quality, searchable PDF; pages in parallel."""

from ocr.engine import (
    EngineResult,
    FailingEngine,
    FixedTextEngine,
    OcrEngine,
    TesseractEngine,
    debian_package,
    parse_tsv,
)
from ocr.imaging import box_to_original, flatten_on_white, grayscale, rotate_clockwise
from ocr.load import SourcePage, count_pages, detect_media_type, iter_pages, load_page
from ocr.page_reader import PageResult, ocr_page, process_page
from ocr.parallel import PagePool, default_workers
from ocr.pipeline import ocr_file, ocr_file_results
from ocr.preprocess import PrepareOptions, StepRecord, prepare
from ocr.quality import PageQuality, assess_page
from ocr.searchable_pdf import write_searchable_pdf

__all__ = [
    "EngineResult",
    "FailingEngine",
    "FixedTextEngine",
    "OcrEngine",
    "PagePool",
    "PageQuality",
    "PageResult",
    "PrepareOptions",
    "SourcePage",
    "StepRecord",
    "TesseractEngine",
    "assess_page",
    "box_to_original",
    "count_pages",
    "debian_package",
    "default_workers",
    "detect_media_type",
    "flatten_on_white",
    "grayscale",
    "iter_pages",
    "load_page",
    "ocr_file",
    "ocr_file_results",
    "ocr_page",
    "parse_tsv",
    "prepare",
    "process_page",
    "rotate_clockwise",
    "write_searchable_pdf",
]
