"""Every kind of bad scan file becomes BadInput with a reason a person can act on, never a crash."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pdf2image
import pytest
from PIL import Image

from core.errors import BadInput
from ocr.engine import FailingEngine
from ocr.load import count_pages, detect_media_type, iter_pages
from ocr.pipeline import ocr_file
from tests.ocr.badfiles import (
    corrupt_pdf,
    encrypted_pdf,
    pdf_with_pages,
    png_header_only,
    simple_pdf,
)
from tests.ocr.conftest import CLEAN_PDF, CLEAN_PNG, JPEG_PAGE

MAX_PIXELS = 200_000_000


def _load_all(path: Path, max_pixels: int = MAX_PIXELS) -> None:
    media_type = detect_media_type(path)
    count_pages(path, media_type)
    for _ in iter_pages(path, media_type, max_pixels=max_pixels):
        pass


def _write(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _truncated(source: Path, keep: float) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(source.read_bytes()[: int(source.stat().st_size * keep)])


def _copy_of(source: Path) -> Callable[[Path], None]:
    return lambda path: shutil.copyfile(source, path)


CASES = [
    pytest.param(_write(b""), "a.pdf", "file is empty (0 bytes)", id="zero-byte"),
    pytest.param(
        _write("Quyết định số 12\n".encode()), "a.pdf", "named .pdf but is plain text", id="text-as-pdf"
    ),
    pytest.param(_copy_of(JPEG_PAGE), "a.pdf", "file is named .pdf but is a JPEG image", id="jpeg-as-pdf"),
    pytest.param(_truncated(CLEAN_PDF, 0.5), "a.pdf", "PDF is damaged or incomplete", id="truncated-pdf"),
    pytest.param(_write(corrupt_pdf()), "a.pdf", "PDF is damaged or incomplete", id="corrupt-pdf"),
    pytest.param(_write(encrypted_pdf()), "a.pdf", "PDF is password-protected", id="encrypted-pdf"),
    pytest.param(_write(simple_pdf(pdf_with_pages([]))), "a.pdf", "PDF has no pages", id="0-page-pdf"),
    pytest.param(
        _write(simple_pdf(pdf_with_pages([(14400, 14400)]))),
        "a.pdf",
        "page 1 is 60000x60000 pixels",
        id="giant-pdf-page",
    ),
    pytest.param(
        _truncated(CLEAN_PNG, 0.3), "a.png", "PNG image is damaged or incomplete", id="truncated-png"
    ),
    pytest.param(
        _truncated(JPEG_PAGE, 0.3), "a.jpg", "JPEG image is damaged or incomplete", id="truncated-jpeg"
    ),
    pytest.param(
        _write(png_header_only(50000, 50000)),
        "a.png",
        "PNG image is too large to open safely (50000x50000 pixels",
        id="pixel-bomb-png",
    ),
    pytest.param(_write(png_header_only(0, 0)), "a.png", "PNG image has no pixels (0x0)", id="0x0-png"),
    pytest.param(
        _write(b"II*\x00" + b"\xff" * 60),
        "a.tif",
        "TIFF image is damaged",
        id="corrupt-tiff",
        marks=pytest.mark.filterwarnings("ignore:Corrupt EXIF data"),  # Pillow says so first
    ),
]


@pytest.mark.parametrize(("make", "name", "reason"), CASES)
def test_bad_file_is_bad_input_with_reason(
    make: Callable[[Path], None], name: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    make(path)
    with pytest.raises(BadInput, match=re.escape(reason)):
        _load_all(path)


@pytest.mark.parametrize(("make", "name", "reason"), CASES[:3] + CASES[5:6] + CASES[-3:-1])
def test_ocr_file_reports_bad_input_before_any_ocr(
    make: Callable[[Path], None], name: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    make(path)
    never = FailingEngine(AssertionError("the engine must not be reached"))
    with pytest.raises(BadInput, match=re.escape(reason)):
        list(ocr_file(path, never))


def test_encrypted_pdf_opens_with_its_password(tmp_path: Path) -> None:
    """The crafted file really is a password-protected PDF, not merely a broken one."""
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_pdf(user_password=b"secret"))
    info = pdf2image.pdfinfo_from_path(str(path), userpw="secret")
    assert info["Pages"] == 1
    assert info["Encrypted"].startswith("yes")


def test_image_over_the_configured_limit_is_refused_naming_its_size() -> None:
    with pytest.raises(BadInput, match=r"page 1 is 2480x3508 pixels \(9 megapixels\), over the limit of 1"):
        _load_all(CLEAN_PNG, max_pixels=1_000_000)


def test_multi_frame_tiff_over_the_limit_names_the_page(tmp_path: Path) -> None:
    path = tmp_path / "two.tif"
    Image.new("L", (10, 10)).save(path, save_all=True, append_images=[Image.new("L", (100, 100))])
    with pytest.raises(BadInput, match=re.escape("page 2 is 100x100 pixels")):
        _load_all(path, max_pixels=1_000)
