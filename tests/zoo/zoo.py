"""The bad-input zoo: a source folder of every kind of hostile or broken file, made in place.

Each entry says what ingesting it must give: the status and a fragment of the reason. Files are
crafted cheaply (headers that claim huge sizes, truncations, renamed files); the few good files
are small text images, so the whole zoo OCRs in seconds.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.ocr.badfiles import corrupt_pdf, encrypted_pdf, pdf_with_pages, png_header_only, simple_pdf
from tests.support import CLEAN_PDF, JPEG_PAGE

__all__ = ["MAX_PIXELS", "Expect", "build_zoo", "text_image", "tiff_header_only"]

MAX_PIXELS = 100_000_000  # the zoo's configured limit (SOHOA_MAX_IMAGE_PIXELS)
_FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")


@dataclass(frozen=True)
class Expect:
    status: str  # ingested, duplicate, quarantined
    reason: str = ""  # a fragment the reason must contain
    readable: bool = True  # the bytes can be read, so a copy must be kept


def text_image(text: str, size: tuple[int, int] = (900, 200)) -> Image.Image:
    """A small white page with one line of text: cheap to OCR, distinct bytes per text."""
    image = Image.new("L", size, 255)
    font = ImageFont.truetype(str(_FONT), 56) if _FONT.exists() else ImageFont.load_default(56)
    ImageDraw.Draw(image).text((30, 60), text, font=font, fill=0)
    return image


def small_pages_image(number: int) -> Image.Image:
    """A different small document for each number (its own text), so none is a re-scan."""
    from tests.ops.scans import page_image

    return page_image(f"zoo-{number}", number)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def tiff_header_only(width: int, height: int) -> bytes:
    """An 8-bit grayscale TIFF whose header claims width x height, with one byte of pixels."""
    tags = [
        (256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
        (273, 4, 8), (277, 3, 1), (278, 4, height), (279, 4, 1),
    ]  # fmt: skip
    ifd = struct.pack("<H", len(tags))
    ifd += b"".join(struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in tags)
    return b"II*\x00" + struct.pack("<I", 12) + b"\x00" * 4 + ifd + struct.pack("<I", 0)


def _pdf_with_broken_xref() -> bytes:
    """A small one-page scan PDF whose cross-reference table points at the wrong offsets:
    readers rebuild it, so the document is whole and must be ingested."""
    buffer = io.BytesIO()
    text_image("Biên bản họp số 17").save(buffer, format="PDF", resolution=300)
    pdf = buffer.getvalue()
    xref = pdf.rfind(b"xref\n")
    return pdf[:xref] + re.sub(rb"\d{10} 00000 n", b"0000000003 00000 n", pdf[xref:])


def _huge_blank_png() -> bytes:
    """12000 x 9000 (108 megapixels), white with one line: a valid image over the zoo's limit."""
    page = Image.new("1", (12000, 9000), 1)
    ImageDraw.Draw(page).rectangle((1000, 1000, 5000, 1100), fill=0)
    return _png(page)


# Good files whose names try to escape, hide or confuse (each a distinct small page).
TRICKY_NAMES = [
    "..\\..\\escape.png",  # Windows-style traversal (a backslash is a plain character here)
    "..hidden.png",
    "...png",
    "-rf.png",
    "Quyết định \u202egnp.exe.png",  # a right-to-left override hiding the real suffix
    "tab\tand\nnewline.png",  # control characters
    "Quye\u0302\u0301t định NFD.png",  # decomposed Unicode, as macOS writes names
    "Tờ trình " + "rất dài " * 20 + ".png",  # 237 bytes of UTF-8, near the 255-byte limit
]


def build_zoo(folder: Path) -> dict[str, Expect]:
    """Fill `folder`; return relative path -> what ingesting it must give."""
    sub = folder / "sub"
    sub.mkdir(parents=True)
    pdf = CLEAN_PDF.read_bytes()
    files: dict[str, tuple[bytes, Expect]] = {
        "empty.pdf": (b"", Expect("quarantined", "file is empty (0 bytes)")),
        "truncated.pdf": (pdf[: len(pdf) // 3], Expect("quarantined", "PDF is damaged or incomplete")),
        "noise.pdf": (corrupt_pdf(), Expect("quarantined", "PDF is damaged or incomplete")),
        "broken-xref.pdf": (_pdf_with_broken_xref(), Expect("ingested")),
        "locked.pdf": (encrypted_pdf(), Expect("quarantined", "PDF is password-protected")),
        "sub/locked copy.pdf": (encrypted_pdf(), Expect("quarantined", "PDF is password-protected")),
        "no-pages.pdf": (simple_pdf(pdf_with_pages([])), Expect("quarantined", "PDF has no pages")),
        "photo.pdf": (
            JPEG_PAGE.read_bytes(),
            Expect("quarantined", "file is named .pdf but is a JPEG image"),
        ),
        "notes.tif": (
            "Công văn đến số 12\n".encode(),
            Expect("quarantined", "file is named .tif but is plain text"),
        ),
        "no-header.tif": (b"II*\x00" + b"\xff" * 60, Expect("quarantined", "TIFF image is damaged")),
        "no-pixels.tif": (
            tiff_header_only(100, 100),
            Expect("quarantined", "TIFF image (page 1) is damaged or incomplete"),
        ),
        "bomb.png": (
            png_header_only(50000, 50000),
            Expect("quarantined", "too large to open safely (50000x50000 pixels"),
        ),
        "bomb.tif": (
            tiff_header_only(100000, 100000),
            Expect("quarantined", "TIFF image is too large to open safely"),
        ),
        "giant-page.pdf": (
            simple_pdf(pdf_with_pages([(14400, 14400)])),
            Expect("quarantined", "page 1 is 60000x60000 pixels"),
        ),
        "huge.png": (
            _huge_blank_png(),
            Expect("quarantined", "page 1 is 12000x9000 pixels (108 megapixels), over the limit of 100"),
        ),
    }
    for number, name in enumerate(TRICKY_NAMES, start=1):  # distinct documents, not re-scans
        files[name] = (_png(small_pages_image(number)), Expect("ingested"))
    files["sub/copy of -rf.png"] = (files["-rf.png"][0], Expect("duplicate"))  # same bytes
    for name, (content, _) in files.items():
        (folder / name).write_bytes(content)

    (folder / "loop.pdf").symlink_to("loop.pdf")  # a link to itself
    (folder / "gone.pdf").symlink_to("nowhere.pdf")  # a link to nothing
    (sub / "up").symlink_to("..", target_is_directory=True)  # a folder loop
    links = {
        "loop.pdf": Expect("quarantined", "cannot read the file: Too many levels of symbolic links", False),
        "gone.pdf": Expect("quarantined", "cannot read the file: No such file or directory", False),
        "sub/up": Expect("quarantined", "a link to a folder, not a file (not followed)", False),
    }
    return {name: expect for name, (_, expect) in files.items()} | links
