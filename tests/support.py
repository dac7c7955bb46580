"""Paths shared by the tests."""

from pathlib import Path

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
CORPUS_FIXTURES = FIXTURES / "corpus"
SHARED_CORPUS = TESTS.resolve().parents[1] / "shared" / "corpus"

CLEAN_PDF = CORPUS_FIXTURES / "pdf" / "d01_qd_phutho__clean.pdf"
CLEAN_PNG = CORPUS_FIXTURES / "pages" / "d01_qd_phutho__clean_p1.png"
JPEG_PAGE = CORPUS_FIXTURES / "pages" / "d04_gm_nghean__jpeg_p1.jpg"
