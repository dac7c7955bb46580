"""Damaged scans the loader must refuse with a reason (BadInput), never crash on: a TIFF cut
short inside a page's directory (Pillow raises TypeError), a TIFF whose next-directory offset
points past its end, a JPEG padded with zeros where its data stopped, and their kin. A complete
image with junk after its end still loads.

The makers are shared with tests/application/test_ingest_damaged.py."""

from __future__ import annotations

import io
import random
import re
import struct
from pathlib import Path

import pytest
from PIL import Image, TiffImagePlugin

from core.errors import BadInput
from ocr.load import count_pages, detect_media_type, iter_pages, load_page
from tests.support import CLEAN_PDF, JPEG_PAGE

MAX_PIXELS = 200_000_000
_GARBAGE = bytes(random.Random(7).randrange(256) for _ in range(4000))


def three_page_tiff() -> bytes:
    """A small uncompressed 3-page TIFF as a scanner driver writes it (directory, pixels, ...)."""
    page = Image.new("L", (60, 80), 255)
    out = io.BytesIO()
    page.save(out, format="TIFF", save_all=True, append_images=[page, page], dpi=(300, 300))
    return out.getvalue()


def _next_ifd_field(data: bytes) -> int:
    """Where the first directory's next-directory offset is stored (little-endian TIFF)."""
    first = struct.unpack_from("<I", data, 4)[0]
    entries = struct.unpack_from("<H", data, first)[0]
    return first + 2 + 12 * entries


def truncated_tiff() -> bytes:
    """The 3-page TIFF cut in half: the copy stopped inside the second page's directory."""
    data = three_page_tiff()
    return data[: len(data) // 2]


def tiff_with_bad_ifd_offset() -> bytes:
    """The first page whole, its next-directory offset pointing past the end of the file."""
    data = bytearray(three_page_tiff())
    struct.pack_into("<I", data, _next_ifd_field(data), len(data) + 10_000)
    return bytes(data)


def tiff_with_bad_first_ifd_offset() -> bytes:
    data = bytearray(three_page_tiff())
    struct.pack_into("<I", data, 4, len(data) + 10_000)
    return bytes(data)


def jpeg_with_zero_tail() -> bytes:
    """A JPEG whose last third is zeros (a pre-allocated download cut short): it decodes, the
    bottom of the page as flat gray, without an error from Pillow."""
    data = JPEG_PAGE.read_bytes()
    cut = len(data) * 2 // 3
    return data[:cut] + bytes(len(data) - cut)


def jpeg_with_garbage_tail() -> bytes:
    data = JPEG_PAGE.read_bytes()
    cut = len(data) * 2 // 3
    return data[:cut] + (_GARBAGE * (len(data) // len(_GARBAGE) + 1))[: len(data) - cut]


def half_pdf() -> bytes:
    data = CLEAN_PDF.read_bytes()
    return data[: len(data) // 2]


DAMAGED = [
    pytest.param(
        truncated_tiff(), "cut.tif", "TIFF file is damaged or incomplete: cannot list", id="tiff-cut-in-half"
    ),
    pytest.param(
        tiff_with_bad_ifd_offset(),
        "ifd.tif",
        "TIFF file is damaged or incomplete: cannot list its pages",
        id="tiff-next-ifd-past-end",
    ),
    pytest.param(
        tiff_with_bad_first_ifd_offset(), "ifd0.tif", "TIFF image is damaged", id="tiff-first-ifd-past-end"
    ),
    pytest.param(jpeg_with_zero_tail(), "zeros.jpg", "JPEG image is incomplete", id="jpeg-zero-tail"),
    pytest.param(
        jpeg_with_garbage_tail(), "junk.jpg", "JPEG image is damaged or incomplete", id="jpeg-garbage-tail"
    ),
    pytest.param(b"", "empty.png", "file is empty (0 bytes)", id="png-zero-bytes"),
    pytest.param(half_pdf(), "half.pdf", "PDF is damaged or incomplete", id="pdf-cut-in-half"),
]


def _load_all(path: Path) -> list:
    media_type = detect_media_type(path)
    count_pages(path, media_type)
    return list(iter_pages(path, media_type, max_pixels=MAX_PIXELS))


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow says so about the cut directory
@pytest.mark.parametrize(("content", "name", "reason"), DAMAGED)
def test_damaged_file_is_bad_input_with_reason(
    content: bytes, name: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInput, match=re.escape(reason)):
        _load_all(path)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_worker_loading_one_page_of_a_cut_tiff_gets_bad_input(tmp_path: Path) -> None:
    """The page slots load page n alone (load_page): the second page of the cut TIFF is past its
    end, and the first page's next-directory pointer leads nowhere."""
    cut, pointer = tmp_path / "cut.tif", tmp_path / "ifd.tif"
    cut.write_bytes(truncated_tiff())
    pointer.write_bytes(tiff_with_bad_ifd_offset())
    for path in (cut, pointer):
        with pytest.raises(BadInput, match=r"TIFF (page 2|image \(page 2\)) is damaged"):
            load_page(path, "image/tiff", 2, max_pixels=MAX_PIXELS)


def test_a_complete_jpeg_with_junk_after_its_end_loads(tmp_path: Path) -> None:
    path = tmp_path / "junk after.jpg"
    path.write_bytes(JPEG_PAGE.read_bytes() + _GARBAGE)
    (page,) = _load_all(path)
    assert page.image.size == Image.open(JPEG_PAGE).size


def test_jpegs_as_encoders_write_them_load(tmp_path: Path) -> None:
    """The end-marker check passes every layout Pillow (libjpeg) writes: progressive, EXIF,
    a large ICC profile in several segments, restart markers."""
    image = Image.new("RGB", (120, 160), "white")
    exif = Image.Exif()
    exif[0x0112] = 1
    for n, options in enumerate(
        [
            {},
            {"progressive": True},
            {"exif": exif},
            {"icc_profile": b"x" * 70_000},
            {"restart_marker_blocks": 1},
        ]
    ):
        path = tmp_path / f"{n}.jpg"
        image.save(path, "JPEG", **options)
        (page,) = _load_all(path)
        assert page.image.size == (120, 160), options


def test_a_resolution_of_zero_over_zero_is_no_dpi(tmp_path: Path) -> None:
    """A damaged resolution tag (0/0 reads as NaN) crashed the dpi reading; it is simply unknown."""
    path = tmp_path / "nan.tif"
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[282] = tags[283] = TiffImagePlugin.IFDRational(0, 0)
    Image.new("L", (40, 60), 255).save(path, tiffinfo=tags)
    (page,) = _load_all(path)
    assert page.dpi is None


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_reader_counts_the_pages_before_a_tiffs_broken_page_list_and_the_break(tmp_path: Path) -> None:
    """A reader reads the whole pages before the break first (a secrecy mark on them is seen
    before the file is quarantined); the page after them is the damage. Asked for a whole count,
    the same file is BadInput."""
    path = tmp_path / "ifd.tif"
    path.write_bytes(tiff_with_bad_ifd_offset())
    assert count_pages(path, "image/tiff", up_to_break=True) == 2
    with pytest.raises(BadInput, match="cannot list its pages"):
        count_pages(path, "image/tiff")
    pages = iter_pages(path, "image/tiff", max_pixels=MAX_PIXELS)
    assert next(pages).number == 1
    with pytest.raises(BadInput, match="TIFF page 2 is damaged"):
        next(pages)
