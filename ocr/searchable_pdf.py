"""Searchable PDF by grafting: the original's pages as they are, an invisible text layer on top.

OCRmyPDF's way, with its own PDF library (pikepdf): a PDF original's pages are copied into the
output untouched (their images are never decoded or re-encoded; objects the pages share are
copied once), and each page gets one Form XObject drawing the words the OCR found, invisible
(text render mode 3), in a glyph-less font (Tesseract's `pdf.ttf`, every glyph blank and 1/2 em
wide) whose ToUnicode map gives back the OCR text to copy, search and `pdftotext`. Image
originals first become image-only pages through img2pdf, losslessly and without growth: a JPEG's
own bytes (DCT), a G4 TIFF frame's own CCITT data, other bilevel pages encoded as CCITT G4, the
rest Flate (a PNG's own compressed data when img2pdf can pass it through).

Word boxes are in pixels of the page image the OCR read (`schemas.Box`): for a PDF page, as
poppler renders it by default (`ocr.load`: the MediaBox, turned by the page's /Rotate, at
`PDF_DPI`); for an image, after its EXIF orientation (JPEG, PNG; a TIFF's frames as stored).
`Page.width`/`height` say the size of that image, so the boxes are scaled to whatever the page
measures; without them, `Page.dpi` (else `PDF_DPI` for a PDF, 300 for an image) gives the scale.
A page the OCR found turned (`Page.orientation`) gets that turn added to its /Rotate, so viewers
show it upright.

`write_searchable_pdf` can cut one document out of a dossier scan: `source_pages` says which
page of the original each OCR'd page is, and the output holds only those, in that order.
Output is deterministic (no dates, fixed file ID). Not PDF/A.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import img2pdf
import pikepdf
from PIL import Image, ImageOps

from core.errors import BadInput, MissingDependency
from ocr.imaging import flatten_on_white, grayscale
from ocr.load import JPEG, PDF, PDF_DPI, PNG, TIFF
from schemas import Page, Word

__all__ = ["GLYPH_WIDTH", "TO_UNICODE", "glyphless_font", "text_layer", "write_searchable_pdf"]

IMAGE_DPI = 300  # an image whose file does not say its resolution (the old writer's rule too)
_DPI_RANGE = (50, 4800)  # as ocr.load: outside it, a placeholder, not a scan's resolution
_TEXT_NAME = "OCRText"  # the text layer's Form XObject in each page's resources
# What Pillow raises on a damaged image (as ocr.load).
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, IndexError)
# What img2pdf raises on an image it will not embed as it is.
_REFUSED = (
    ValueError,
    img2pdf.AlphaChannelError,
    img2pdf.UnsupportedColorspaceError,
    img2pdf.JpegColorspaceError,
)
# What Pillow, img2pdf and pikepdf raise on an image they cannot read or embed.
_IMAGE_ERRORS = (
    *_DAMAGED,
    Image.DecompressionBombError,
    pikepdf.PdfError,
    img2pdf.ImageOpenError,
    img2pdf.AlphaChannelError,
    img2pdf.UnsupportedColorspaceError,
    img2pdf.JpegColorspaceError,
    img2pdf.NegativeDimensionError,
    img2pdf.PdfTooLargeError,
)

_FONT_PATHS = (
    Path("/usr/share/tesseract-ocr/5/tessdata/pdf.ttf"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata/pdf.ttf"),
    Path("/usr/share/tessdata/pdf.ttf"),
)
GLYPH_WIDTH = 0.5  # em: every glyph of the glyph-less font

TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identify-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""

# EXIF orientation -> clockwise turn that shows the image upright; 2, 4, 5, 7 are mirrored.
_EXIF_TURNS = {1: 0, 3: 180, 6: 90, 8: 270}


def write_searchable_pdf(
    original: Path,
    media_type: str,
    pages: Sequence[Page],
    out: Path | BinaryIO,
    *,
    source_pages: Sequence[int] | None = None,
) -> None:
    """Write `out` (a file, or a binary stream: what must never be at rest in clear, a secret
    document's PDF on its way to the hold): the pages of `original` (a scan file of
    `media_type`) with the OCR text of `pages` laid invisibly over them. `source_pages`: for
    each of `pages`, the 1-based page of `original` it was read from (default 1..n); the output
    holds those pages only, in that order. BadInput when the original cannot be read;
    ValueError when the arguments disagree."""
    numbers = list(source_pages) if source_pages is not None else list(range(1, len(pages) + 1))
    write_pages_pdf([PagesOf(Path(original), media_type, list(pages), numbers)], out)


@dataclass(frozen=True)
class PagesOf:
    """Pages read from one scan file: the file, its type, the pages and their numbers in it."""

    original: Path
    media_type: str
    pages: list[Page]
    numbers: list[int]


def write_pages_pdf(parts: Sequence[PagesOf], out: Path | BinaryIO) -> None:
    """`write_searchable_pdf` for pages taken from several scan files, in the order given (a
    document of a dossier scanned as a folder of page files)."""
    if not any(part.pages for part in parts):
        raise ValueError("no pages to write")
    with pikepdf.new() as target:
        font = _font(target)
        shared: dict[bytes, pikepdf.Object] = {}
        sources = []
        try:
            for part in parts:
                sources.append(_append(target, part, font, shared))
            # pages that shared one resource dictionary (some scanners list every page's image
            # in it) keep only what they draw: a document cut from a dossier carries no other page
            target.remove_unreferenced_resources()
            _save(target, out)
        finally:
            for source in sources:
                source.close()


def _append(target: pikepdf.Pdf, part: PagesOf, font: pikepdf.Object, shared: dict) -> pikepdf.Pdf:
    """Copy `part`'s pages into `target` with their text layers; return the open source."""
    pages, numbers = part.pages, list(part.numbers)
    if len(numbers) != len(pages):
        raise ValueError(f"{len(pages)} pages but {len(numbers)} source page numbers")
    if part.media_type == PDF:
        source = _open_pdf(part.original)
    elif part.media_type in (TIFF, JPEG, PNG):
        source, numbers = _image_pdf(part.original, part.media_type, pages, numbers)
    else:
        raise ValueError(f"unknown media type {part.media_type!r}")
    count = len(source.pages)
    wrong = [number for number in numbers if not 1 <= number <= count]
    if wrong:
        source.close()
        raise ValueError(f"the original has {count} pages; no page {wrong[0]}")
    default_dpi = PDF_DPI if part.media_type == PDF else IMAGE_DPI
    for page, number in zip(pages, numbers, strict=True):
        target.pages.append(source.pages[number - 1])
        _graft(target, target.pages[-1], page, font, default_dpi, shared)
    return source


# --- PDF originals --------------------------------------------------------------------------------


def _open_pdf(path: Path) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise BadInput("PDF is password-protected; ask the sender for a copy without a password") from exc
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        problem = _first_line(exc)
        raise BadInput(f"PDF is damaged and cannot be opened ({problem}); get a complete copy") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- image originals ------------------------------------------------------------------------------


def _image_pdf(
    path: Path, media_type: str, pages: Sequence[Page], numbers: list[int]
) -> tuple[pikepdf.Pdf, list[int]]:
    """The image pages as an image-only PDF (img2pdf), and which of its pages each of `pages` is."""
    kind = {TIFF: "TIFF image", JPEG: "JPEG image", PNG: "PNG image"}[media_type]
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1) if media_type == TIFF else 1
    except (*_DAMAGED, Image.DecompressionBombError) as exc:
        raise BadInput(f"{kind} is damaged and cannot be embedded in the PDF ({_first_line(exc)})") from exc
    wrong = [number for number in numbers if not 1 <= number <= frames]
    if wrong:
        raise ValueError(f"the original has {frames} pages; no page {wrong[0]}")
    dpis = {number: page.dpi for number, page in zip(numbers, pages, strict=True)}
    try:
        if media_type == TIFF:
            return _tiff_pdf(path, frames, dpis, numbers)
        return _single_pdf(path, dpis[1]), numbers
    except _IMAGE_ERRORS as exc:
        raise BadInput(f"{kind} cannot be embedded in the PDF ({_first_line(exc)})") from exc


def _single_pdf(path: Path, dpi: int | None) -> pikepdf.Pdf:
    with Image.open(path) as image:
        orientation = image.getexif().get(0x0112, 1)
        dpi = dpi or _dpi(image.info)
        if orientation in _EXIF_TURNS:
            # The file's own bytes: a JPEG's DCT data, a PNG's IDAT when img2pdf can.
            return _turned(_convert([path.read_bytes()], [dpi]), _EXIF_TURNS[orientation])
        # A mirrored EXIF orientation: the image as the OCR saw it, losslessly.
        image.load()
        return pikepdf.open(io.BytesIO(_convert([_lossless(ImageOps.exif_transpose(image))], [dpi])))


def _tiff_pdf(
    path: Path, frames: int, dpis: dict[int, int | None], numbers: list[int]
) -> tuple[pikepdf.Pdf, list[int]]:
    with Image.open(path) as image:
        wanted = sorted(set(numbers))
        file_dpis = []
        for number in range(1, frames + 1):
            image.seek(number - 1)
            file_dpis.append(dpis.get(number) or _dpi(image.info))
        if wanted == list(range(1, frames + 1)):
            try:  # the whole file: G4 frames pass through, other bilevel frames become G4
                data = _convert([path.read_bytes()], file_dpis)
                return pikepdf.open(io.BytesIO(data)), numbers
            except _REFUSED:
                pass  # e.g. 16-bit frames, or palette and alpha: frame by frame below
        # Some frames only (or frames img2pdf refuses): each needed frame encoded losslessly.
        encoded = []
        for number in wanted:
            image.seek(number - 1)
            image.load()
            encoded.append(_lossless(image))
        data = _convert(encoded, [file_dpis[number - 1] for number in wanted])
        position = {number: index + 1 for index, number in enumerate(wanted)}
        return pikepdf.open(io.BytesIO(data)), [position[number] for number in numbers]


def _lossless(image: Image.Image) -> bytes:
    """One frame as bytes img2pdf embeds without loss: bilevel as a G4 TIFF, else a PNG."""
    buffer = io.BytesIO()
    if image.mode == "1":
        image.save(buffer, format="TIFF", compression="group4")
        return buffer.getvalue()
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = grayscale(image)
    elif image.mode not in ("L", "RGB", "RGBA", "LA", "P"):
        image = flatten_on_white(image, "RGB")  # CMYK, YCbCr, palette with alpha...
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _convert(images: list[bytes], dpis: list[float | None]) -> bytes:
    """img2pdf, the page size from each page's resolution (the file's, else IMAGE_DPI), no turn
    (the EXIF turn is set afterwards, the way the OCR saw the image)."""
    turn = iter(dpis)

    def layout(width_px: int, height_px: int, _dpi: tuple[float, float]) -> tuple[float, float, float, float]:
        dpi = float(next(turn, None) or IMAGE_DPI)
        width, height = width_px * 72 / dpi, height_px * 72 / dpi
        return width, height, width, height

    return img2pdf.convert(images, layout_fun=layout, rotation=img2pdf.Rotation.none)


def _turned(data: bytes, degrees: int) -> pikepdf.Pdf:
    pdf = pikepdf.open(io.BytesIO(data))
    if degrees:
        for page in pdf.pages:
            page.obj.Rotate = degrees
    return pdf


def _dpi(info: dict) -> int | None:
    dpi = info.get("dpi")
    if not dpi:
        return None
    value = round(float(dpi[0] if isinstance(dpi, tuple) else dpi))
    return value if _DPI_RANGE[0] <= value <= _DPI_RANGE[1] else None


# --- grafting the text layer ---------------------------------------------------------------------


def _graft(
    pdf: pikepdf.Pdf,
    target: pikepdf.Page,
    page: Page,
    font: pikepdf.Object,
    default_dpi: int,
    shared: dict[bytes, pikepdf.Object],
) -> None:
    """Lay `page`'s words over `target` (a page already in `pdf`) and turn it upright."""
    obj = target.obj
    rotate = _rotation(target)
    words = [word for word in page.words if word.text.strip()]
    if words:
        box, scale = _fit(target, page, rotate, default_dpi)
        x0, y0, x1, y1 = box
        width, height = (x1 - x0, y1 - y0) if rotate in (0, 180) else (y1 - y0, x1 - x0)
        # The text is drawn on the page as shown (origin bottom left, turned by /Rotate, as the
        # OCR saw it); this matrix takes it to the page's own user space.
        matrix = {
            0: (1, 0, 0, 1, x0, y0),
            90: (0, 1, -1, 0, x1, y0),
            180: (-1, 0, 0, -1, x1, y1),
            270: (0, -1, 1, 0, x0, y1),
        }[rotate]
        form = pikepdf.Stream(pdf, text_layer(words, page, scale, height))
        form.Type = pikepdf.Name.XObject
        form.Subtype = pikepdf.Name.Form
        form.BBox = pikepdf.Array([0, 0, width, height])
        form.Matrix = pikepdf.Array(matrix)
        form.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F0=font))
        name = _add_xobject(target, form)
        # The page's own drawing is wrapped in q ... Q so the layer is drawn in default space.
        # Those small streams are shared by every page.
        target.contents_add(_shared_stream(pdf, shared, b"q\n"), prepend=True)
        target.contents_add(_shared_stream(pdf, shared, b"\nQ\nq /%s Do Q\n" % name.encode()))
    turned = (rotate + page.orientation) % 360
    if turned:
        obj.Rotate = turned
    elif "/Rotate" in obj:
        del obj.Rotate


def _rotation(target: pikepdf.Page) -> int:
    """The page's /Rotate (its own or inherited), to the nearest quarter turn."""
    try:
        degrees = target.rotation
    except (TypeError, ValueError, pikepdf.PdfError):
        degrees = 0  # not a number: viewers ignore it, poppler too
    return (round(degrees / 90) * 90) % 360


def _fit(target: pikepdf.Page, page: Page, rotate: int, default_dpi: int) -> tuple[tuple[float, ...], float]:
    """The box the OCR'd image shows (MediaBox, as poppler renders by default, or CropBox if the
    image's size says so) and points per image pixel."""
    boxes = [_box(target.mediabox)]
    crop = _box(target.cropbox)
    if crop != boxes[0]:
        boxes.append(crop)
    dpi = page.dpi or default_dpi

    def shown(box: tuple[float, ...]) -> tuple[float, float]:
        width, height = box[2] - box[0], box[3] - box[1]
        return (width, height) if rotate in (0, 180) else (height, width)

    def misfit(box: tuple[float, ...]) -> float:
        width, height = shown(box)
        return abs(width * dpi / 72 - page.width) + abs(height * dpi / 72 - page.height)

    if page.width > 0 and page.height > 0:
        box = min(boxes, key=misfit)
        width, height = shown(box)
        return box, (width / page.width + height / page.height) / 2
    return boxes[0], 72.0 / dpi


def _box(array: pikepdf.Array) -> tuple[float, ...]:
    x0, y0, x1, y1 = (float(value) for value in array)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _add_xobject(target: pikepdf.Page, form: pikepdf.Stream) -> str:
    """Put `form` in the page's own resources (a new dictionary holding the same references:
    resources other pages share stay shared, and no other page sees this page's layer)."""
    obj, old = target.obj, target.get_resources()
    resources = pikepdf.Dictionary()
    if isinstance(old, pikepdf.Dictionary):
        for key, value in old.items():
            resources[key] = value
    xobjects = pikepdf.Dictionary()
    old_xobjects = resources.get("/XObject")
    if isinstance(old_xobjects, pikepdf.Dictionary):
        for key, value in old_xobjects.items():
            xobjects[key] = value
    name, suffix = _TEXT_NAME, 0
    while f"/{name}" in xobjects:
        suffix += 1
        name = f"{_TEXT_NAME}{suffix}"
    xobjects[f"/{name}"] = form
    resources.XObject = xobjects
    obj.Resources = resources
    return name


def _shared_stream(pdf: pikepdf.Pdf, shared: dict[bytes, pikepdf.Object], data: bytes) -> pikepdf.Object:
    if data not in shared:
        shared[data] = pdf.make_indirect(pikepdf.Stream(pdf, data))
    return shared[data]


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The glyph-less Type0 font, once per output file."""
    font = glyphless_font()
    cid_map = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536))  # every CID -> glyph 1
    cid_map.Filter = pikepdf.Name.FlateDecode
    file = pikepdf.Stream(pdf, font)
    file.Length1 = len(font)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name.GlyphLessFont,
        Flags=5,
        FontBBox=pikepdf.Array([0, 0, round(GLYPH_WIDTH * 1000), 1000]),
        ItalicAngle=0,
        Ascent=1000,
        Descent=-1,
        CapHeight=1000,
        StemV=80,
        FontFile2=pdf.make_indirect(file),
    )
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name.GlyphLessFont,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        CIDToGIDMap=pdf.make_indirect(cid_map),
        DW=round(GLYPH_WIDTH * 1000),
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name.GlyphLessFont,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([pdf.make_indirect(cid_font)]),
            ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, TO_UNICODE)),
        )
    )


def glyphless_font() -> bytes:
    """Tesseract's glyph-less TrueType font (`pdf.ttf`)."""
    for path in _FONT_PATHS:
        if path.is_file():
            return path.read_bytes()
    raise MissingDependency("Tesseract's pdf.ttf not found: install the Debian package tesseract-ocr")


def _save(pdf: pikepdf.Pdf, out: Path | BinaryIO) -> None:
    """Write next to `out` and rename, so a reader never sees half a file (or to a stream)."""
    pdf.docinfo[pikepdf.Name.Producer] = "sohoa"
    options = {
        "compress_streams": True,
        "object_stream_mode": pikepdf.ObjectStreamMode.generate,
        "deterministic_id": True,
    }
    if not isinstance(out, str | Path):
        pdf.save(out, **options)
        return
    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    try:
        pdf.save(partial, **options)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


# --- the text layer ------------------------------------------------------------------------------


def text_layer(words: Sequence[Word], page: Page, scale: float, height_pt: float) -> bytes:
    """Content stream operators drawing `words` invisibly on a page `height_pt` points high
    (origin bottom left) whose image has `scale` points per pixel, turned with the page."""
    words = [word for word in words if word.text.strip()]
    if not words:
        return b""
    # Words are laid level with the page's quarter turn only: text matrices turned by the
    # skew make pdftotext and viewers split words apart; a few degrees of skew moves a
    # word's highlight by a fraction of its height.
    skewed = math.radians((page.orientation + page.skew) % 360)
    level = math.radians(page.orientation % 360)
    parts = [b"BT 3 Tr"]
    for line in _lines(words):
        parts.extend(_line_ops(line, skewed, level, scale, height_pt))
    parts.append(b"ET")
    return b"\n".join(parts)


def _lines(words: list[Word]) -> list[list[Word]]:
    lines: dict[tuple[int, int], list[Word]] = {}
    for index, word in enumerate(words):
        key = (word.block, word.line) if word.line else (word.block, -index)
        lines.setdefault(key, []).append(word)
    return list(lines.values())


def _extent(word: Word, angle: float) -> tuple[float, float, float, float]:
    """(centre x, centre y, length along the text, height across it), in pixels of the page as
    scanned, of a word whose axis-aligned box holds text turned by `angle` (radians, ccw)."""
    box = word.box
    cx, cy = box.left + box.width / 2, box.top + box.height / 2
    quarter = round(angle / (math.pi / 2)) % 4
    along, across = (box.width, box.height) if quarter in (0, 2) else (box.height, box.width)
    skew = abs(angle - round(angle / (math.pi / 2)) * (math.pi / 2))
    cos, sin, cos2 = math.cos(skew), math.sin(skew), math.cos(2 * skew)
    if skew > 1e-3 and cos2 > 0.2:  # undo the box's growth from the turned rectangle in it
        along, across = (along * cos - across * sin) / cos2, (across * cos - along * sin) / cos2
    return cx, cy, max(along, 1.0), max(across, 1.0)


def _aligned(
    extents: list[tuple[float, float, float, float]], cos: float, sin: float
) -> list[tuple[float, float, float, float]]:
    """The words' centres moved onto one straight line (Theil-Sen, robust to a stray word):
    box centres wander with accents and descenders ("Quyết" stands taller than "số"), and
    extractors that group words by baseline (Ghostscript) would break the line apart. A line
    all but level is made level; a word the line passes more than half its height away from
    keeps its own centre."""
    if len(extents) < 2:
        return extents
    # Along and across the text, in pixels (y down): the text runs along (cos, -sin).
    points = [(cx * cos - cy * sin, cx * sin + cy * cos) for cx, cy, _, _ in extents]
    slopes = sorted(
        (c2 - c1) / (a2 - a1)
        for index, (a1, c1) in enumerate(points)
        for a2, c2 in points[index + 1 :]
        if abs(a2 - a1) > 1e-6
    )
    if not slopes:
        return extents
    slope = slopes[len(slopes) // 2]
    reach = max(a for a, _ in points) - min(a for a, _ in points)
    height = sorted(e[3] for e in extents)[len(extents) // 2]
    if abs(slope) * reach < height / 4:
        slope = 0.0  # level within a quarter of the text's height: drawn level, one baseline
    offsets = sorted(c - slope * a for a, c in points)
    offset = offsets[len(offsets) // 2]
    aligned = []
    for (a, c), (cx, cy, along, across) in zip(points, extents, strict=True):
        fitted = offset + slope * a
        if abs(fitted - c) <= across / 2:
            cx, cy = a * cos + fitted * sin, fitted * cos - a * sin
        aligned.append((cx, cy, along, across))
    return aligned


def _line_ops(line: list[Word], skewed: float, angle: float, scale: float, height_pt: float) -> list[bytes]:
    cos, sin = math.cos(angle), math.sin(angle)
    extents = _aligned([_extent(word, skewed) for word in line], cos, sin)
    size = max(1.0, sorted(e[3] for e in extents)[len(extents) // 2]) * scale  # median height
    # Baseline start and length of each word in PDF points: from the centre, half the length back
    # along the text and half the height down across it (PDF's y axis points up).
    spans = []
    for cx, cy, along, _ in extents:
        x = cx * scale - cos * along * scale / 2 + sin * size / 2
        y = height_pt - cy * scale - sin * along * scale / 2 - cos * size / 2
        spans.append([x, y, along * scale])
    # Between words, a space glyph filling the gap, so extractors split words even when the gap
    # is narrow; boxes that overlap (a speck joined to a word) are trimmed to leave one.
    min_gap = 0.1 * size
    for previous, following in zip(spans, spans[1:], strict=False):
        gap = (following[0] - previous[0]) * cos + (following[1] - previous[1]) * sin - previous[2]
        if gap < min_gap and previous[2] + gap - min_gap > previous[2] / 2:
            previous[2] += gap - min_gap
    # One text matrix per line, at its first word; each word after it is a move (Td) from the
    # one before, in the line's own direction. A word's glyphs are stretched (Tz) over its box,
    # and a space glyph follows every word but the last, so extractors split words however
    # narrow the gap. Numbers are rounded to 0.1 point: the layer is a few bytes a word.
    x0, y0 = spans[0][0], spans[0][1]
    turn = f"{_num(cos, 5)} {_num(sin, 5)} {_num(-sin, 5)} {_num(cos, 5)}"
    ops = [f"/F0 {_num(size, 2)} Tf {turn} {_num(x0, 2)} {_num(y0, 2)} Tm".encode()]
    at = (0.0, 0.0)  # where the last word started, in the line's text space, as rounded
    for number, (word, (x, y, length)) in enumerate(zip(line, spans, strict=True)):
        units = len(word.text.encode("utf-16-be")) // 2
        stretch = 100.0 * length / max(units * GLYPH_WIDTH * size, 1e-6)
        text = word.text if number + 1 == len(line) else word.text + " "
        move = ""
        if number:
            along = round((x - x0) * cos + (y - y0) * sin, 1)
            across = round((y - y0) * cos - (x - x0) * sin, 1)
            move = f"{_num(along - at[0], 1)} {_num(across - at[1], 1)} Td "
            at = (along, across)
        ops.append(f"{move}{_num(stretch, 1)} Tz <{text.encode('utf-16-be').hex().upper()}> Tj".encode())
    return ops


def _num(value: float, places: int) -> str:
    """`value` with at most `places` decimals, without trailing zeros ("12.5", "0", "-3")."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
