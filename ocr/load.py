"""Scan files in, page images out: type detection by content, page count, one page at a time.

PDF pages are rendered by poppler (pdf2image) one by one (a page whose images are all gray is
rendered gray: a third of the bytes of colour, the same pixels), TIFF frames are read one by one,
JPEG and PNG are one page. Whatever is wrong with a file becomes `BadInput` with a reason a person can act
on; a missing poppler becomes `MissingDependency`.
"""

from __future__ import annotations

import logging
import re
import struct
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pdf2image
from pdf2image.exceptions import (
    PDFInfoNotInstalledError,
    PDFPageCountError,
    PDFPopplerTimeoutError,
    PopplerNotInstalledError,
)
from PIL import Image, ImageOps

from core.errors import BadInput, MissingDependency, Transient

__all__ = [
    "JPEG",
    "MEDIA_TYPES",
    "PDF",
    "PDF_DPI",
    "PNG",
    "TIFF",
    "SourcePage",
    "count_pages",
    "detect_media_type",
    "iter_pages",
    "load_page",
    "page_images",
    "pdf_gray_pages",
    "pdf_page_sizes",
]

log = logging.getLogger(__name__)

PDF = "application/pdf"
TIFF = "image/tiff"
JPEG = "image/jpeg"
PNG = "image/png"
MEDIA_TYPES = (PDF, TIFF, JPEG, PNG)

PDF_DPI = 300  # PDF pages are rendered at this resolution
_POPPLER_TIMEOUT = 300  # seconds for pdfinfo / one page render
_DPI_RANGE = (50, 4800)  # a resolution outside this is a placeholder (e.g. JFIF 1x1), not a scan's
_HEAD_BYTES = 2048
_TIFF_PAGES_AT_MOST = 10_000  # a broken TIFF's page list is followed this far at most
# What Pillow raises on damaged data (UnidentifiedImageError is an OSError): a TIFF cut short
# inside a page's directory, or whose next-directory offset points past the end, gives
# TypeError("Missing dimensions"); a tag lookup on a broken directory KeyError; a zero
# denominator ZeroDivisionError. Its warnings about corrupt data are caught too, for when
# warnings are turned into errors.
_DAMAGED = (
    OSError, SyntaxError, ValueError, TypeError, KeyError, EOFError, IndexError, ZeroDivisionError,
    struct.error, Warning,
)  # fmt: skip

_DESCRIPTIONS = {PDF: "a PDF document", TIFF: "a TIFF image", JPEG: "a JPEG image", PNG: "a PNG image"}
_SUFFIX_TYPES = {
    ".pdf": PDF,
    ".tif": TIFF,
    ".tiff": TIFF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".jfif": JPEG,
    ".png": PNG,
}
# Suffixes that claim some other known format: a PDF named .docx is as mismatched as one named .png.
# Any other suffix (none, ".2019" in "QD 12.2019", ".scan") makes no claim and is not checked.
_OTHER_SUFFIXES = {
    ".bmp", ".djvu", ".doc", ".docx", ".gif", ".heic", ".htm", ".html", ".jp2", ".odt", ".rtf",
    ".txt", ".webp", ".xls", ".xlsx", ".xml", ".zip",
}  # fmt: skip
# Signatures of formats we do not take, so the reason can say what the file looks like.
_OTHER_SIGNATURES = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (b"AT&TFORM", "a DjVu document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.odt office document)"),
    (b"\xd0\xcf\x11\xe0", "a Microsoft Office document (.doc/.xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


@dataclass(frozen=True)
class SourcePage:
    """One page image as it comes out of the file, before any clean-up."""

    number: int  # 1-based
    image: Image.Image
    dpi: int | None  # from the file when it says, else None


def detect_media_type(path: Path) -> str:
    """The file's type by its content (magic bytes), checked against its name's suffix."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise BadInput(f"cannot read the file: {exc.strerror or exc}") from exc
    if not head:
        raise BadInput("file is empty (0 bytes); copy or scan it again")
    suffix = path.suffix.lower()
    media_type = _sniff(head)
    if media_type is None:
        what = _describe_other(head)
        named = f"file is named {suffix} but is" if suffix in _SUFFIX_TYPES else "file is"
        raise BadInput(f"{named} {what}: unsupported; accepted types are PDF, TIFF, JPEG and PNG")
    claimed = _SUFFIX_TYPES.get(suffix)
    if (claimed is not None and claimed != media_type) or suffix in _OTHER_SUFFIXES:
        raise BadInput(
            f"file is named {suffix} but is {_DESCRIPTIONS[media_type]}; rename it to match its content"
        )
    return media_type


def _sniff(head: bytes) -> str | None:
    if b"%PDF-" in head[:1024]:  # readers accept a little junk before the header
        return PDF
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _describe_other(head: bytes) -> str:
    for signature, description in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return description
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "a HEIC photo"
    if _is_text(head):
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if stripped.startswith((b"<!doctype html", b"<html")):
            return "an HTML page"
        if stripped.startswith(b"<?xml"):
            return "an XML document"
        return "plain text"
    return f"unrecognised binary data (starts with {head[:8].hex(' ')})"


def _is_text(head: bytes) -> bool:
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            text = head[: len(head) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    return all(ch.isprintable() or ch in "\t\n\r\f" for ch in text)


def count_pages(path: Path, media_type: str, *, up_to_break: bool = False) -> int:
    """Number of pages without rendering any: pdfinfo for PDF, frames for TIFF, 1 for JPEG/PNG.

    A TIFF whose page list breaks is BadInput; with `up_to_break` (a reader's count) it has the
    pages reached before the break and one more, whose reading raises the damage: the pages
    before it are read first, so a secrecy mark on them is seen before the file is quarantined."""
    path = Path(path)
    if media_type == PDF:
        pages = int(_pdfinfo(path)["Pages"])
        if pages < 1:
            raise BadInput(_NO_PAGES)
        return pages
    _check_media_type(media_type)
    with _open_image(path, media_type) as image:
        if media_type != TIFF:
            return 1
        try:
            return image.n_frames
        except _DAMAGED as exc:
            damage = exc
    whole = _whole_tiff_pages(path) if up_to_break else 0
    if whole:
        log.warning("TIFF %s: its page list breaks after page %d (%s)", path.name, whole, _detail(damage))
        return whole + 1
    raise BadInput(
        f"TIFF file is damaged or incomplete: cannot list its pages ({_detail(damage)}); "
        "get a complete copy of the file"
    ) from damage


def _whole_tiff_pages(path: Path) -> int:
    """How many pages of a TIFF whose page list is broken can be reached, in order, before it."""
    with _open_image(path, TIFF) as image:
        for reached in range(_TIFF_PAGES_AT_MOST):
            try:
                image.seek(reached)
            except _DAMAGED:
                return reached
    return 0  # a list that does not end (a loop): nothing of it is trusted


def iter_pages(path: Path, media_type: str, *, max_pixels: int) -> Iterator[SourcePage]:
    """Yield the pages one at a time; only the current page is held in memory."""
    path = Path(path)
    if media_type == PDF:
        yield from _pdf_pages(path, max_pixels)
    elif media_type == TIFF:
        yield from _tiff_pages(path, max_pixels)
    else:
        _check_media_type(media_type)
        with _open_image(path, media_type) as image:
            _check_size(image.size, max_pixels)
            dpi = _dpi(image.info)
            _load(image, media_type)
            if media_type == JPEG:
                _check_jpeg_end(path)
            yield SourcePage(number=1, image=_exif_upright(image), dpi=dpi)


def page_images(
    path: Path, media_type: str, *, max_pixels: int, first: Image.Image | None = None
) -> Callable[[int], Image.Image]:
    """Page `number` -> its image, each loaded again from the file only when asked for, the last
    two kept (the second readings of one document ask for its first and last pages, some twice).
    `first`: page 1 as the reader loaded it, given instead of loading it again (a PDF page is
    rendered anew otherwise)."""

    @lru_cache(maxsize=2)
    def image_of(number: int) -> Image.Image:
        if number == 1 and first is not None:
            return first
        return load_page(path, media_type, number, max_pixels=max_pixels).image

    return image_of


def load_page(
    path: Path, media_type: str, number: int, *, max_pixels: int, size_checked: bool = False
) -> SourcePage:
    """Page `number` (1-based) alone, for a worker that reads one page of a file.

    `size_checked`: the PDF's page sizes were already checked (`pdf_page_sizes`), so poppler is
    not asked for them again.
    """
    path = Path(path)
    if media_type == PDF:
        if not size_checked:
            pdf_page_sizes(path, count_pages(path, PDF), max_pixels, only=number)
        return _render_pdf_page(path, number)
    if media_type == TIFF:
        with _open_image(path, TIFF) as image:
            return _tiff_page(image, number - 1, max_pixels)
    if number != 1:
        raise ValueError(f"a {media_type} file has one page, not page {number}")
    return next(iter_pages(path, media_type, max_pixels=max_pixels))


def pdf_page_sizes(
    path: Path, pages: int, max_pixels: int, only: int | None = None
) -> dict[int, tuple[float, float]]:
    """Page number -> (width, height) in points, every page (or page `only`) checked against
    `max_pixels` at the rendering resolution before poppler allocates it (BadInput if over)."""
    sizes = _pdf_page_sizes(path, pages)
    for number, (width_pt, height_pt) in sorted(sizes.items()):
        if only is None or number == only:
            scale = PDF_DPI / 72
            _check_size((round(width_pt * scale), round(height_pt * scale)), max_pixels, number)
    return sizes


# --- PDF -----------------------------------------------------------------------------------------


def _pdf_pages(path: Path, max_pixels: int) -> Iterator[SourcePage]:
    pages = count_pages(path, PDF)
    sizes = _pdf_page_sizes(path, pages)
    for number in range(1, pages + 1):
        if number in sizes:  # refuse a giant page before poppler allocates it
            width_pt, height_pt = sizes[number]
            scale = PDF_DPI / 72
            _check_size((round(width_pt * scale), round(height_pt * scale)), max_pixels, number)
        yield _render_pdf_page(path, number)


def _render_pdf_page(path: Path, number: int) -> SourcePage:
    try:
        images = pdf2image.convert_from_path(
            path,
            dpi=PDF_DPI,
            first_page=number,
            last_page=number,
            timeout=_POPPLER_TIMEOUT,
            grayscale=number in pdf_gray_pages(path),
        )
    except PopplerNotInstalledError as exc:
        raise _missing_poppler() from exc
    except PDFPopplerTimeoutError as exc:
        raise Transient(f"poppler took over {_POPPLER_TIMEOUT} s to render page {number}") from exc
    except PDFPageCountError as exc:  # the file changed or broke since it was counted
        raise BadInput(f"PDF page {number} cannot be rendered: {_pdf_problem(str(exc))}") from exc
    if not images:
        raise BadInput(f"PDF page {number} cannot be rendered; the file may be damaged")
    return SourcePage(number=number, image=images[0], dpi=PDF_DPI)


def pdf_gray_pages(path: Path) -> frozenset[int]:
    """The pages of a PDF whose every image is gray (`pdfimages -list`, once per file version):
    a scan's page rendered in colour would hold each gray value three times. Empty when that
    cannot be told (no pdfimages, a damaged file): the pages are then rendered in colour."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return frozenset()
    return _gray_pages(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _gray_pages(path: str, size: int, mtime_ns: int) -> frozenset[int]:
    try:
        listing = subprocess.run(
            ["pdfimages", "-list", path], capture_output=True, text=True, timeout=_POPPLER_TIMEOUT, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return frozenset()
    colours: dict[int, set[str]] = {}
    for line in listing.splitlines():
        fields = line.split()  # page num type width height color comp bpc enc ...
        if len(fields) > 5 and fields[0].isdigit() and fields[2] == "image":
            colours.setdefault(int(fields[0]), set()).add(fields[5])
    return frozenset(number for number, seen in colours.items() if seen == {"gray"})


_PAGE_SIZE = re.compile(r"Page\s+(\d+) size")
_POINTS = re.compile(r"([\d.]+) x ([\d.]+) pts")


def _pdf_page_sizes(path: Path, pages: int) -> dict[int, tuple[float, float]]:
    """Page number -> (width, height) in points, from one pdfinfo call."""
    info = _pdfinfo(path, last_page=pages)
    sizes = {}
    for key, value in info.items():
        number, points = _PAGE_SIZE.fullmatch(key), _POINTS.match(str(value))
        if number and points:
            sizes[int(number.group(1))] = (float(points.group(1)), float(points.group(2)))
    return sizes


def _pdfinfo(path: Path, last_page: int | None = None) -> dict:
    try:
        first_page = 1 if last_page else None
        return pdf2image.pdfinfo_from_path(
            path, timeout=_POPPLER_TIMEOUT, first_page=first_page, last_page=last_page
        )
    except PDFInfoNotInstalledError as exc:
        raise _missing_poppler() from exc
    except PDFPopplerTimeoutError as exc:
        raise Transient(f"poppler took over {_POPPLER_TIMEOUT} s to read the PDF") from exc
    except PDFPageCountError as exc:
        raise BadInput(_pdf_problem(str(exc))) from exc


def _pdf_problem(poppler_message: str) -> str:
    lines = [line.strip() for line in poppler_message.splitlines()[1:] if line.strip()]
    if any("password" in line.lower() for line in lines):
        return "PDF is password-protected; ask the sender for a copy without a password"
    if any(line.endswith("page count 0") for line in lines):
        return _NO_PAGES
    details = list(dict.fromkeys(line.split(": ", 1)[-1] for line in lines))[:3]
    detail = "; ".join(details) or "unreadable"
    return f"PDF is damaged or incomplete ({detail}); get a complete copy of the file"


_NO_PAGES = "PDF has no pages; the scan or export that made it failed"


def _missing_poppler() -> MissingDependency:
    return MissingDependency("poppler is not installed: install the Debian package poppler-utils")


# --- TIFF, JPEG, PNG -----------------------------------------------------------------------------


def _tiff_pages(path: Path, max_pixels: int) -> Iterator[SourcePage]:
    pages = count_pages(path, TIFF, up_to_break=True)
    with _open_image(path, TIFF) as image:
        for index in range(pages):
            yield _tiff_page(image, index, max_pixels)


def _tiff_page(image: Image.Image, index: int, max_pixels: int) -> SourcePage:
    try:
        image.seek(index)
    except _DAMAGED as exc:
        raise BadInput(f"TIFF page {index + 1} is damaged and cannot be read ({_detail(exc)})") from exc
    _check_size(image.size, max_pixels, index + 1)
    dpi = _dpi(image.info)
    _load(image, TIFF, index + 1)
    return SourcePage(number=index + 1, image=image.copy(), dpi=dpi)


def _open_image(path: Path, media_type: str) -> Image.Image:
    kind = _DESCRIPTIONS[media_type].removeprefix("a ")
    try:
        return Image.open(path, formats=[media_type.split("/")[1].upper()])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses sizes past its own limit before we see them; the warning is raised
        # only when warnings are turned into errors.
        size = _png_size(path) if media_type == PNG else None
        named = f"{size[0]}x{size[1]} pixels, " if size else ""
        raise BadInput(f"{kind} is too large to open safely ({named}{exc})") from exc
    except _DAMAGED as exc:
        size = _png_size(path) if media_type == PNG else None
        if size is not None and 0 in size:
            raise BadInput(f"{kind} has no pixels ({size[0]}x{size[1]})") from exc
        raise BadInput(f"{kind} is damaged: its header cannot be read") from exc


def _load(image: Image.Image, media_type: str, number: int = 1) -> None:
    """Decode the pixels now, so a damaged or truncated file fails here and not later."""
    kind = _DESCRIPTIONS[media_type].removeprefix("a ")
    where = f" (page {number})" if media_type == TIFF else ""
    try:
        image.load()
    except _DAMAGED as exc:
        raise BadInput(f"{kind}{where} is damaged or incomplete: {_detail(exc)}") from exc


def _detail(exc: BaseException) -> str:
    """Pillow's own words for what is wrong, or the kind of error when it gave none."""
    text = str(exc).strip()
    return text or type(exc).__name__


def _check_jpeg_end(path: Path) -> None:
    if not _jpeg_has_end(path.read_bytes()):
        raise BadInput(
            "JPEG image is incomplete: its data stops before the end-of-image marker (a copy or "
            "download cut short, perhaps padded with zeros); get a complete copy of the file"
        )


def _jpeg_has_end(data: bytes) -> bool:
    """Whether the JPEG's compressed data is followed by its end-of-image marker (FF D9).

    A file cut short and padded with zeros (a pre-allocated download, a copy that failed) still
    decodes: the zeros read as flat gray rows, so the bottom of the page is lost without an error.
    The marker cannot occur inside compressed data (an FF there is followed by 00), so it is looked
    for after the first start-of-scan marker, which is found by walking the segments before it
    (an EXIF thumbnail inside APP1 has its own markers and is skipped whole).
    """
    offset = 2  # after SOI
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return True  # not a layout this check understands: Pillow decoded it, let it be
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker == 0xDA:  # start of scan
            return b"\xff\xd9" in data[offset:]
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            offset += 2
            continue
        offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
    return True


def _exif_upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (how a camera or phone was held); a damaged EXIF is ignored."""
    try:
        return ImageOps.exif_transpose(image)
    except _DAMAGED as exc:
        log.warning("EXIF orientation ignored: %s", exc)
        return image.copy()


def _check_size(size: tuple[int, int], max_pixels: int, number: int = 1) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise BadInput(f"page {number} has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise BadInput(
            f"page {number} is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels), "
            f"over the limit of {max_pixels / 1e6:.0f} megapixels; "
            "check the scan settings (resolution, page size)"
        )


def _png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk, without decoding anything."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _dpi(info: dict) -> int | None:
    dpi = info.get("dpi")
    if not dpi:
        return None
    try:  # a damaged resolution tag (0/0 reads as NaN) is no resolution
        value = round(float(dpi[0] if isinstance(dpi, tuple) else dpi))
    except _DAMAGED:
        return None
    return value if _DPI_RANGE[0] <= value <= _DPI_RANGE[1] else None


def _check_media_type(media_type: str) -> None:
    if media_type not in MEDIA_TYPES:
        raise ValueError(f"unknown media type {media_type!r}; expected one of {MEDIA_TYPES}")
