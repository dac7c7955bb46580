"""The searchable PDF grafted onto the original: its pages (or the chosen ones, in the chosen
order) kept as they are, images never re-encoded, an invisible text layer that poppler reads back
word for word at the words' places; image originals embedded without growth."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from core.errors import BadInput
from ocr.load import JPEG, PDF, PDF_DPI, PNG, TIFF
from ocr.searchable_pdf import write_searchable_pdf
from schemas import Box, Page, Word
from tests.ocr.conftest import CLEAN_PDF, CLEAN_PNG, PHOTOCOPY_PNG, ROT90_PNG, ROT180_TIFF, SEAL_PNG, SKEW_PNG
from tests.support import CORPUS_FIXTURES

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

FONT = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 34)
SIZE = (1000, 1300)  # pixels of an upright page at PDF_DPI (300): 240 x 312 points

LINES = {
    1: ["ỦY BAN NHÂN DÂN", "Quyết định số 15/QĐ-UBND", "về việc cấp giấy chứng nhận"],
    2: ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"],
    3: ["Nơi nhận: Sở Tư pháp", "Chủ tịch Nguyễn Văn Phúc", "Số hồ sơ 2154/HS-TTHC"],
}


def _render(
    lines: list[str], size: tuple[int, int] = SIZE, mode: str = "L"
) -> tuple[Image.Image, list[Word]]:
    """An upright page with `lines` of text, and its words with their boxes, as the OCR reads them."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    words = []
    for number, line in enumerate(lines, start=1):
        x, y = 80, 100 + 120 * number
        for text in line.split():
            left, top, right, bottom = draw.textbbox((x, y), text, font=FONT)
            draw.text((x, y), text, font=FONT, fill=0)
            box = Box(left=left, top=top, width=right - left, height=bottom - top)
            words.append(Word(text=text, confidence=90, box=box, block=1, line=number))
            x = right + 22
    return (image.convert("1") if mode == "1" else image.convert(mode)), words


def _page(number: int, words: list[Word], size: tuple[int, int] = SIZE, **extra: object) -> Page:
    text = "\n".join(" ".join(w.text for w in words if w.line == n) for n in sorted({w.line for w in words}))
    fields = {
        "number": number,
        "text": text,
        "words": words,
        "width": size[0],
        "height": size[1],
        "dpi": PDF_DPI,
    }
    return Page(**{**fields, **extra})


def _corpus_words(name: str) -> list[Word]:
    """A corpus page's words, as many and as placed as an OCR finds them: its ground-truth
    lines, each cut into words by their share of the line's characters."""
    lines = json.loads((CORPUS_FIXTURES / "gt" / f"{name}.lines.json").read_text(encoding="utf-8"))["lines"]
    words = []
    for number, line in enumerate(lines, start=1):
        x0, y0, x1, y1 = line["bbox"]
        per_char, start = (x1 - x0) / max(len(line["text"]), 1), 0
        for text in line["text"].split(" "):
            box = Box(
                left=round(x0 + start * per_char), top=y0, width=round(len(text) * per_char), height=y1 - y0
            )
            words.append(Word(text=text, confidence=90, box=box, block=1, line=number))
            start += len(text) + 1
    return [word for word in words if word.text]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _at_300_dpi(width: int, height: int, _dpi: object) -> tuple[float, float, float, float]:
    return width * 72 / 300, height * 72 / 300, width * 72 / 300, height * 72 / 300


def _three_page_pdf(path: Path) -> dict[int, Page]:
    """Page 1 grayscale with a CropBox inside its MediaBox; page 2 bilevel (G4); page 3 stored
    turned a quarter counter-clockwise, shown upright by /Rotate 90, its MediaBox away from 0 0.
    Returns the pages as the OCR reads them (boxes in pixels of the page poppler renders)."""
    images, pages = [], {}
    for number, mode in ((1, "L"), (2, "1"), (3, "L")):
        image, words = _render(LINES[number], mode=mode)
        pages[number] = _page(number, words)
        stored = image.rotate(90, expand=True) if number == 3 else image
        images.append(_tiff_g4(stored) if mode == "1" else _png(stored))
    pdf = pikepdf.open(io.BytesIO(img2pdf.convert(images, layout_fun=_at_300_dpi)))
    first = pdf.pages[0].obj
    first.CropBox = pikepdf.Array([20, 30, 220, 280])
    third = pdf.pages[2].obj
    width, height = float(third.MediaBox[2]), float(third.MediaBox[3])
    third.MediaBox = pikepdf.Array([100, 200, 100 + width, 200 + height])
    third.Contents = pdf.make_stream(b"q %.4f 0 0 %.4f 100 200 cm /Im0 Do Q" % (width, height))
    third.Rotate = 90
    pdf.save(path)
    return pages


def _tiff_g4(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", compression="group4", dpi=(300, 300))
    return buffer.getvalue()


def _text(path: Path, page: int | None = None, *options: str) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(["pdftotext", *pages, *options, str(path), "-"], capture_output=True, check=True)
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def _words(page: Page) -> list[str]:
    return [word.text for word in page.words]


def _images(path: Path) -> list[tuple[str, bytes]]:
    """(filter, raw stream bytes) of every image in the file, page by page."""
    with pikepdf.open(path) as pdf:
        found = []
        for page in pdf.pages:
            for _, image in page.images.items():
                kind = image.get("/Filter")
                kind = kind[0] if isinstance(kind, pikepdf.Array) and len(kind) == 1 else kind
                found.append((str(kind), image.read_raw_bytes()))
        return found


def _look(path: Path, page: int) -> bytes:
    """The page as poppler shows it (grey, 50 dpi)."""
    command = ["pdftoppm", "-r", "50", "-gray", "-f", str(page), "-l", str(page), str(path)]
    return subprocess.run(command, capture_output=True, check=True).stdout


def _g4_strips(path: Path) -> list[bytes]:
    """Each frame's CCITT data, of a TIFF whose frames are one strip each."""
    data, strips = path.read_bytes(), []
    with Image.open(path) as image:
        for frame in range(image.n_frames):
            image.seek(frame)
            (offset,), (length,) = image.tag_v2[273], image.tag_v2[279]  # StripOffsets, StripByteCounts
            strips.append(data[offset : offset + length])
    return strips


def _bbox(path: Path, page: int) -> dict[str, tuple[float, float, float, float]]:
    html = _text(path, page, "-bbox")
    pattern = (
        r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" '
        r'xMax="(?P<x1>[\d.]+)" yMax="(?P<y1>[\d.]+)">(?P<word>[^<]+)</word>'
    )
    return {
        m["word"]: tuple(float(m[k]) for k in ("x0", "y0", "x1", "y1")) for m in re.finditer(pattern, html)
    }


def test_chosen_pdf_pages_come_out_in_order_with_their_text_and_images_untouched(tmp_path: Path) -> None:
    original, out = tmp_path / "dossier.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    write_searchable_pdf(original, PDF, [pages[3], pages[1]], out, source_pages=[3, 1])
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2
        assert int(pdf.pages[0].obj.Rotate) == 90 and "/Rotate" not in pdf.pages[1].obj
    assert _text(out, 1).split() == _words(pages[3])
    assert _text(out, 2).split() == _words(pages[1])
    # The images are the original's streams, byte for byte; the bilevel page 2 is left out.
    assert _images(out) == [_images(original)[2], _images(original)[0]]
    # And the pages look exactly as they did: the text layer draws nothing.
    assert _look(out, 1) == _look(original, 3) and _look(out, 2) == _look(original, 1)


def test_whole_pdf_grows_by_the_text_layer_only(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    write_searchable_pdf(original, PDF, [pages[1], pages[2], pages[3]], out)
    assert out.stat().st_size <= 1.1 * original.stat().st_size
    assert _images(out) == _images(original)
    assert [f for f, _ in _images(out)] == ["/FlateDecode", "/CCITTFaxDecode", "/FlateDecode"]
    for number in (1, 2, 3):
        assert _text(out, number).split() == _words(pages[number])


def test_words_sit_on_their_boxes_on_a_turned_page_with_an_offset_mediabox(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    write_searchable_pdf(original, PDF, [pages[3]], out, source_pages=[3])
    found = _bbox(out, 1)
    scale = 72 / PDF_DPI
    for word in pages[3].words:
        x0, y0, x1, y1 = found[word.text]
        box = word.box
        # A word's left edge may reach back over the space before it (poppler's way).
        assert box.left * scale - 8 <= x0 <= box.left * scale + 1.5
        assert x1 == pytest.approx((box.left + box.width) * scale, abs=1.5)
        assert (y0 + y1) / 2 == pytest.approx((box.top + box.height / 2) * scale, abs=3)


def test_words_follow_the_cropbox_when_the_page_was_rendered_cropped(tmp_path: Path) -> None:
    """Boxes measured on the CropBox render (pdf2image use_cropbox) are told apart by the size."""
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    _three_page_pdf(original)
    image, words = _render(["Giấy chứng nhận", "quyền sử dụng đất"], size=(834, 1042))
    cropped = _page(1, words, size=(834, 1042))  # 200 x 250 points of the CropBox at 300 dpi
    write_searchable_pdf(original, PDF, [cropped], out)
    found = _bbox(out, 1)  # pdftotext measures from the MediaBox's top left: 20 and 32 points off
    scale = 72 / PDF_DPI
    for word in words:
        _, y0, x1, y1 = found[word.text]
        assert x1 == pytest.approx(20 + (word.box.left + word.box.width) * scale, abs=1.5)
        assert (y0 + y1) / 2 == pytest.approx(32 + (word.box.top + word.box.height / 2) * scale, abs=3)


def test_words_sit_on_their_boxes_on_an_image_page_of_its_own_resolution(tmp_path: Path) -> None:
    """An image original at 100 dpi: the page is as large as the file says, the words scaled with it."""
    original, out = tmp_path / "page.png", tmp_path / "document.pdf"
    placed = [
        ("Số:", 120, 100, 70, 30),
        ("2154/QĐ-UBND", 200, 100, 230, 30),
        ("Phú", 120, 160, 60, 30),
        ("Thọ", 190, 160, 55, 30),
    ]
    words = [
        Word(text=text, confidence=95, box=Box(left=x, top=y, width=w, height=h), block=1, line=1 + y // 150)
        for text, x, y, w, h in placed
    ]
    Image.new("L", (600, 400), 255).save(original, dpi=(100, 100))
    write_searchable_pdf(original, PNG, [_page(1, words, size=(600, 400), dpi=100)], out)
    with pikepdf.open(out) as pdf:
        assert [float(v) for v in pdf.pages[0].mediabox] == [0, 0, 432, 288]
    assert _text(out).split() == ["Số:", "2154/QĐ-UBND", "Phú", "Thọ"]
    found = _bbox(out, 1)
    scale = 72 / 100  # points per pixel at 100 dpi
    for text, x, y, w, h in placed:
        x0, y0, x1, y1 = found[text]
        # A word's left edge may reach back over the space before it (poppler's way).
        assert x * scale - 8 <= x0 <= x * scale + 1.5
        assert x1 == pytest.approx((x + w) * scale, abs=1.5)
        assert (y0 + y1) / 2 == pytest.approx((y + h / 2) * scale, abs=3)


def test_a_page_the_ocr_found_turned_is_shown_upright(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    # Page 1 as if it had been scanned upside down: the OCR turned it 180 degrees to read it.
    upside = [
        w.model_copy(
            update={
                "box": Box(
                    left=SIZE[0] - w.box.left - w.box.width,
                    top=SIZE[1] - w.box.top - w.box.height,
                    width=w.box.width,
                    height=w.box.height,
                )
            }
        )
        for w in pages[1].words
    ]
    turned = pages[1].model_copy(update={"words": upside, "orientation": 180})
    third = pages[3].model_copy(update={"orientation": 90})
    write_searchable_pdf(original, PDF, [turned, third], out, source_pages=[1, 3])
    with pikepdf.open(out) as pdf:
        assert [int(p.obj.get("/Rotate", 0)) for p in pdf.pages] == [180, 180]
    assert _text(out, 1).split() == _words(pages[1])


def test_page_without_words_is_kept_image_only(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    blank = Page(number=2, width=SIZE[0], height=SIZE[1], dpi=PDF_DPI)
    write_searchable_pdf(original, PDF, [pages[1], blank], out, source_pages=[1, 2])
    assert _text(out, 2).strip() == ""
    assert _text(out, 1).split() == _words(pages[1])
    with pikepdf.open(out) as pdf:
        assert "/OCRText" not in pdf.pages[1].obj.Resources.XObject


def test_vietnamese_text_round_trips_in_nfc_and_reading_order(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    write_searchable_pdf(original, PDF, [pages[1]], out, source_pages=[1])
    text = _text(out)
    assert "Quyết định số 15/QĐ-UBND" in text
    assert " ".join(text.split()) == " ".join(pages[1].text.split())
    assert unicodedata.is_normalized("NFC", text)


def test_pages_sharing_an_image_share_it_in_the_output(tmp_path: Path) -> None:
    original, out = tmp_path / "twice.pdf", tmp_path / "document.pdf"
    image, words = _render(LINES[1])
    pdf = pikepdf.open(io.BytesIO(img2pdf.convert([_png(image)], layout_fun=_at_300_dpi)))
    pdf.pages.append(pdf.pages[0])
    pdf.pages[1].obj.Resources = pdf.pages[0].obj.Resources  # both pages draw the one image
    pdf.pages[1].obj.Contents = pdf.pages[0].obj.Contents
    pdf.save(original)
    write_searchable_pdf(original, PDF, [_page(1, words), _page(2, words)], out, source_pages=[1, 2])
    with pikepdf.open(out) as result:
        images = {image.objgen for page in result.pages for _, image in page.images.items()}
    assert len(images) == 1
    assert out.stat().st_size < original.stat().st_size + len(_images(original)[0][1]) / 2
    assert _text(out, 2).split() == _words(_page(2, words))


def test_output_is_deterministic(tmp_path: Path) -> None:
    original = tmp_path / "scan.pdf"
    pages = _three_page_pdf(original)
    for name in ("a.pdf", "b.pdf"):
        write_searchable_pdf(original, PDF, [pages[2], pages[3]], tmp_path / name, source_pages=[2, 3])
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_multi_page_g4_tiff_keeps_its_g4_data_and_size(tmp_path: Path) -> None:
    """A photocopy page (bilevel, 337 words) three times: the text layer is the only growth."""
    original, out = tmp_path / "scan.tif", tmp_path / "document.pdf"
    with Image.open(PHOTOCOPY_PNG) as image:
        frames = [image.copy(), image.rotate(180), image.copy()]
    frames[0].save(
        original,
        save_all=True,
        append_images=frames[1:],
        compression="group4",
        dpi=(300, 300),
        strip_size=1 << 30,
    )
    words = _corpus_words("d02_cv_khan_bacninh__photocopy_p1")
    pages = [_page(number, words, size=frames[0].size) for number in (1, 2, 3)]
    write_searchable_pdf(original, TIFF, pages, out)
    assert out.stat().st_size <= 1.1 * original.stat().st_size
    assert _images(out) == [("/CCITTFaxDecode", strip) for strip in _g4_strips(original)]  # passed through
    for number in (1, 2, 3):  # poppler reads the two header columns one after the other
        assert sorted(_text(out, number).split()) == sorted(_words(pages[number - 1]))
    # One frame cut out of the file: still G4, still its text.
    write_searchable_pdf(original, TIFF, [pages[1]], out, source_pages=[2])
    assert [f for f, _ in _images(out)] == ["/CCITTFaxDecode"]
    assert sorted(_text(out).split()) == sorted(_words(pages[1]))


def test_bilevel_tiff_not_in_g4_is_encoded_g4(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.tif", tmp_path / "document.pdf"
    image, words = _render(LINES[2], mode="1")
    image.save(original, compression="packbits", dpi=(300, 300))
    write_searchable_pdf(original, TIFF, [_page(1, words)], out)
    assert [f for f, _ in _images(out)] == ["/CCITTFaxDecode"]
    assert out.stat().st_size <= 1.1 * original.stat().st_size


def test_jpeg_is_embedded_with_its_own_bytes_and_its_exif_turn(tmp_path: Path) -> None:
    original, out = tmp_path / "photo.jpg", tmp_path / "document.pdf"
    upright, words = _render(LINES[1], mode="RGB")
    stored = upright.rotate(90, expand=True)  # EXIF 6: turn 90 degrees clockwise to show
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(original, quality=80, dpi=(300, 300), exif=exif)
    write_searchable_pdf(original, JPEG, [_page(1, words)], out)
    assert _images(out) == [("/DCTDecode", original.read_bytes())]
    with pikepdf.open(out) as pdf:
        assert int(pdf.pages[0].obj.Rotate) == 90
    assert _text(out).split() == _words(_page(1, words))
    assert out.stat().st_size <= 1.1 * original.stat().st_size


def test_png_page_keeps_its_compressed_data(tmp_path: Path) -> None:
    out = tmp_path / "document.pdf"
    with Image.open(CLEAN_PNG) as image:
        size = image.size
    words = [Word(text="Quyết", confidence=90, box=Box(left=200, top=300, width=150, height=40), line=1)]
    write_searchable_pdf(CLEAN_PNG, PNG, [_page(1, words, size=size)], out)
    assert out.stat().st_size <= 1.1 * CLEAN_PNG.stat().st_size
    assert _text(out).split() == ["Quyết"]


def test_damaged_or_locked_pdf_is_bad_input(tmp_path: Path) -> None:
    garbage, locked, out = tmp_path / "garbage.pdf", tmp_path / "locked.pdf", tmp_path / "document.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(BadInput, match="PDF is damaged"):
        write_searchable_pdf(garbage, PDF, [Page(number=1)], out)
    pages = _three_page_pdf(tmp_path / "scan.pdf")
    with pikepdf.open(tmp_path / "scan.pdf") as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    with pytest.raises(BadInput, match="password"):
        write_searchable_pdf(locked, PDF, [pages[1]], out)
    assert not out.exists()


def test_damaged_image_is_bad_input(tmp_path: Path) -> None:
    broken, out = tmp_path / "broken.png", tmp_path / "document.pdf"
    broken.write_bytes(CLEAN_PNG.read_bytes()[:3000])
    with pytest.raises(BadInput, match="PNG image"):
        write_searchable_pdf(broken, PNG, [Page(number=1)], out)


def test_pages_and_page_numbers_must_agree(tmp_path: Path) -> None:
    original, out = tmp_path / "scan.pdf", tmp_path / "document.pdf"
    pages = _three_page_pdf(original)
    with pytest.raises(ValueError, match="no page 4"):
        write_searchable_pdf(original, PDF, [pages[1]], out, source_pages=[4])
    with pytest.raises(ValueError, match="source page numbers"):
        write_searchable_pdf(original, PDF, [pages[1], pages[2]], out, source_pages=[1])


@pytest.mark.parametrize(
    ("fixture", "original", "media_type"),
    [
        ("pdf_pages", CLEAN_PDF, PDF),
        ("tiff_pages", ROT180_TIFF, TIFF),
        ("rot90_pages", ROT90_PNG, PNG),
        ("skew_read", SKEW_PNG, PNG),
        ("seal_read", SEAL_PNG, PNG),
        ("photocopy_read", PHOTOCOPY_PNG, PNG),
    ],
)
def test_pages_read_by_tesseract_extract_to_their_words(
    fixture: str, original: Path, media_type: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The real thing: corpus files OCR'd by the project's engine (a PDF, a TIFF scanned upside
    down, a page turned a quarter, a skewed page, a red seal, a photocopy), their words laid
    over the original."""
    value = request.getfixturevalue(fixture)
    pages = value.pages if hasattr(value, "pages") else value
    out = tmp_path / "document.pdf"
    write_searchable_pdf(original, media_type, pages, out)
    assert out.stat().st_size <= 1.1 * original.stat().st_size
    assert len(_images(out)) == len(pages)  # one image a page: the layer draws none
    with pikepdf.open(out) as pdf:
        assert [int(p.obj.get("/Rotate", 0)) for p in pdf.pages] == [p.orientation for p in pages]
    for number, page in enumerate(pages, start=1):
        assert Counter(_text(out, number).split()) == Counter(word.text for word in page.words)


@pytest.mark.parametrize(
    ("mode", "kind", "compression"),
    [
        ("1", "PNG", None),
        ("L", "PNG", None),
        ("RGB", "PNG", None),
        ("RGBA", "PNG", None),
        ("P", "PNG", None),
        ("L", "TIFF", "tiff_deflate"),
        ("RGB", "TIFF", "tiff_lzw"),
        ("CMYK", "TIFF", "tiff_lzw"),
        ("PA", "TIFF", "tiff_deflate"),
        ("I;16", "TIFF", "tiff_deflate"),
    ],
)
def test_image_pages_of_any_mode_are_embedded_losslessly(
    mode: str, kind: str, compression: str | None, tmp_path: Path
) -> None:
    image, words = _render(LINES[2])
    if mode == "I;16":
        image = Image.fromarray(np.asarray(image).astype(np.uint16) * 257)
    elif mode in ("RGBA", "PA"):
        image = image.convert(mode)
        image.putalpha(255)
    else:
        image = image.convert(mode)
    original, out = tmp_path / f"page.{kind.lower()}", tmp_path / "document.pdf"
    image.save(original, format=kind, **({"compression": compression} if compression else {}))
    write_searchable_pdf(original, TIFF if kind == "TIFF" else PNG, [_page(1, words)], out)
    assert _text(out).split() == _words(_page(1, words))
    subprocess.run(["pdfimages", "-png", str(out), str(tmp_path / "img")], check=True)
    with Image.open(tmp_path / "img-000.png") as extracted:
        shown = np.asarray(extracted.convert("L")).astype(int)
    as_grey = _render(LINES[2])[0] if mode == "I;16" else image.convert("RGB").convert("L")
    # Poppler and Pillow turn CMYK into grey by different formulas; every other mode is exact.
    assert np.abs(shown - np.asarray(as_grey).astype(int)).max() <= (40 if mode == "CMYK" else 1)


def test_mirrored_jpeg_is_embedded_as_the_ocr_saw_it(tmp_path: Path) -> None:
    original, out = tmp_path / "mirrored.jpg", tmp_path / "document.pdf"
    upright, words = _render(LINES[1], mode="RGB")
    exif = Image.Exif()
    exif[0x0112] = 2  # mirrored left to right: no /Rotate shows it, so it is embedded upright
    upright.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(original, quality=90, exif=exif, dpi=(300, 300))
    write_searchable_pdf(original, JPEG, [_page(1, words)], out)
    assert [f for f, _ in _images(out)] == ["/FlateDecode"]
    assert _text(out).split() == _words(_page(1, words))
