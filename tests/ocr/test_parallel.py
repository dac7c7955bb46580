"""Pages in a process pool: same pages as one by one, in order, bad pages still BadInput."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from core.errors import BadInput
from ocr import PagePool, default_workers, detect_media_type
from ocr.engine import FixedTextEngine, TesseractEngine
from ocr.load import TIFF
from ocr.parallel import PageTask
from ocr.pipeline import ocr_file, ocr_file_results
from ocr.searchable_pdf import write_searchable_pdf
from schemas import Page
from tests.ocr.badfiles import pdf_with_pages, png_header_only, simple_pdf
from tests.ocr.conftest import ROT90_PNG, SEAL_PNG, Read

MAX_PIXELS = 200_000_000
ENGINE = FixedTextEngine("Quyết định số 12", rotation=(0, 15.0))


def _tiff(tmp_path: Path, sizes: list[tuple[int, int]]) -> Path:
    path = tmp_path / "pages.tif"
    frames = [Image.new("L", size, 255) for size in sizes]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    return path


def test_pool_gives_the_pages_in_order_like_one_by_one(tmp_path: Path) -> None:
    path = _tiff(tmp_path, [(300 + 10 * n, 400) for n in range(7)])
    alone = list(ocr_file(path, ENGINE))
    pooled = list(ocr_file(path, ENGINE, workers=2))
    assert [page.number for page in pooled] == list(range(1, 8))
    assert [page.width for page in pooled] == [300 + 10 * n for n in range(7)]
    # The document's orientation reaches a page once an earlier page is read (sooner one by one
    # than in the pool), and spares it the engine's OSD: only the confidence shown may differ.
    unsure = {"orientation_confidence"}
    assert [page.model_dump(exclude=unsure) for page in pooled] == [
        page.model_dump(exclude=unsure) for page in alone
    ]


def test_a_pool_serves_many_files_and_pages_of_several(tmp_path: Path) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    Image.new("L", (200, 100), 255).save(first)
    Image.new("L", (100, 200), 255).save(second)
    with PagePool(ENGINE, 2) as pool:
        pages = [
            r.page
            for r in pool.read_pages(
                [PageTask(first, "image/png"), PageTask(second, "image/png")], max_pixels=MAX_PIXELS
            )
        ]
        again = list(ocr_file(first, ENGINE, pool=pool))
    assert [(p.width, p.height) for p in pages] == [(200, 100), (100, 200)]
    assert again[0].model_dump() == pages[0].model_dump()
    assert default_workers() >= 1


def test_bad_page_in_a_worker_is_bad_input_after_the_good_ones(tmp_path: Path) -> None:
    path = _tiff(tmp_path, [(100, 100), (100, 100), (400, 400)])
    pages = ocr_file(path, ENGINE, workers=2, max_pixels=50_000)
    assert next(pages).number == 1
    assert next(pages).number == 2
    with pytest.raises(BadInput, match=re.escape("page 3 is 400x400 pixels")):
        next(pages)


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (
            png_header_only(50000, 50000),
            "bomb.png",
            "PNG image is too large to open safely (50000x50000 pixels",
        ),
        (png_header_only(0, 0), "empty.png", "PNG image has no pixels (0x0)"),
        (simple_pdf(pdf_with_pages([(72, 72), (14400, 14400)])), "giant.pdf", "page 2 is 60000x60000 pixels"),
    ],
)
def test_pixel_bombs_and_empty_images_are_refused_before_any_worker_reads(
    content: bytes, name: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInput, match=re.escape(reason)):
        list(ocr_file(path, ENGINE, workers=2))


def test_tiff_pixel_bomb_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.tif"
    Image.new("1", (8, 8)).save(path, compression="group4")
    data = bytearray(path.read_bytes())  # claim 50,000 x 50,000 in the header
    for tag in (256, 257):
        at = data.find(tag.to_bytes(2, "little") + (3).to_bytes(2, "little") + (1).to_bytes(4, "little"))
        assert at > 0
        data[at + 8 : at + 10] = (50000).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match=r"50000x50000 pixels|too large to open safely"):
        list(ocr_file(path, ENGINE, workers=2))


def test_real_pages_in_parallel_read_as_alone_and_make_the_pdf(
    engine: TesseractEngine, rot90_pages: list[Page], seal_read: Read, tmp_path: Path
) -> None:
    path = tmp_path / "two.tif"
    with Image.open(ROT90_PNG) as first, Image.open(SEAL_PNG) as second:
        first.save(
            path,
            save_all=True,
            append_images=[second.convert("RGB")],
            dpi=(300, 300),
            compression="tiff_deflate",
        )
    assert detect_media_type(path) == TIFF
    results = list(ocr_file_results(path, engine, workers=2))
    assert [r.page.text for r in results] == [rot90_pages[0].text, seal_read.pages[0].text]
    assert results[0].page.orientation == 270
    out = tmp_path / "two.pdf"
    write_searchable_pdf(path, TIFF, [r.page for r in results], out)
    extracted = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert Counter(extracted.split()) == Counter(w.text for r in results for w in r.page.words)


def test_keep_first_hands_back_page_one_as_loaded_alone_and_pooled(tmp_path: Path) -> None:
    """Whoever needs page 1's image after OCR (the near-duplicate hashes) gets it without
    loading the file again, in a pool as one by one; later pages are let go."""
    path = _tiff(tmp_path, [(300 + 10 * n, 400) for n in range(3)])
    with Image.open(path) as tiff:
        first = tiff.convert("L").tobytes()
    for workers in (1, 2):
        results = list(ocr_file_results(path, ENGINE, workers=workers, keep_first=True))
        kept = [r.source_image for r in results]
        assert kept[0] is not None and kept[0].size == (300, 400), workers
        assert kept[0].convert("L").tobytes() == first, workers
        assert kept[1:] == [None, None], workers
    assert all(r.source_image is None for r in ocr_file_results(path, ENGINE))
