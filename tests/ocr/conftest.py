"""OCR test fixtures: corpus paths, one real Tesseract engine and each corpus page OCR'd once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ocr.engine import TesseractEngine
from ocr.page_reader import PageResult
from ocr.pipeline import ocr_file, ocr_file_results
from schemas import Page
from tests.support import CORPUS_FIXTURES

CLEAN_PNG = CORPUS_FIXTURES / "pages" / "d01_qd_phutho__clean_p1.png"
CLEAN_PDF = CORPUS_FIXTURES / "pdf" / "d01_qd_phutho__clean.pdf"
ROT180_TIFF = CORPUS_FIXTURES / "tiff" / "d06_tb_sadec__rot180.tif"
ROT90_PNG = CORPUS_FIXTURES / "pages" / "d03_bc_mat_thaibinh__rot90_p2.png"
JPEG_PAGE = CORPUS_FIXTURES / "pages" / "d04_gm_nghean__jpeg_p1.jpg"
SKEW_PNG = CORPUS_FIXTURES / "pages" / "d02_cv_khan_bacninh__skew_p1.png"
SEAL_PNG = CORPUS_FIXTURES / "pages" / "d03_bc_mat_thaibinh__seal_p2.png"
PHOTOCOPY_PNG = CORPUS_FIXTURES / "pages" / "d02_cv_khan_bacninh__photocopy_p1.png"


def ground_truth(name: str) -> str:
    """The exact text of a corpus page, e.g. ground_truth("d01_qd_phutho__clean_p1")."""
    return (CORPUS_FIXTURES / "gt" / f"{name}.gt.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Read:
    """A file read once: its page results (steps and notes with each page)."""

    results: list[PageResult]

    @property
    def pages(self) -> list[Page]:
        return [result.page for result in self.results]


@pytest.fixture(scope="session")
def engine() -> TesseractEngine:
    tesseract = TesseractEngine(lang="vie")
    tesseract.check()
    return tesseract


def _ocr(path: Path, engine: TesseractEngine) -> list[Page]:
    return list(ocr_file(path, engine))


def _read(path: Path, engine: TesseractEngine) -> Read:
    return Read(list(ocr_file_results(path, engine)))


@pytest.fixture(scope="session")
def clean_pages(engine: TesseractEngine) -> list[Page]:
    return _ocr(CLEAN_PNG, engine)


@pytest.fixture(scope="session")
def pdf_pages(engine: TesseractEngine) -> list[Page]:
    return _ocr(CLEAN_PDF, engine)


@pytest.fixture(scope="session")
def tiff_pages(engine: TesseractEngine) -> list[Page]:
    return _ocr(ROT180_TIFF, engine)


@pytest.fixture(scope="session")
def rot90_pages(engine: TesseractEngine) -> list[Page]:
    return _ocr(ROT90_PNG, engine)


@pytest.fixture(scope="session")
def jpeg_pages(engine: TesseractEngine) -> list[Page]:
    return _ocr(JPEG_PAGE, engine)


@pytest.fixture(scope="session")
def skew_read(engine: TesseractEngine) -> Read:
    return _read(SKEW_PNG, engine)


@pytest.fixture(scope="session")
def seal_read(engine: TesseractEngine) -> Read:
    return _read(SEAL_PNG, engine)


@pytest.fixture(scope="session")
def photocopy_read(engine: TesseractEngine) -> Read:
    return _read(PHOTOCOPY_PNG, engine)
