"""Page pipeline: geometry and grayscale (pure), paths with injected engines, real corpus pages."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from core.errors import BadInput, OcrTimeout
from ocr.engine import EngineResult, FailingEngine, FixedTextEngine
from ocr.imaging import box_to_original, flatten_on_white, grayscale, page_array, rotate_clockwise
from ocr.load import SourcePage
from ocr.page_reader import DocumentOrientation, ocr_page, process_page, text_from_words
from schemas import Box, Page, Word
from tests.ocr.conftest import Read, ground_truth
from tests.ocr.measures import bow_recall, cer, order_free_cer
from tests.support import CORPUS_FIXTURES

# --- geometry ------------------------------------------------------------------------------------


def _dark_box(image: Image.Image) -> Box:
    rows, cols = np.nonzero(np.asarray(image) < 128)
    return Box(
        left=int(cols.min()),
        top=int(rows.min()),
        width=int(cols.max() - cols.min() + 1),
        height=int(rows.max() - rows.min() + 1),
    )


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_box_found_on_turned_image_maps_back_to_the_original(degrees: int) -> None:
    original = Image.new("L", (60, 40), 255)
    original.paste(0, (5, 7, 17, 13))  # 12 x 6 dark rectangle, off-centre
    turned = rotate_clockwise(original, degrees)
    assert turned.size == ((40, 60) if degrees in (90, 270) else (60, 40))
    assert box_to_original(_dark_box(turned), degrees, original.size) == _dark_box(original)


def test_rotate_clockwise_turns_the_right_way() -> None:
    image = Image.new("L", (4, 2), 255)
    image.putpixel((0, 0), 0)  # top-left corner
    assert rotate_clockwise(image, 90).getpixel((1, 0)) == 0  # goes to the top-right
    assert rotate_clockwise(image, 270).getpixel((0, 3)) == 0  # or to the bottom-left


def test_only_quarter_turns() -> None:
    with pytest.raises(ValueError, match="multiple of 90"):
        rotate_clockwise(Image.new("L", (2, 2)), 45)
    with pytest.raises(ValueError, match="multiple of 90"):
        box_to_original(Box(left=0, top=0, width=1, height=1), 45, (2, 2))


def test_grayscale_flattens_transparency_on_white_and_scales_16_bit() -> None:
    transparent = Image.new("RGBA", (2, 1), (0, 0, 0, 0))
    transparent.putpixel((1, 0), (0, 0, 0, 255))
    assert np.asarray(grayscale(transparent)).ravel().tolist() == [255, 0]
    deep = Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.uint16))
    assert deep.mode.startswith("I;16")
    assert np.asarray(grayscale(deep)).ravel().tolist() == [0, 128, 255]
    assert grayscale(Image.new("RGB", (1, 1), (255, 255, 255))).mode == "L"
    assert grayscale(Image.new("1", (1, 1), 1)).getpixel((0, 0)) == 255


def test_flatten_on_white_composites_alpha_and_palette_transparency_and_keeps_the_rest() -> None:
    half = Image.new("RGBA", (3, 1), (0, 0, 0, 0))
    half.putpixel((1, 0), (255, 0, 0, 255))
    half.putpixel((2, 0), (0, 0, 0, 128))
    flat = flatten_on_white(half)
    assert [flat.getpixel((x, 0)) for x in range(3)] == [(255, 255, 255), (255, 0, 0), (127, 127, 127)]
    palette = Image.new("P", (2, 1), 0)
    palette.putpalette([0, 0, 0, 0, 0, 255])
    palette.putpixel((1, 0), 1)
    palette.info["transparency"] = 0  # entry 0 (black) is transparent
    flat = flatten_on_white(palette)
    assert [flat.getpixel((x, 0)) for x in range(2)] == [(255, 255, 255), (0, 0, 255)]
    assert flatten_on_white(palette, "L").getpixel((0, 0)) == 255
    opaque = Image.new("CMYK", (1, 1), (0, 0, 0, 255))
    assert flatten_on_white(opaque).getpixel((0, 0)) == opaque.convert("RGB").getpixel((0, 0))


def test_page_array_keeps_colour_only_where_there_is_some() -> None:
    assert page_array(Image.new("RGB", (3, 2), "red")).shape == (2, 3, 3)
    assert page_array(Image.new("L", (3, 2))).shape == (2, 3)
    grey_palette = Image.new("L", (3, 2), 90).convert("P")
    assert page_array(grey_palette).shape == (2, 3)
    assert page_array(Image.new("RGBA", (3, 2), (0, 0, 255, 0)))[0, 0].tolist() == [255, 255, 255]


def test_text_from_words_breaks_lines_and_blocks() -> None:
    box = Box(left=0, top=0, width=1, height=1)
    words = [
        Word(text=t, confidence=90, box=box, block=b, line=line)
        for t, b, line in [("Số:", 1, 1), ("12", 1, 1), ("Hà", 1, 2), ("Nội", 1, 2), ("Điều", 2, 3)]
    ]
    assert text_from_words(words) == "Số: 12\nHà Nội\n\nĐiều"


# --- the page pipeline with injected engines -------------------------------------------------------


class RecordingEngine(FixedTextEngine):
    """A FixedTextEngine that remembers the images and dpi it was asked to read."""

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        self.seen = (image.mode, image.size, dpi)
        self.calls = getattr(self, "calls", 0) + 1
        return super().recognise(image, dpi=dpi)


class ScriptedEngine(FixedTextEngine):
    """Returns the given words (text, confidence), in one line."""

    def __init__(self, words: list[tuple[str, float]]) -> None:
        super().__init__(" ".join(text for text, _ in words), rotation=(0, 15.0))
        self.scripted = words

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        result = super().recognise(image, dpi=dpi)
        words = [
            w.model_copy(update={"confidence": c})
            for w, (_, c) in zip(result.words, self.scripted, strict=True)
        ]
        return EngineResult(result.text, words, sum(c for _, c in self.scripted) / len(words))


def _source(size: tuple[int, int] = (300, 200), dpi: int | None = 300) -> SourcePage:
    return SourcePage(number=2, image=Image.new("RGB", size, "white"), dpi=dpi)


def test_page_carries_text_words_size_and_quality() -> None:
    engine = RecordingEngine("Số: 12/QĐ-UBND\nHà Nội", confidence=88.0, rotation=(0, 15.0))
    page = ocr_page(_source(), engine)
    assert engine.seen == ("L", (300, 200), 300)
    assert (page.number, page.width, page.height, page.dpi) == (2, 300, 200, 300)
    assert page.text == "Số: 12/QĐ-UBND\nHà Nội"
    assert [word.text for word in page.words] == ["Số:", "12/QĐ-UBND", "Hà", "Nội"]
    assert (page.confidence, page.quality) == (88.0, 0.88)
    assert (page.needs_review, page.review_reasons) == (False, [])


@pytest.mark.parametrize(
    ("text", "confidence", "reason"),
    [("mờ nhòe", 41.0, "low OCR confidence (41 < 60)"), ("", 0.0, "no text recognised")],
)
def test_doubtful_pages_need_review(text: str, confidence: float, reason: str) -> None:
    page = ocr_page(_source(), FixedTextEngine(text, confidence=confidence))
    assert (page.needs_review, page.review_reasons) == (True, [reason])
    assert page.quality == pytest.approx(confidence / 100)


def test_noise_words_are_dropped_and_foreign_letters_replaced() -> None:
    engine = ScriptedEngine(
        [("Quyết", 95), ("đinh", 90), ('"ẽ:..Ỏẳằ', 12), ("thöng", 80), ("—_", 30), ("báo", 93)]
    )
    page = ocr_page(_source(), engine)
    # "đinh" (confidence 90) is put right by the diacritic correction: "quyết định" is a word
    assert [word.text for word in page.words] == ["Quyết", "định", "thông", "báo"]
    assert page.text == "Quyết định thông báo"
    assert page.confidence == pytest.approx((95 + 90 + 80 + 93) / 4)


def test_page_text_joins_hyphenated_line_ends() -> None:
    page = ocr_page(_source(), FixedTextEngine("chủ nghĩa Mác-\nLênin", rotation=(0, 15.0)))
    assert page.text == "chủ nghĩa Mác-Lênin"


def test_confident_orientation_is_applied_and_boxes_come_back_to_the_scan() -> None:
    engine = RecordingEngine("Điều 1", rotation=(90, 9.5))
    page = ocr_page(_source((300, 200)), engine)
    assert engine.seen[1] == (200, 300)  # the engine read the page upright
    assert (page.orientation, page.orientation_confidence) == (90, 9.5)
    assert (page.width, page.height) == (300, 200)  # the page as scanned
    upright_words = engine.recognise(Image.new("L", (200, 300))).words
    assert [word.box for word in page.words] == [
        box_to_original(word.box, 90, (300, 200)) for word in upright_words
    ]


def test_unsure_orientation_is_not_applied_when_both_readings_agree() -> None:
    engine = RecordingEngine("Điều 1", rotation=(180, 1.0))
    page = ocr_page(_source((300, 200)), engine)
    assert engine.calls == 2  # read both ways: the same text, so orientation does not matter
    assert (page.orientation, page.orientation_confidence) == (0, 1.0)
    assert page.review_reasons == []


class UprightOnlyEngine(FixedTextEngine):
    """Reads Vietnamese only when the dark mark is at the top left, garbage otherwise; its OSD
    cannot tell."""

    def __init__(self) -> None:
        super().__init__("", rotation=(0, 0.4))

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        mark_top_left = np.asarray(image)[:40, :40].mean() < 128
        self.text = "Quyết định thành lập Tổ công tác" if mark_top_left else "ỏ:;ằ Tlie qnick"
        return super().recognise(image, dpi=dpi)


def test_unsure_orientation_is_settled_by_reading_both_ways() -> None:
    scanned = Image.new("L", (300, 200), 255)
    scanned.paste(0, (260, 160, 300, 200))  # the mark at the bottom right: upside down
    page = ocr_page(SourcePage(number=1, image=scanned, dpi=300), UprightOnlyEngine())
    assert page.orientation == 180
    assert page.text == "Quyết định thành lập Tổ công tác"
    assert page.review_reasons == []  # the comparison was decisive


class TurnCountingEngine(FixedTextEngine):
    """Vietnamese when the dark mark is at the top left, English-like garbage otherwise; its
    OSD says `rotation`; counts recognition passes and OSD calls."""

    def __init__(self, rotation: tuple[int, float]) -> None:
        super().__init__("", rotation=rotation)
        self.reads = self.osd_calls = 0

    def recognise(self, image: Image.Image, *, dpi: int | None = None) -> EngineResult:
        self.reads += 1
        upright = np.asarray(image)[:40, :40].mean() < 128
        self.text = (
            "Quyết định thành lập Tổ công tác số hóa tài liệu lưu trữ"
            if upright
            else "Tlie qnick hrown fox jnmps ovcr tbe lazv dog"
        )
        return super().recognise(image, dpi=dpi)

    def orientation(self, image: Image.Image) -> tuple[int, float]:
        self.osd_calls += 1
        return super().orientation(image)


def _upside_down_page() -> SourcePage:
    scanned = Image.new("L", (300, 200), 255)
    scanned.paste(0, (260, 160, 300, 200))
    return SourcePage(number=2, image=scanned, dpi=300)


def test_a_reading_the_validator_rejects_is_not_stored_before_the_other_turn_is_read() -> None:
    engine = TurnCountingEngine(rotation=(0, 15.0))  # OSD sure, and wrong
    result = process_page(_upside_down_page(), engine)
    assert result.page.orientation == 180
    assert result.page.text.startswith("Quyết định")
    assert engine.reads == 2 and result.orientation_known


def test_the_document_orientation_is_tried_first_and_saves_the_osd_and_a_second_read() -> None:
    engine = TurnCountingEngine(rotation=(0, 0.5))
    result = process_page(_upside_down_page(), engine, orientation_hint=180)
    assert result.page.orientation == 180
    assert (engine.reads, engine.osd_calls) == (1, 0)


def test_a_validated_first_reading_is_the_only_one() -> None:
    upright = Image.new("L", (300, 200), 255)
    upright.paste(0, (0, 0, 40, 40))
    engine = TurnCountingEngine(rotation=(0, 0.5))  # OSD unsure
    result = process_page(SourcePage(number=1, image=upright, dpi=300), engine)
    assert (result.page.orientation, engine.reads) == (0, 1)


def test_document_orientation_is_the_commonest_settled_one() -> None:
    document = DocumentOrientation()
    assert document.hint is None
    engine = TurnCountingEngine(rotation=(0, 15.0))
    for _ in range(2):
        document.add(process_page(_upside_down_page(), engine))
    assert document.hint == 180


def test_steps_are_recorded_for_each_page() -> None:
    result = process_page(_source(), RecordingEngine("Điều 1", rotation=(0, 15.0)))
    names = [step.name for step in result.steps]
    assert names[0] == "colour" and "deskew" in names and names[-2:] == ["recognise", "text"]


def test_engine_errors_pass_through() -> None:
    with pytest.raises(OcrTimeout):
        ocr_page(_source(), FailingEngine(OcrTimeout("page took too long")))


def test_page_without_pixels_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"no pixels \(0x0\)"):
        ocr_page(SourcePage(number=1, image=Image.new("L", (0, 0)), dpi=300), FixedTextEngine("x"))


# --- real Tesseract on corpus pages ----------------------------------------------------------------


def _gt_box(name: str, text: str, degrees: int) -> tuple[int, int, int, int]:
    """Where a ground-truth line lies on the scan: its clean-render bbox turned `degrees` clockwise."""
    lines = json.loads((CORPUS_FIXTURES / "gt" / f"{name}.lines.json").read_text(encoding="utf-8"))
    x0, y0, x1, y1 = next(line["bbox"] for line in lines["lines"] if line["text"] == text)
    width, height = 2480, 3508  # the clean A4 render at 300 dpi
    return {
        0: (x0, y0, x1, y1),
        90: (height - y1, x0, height - y0, x1),
        180: (width - x1, height - y1, width - x0, height - y0),
    }[degrees]


def _centre_inside(page: Page, word: str, area: tuple[int, int, int, int], margin: int = 15) -> bool:
    boxes = [w.box for w in page.words if w.text == word]
    left, top, right, bottom = area
    return any(
        left - margin <= b.left + b.width / 2 <= right + margin
        and top - margin <= b.top + b.height / 2 <= bottom + margin
        for b in boxes
    )


def test_clean_page(clean_pages: list[Page]) -> None:
    (page,) = clean_pages
    truth = ground_truth("d01_qd_phutho__clean_p1")
    assert "Số: 2154/QĐ-UBND" in page.text
    assert "Điều 3. Quyết định này có hiệu lực kể từ ngày ký." in page.text
    assert unicodedata.is_normalized("NFC", page.text)
    assert cer(page.text, truth) < 0.01  # measured 0.002 (raw Tesseract: 0.008, the signature read)
    assert (page.orientation, page.width, page.height, page.dpi) == (0, 2480, 3508, 300)
    assert not page.needs_review and page.quality > 0.9
    name = "d01_qd_phutho__clean_p1"
    assert _centre_inside(page, "2154/QĐ-UBND", _gt_box(name, "Số: 2154/QĐ-UBND", 0))


def test_pdf_page_reads_like_the_image(pdf_pages: list[Page], clean_pages: list[Page]) -> None:
    (page,) = pdf_pages
    assert (page.number, page.dpi, page.width, page.height) == (1, 300, 2480, 3508)
    assert cer(page.text, ground_truth("d01_qd_phutho__clean_p1")) < 0.02
    assert cer(page.text, clean_pages[0].text) < 0.02


def test_upside_down_tiff_page_is_read_upright(tiff_pages: list[Page]) -> None:
    (page,) = tiff_pages
    name = "d06_tb_sadec__rot180_p1"
    assert page.orientation == 180
    for phrase in ("Số: 214/TB-HĐTD", "THÔNG BÁO", "Võ Thị Thanh Xuân", "Lưu trữ viên"):
        assert phrase in page.text
    assert cer(page.text, ground_truth(name)) < 0.03  # measured 0.009
    assert _centre_inside(page, "Xuân", _gt_box(name, "Võ Thị Thanh Xuân", 180))


def test_page_turned_90_degrees_is_read_upright(rot90_pages: list[Page]) -> None:
    (page,) = rot90_pages
    name = "d03_bc_mat_thaibinh__rot90_p2"
    assert page.orientation == 270  # turned 90 clockwise when scanned: 270 more brings it upright
    assert (page.width, page.height) == (3508, 2480)
    for phrase in ("CHÁNH THANH TRA", "Phạm Văn Thành", "- Như trên;"):
        assert phrase in page.text
    assert _centre_inside(page, "Thành", _gt_box(name, "Phạm Văn Thành", 90))


def test_jpeg_page(jpeg_pages: list[Page]) -> None:
    (page,) = jpeg_pages
    for phrase in ("Số: 112/GM-STTTT", "GIẤY MỜI", "Nghệ An, ngày 03 tháng 3 năm 2022"):
        assert phrase in page.text
    assert cer(page.text, ground_truth("d04_gm_nghean__jpeg_p1")) < 0.02  # measured 0.001


def test_skewed_page_is_deskewed_and_boxes_land_on_the_scan(skew_read: Read) -> None:
    (page,) = skew_read.pages
    name = "d02_cv_khan_bacninh__skew_p1"
    assert page.skew == pytest.approx(-2.68, abs=0.1)  # the corpus manifest's skew
    assert cer(page.text, ground_truth(name)) < 0.03  # measured 0.003; raw Tesseract 0.81
    # The signer's name, on the skewed scan: its clean-render box turned by the skew.
    (x0, y0, x1, y1) = _gt_box(name, "Đỗ Quang Vinh", 0)
    centre = np.array([(x0 + x1) / 2 - 1240, (y0 + y1) / 2 - 1754])
    angle = np.radians(-2.68)  # counter-clockwise on screen: y points down
    turned = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]) @ centre
    cx, cy = turned + [1240, 1754]
    assert _centre_inside(page, "Vinh", (cx - 200, cy - 40, cx + 200, cy + 40))


def test_red_seal_over_the_signer_block_is_removed(seal_read: Read) -> None:
    (page,) = seal_read.pages
    for phrase in ("CHÁNH THANH TRA", "Phạm Văn Thành"):  # raw Tesseract loses both under the seal
        assert phrase in page.text
    seal = next(step for step in seal_read.results[0].steps if step.name == "colour")
    assert seal.result["seals"] == 1
    assert bow_recall(page.text, ground_truth("d03_bc_mat_thaibinh__seal_p2")) > 0.85


def test_photocopy_reads_within_a_generous_bound(photocopy_read: Read) -> None:
    (page,) = photocopy_read.pages
    truth = ground_truth("d02_cv_khan_bacninh__photocopy_p1")
    assert cer(page.text, truth) < 0.06  # measured 0.021; raw Tesseract 0.12
    assert order_free_cer(page.text, truth) < 0.06
    steps = {step.name: step.result for step in photocopy_read.results[0].steps}
    assert steps["borders"]["borders"] >= 1 and steps["denoise"]["bilevel"] is True


@pytest.mark.parametrize("fixture", ["skew_read", "seal_read", "photocopy_read"])
def test_page_text_holds_exactly_the_page_words(fixture: str, request: pytest.FixtureRequest) -> None:
    """What the searchable PDF's text layer draws (the words) is what the text says: no word
    of the text without a box, none of the boxes left out of the text."""
    read: Read = request.getfixturevalue(fixture)
    (page,) = read.pages
    assert Counter(page.text.split()) == Counter(word.text for word in page.words)
