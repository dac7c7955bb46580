"""The Tesseract adapter: TSV to text and words (pure), then real Tesseract and its failures."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from core.errors import BadInput, MissingDependency, OcrTimeout
from ocr.engine import (
    EngineResult,
    FailingEngine,
    FixedTextEngine,
    TesseractEngine,
    debian_package,
    parse_tsv,
)
from tests.ocr.conftest import CLEAN_PNG, ROT180_TIFF, ground_truth
from tests.ocr.measures import cer

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def _row(block: int, par: int, line: int, word: int, text: str, conf: float = 90.0, level: int = 5) -> str:
    return f"{level}\t1\t{block}\t{par}\t{line}\t{word}\t{10 * word}\t{20 * line}\t8\t12\t{conf}\t{text}"


def test_tsv_lines_paragraphs_and_blocks() -> None:
    tsv = "\n".join(
        [
            HEADER,
            _row(1, 1, 0, 0, "", conf=-1, level=4),  # structure rows carry no word
            _row(1, 1, 1, 1, "Số:"),
            _row(1, 1, 1, 2, "2154/QĐ-UBND"),
            _row(1, 1, 2, 1, "Phú"),
            _row(1, 1, 2, 2, "Thọ"),
            _row(1, 2, 1, 1, "QUYẾT"),
            _row(1, 2, 1, 2, "ĐỊNH"),
            _row(2, 1, 1, 1, "Điều"),
            _row(2, 1, 1, 2, " "),  # blank words are dropped
            _row(2, 1, 1, 3, "1."),
        ]
    )
    result = parse_tsv(tsv)
    assert result.text == "Số: 2154/QĐ-UBND\nPhú Thọ\n\nQUYẾT ĐỊNH\n\nĐiều 1."
    assert [(word.text, word.block, word.line) for word in result.words] == [
        ("Số:", 1, 1),
        ("2154/QĐ-UBND", 1, 1),
        ("Phú", 1, 2),
        ("Thọ", 1, 2),
        ("QUYẾT", 1, 3),
        ("ĐỊNH", 1, 3),
        ("Điều", 2, 4),
        ("1.", 2, 4),
    ]
    assert result.words[1].box.model_dump() == {"left": 20, "top": 20, "width": 8, "height": 12}


def test_tsv_text_is_nfc_and_confidence_is_the_mean_within_0_100() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết")
    tsv = "\n".join([HEADER, _row(1, 1, 1, 1, decomposed, 96.5), _row(1, 1, 1, 2, "định", 101.0)])
    result = parse_tsv(tsv)
    assert result.text == "Quyết định"
    assert result.words[0].text == "Quyết" == unicodedata.normalize("NFC", result.words[0].text)
    assert [word.confidence for word in result.words] == [96.5, 100.0]
    assert result.confidence == pytest.approx(98.25)


def test_tsv_without_words_is_empty_text_with_zero_confidence() -> None:
    assert parse_tsv(HEADER + "\n" + _row(1, 0, 0, 0, "", -1, level=1)) == EngineResult("", [], 0.0)
    assert parse_tsv("") == EngineResult("", [], 0.0)


@pytest.mark.parametrize(
    ("lang", "package"), [("vie", "tesseract-ocr-vie"), ("chi_sim", "tesseract-ocr-chi-sim")]
)
def test_debian_package_names(lang: str, package: str) -> None:
    assert debian_package(lang) == package


# --- real Tesseract --------------------------------------------------------------------------------


def test_clean_page_text_words_and_accuracy(engine: TesseractEngine) -> None:
    with Image.open(CLEAN_PNG) as image:
        result = engine.recognise(image.convert("L"), dpi=300)
    truth = ground_truth("d01_qd_phutho__clean_p1")
    for phrase in ("Số: 2154/QĐ-UBND", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ", "Luật Lưu trữ"):
        assert phrase in result.text
    assert unicodedata.is_normalized("NFC", result.text)
    assert cer(result.text, truth) < 0.05
    assert result.confidence > 80
    assert len(result.words) > 300
    assert all(0 <= word.box.left < 2480 and 0 <= word.box.top < 3508 for word in result.words)


def test_ink_on_a_transparent_sheet_is_read_as_on_white_paper(engine: TesseractEngine) -> None:
    """Black ink whose paper is transparent black (alpha only): flattened onto white, not read as
    a black page."""
    with Image.open(CLEAN_PNG) as image:
        gray = image.convert("L").crop((0, 0, 2480, 900))
    sheet = Image.new("RGBA", gray.size, (0, 0, 0, 0))
    sheet.putalpha(gray.point(lambda v: 255 - v))
    assert "2154/QĐ-UBND" in engine.recognise(sheet, dpi=300).text


def test_orientation_of_upside_down_and_upright_pages(engine: TesseractEngine) -> None:
    with Image.open(ROT180_TIFF) as upside_down:
        degrees, confidence = engine.orientation(upside_down.convert("L"))
    assert (degrees, confidence > 2) == (180, True)
    with Image.open(CLEAN_PNG) as upright:
        assert engine.orientation(upright.convert("L"))[0] == 0


def test_orientation_of_a_blank_page_is_unknown_not_an_error(engine: TesseractEngine) -> None:
    assert engine.orientation(Image.new("L", (600, 800), 255)) == (0, 0.0)


def test_blank_page_is_empty_text(engine: TesseractEngine) -> None:
    result = engine.recognise(Image.new("L", (600, 800), 255), dpi=300)
    assert (result.text, result.words, result.confidence) == ("", [], 0.0)


def test_caller_image_is_not_changed(engine: TesseractEngine) -> None:
    image = Image.new("L", (200, 100), 255)
    engine.recognise(image, dpi=300)
    assert image.format is None  # pytesseract would have set it to "PNG"


def test_image_tesseract_refuses_is_bad_input(engine: TesseractEngine) -> None:
    with pytest.raises(BadInput, match="Tesseract could not read the page: Image too large"):
        engine.recognise(Image.new("L", (40000, 2), 255))


def test_timeout_is_ocr_timeout(engine: TesseractEngine) -> None:
    hasty = TesseractEngine(lang="vie", timeout=0.01)
    with Image.open(CLEAN_PNG) as image, pytest.raises(OcrTimeout, match="within 0.01 s"):
        hasty.recognise(image.convert("L"), dpi=300)


def test_missing_language_names_its_debian_package() -> None:
    engine = TesseractEngine(lang="xyz")
    expected = r"language data missing \(xyz\): install the Debian package tesseract-ocr-xyz$"
    with pytest.raises(MissingDependency, match=expected):
        engine.check()
    with pytest.raises(MissingDependency, match=expected):
        engine.recognise(Image.new("L", (200, 100), 255))
    with pytest.raises(MissingDependency, match=expected):  # only the missing one is named
        TesseractEngine(lang="vie+xyz").check()


def test_check_passes_with_vietnamese_and_osd_installed() -> None:
    engine = TesseractEngine(lang="vie")
    engine.check()
    assert engine.name == "tesseract"
    assert engine.version.split(".")[0] in {"4", "5"}


def test_missing_tesseract_program_names_its_debian_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where no tesseract is on the PATH
    engine = TesseractEngine(lang="vie")
    with pytest.raises(MissingDependency, match="install the Debian package tesseract-ocr$"):
        engine.check()
    with pytest.raises(MissingDependency, match="install the Debian package tesseract-ocr$"):
        engine.recognise(Image.new("L", (200, 100), 255))
    assert engine.orientation(Image.new("L", (200, 100), 255)) == (0, 0.0)


# --- test engines offered to other modules ------------------------------------------------------------


def test_fixed_text_engine_lays_out_words() -> None:
    result = FixedTextEngine("Số: 12/QĐ-UBND\nHà Nội", confidence=70).recognise(Image.new("L", (9, 9)))
    assert result.text == "Số: 12/QĐ-UBND\nHà Nội"
    assert [(word.text, word.line) for word in result.words] == [
        ("Số:", 1),
        ("12/QĐ-UBND", 1),
        ("Hà", 2),
        ("Nội", 2),
    ]
    assert result.confidence == 70
    assert result.words[1].box.left > result.words[0].box.left + result.words[0].box.width


def test_failing_engine_raises_what_it_was_given() -> None:
    with pytest.raises(OcrTimeout, match="slow"):
        FailingEngine(OcrTimeout("slow")).recognise(Image.new("L", (9, 9)))
