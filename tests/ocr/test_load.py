"""File type detection, page counting and page loading, on corpus files and crafted ones."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from core.errors import BadInput
from ocr.load import JPEG, PDF, PNG, TIFF, count_pages, detect_media_type, iter_pages
from tests.ocr.badfiles import pdf_with_pages, simple_pdf
from tests.ocr.conftest import CLEAN_PDF, CLEAN_PNG, JPEG_PAGE, ROT180_TIFF

MAX_PIXELS = 200_000_000


def _copy(source: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(source, target)
    return target


@pytest.mark.parametrize(
    ("source", "name", "media_type"),
    [
        (CLEAN_PDF, "a.pdf", PDF),
        (CLEAN_PDF, "a.PDF", PDF),
        (ROT180_TIFF, "a.tif", TIFF),
        (ROT180_TIFF, "a.tiff", TIFF),
        (JPEG_PAGE, "a.jpg", JPEG),
        (JPEG_PAGE, "a.JPEG", JPEG),
        (CLEAN_PNG, "a.png", PNG),
        (CLEAN_PNG, "scan-0001", PNG),  # no suffix: the content decides
        (CLEAN_PDF, "QĐ 2154.2019", PDF),  # a dot in the name is not a type claim
    ],
)
def test_detects_type_by_content(source: Path, name: str, media_type: str, tmp_path: Path) -> None:
    assert detect_media_type(_copy(source, tmp_path, name)) == media_type


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (b"", "a.pdf", "file is empty (0 bytes)"),
        ("Biên bản họp ngày 12/9/2019\n".encode(), "a.pdf", "named .pdf but is plain text"),
        (b"GIF89a\x01\x00\x01\x00", "a.gif", "a GIF image: unsupported"),
        (b"PK\x03\x04" + b"\x00" * 40, "a.docx", "ZIP archive"),
        (b"<!DOCTYPE html><html></html>", "a.htm", "an HTML page"),
        (b"\x00\x01\x02\x03\xfe\xff" * 4, "a.bin", "unrecognised binary data (starts with 00 01"),
    ],
)
def test_unsupported_content_is_bad_input(content: bytes, name: str, reason: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInput, match=re.escape(reason)):
        detect_media_type(path)


@pytest.mark.parametrize(
    ("source", "name", "reason"),
    [
        (JPEG_PAGE, "a.pdf", "file is named .pdf but is a JPEG image"),
        (CLEAN_PDF, "a.png", "file is named .png but is a PDF document"),
        (CLEAN_PNG, "a.tif", "file is named .tif but is a PNG image"),
        (CLEAN_PDF, "a.docx", "file is named .docx but is a PDF document"),
    ],
)
def test_name_not_matching_content_is_bad_input(source: Path, name: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=re.escape(reason)):
        detect_media_type(_copy(source, tmp_path, name))


def test_counts_pages_of_each_type(tmp_path: Path) -> None:
    three = tmp_path / "three.pdf"
    three.write_bytes(simple_pdf(pdf_with_pages([(72, 72)] * 3)))
    assert count_pages(three, PDF) == 3
    assert count_pages(CLEAN_PDF, PDF) == 1
    assert count_pages(ROT180_TIFF, TIFF) == 1
    assert count_pages(_multi_frame_tiff(tmp_path), TIFF) == 3
    assert count_pages(JPEG_PAGE, JPEG) == 1
    assert count_pages(CLEAN_PNG, PNG) == 1


def test_pdf_page_is_rendered_at_300_dpi() -> None:
    (page,) = iter_pages(CLEAN_PDF, PDF, max_pixels=MAX_PIXELS)
    assert (page.number, page.dpi) == (1, 300)
    assert page.image.size == (2480, 3508)  # A4 at 300 dpi


def test_pdf_pages_are_rendered_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "three.pdf"
    path.write_bytes(simple_pdf(pdf_with_pages([(72, 72), (144, 72), (72, 144)])))
    pages = iter_pages(path, PDF, max_pixels=MAX_PIXELS)
    first = next(pages)
    assert (first.number, first.image.size) == (1, (300, 300))
    # Page 2 is read from the file only when asked for: damage the file now and it shows.
    path.write_bytes(b"%PDF-1.4\n" + b"\x00" * 100)
    with pytest.raises(BadInput, match="PDF page 2 cannot be rendered: PDF is damaged"):
        next(pages)


def test_pdf_pages_come_in_order_with_their_own_sizes(tmp_path: Path) -> None:
    path = tmp_path / "three.pdf"
    path.write_bytes(simple_pdf(pdf_with_pages([(72, 72), (144, 72), (72, 144)])))
    pages = [(page.number, page.image.size) for page in iter_pages(path, PDF, max_pixels=MAX_PIXELS)]
    assert pages == [(1, (300, 300)), (2, (600, 300)), (3, (300, 600))]


def _multi_frame_tiff(tmp_path: Path) -> Path:
    path = tmp_path / "three.tif"
    frames = [Image.new("L", (30 + 10 * i, 40), 255 - i) for i in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200))
    return path


def test_tiff_frames_are_pages(tmp_path: Path) -> None:
    pages = list(iter_pages(_multi_frame_tiff(tmp_path), TIFF, max_pixels=MAX_PIXELS))
    assert [page.number for page in pages] == [1, 2, 3]
    assert [page.image.size for page in pages] == [(30, 40), (40, 40), (50, 40)]
    assert [page.image.getpixel((0, 0)) for page in pages] == [255, 254, 253]
    assert {page.dpi for page in pages} == {200}


def test_corpus_tiff_page_keeps_its_dpi() -> None:
    (page,) = iter_pages(ROT180_TIFF, TIFF, max_pixels=MAX_PIXELS)
    assert (page.number, page.dpi, page.image.size) == (1, 300, (2480, 3508))


def test_png_and_jpeg_are_one_page_with_dpi_from_the_file() -> None:
    (png,) = iter_pages(CLEAN_PNG, PNG, max_pixels=MAX_PIXELS)
    (jpeg,) = iter_pages(JPEG_PAGE, JPEG, max_pixels=MAX_PIXELS)
    assert (png.number, png.dpi, png.image.size) == (1, 300, (2480, 3508))
    assert (jpeg.number, jpeg.dpi, jpeg.image.size) == (1, 300, (2480, 3508))


def test_jpeg_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    image = Image.new("L", (40, 20), 255)
    image.paste(0, (0, 0, 10, 20))  # dark band on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    image.save(path, exif=exif, quality=95)
    (page,) = iter_pages(path, JPEG, max_pixels=MAX_PIXELS)
    assert page.image.size == (20, 40)
    assert page.image.getpixel((10, 2)) < 50  # the left band is now along the top
    assert page.image.getpixel((10, 37)) > 200


@pytest.mark.parametrize(("dpi", "expected"), [((1, 1), None), ((72, 72), 72), ((600, 600), 600)])
def test_placeholder_resolution_is_no_dpi(dpi: tuple[int, int], expected: int | None, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    Image.new("L", (20, 20), 255).save(path, dpi=dpi)
    (page,) = iter_pages(path, JPEG, max_pixels=MAX_PIXELS)
    assert page.dpi == expected


def test_image_without_resolution_has_no_dpi(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("L", (20, 20), 255).save(path)
    (page,) = iter_pages(path, PNG, max_pixels=MAX_PIXELS)
    assert page.dpi is None
