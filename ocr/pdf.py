"""Searchable PDF written while pages are read: each page image (re-)encoded, with an invisible
text layer aligned on the words. Superseded by `ocr.searchable_pdf.write_searchable_pdf`, which
grafts the same layer onto the original's own pages without re-encoding them (a PDF original
grew about 2x here); kept while `ocr.pipeline` still writes with it.

No second OCR run: the layer (ocr/searchable_pdf.py `text_layer`) is drawn from the words
`ocr_page` found (boxes in ORIGINAL page pixels), in Tesseract's own way: a glyph-less embedded
font (Tesseract's `pdf.ttf`, every glyph blank and 1/2 em wide), text render mode 3 (invisible),
one text object per word, scaled to the word's box and turned with the page (quarter turn and
skew), Unicode through a ToUnicode map so copy, search and `pdftotext` give the OCR text. Pages
turned when scanned get /Rotate, so viewers show them upright.

The writer streams: each page's image is written as soon as it comes, only object offsets stay in
memory. JPEG pages and simple PNG pages are embedded byte for byte (no recompression, no loss);
other pages losslessly (Flate). Output is deterministic (no dates): the same pages give the same
bytes. Not PDF/A: that needs an ICC output intent and metadata, and a validator (veraPDF) to
claim it.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from ocr.imaging import flatten_on_white, grayscale
from ocr.searchable_pdf import GLYPH_WIDTH, TO_UNICODE, glyphless_font, text_layer
from schemas import Page

__all__ = ["PageImage", "SearchablePdfWriter", "build_searchable_pdf", "encode_page_image"]


@dataclass(frozen=True)
class PageImage:
    """One page image, compressed and ready to embed (small enough to pass between processes)."""

    width: int
    height: int
    colour_space: str  # DeviceGray or DeviceRGB
    bits: int  # 1 or 8
    filter: str  # DCTDecode or FlateDecode
    data: bytes
    dpi: float
    decode_parms: str = ""  # e.g. PNG predictor parameters of a passed-through PNG


def encode_page_image(image: Image.Image, dpi: float | None, source: Path | None = None) -> PageImage:
    """Compress one page for the PDF. `source`: the original file, when this page is all of it
    (a JPEG or PNG), so its bytes can be embedded as they are."""
    dpi = float(dpi or 300)
    if source is not None:
        passed = _passthrough(Path(source), image, dpi)
        if passed is not None:
            return passed
    if image.mode == "1":
        colour, bits = "DeviceGray", 1
    elif image.mode == "L":
        colour, bits = "DeviceGray", 8
    else:
        if image.mode != "RGB":
            image = _flatten(image)
        colour, bits = ("DeviceGray", 8) if image.mode == "L" else ("DeviceRGB", 8)
    data = zlib.compress(image.tobytes(), 6)
    return PageImage(image.width, image.height, colour, bits, "FlateDecode", data, dpi)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return grayscale(image)  # one definition of how deep images become 8-bit
    return flatten_on_white(image, "RGB")


def _passthrough(path: Path, image: Image.Image, dpi: float) -> PageImage | None:
    head = path.read_bytes()[:8] if path.is_file() else b""
    if head.startswith(b"\xff\xd8\xff"):
        return _jpeg(path, image, dpi)
    if head == b"\x89PNG\r\n\x1a\n":
        return _png(path, image, dpi)
    return None


def _jpeg(path: Path, image: Image.Image, dpi: float) -> PageImage | None:
    with Image.open(path) as original:
        mode, size = original.mode, original.size
        turned = original.getexif().get(0x0112, 1) not in (0, 1)
    if turned or size != image.size or mode not in ("L", "RGB"):
        return None  # EXIF-turned or CMYK: the pixels shown must be those OCR saw
    colour = "DeviceGray" if mode == "L" else "DeviceRGB"
    return PageImage(size[0], size[1], colour, 8, "DCTDecode", path.read_bytes(), dpi)


def _png(path: Path, image: Image.Image, dpi: float) -> PageImage | None:
    data = path.read_bytes()
    position, idat = 8, []
    header = None
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind in (b"IEND", b"tRNS"):
            if kind == b"tRNS":
                return None
            break
        position += 12 + length
    if header is None or not idat:
        return None
    width, height, depth, colour_type, _, _, interlace = header
    simple = (colour_type == 0 and depth in (1, 8)) or (colour_type == 2 and depth == 8)
    if not simple or interlace or (width, height) != image.size:
        return None
    colours = 1 if colour_type == 0 else 3
    parms = f"<< /Predictor 15 /Colors {colours} /BitsPerComponent {depth} /Columns {width} >>"
    colour = "DeviceGray" if colours == 1 else "DeviceRGB"
    return PageImage(width, height, colour, depth, "FlateDecode", b"".join(idat), dpi, parms)


class SearchablePdfWriter:
    """Write a searchable PDF page by page to a binary stream (a file opened "wb")."""

    _CATALOG, _PAGES, _FONT, _CID_FONT, _CID_MAP, _UNICODE, _DESCRIPTOR, _FONT_FILE = range(1, 9)

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._offsets: dict[int, int] = {}
        self._pages: list[int] = []
        self._next = 9
        self._closed = False
        self._write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
        self._fonts()

    def __enter__(self) -> SearchablePdfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()

    def _write(self, data: bytes) -> None:
        self._out.write(data)

    def _position(self) -> int:
        return self._out.tell()

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self._offsets[number] = self._position()
        self._write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self._write(b"\nstream\n" + stream + b"\nendstream")
        self._write(b"\nendobj\n")

    def _new(self) -> int:
        self._next += 1
        return self._next - 1

    def _fonts(self) -> None:
        font = glyphless_font()
        cid_map = zlib.compress(b"\x00\x01" * 65536)  # every CID -> glyph 1
        self._object(
            self._FONT,
            b"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H"
            b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (self._CID_FONT, self._UNICODE),
        )
        self._object(
            self._CID_FONT,
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            b" /FontDescriptor %d 0 R /CIDToGIDMap %d 0 R /DW %d >>"
            % (self._DESCRIPTOR, self._CID_MAP, round(GLYPH_WIDTH * 1000)),
        )
        self._object(self._CID_MAP, b"<< /Length %d /Filter /FlateDecode >>" % len(cid_map), cid_map)
        self._object(self._UNICODE, b"<< /Length %d >>" % len(TO_UNICODE), TO_UNICODE)
        self._object(
            self._DESCRIPTOR,
            b"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 %d 1000]"
            b" /ItalicAngle 0 /Ascent 1000 /Descent -1 /CapHeight 1000 /StemV 80 /FontFile2 %d 0 R >>"
            % (round(GLYPH_WIDTH * 1000), self._FONT_FILE),
        )
        self._object(self._FONT_FILE, b"<< /Length %d /Length1 %d >>" % (len(font), len(font)), font)

    def add_page(self, image: PageImage, page: Page) -> None:
        """Append one page: `image` as scanned, `page` the OCR result for it."""
        if self._closed:
            raise ValueError("the PDF is closed")
        scale = 72.0 / image.dpi
        width_pt, height_pt = image.width * scale, image.height * scale
        image_number, content_number, page_number = self._new(), self._new(), self._new()
        parms = f" /DecodeParms {image.decode_parms}" if image.decode_parms else ""
        self._object(
            image_number,
            (
                f"<< /Type /XObject /Subtype /Image /Width {image.width} /Height {image.height}"
                f" /ColorSpace /{image.colour_space} /BitsPerComponent {image.bits}"
                f" /Filter /{image.filter}{parms} /Length {len(image.data)} >>"
            ).encode(),
            image.data,
        )
        content = zlib.compress(_content(page, scale, width_pt, height_pt))
        self._object(content_number, b"<< /Length %d /Filter /FlateDecode >>" % len(content), content)
        rotate = f" /Rotate {page.orientation % 360}" if page.orientation % 360 else ""
        self._object(
            page_number,
            (
                f"<< /Type /Page /Parent {self._PAGES} 0 R /MediaBox [0 0 {width_pt:.3f} {height_pt:.3f}]"
                f"{rotate} /Contents {content_number} 0 R /Resources << /XObject << /Im0 {image_number}"
                f" 0 R >> /Font << /F0 {self._FONT} 0 R >> >> >>"
            ).encode(),
        )
        self._pages.append(page_number)

    def close(self) -> None:
        """Write the page tree, the cross-reference table and the trailer. Idempotent."""
        if self._closed:
            return
        self._closed = True
        kids = " ".join(f"{number} 0 R" for number in self._pages)
        self._object(self._PAGES, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._pages)} >>".encode())
        self._object(self._CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self._PAGES)
        info = self._new()
        self._object(info, b"<< /Producer (sohoa) /Creator (sohoa OCR: Tesseract vie) >>")
        xref = self._position()
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % self._next]
        lines += [b"%010d 00000 n \n" % self._offsets[number] for number in range(1, self._next)]
        self._write(b"".join(lines))
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (self._next, self._CATALOG, info, xref)
        )


def build_searchable_pdf(pages: Iterable[tuple[PageImage, Page]]) -> bytes:
    """The whole searchable PDF in memory; for a few pages. Large records: SearchablePdfWriter."""
    buffer = io.BytesIO()
    with SearchablePdfWriter(buffer) as writer:
        for image, page in pages:
            writer.add_page(image, page)
    return buffer.getvalue()


# --- the text layer ------------------------------------------------------------------------------


def _content(page: Page, scale: float, width_pt: float, height_pt: float) -> bytes:
    parts = [f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /Im0 Do Q".encode()]
    layer = text_layer(page.words, page, scale, height_pt)
    if layer:
        parts.append(layer)
    return b"\n".join(parts)
