"""Near-duplicates found with real OCR: a re-scan of the same paper is one, a different
document is not, and a different letter on the same letterhead is not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from classify import extract_metadata
from dedup import Fingerprint, NearDuplicateIndex, compare, decide, fingerprint_file
from ocr import TesseractEngine, ocr_file
from tests.dedup.pages import FONT, corpus_page, lines_of, other_text_page, rescan
from tests.support import CORPUS_FIXTURES

CLEAN = "d01_qd_phutho__clean_p1"
OTHER_DOCUMENT = CORPUS_FIXTURES / "pages" / "d04_gm_nghean__jpeg_p1.jpg"

# Another decision of the same committee: same letterhead, number line, date and signer.
OTHER_LETTER = [
    "Về việc phê duyệt kế hoạch bồi dưỡng nghiệp vụ văn thư",
    "cho công chức cấp xã năm 2020",
    "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH",
    "Căn cứ Nghị định số 101/2017/NĐ-CP về đào tạo, bồi dưỡng công chức;",
    "Căn cứ Thông tư số 01/2018/TT-BNV hướng dẫn một số điều của Nghị định;",
    "Xét đề nghị của Trường Chính trị tỉnh tại văn bản ngày 20 tháng 8;",
    "QUYẾT ĐỊNH:",
    "Điều 1. Phê duyệt kế hoạch mở bốn lớp bồi dưỡng nghiệp vụ văn thư",
    "cho công chức văn phòng thống kê của các xã, phường, thị trấn.",
    "Mỗi lớp học trong năm ngày tại trung tâm hội nghị của huyện.",
    "Điều 2. Kinh phí lấy từ nguồn chi thường xuyên đã giao đầu năm,",
    "thanh toán theo chứng từ thực chi và định mức hiện hành.",
    "Học viên hoàn thành khóa học được cấp giấy chứng nhận.",
    "Điều 3. Giám đốc Sở Tài chính, Hiệu trưởng Trường Chính trị,",
    "Chủ tịch các huyện và học viên có tên trong danh sách",
    "căn cứ quyết định này để thi hành kể từ ngày ký.",
]


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    tesseract = TesseractEngine(lang="vie")
    tesseract.check()
    return tesseract


def _fingerprint(path: Path, engine: TesseractEngine) -> Fingerprint:
    pages = list(ocr_file(path, engine))
    return fingerprint_file(path, pages, extract_metadata(pages), max_pixels=200_000_000)


@pytest.fixture(scope="module")
def clean(engine: TesseractEngine) -> Fingerprint:
    return _fingerprint(CORPUS_FIXTURES / "pages" / f"{CLEAN}.png", engine)


@pytest.fixture(scope="module")
def rescanned(engine: TesseractEngine, tmp_path_factory: pytest.TempPathFactory) -> Fingerprint:
    path = tmp_path_factory.mktemp("rescan") / "scan again.jpg"
    path.write_bytes(rescan(corpus_page(f"{CLEAN}.png")))
    return _fingerprint(path, engine)


def test_a_rescan_of_the_same_paper_is_a_near_duplicate(clean, rescanned) -> None:
    assert rescanned.phash != clean.phash, "the re-scan really is a different image"
    comparison = compare(rescanned, clean)
    assert comparison.text is not None and comparison.text >= 0.6
    assert decide(comparison) == "text+image"


def test_a_different_document_is_not(clean, engine) -> None:
    other = _fingerprint(OTHER_DOCUMENT, engine)
    comparison = compare(other, clean)
    assert comparison.text is not None and comparison.text < 0.2
    assert decide(comparison) is None


@pytest.mark.skipif(not FONT.exists(), reason=f"font {FONT} not installed (fonts-liberation)")
def test_another_letter_on_the_same_letterhead_is_not(clean, engine, tmp_path: Path) -> None:
    page = other_text_page(corpus_page(f"{CLEAN}.png"), lines_of(CLEAN), OTHER_LETTER)
    path = tmp_path / "other letter.png"
    page.save(path, dpi=(300, 300))
    letter = _fingerprint(path, engine)
    comparison = compare(letter, clean)
    assert comparison.conflict is None, "same number and date: only the text can tell them apart"
    assert comparison.text is not None and comparison.text < 0.3
    assert decide(comparison) is None
    assert decide(replace(comparison, text=0.9)) == "text+image", "the layout alone would pass"


def test_the_lookup_links_the_rescan_to_the_first_scan(clean, rescanned, tmp_path: Path) -> None:
    lookup = NearDuplicateIndex(tmp_path / "similarity.sqlite3")
    assert lookup.check_in("first", clean) is None
    match = lookup.check_in("second", rescanned)
    assert match is not None and match.record_id == "first"
    assert "near-duplicate of record first" in match.reason
