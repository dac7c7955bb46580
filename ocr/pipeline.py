"""One scan file -> its pages, streamed in page order, optionally in parallel.

Each page goes through the page stages (ocr/page_reader.py), one after the other in this process
or in a pool of worker processes (ocr/parallel.py); the searchable PDF can be written on the way
(ocr/pdf.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ocr.engine import OcrEngine
from ocr.load import JPEG, PNG, detect_media_type, iter_pages
from ocr.page_reader import DocumentOrientation, PageResult, process_page
from ocr.parallel import PagePool
from ocr.pdf import SearchablePdfWriter
from ocr.preprocess import PrepareOptions
from schemas import Page

__all__ = ["ocr_file", "ocr_file_results"]


def ocr_file(
    path: Path,
    engine: OcrEngine,
    *,
    max_pixels: int = 200_000_000,
    workers: int = 1,
    options: PrepareOptions | None = None,
    pdf: BinaryIO | None = None,
    pool: PagePool | None = None,
) -> Iterator[Page]:
    """OCR every page of a scan file, in page order, one page at a time (BadInput as soon as a
    page is bad). `workers` > 1: pages are read by that many processes, one Tesseract each (or
    pass a `PagePool` to reuse one for many files). `pdf`: a binary stream to write the
    searchable PDF to, complete once the last page is read."""
    for result in ocr_file_results(
        path, engine, max_pixels=max_pixels, workers=workers, options=options, pdf=pdf, pool=pool
    ):
        yield result.page


def ocr_file_results(
    path: Path,
    engine: OcrEngine,
    *,
    max_pixels: int = 200_000_000,
    workers: int = 1,
    options: PrepareOptions | None = None,
    pdf: BinaryIO | None = None,
    pool: PagePool | None = None,
    keep_first: bool = False,
) -> Iterator[PageResult]:
    """`ocr_file` with each page's step records and notes. With a `pool`, its engine and
    options are used. `keep_first`: page 1's result also carries the image as loaded
    (`source_image`), for whatever else needs to look at the page without loading it again."""
    path = Path(path)
    media_type = detect_media_type(path)
    single = path if media_type in (JPEG, PNG) else None  # its bytes can go into the PDF as is
    want_image = pdf is not None
    if pool is not None:
        results = pool.read_file(
            path, media_type, max_pixels=max_pixels, pdf_images=want_image, keep_first=keep_first
        )
        yield from _written(results, pdf)
        return
    if workers > 1:
        with PagePool(engine, workers, options) as own_pool:
            results = own_pool.read_file(
                path, media_type, max_pixels=max_pixels, pdf_images=want_image, keep_first=keep_first
            )
            yield from _written(results, pdf)
        return
    pages = iter_pages(path, media_type, max_pixels=max_pixels)
    yield from _written(_in_turn(pages, engine, options, want_image, single, keep_first), pdf)


def _in_turn(pages, engine, options, want_image, single, keep_first) -> Iterator[PageResult]:
    """Pages read one after the other, each told the document's orientation so far."""
    document = DocumentOrientation()
    for source in pages:
        result = process_page(
            source,
            engine,
            options=options,
            pdf_image=want_image,
            source_file=single,
            keep_source=keep_first and source.number == 1,
            orientation_hint=document.hint,
        )
        document.add(result)
        yield result


def _written(results: Iterator[PageResult], pdf: BinaryIO | None) -> Iterator[PageResult]:
    writer = SearchablePdfWriter(pdf) if pdf is not None else None
    for result in results:
        if writer is not None and result.image is not None:
            writer.add_page(result.image, result.page)
            result.image = None  # written: let it go
        yield result
    if writer is not None:
        writer.close()
