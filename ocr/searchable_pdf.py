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
page of the original each OCR'd page is, and the output holds only those, in that order, and
nothing of the others (a document may be secret while its neighbours are public). A page keeps
its drawing only (content, the resources its content names, its boxes and turn): no annotations
(form fields, replies, popups, links), article beads, thumbnail, structure or metadata links;
the dossier's original keeps them. A page whose drawing reaches (through its resources, Form
XObjects, patterns, fonts, an image's coding...) an object that a page left out reaches too -
one half of a book spread's image, a stamp drawn as one form, an embedded font, a JBIG2 symbol
dictionary - or that draws an image standing past its MediaBox, is not copied but rendered: a
rendering of its MediaBox at the image's own resolution (poppler), coded as the image was
(bilevel: CCITT G4; JPEG: JPEG; else Flate), with its box and turn and the same text layer.
Objects that hold nothing of a page may be shared (an ICC colour profile; names and numbers:
a colour space array, a graphics state, a standard font not embedded). A scanner's own OCR text
(all of the page's text invisible, render mode 3) in a font other pages share is dropped rather
than the page rendered: the grafted text layer replaces it. Ordinary scan pages
(one image filling the page, drawn by it alone) are copied as they are, their images untouched.
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
import pdf2image
import pikepdf
from pdf2image.exceptions import (
    PDFInfoNotInstalledError,
    PDFPageCountError,
    PDFPopplerTimeoutError,
    PDFSyntaxError,
    PopplerNotInstalledError,
)
from PIL import Image, ImageOps

from core.errors import BadInput, MissingDependency, Transient
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
    partial = _partial_pages(source, numbers) if part.media_type == PDF else {}
    for page, number in zip(pages, numbers, strict=True):
        if number in partial:
            target.pages.append(_rendered(target, part.original, source, number, partial[number]))
        else:
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


# --- pages that show part of an image ------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_FORM_DEPTH = 8  # nested Form XObjects followed
_SLACK = 1.0  # points an image may stand past the box (a scanner's rounding)
_BLEED = 0.02  # or this share of the page's width or height (an image placed with a small bleed)
_RENDER_DPI = (72, 600)
_RENDER_PIXELS = 150_000_000  # a rendering larger than this is made at a lower resolution
_RENDER_TIMEOUT = 300  # seconds


@dataclass(frozen=True)
class _Drawn:
    """An image a page draws: the object (None for an inline image), where it lands in the
    page's user space (x0, y0, x1, y1), its size in pixels and how it is coded."""

    key: tuple[int, int] | None
    box: tuple[float, float, float, float]
    pixels: tuple[int, int]
    bilevel: bool
    gray: bool
    jpeg: bool


def _partial_pages(source: pikepdf.Pdf, numbers: Sequence[int]) -> dict[int, list[_Drawn]]:
    """The pages of `numbers` that cannot be copied as they are, with the images they draw (and,
    without a place, the images their drawing reaches otherwise: through a pattern, a Type3
    glyph...), to render them. First each page of `numbers` is stripped, in `source`, to its
    drawing (`_strip`). Then a page is rendered when what its drawing reaches (the closure of
    the objects its content stream, the resources it names and its kept keys refer to) shares an
    object with what a page left out reaches (its drawing, annotations, thumbnail, beads...),
    besides objects that carry nothing of a page (`_harmless`): a book spread's image, a Form
    XObject, a pattern, a font, a JBIG2 scan's shared symbol dictionary (a scanner's invisible
    OCR text is dropped first when that is what shares: `_drop_invisible_text`). Or when it draws an
    image that stands past its MediaBox. (Not past its CropBox: a scanner's CropBox trims the
    page's own margin, which the OCR read too, since poppler renders the MediaBox.)"""
    wanted = set(numbers)
    page_keys = _page_tree(source)
    left_out = len(wanted) < len(source.pages)
    elsewhere: set[tuple[int, int]] = set()
    for number, page in enumerate(source.pages, start=1):
        if number not in wanted:
            elsewhere |= _closure(_everything(page, _used(page)), page_keys)
    partial = {}
    for number in sorted(wanted):
        page = source.pages[number - 1]
        used = _used(page)
        reached = _closure(_drawing(page, used), page_keys) if left_out else set()
        shared = {key for key in reached & elsewhere if not _harmless(source.get_object(key))}
        if shared and _drop_invisible_text(source, page):
            # A scanner's own OCR text (invisible; the text layer grafted replaces it) in a
            # font every page shares: the page without it may be copied as it is.
            used = _used(page)
            reached = _closure(_drawing(page, used), page_keys)
            shared = {key for key in reached & elsewhere if not _harmless(source.get_object(key))}
        _strip(page, used)
        images = _drawn(page)
        box = _box(page.mediabox)
        if shared or any(_past(d.box, box) for d in images):
            placed = {d.key for d in images}
            for key in sorted(reached):
                obj = source.get_object(key)
                if key not in placed and isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                    images.append(_coded(key, obj))
            partial[number] = images
    return partial


# A copied page keeps these keys only: its drawing and its boxes. Annotations (and with them
# form fields, replies, popups, links), article beads, a thumbnail, structure tree and metadata
# links, actions, application data are not the scan; the dossier's own file keeps them.
_KEPT = frozenset(
    ("/Type", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate")
    + ("/Resources", "/Contents", "/Group", "/UserUnit")
)
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
# Operator -> the resource category its name operand is looked up in.
_USES = {
    "Do": "/XObject",
    "Tf": "/Font",
    "gs": "/ExtGState",
    "sh": "/Shading",
    "cs": "/ColorSpace",
    "CS": "/ColorSpace",
    "scn": "/Pattern",
    "SCN": "/Pattern",
    "BDC": "/Properties",
    "DP": "/Properties",
}
_DEVICE = frozenset(("/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/Pattern", "/G", "/RGB", "/CMYK", "/I"))
# Keys of a font listing the glyphs or codes it is used with (on every page that uses it).
_GLYPH_LISTS = frozenset(("/Differences", "/Widths", "/W", "/W2", "/FirstChar", "/LastChar"))
_PARSE_ERRORS = (pikepdf.PdfError, ValueError, TypeError, AttributeError, KeyError, IndexError)


def _inherited(obj: pikepdf.Dictionary, key: str) -> object:
    """`key` of a page, its own or from the page tree above it."""
    for _ in range(64):
        if key in obj:
            return obj[key]
        parent = obj.get("/Parent")
        if not isinstance(parent, pikepdf.Dictionary):
            return None
        obj = parent
    return None


def _used(page: pikepdf.Page) -> pikepdf.Dictionary | None:
    """The part of the page's resources its content streams name (a new dictionary of the same
    references); None when they cannot be parsed (then all of its resources count)."""
    resources = _inherited(page.obj, "/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        return pikepdf.Dictionary()
    names: dict[str, set[str]] = {}
    try:
        _names(pikepdf.parse_content_stream(page), resources, 0, names)
    except _PARSE_ERRORS:
        return None
    used = pikepdf.Dictionary()
    for category, wanted in sorted(names.items()):
        listed = resources.get(category)
        if not isinstance(listed, pikepdf.Dictionary):
            continue
        kept = pikepdf.Dictionary({name: listed[name] for name in sorted(wanted) if name in listed})
        if kept:
            used[category] = kept
    return used


def _names(instructions, resources: pikepdf.Dictionary, depth: int, names: dict[str, set[str]]) -> None:  # noqa: ANN001
    """Collect the resource names `instructions` use, by category (through Form XObjects that
    draw with the page's own resources, as some old producers write them)."""
    for instruction in instructions:
        operator, operands = str(instruction.operator), instruction.operands
        if operator == "INLINE IMAGE":
            space = instruction.iimage.obj.get("/ColorSpace", instruction.iimage.obj.get("/CS"))
            if isinstance(space, pikepdf.Name) and str(space) not in _DEVICE:
                names.setdefault("/ColorSpace", set()).add(str(space))
            continue
        category = _USES.get(operator)
        if category is None or not operands:
            continue
        if operator in ("BDC", "DP"):
            operand = operands[1] if len(operands) > 1 else None
        else:
            operand = operands[-1] if operator in ("scn", "SCN") else operands[0]
        if not isinstance(operand, pikepdf.Name) or (category == "/ColorSpace" and str(operand) in _DEVICE):
            continue
        names.setdefault(category, set()).add(str(operand))
        if operator == "Do" and depth < _FORM_DEPTH:
            xobjects = resources.get("/XObject")
            form = xobjects.get(str(operand)) if isinstance(xobjects, pikepdf.Dictionary) else None
            if (
                isinstance(form, pikepdf.Stream)
                and form.get("/Subtype") == "/Form"
                and "/Resources" not in form
            ):
                _names(pikepdf.parse_content_stream(form), resources, depth + 1, names)


def _drawing(page: pikepdf.Page, used: pikepdf.Dictionary | None) -> list[object]:
    """What a copied page carries: its kept keys, the resources its content names only."""
    roots: list[object] = [page.obj.get(key) for key in _KEPT if key not in ("/Resources", "/Type")]
    roots.append(_inherited(page.obj, "/Resources") if used is None else used)
    return roots


def _everything(page: pikepdf.Page, used: pikepdf.Dictionary | None) -> list[object]:
    """What a page left out reaches: its keys (annotations, thumbnail, beads...) and the
    resources its content names (a resource dictionary some scanners share among all pages
    lists every page's image; those of the others are not this page's)."""
    roots: list[object] = [value for key, value in page.obj.items() if key not in ("/Parent", "/Resources")]
    roots.append(_inherited(page.obj, "/Resources") if used is None else used)
    return roots


def _page_tree(source: pikepdf.Pdf) -> set[tuple[int, int]]:
    """The pages and the page tree's nodes: QPDF copies none of them along with a page (a
    reference to a page or node not copied becomes null)."""
    keys = {page.obj.objgen for page in source.pages}
    for page in source.pages:
        node = page.obj.get("/Parent")
        for _ in range(64):
            if not isinstance(node, pikepdf.Dictionary) or not node.is_indirect or node.objgen in keys:
                break
            keys.add(node.objgen)
            node = node.get("/Parent")
    return keys


def _closure(roots: list[object], pages: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The indirect objects `roots` refer to, at any depth; not through a page or the page
    tree (a link's destination, an annotation's /P), which QPDF does not copy."""
    seen: set[tuple[int, int]] = set()
    stack = [root for root in roots if isinstance(root, pikepdf.Object)]
    while stack:
        obj = stack.pop()
        if obj.is_indirect:
            key = obj.objgen
            if key in seen or key in pages:
                continue
            seen.add(key)
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            children = obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = obj
        else:
            continue
        stack.extend(child for child in children if isinstance(child, pikepdf.Object))
    return seen


def _strip(page: pikepdf.Page, used: pikepdf.Dictionary | None) -> None:
    """Leave the page (in the source, which is never saved) its drawing only: the keys of
    `_KEPT` (inherited ones made its own) and, of its resources, those its content names."""
    obj = page.obj
    for key in _INHERITED:
        value = _inherited(obj, key)
        if key not in obj and value is not None:
            obj[key] = value
    for key in list(obj.keys()):
        if key not in _KEPT:
            del obj[key]
    if used is not None:
        obj.Resources = used


_SHOW = frozenset(("Tj", "TJ", "'", '"'))


def _drop_invisible_text(source: pikepdf.Pdf, page: pikepdf.Page) -> bool:
    """When all the text the page's content shows is invisible (render mode 3: a scanner's OCR
    layer), give the page (in `source`) a content stream without its text objects and font
    selections, and say so; its images and other drawing are untouched."""
    try:
        instructions = list(pikepdf.parse_content_stream(page))
    except _PARSE_ERRORS:
        return False
    mode, stack, shown, kept, inside = 0, [], False, [], False
    for instruction in instructions:
        operator, operands = str(instruction.operator), instruction.operands
        if operator == "q":
            stack.append(mode)
        elif operator == "Q":
            mode = stack.pop() if stack else mode
        elif operator == "Tr" and operands:
            mode = int(operands[0])
        elif operator in _SHOW:
            if mode != 3:
                return False
            shown = True
        if operator == "BT":
            inside = True
        if not inside and operator != "Tf":
            kept.append(instruction)
        if operator == "ET":
            inside = False
    if not shown or inside:
        return False
    page.obj.Contents = source.make_stream(pikepdf.unparse_content_stream(kept))
    return True


def _harmless(obj: pikepdf.Object, depth: int = 0) -> bool:
    """May this object be shared with a page left out? Only if it holds nothing of a page: no
    stream (drawings, images, fonts, symbol dictionaries...) and no string (a note, a field's
    value, a palette), only names, numbers and such (a colour space array, a graphics state, a
    standard font not embedded, without its list of glyphs), and references to objects as
    harmless; or an ICC colour profile (a scanner's, the same for every page it scans: it
    describes the device, not what a page shows)."""
    if depth > 16:
        return False
    if isinstance(obj, pikepdf.Stream):
        return _icc_profile(obj) and all(
            _harmless(value, depth + 1) for key, value in obj.items() if key not in ("/Length",)
        )
    if isinstance(obj, pikepdf.Dictionary):
        if any(key in _GLYPH_LISTS for key in obj):
            return False
        return all(_harmless(value, depth + 1) for value in obj.values())
    if isinstance(obj, pikepdf.Array):
        return all(_harmless(value, depth + 1) for value in obj)
    if isinstance(obj, pikepdf.Name):
        return True
    return not isinstance(obj, pikepdf.Object)  # a number, a boolean, null; not a string


def _icc_profile(stream: pikepdf.Stream) -> bool:
    """An ICC profile stream (as an /ICCBased colour space holds): /N components, and the
    profile's signature where ICC puts it."""
    if stream.get("/N") not in (1, 3, 4) or "/Subtype" in stream or "/Type" in stream:
        return False
    try:
        return stream.read_bytes()[36:40] == b"acsp"
    except pikepdf.PdfError:
        return False


def _coded(key: tuple[int, int], image: pikepdf.Stream) -> _Drawn:
    """An image reached other than by Do (a pattern, a glyph...): its coding, no place."""
    drawn = _image(key, _IDENTITY, image.get("/Width", 0), image.get("/Height", 0), image)
    return _Drawn(key, (0.0, 0.0, 0.0, 0.0), drawn.pixels, drawn.bilevel, drawn.gray, drawn.jpeg)


def _past(box: tuple[float, ...], page: tuple[float, ...]) -> bool:
    """Does `box` stand past `page` by more than a scanner's rounding or bleed (the larger of
    _SLACK and _BLEED of the page's size, on each side)?"""
    across = max(_SLACK, _BLEED * (page[2] - page[0]))
    down = max(_SLACK, _BLEED * (page[3] - page[1]))
    return (
        box[0] < page[0] - across
        or box[1] < page[1] - down
        or box[2] > page[2] + across
        or box[3] > page[3] + down
    )


def _drawn(page: pikepdf.Page) -> list[_Drawn]:
    """The images the page's content draws (through Form XObjects too), where each lands. A
    content stream that cannot be parsed draws nothing known: the page is copied as it is."""
    found: list[_Drawn] = []
    try:
        _walk(pikepdf.parse_content_stream(page), page.get_resources(), _IDENTITY, 0, found)
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        return found
    return found


def _walk(instructions, resources: object, ctm: Matrix, depth: int, found: list[_Drawn]) -> None:  # noqa: ANN001
    stack: list[Matrix] = []
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    for instruction in instructions:
        operator, operands = str(instruction.operator), instruction.operands
        if operator == "q":
            stack.append(ctm)
        elif operator == "Q":
            ctm = stack.pop() if stack else ctm
        elif operator == "cm" and len(operands) == 6:
            ctm = _times(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif operator == "INLINE IMAGE":
            inline = instruction.iimage
            found.append(_image(None, ctm, inline.width, inline.height, inline.obj))
        elif operator == "Do" and isinstance(xobjects, pikepdf.Dictionary) and operands:
            xobject = xobjects.get(str(operands[0]))
            if not isinstance(xobject, pikepdf.Stream):
                continue
            if xobject.get("/Subtype") == "/Image":
                key = xobject.objgen if xobject.is_indirect else None
                found.append(_image(key, ctm, xobject.get("/Width", 0), xobject.get("/Height", 0), xobject))
            elif xobject.get("/Subtype") == "/Form" and depth < _FORM_DEPTH:
                matrix = tuple(float(v) for v in xobject.get("/Matrix", _IDENTITY))
                inner = xobject.get("/Resources", resources)
                _walk(pikepdf.parse_content_stream(xobject), inner, _times(matrix, ctm), depth + 1, found)  # type: ignore[arg-type]


def _image(key: tuple[int, int] | None, ctm: Matrix, width: object, height: object, image) -> _Drawn:  # noqa: ANN001
    """An image drawn with `ctm`: the unit square it fills, mapped to the page."""
    a, b, c, d, e, f = ctm
    xs = (e, a + e, c + e, a + c + e)
    ys = (f, b + f, d + f, b + d + f)
    names = lambda value: [str(v) for v in value] if isinstance(value, pikepdf.Array) else [str(value)]  # noqa: E731
    filters = names(image.get("/Filter", image.get("/F", [])))
    space = image.get("/ColorSpace", image.get("/CS"))
    bits = int(image.get("/BitsPerComponent", image.get("/BPC", 8)))
    bilevel = bool(image.get("/ImageMask", image.get("/IM", False))) or bits == 1
    if isinstance(space, pikepdf.Array) and len(space) > 1 and str(space[0]) == "/ICCBased":
        gray = int(space[1].get("/N", 3)) == 1
    else:
        gray = bool(space is not None and names(space)[0] in ("/DeviceGray", "/G", "/CalGray"))
    return _Drawn(
        key=key,
        box=(min(xs), min(ys), max(xs), max(ys)),
        pixels=(int(width), int(height)),  # type: ignore[call-overload]
        bilevel=bilevel,
        gray=bilevel or gray,
        jpeg=any(name in ("/DCTDecode", "/DCT", "/JPXDecode") for name in filters),
    )


def _times(m: Matrix, n: Matrix) -> Matrix:
    """The PDF matrix product m × n (m applied first)."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _render_dpi(images: list[_Drawn], media: tuple[float, ...]) -> int:
    """The images' own resolution (pixels per inch as placed; the finest of them), bounded."""
    dpi = 0.0
    for d in images:
        width, height = d.box[2] - d.box[0], d.box[3] - d.box[1]
        if width > 0 and height > 0:
            dpi = max(dpi, d.pixels[0] * 72 / width, d.pixels[1] * 72 / height)
    dpi = min(max(round(dpi) or IMAGE_DPI, _RENDER_DPI[0]), _RENDER_DPI[1])
    area = (media[2] - media[0]) * (media[3] - media[1]) / 72 / 72
    while dpi > _RENDER_DPI[0] and area * dpi * dpi > _RENDER_PIXELS:
        dpi = max(_RENDER_DPI[0], int(dpi * 0.8))
    return dpi


def _rendered(
    target: pikepdf.Pdf, original: Path, source: pikepdf.Pdf, number: int, images: list[_Drawn]
) -> pikepdf.Page:
    """Page `number` of `source` as a new page of `target`: a rendering of its MediaBox (not
    turned) at the images' resolution, coded as they were, with the page's boxes and turn."""
    page = source.pages[number - 1]
    media = _box(page.mediabox)
    rotate = _rotation(page)
    dpi = _render_dpi(images, media)
    with pikepdf.new() as alone:  # the page alone, not turned: poppler renders its MediaBox
        alone.pages.append(page)
        alone.pages[0].obj.Rotate = 0
        buffer = io.BytesIO()
        alone.save(buffer)
    gray = bool(images) and all(d.gray for d in images)  # no image known: colour
    try:
        (image,) = pdf2image.convert_from_bytes(
            buffer.getvalue(), dpi=dpi, grayscale=gray, timeout=_RENDER_TIMEOUT
        )
    except (PopplerNotInstalledError, PDFInfoNotInstalledError) as exc:
        raise MissingDependency("poppler not found: install the Debian package poppler-utils") from exc
    except PDFPopplerTimeoutError as exc:
        raise Transient(f"poppler took over {_RENDER_TIMEOUT} s to render page {number}") from exc
    except (PDFPageCountError, PDFSyntaxError, *_DAMAGED) as exc:  # ValueError: no page drawn
        problem = _first_line(exc)
        raise BadInput(f"PDF page {number} of {original.name} cannot be rendered ({problem})") from exc
    if images and all(d.bilevel for d in images):
        data = _lossless(image.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1"))
    elif any(d.jpeg for d in images):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90)
        data = out.getvalue()
    else:
        data = _lossless(image)
    with pikepdf.open(io.BytesIO(_convert([data], [dpi]))) as made:
        (drawn,) = made.pages[0].obj.Resources.XObject.values()  # img2pdf's one image
        picture = target.copy_foreign(drawn)
    x0, y0, x1, y1 = media
    content = f"q {_num(x1 - x0, 4)} 0 0 {_num(y1 - y0, 4)} {_num(x0, 4)} {_num(y0, 4)} cm /Im0 Do Q"
    obj = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array([x0, y0, x1, y1]),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=picture)),
        Contents=target.make_stream(content.encode()),
    )
    if "/CropBox" in page.obj:
        obj.CropBox = pikepdf.Array(list(_box(page.cropbox)))
    if rotate:
        obj.Rotate = rotate
    return pikepdf.Page(target.make_indirect(obj))


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
