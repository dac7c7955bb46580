"""The searchable PDF: original images kept exactly, an invisible text layer that poppler reads
back word for word, at the words' places; streamed and deterministic."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.pdf import SearchablePdfWriter, build_searchable_pdf, encode_page_image
from schemas import Box, Page, Word
from tests.ocr.conftest import CLEAN_PNG, JPEG_PAGE

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

WORDS = [
    ("Số:", 120, 100, 70, 30),
    ("2154/QĐ-UBND", 200, 100, 230, 30),
    ("Phú", 120, 160, 60, 30),
    ("Thọ", 190, 160, 55, 30),
]


def _page(orientation: int = 0, number: int = 1) -> Page:
    words = [
        Word(text=text, confidence=95, box=Box(left=x, top=y, width=w, height=h), block=1, line=1 + y // 150)
        for text, x, y, w, h in WORDS
    ]
    return Page(number=number, text="", words=words, width=600, height=400, dpi=100, orientation=orientation)


def _blank(size: tuple[int, int] = (600, 400)) -> Image.Image:
    return Image.new("L", size, 255)


def _pdftotext(pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_text_layer_reads_back_as_the_words(tmp_path: Path) -> None:
    pdf = build_searchable_pdf([(encode_page_image(_blank(), 100), _page())])
    assert _pdftotext(pdf, tmp_path).split() == ["Số:", "2154/QĐ-UBND", "Phú", "Thọ"]


def test_words_sit_on_their_boxes(tmp_path: Path) -> None:
    pdf = build_searchable_pdf([(encode_page_image(_blank(), 100), _page())])
    html = _pdftotext(pdf, tmp_path, "-bbox")
    pattern = (
        r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" '
        r'xMax="(?P<x1>[\d.]+)" yMax="(?P<y1>[\d.]+)">(?P<word>[^<]+)</word>'
    )
    found = {
        m["word"]: tuple(float(m[k]) for k in ("x0", "y0", "x1", "y1")) for m in re.finditer(pattern, html)
    }
    scale = 72 / 100  # points per pixel at 100 dpi
    for text, x, y, w, h in WORDS:
        x0, y0, x1, y1 = found[text]
        # A word's left edge may reach back over the space before it (poppler's way).
        assert x * scale - 8 <= x0 <= x * scale + 1.5
        assert x1 == pytest.approx((x + w) * scale, abs=1.5)
        assert (y0 + y1) / 2 == pytest.approx((y + h / 2) * scale, abs=3)


def test_page_turned_when_scanned_is_shown_upright_and_still_reads(tmp_path: Path) -> None:
    page = _page(orientation=90)
    # The same words on the page as scanned (turned 90 degrees counter-clockwise: 400 x 600).
    turned = [
        w.model_copy(
            update={
                "box": Box(
                    left=w.box.top, top=600 - w.box.left - w.box.width, width=w.box.height, height=w.box.width
                )
            }
        )
        for w in page.words
    ]
    page = page.model_copy(update={"words": turned, "width": 400, "height": 600})
    pdf = build_searchable_pdf([(encode_page_image(_blank((400, 600)), 100), page)])
    assert b"/Rotate 90" in pdf
    assert _pdftotext(pdf, tmp_path).split() == ["Số:", "2154/QĐ-UBND", "Phú", "Thọ"]


def test_png_and_jpeg_pages_are_embedded_byte_for_byte(tmp_path: Path) -> None:
    with Image.open(JPEG_PAGE) as jpeg, Image.open(CLEAN_PNG) as png:
        jpeg.load()
        png.load()
        images = [encode_page_image(jpeg, 300, JPEG_PAGE), encode_page_image(png, 300, CLEAN_PNG)]
    assert images[0].filter == "DCTDecode" and images[0].data == JPEG_PAGE.read_bytes()
    assert images[1].filter == "FlateDecode" and "/Predictor 15" in images[1].decode_parms
    path = tmp_path / "two.pdf"
    path.write_bytes(build_searchable_pdf([(images[0], Page(number=1)), (images[1], Page(number=2))]))
    subprocess.run(["pdfimages", "-all", str(path), str(tmp_path / "img")], check=True)
    assert (tmp_path / "img-000.jpg").read_bytes() == JPEG_PAGE.read_bytes()
    with Image.open(tmp_path / "img-001.png") as extracted, Image.open(CLEAN_PNG) as original:
        assert np.array_equal(np.asarray(extracted), np.asarray(original))


@pytest.mark.parametrize("mode", ["1", "L", "RGB", "RGBA", "I;16", "P"])
def test_other_pages_are_embedded_losslessly(mode: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    image = (
        Image.fromarray(pixels).convert(mode)
        if mode != "I;16"
        else Image.fromarray(pixels[..., 0].astype(np.uint16) * 257)
    )
    encoded = encode_page_image(image, 150)
    path = tmp_path / "one.pdf"
    path.write_bytes(build_searchable_pdf([(encoded, Page(number=1))]))
    subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / "img")], check=True)
    with Image.open(tmp_path / "img-000.png") as extracted:
        if mode == "1":
            expected = np.asarray(image.convert("L"))
        elif mode in ("L", "I;16"):
            expected = pixels[..., 0] if mode == "I;16" else np.asarray(image)
        else:
            expected = np.asarray(image.convert("RGB"))
        assert np.array_equal(np.asarray(extracted.convert("L" if expected.ndim == 2 else "RGB")), expected)


def test_writer_streams_pages_and_output_is_deterministic() -> None:
    buffer = io.BytesIO()
    writer = SearchablePdfWriter(buffer)
    sizes = []
    for number in (1, 2, 3):
        writer.add_page(encode_page_image(_blank(), 100), _page(number=number))
        sizes.append(buffer.tell())
    assert sizes[0] < sizes[1] < sizes[2]  # each page is written as it comes
    writer.close()
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.add_page(encode_page_image(_blank(), 100), _page())
    again = build_searchable_pdf([(encode_page_image(_blank(), 100), _page(number=n)) for n in (1, 2, 3)])
    assert buffer.getvalue() == again
    info = subprocess.run(["pdfinfo", "-"], input=again, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Pages:\s+3\n", info) and re.search(r"Page size:\s+432 x 288 pts", info)
