"""One scan file -> its pages, streamed in page order, optionally in parallel.

Each page goes through the page stages (ocr/page_reader.py), one after the other in this process,
in a pool of worker processes (ocr/parallel.py), or spread over an executor that many documents
share (`read_file_spread`, with a bounded number of pages in flight and pages already read
reused). The searchable PDF is written once the pages are read (ocr/searchable_pdf.py).
"""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from ocr.engine import OcrEngine
from ocr.load import PDF, count_pages, detect_media_type, iter_pages, load_page, pdf_page_sizes
from ocr.page_reader import DocumentOrientation, PageResult, process_page
from ocr.parallel import PagePool
from ocr.preprocess import PrepareOptions
from schemas import Page

__all__ = ["ocr_file", "ocr_file_results", "read_file_spread"]


def ocr_file(
    path: Path,
    engine: OcrEngine,
    *,
    max_pixels: int = 200_000_000,
    workers: int = 1,
    options: PrepareOptions | None = None,
    pool: PagePool | None = None,
) -> Iterator[Page]:
    """OCR every page of a scan file, in page order, one page at a time (BadInput as soon as a
    page is bad). `workers` > 1: pages are read by that many processes, one Tesseract each (or
    pass a `PagePool` to reuse one for many files)."""
    for result in ocr_file_results(
        path, engine, max_pixels=max_pixels, workers=workers, options=options, pool=pool
    ):
        yield result.page


def ocr_file_results(
    path: Path,
    engine: OcrEngine,
    *,
    max_pixels: int = 200_000_000,
    workers: int = 1,
    options: PrepareOptions | None = None,
    pool: PagePool | None = None,
    keep_first: bool = False,
) -> Iterator[PageResult]:
    """`ocr_file` with each page's step records and notes. With a `pool`, its engine and
    options are used. `keep_first`: page 1's result also carries the image as loaded
    (`source_image`), for whatever else needs to look at the page without loading it again."""
    path = Path(path)
    media_type = detect_media_type(path)
    if pool is not None:
        yield from pool.read_file(path, media_type, max_pixels=max_pixels, keep_first=keep_first)
        return
    if workers > 1:
        with PagePool(engine, workers, options) as own_pool:
            yield from own_pool.read_file(path, media_type, max_pixels=max_pixels, keep_first=keep_first)
        return
    pages = iter_pages(path, media_type, max_pixels=max_pixels)
    yield from _in_turn(pages, engine, options, keep_first)


def _in_turn(pages, engine, options, keep_first) -> Iterator[PageResult]:
    """Pages read one after the other, each told the document's orientation so far."""
    document = DocumentOrientation()
    for source in pages:
        result = process_page(
            source,
            engine,
            options=options,
            keep_source=keep_first and source.number == 1,
            orientation_hint=document.hint,
        )
        document.add(result)
        yield result


def read_file_spread(
    path: Path,
    engine: OcrEngine,
    executor: Executor,
    *,
    in_flight: int,
    max_pixels: int = 200_000_000,
    options: PrepareOptions | None = None,
    keep_first: bool = False,
    keep_sources: bool = False,
    first_alone: bool = False,
    reuse: Callable[[int], PageResult | None] | None = None,
    around: Callable[[int], AbstractContextManager[object]] | None = None,
) -> Iterator[PageResult]:
    """`ocr_file_results`, each page a task of `executor` (shared with other documents: see
    ocr.parallel.page_threads), at most `in_flight` pages of this file submitted and not yet
    taken, the results in page order. BadInput (or any error) of the first bad page, after the
    good pages before it; closing the iterator cancels the pages not begun.

    `reuse(number)`: the page as read before (its `page` and `orientation_known`), or None to
    read it; a reused page is not read again, only loaded when its image is wanted (page 1's
    `source_image` with `keep_first`). `keep_sources`: every page read carries its image as loaded
    (a reused page does not). `first_alone`: page 1 is read alone, and no other
    page is begun before the caller has taken it (and not closed the iterator: a document whose
    page 1 bears a secrecy mark is read no further). `around(number)`: a context manager entered in the
    executor's thread around each page (log context, timing); the caller's context variables
    reach the page too. Each page is told the document's orientation as the pages taken before
    it was submitted show it (with `in_flight` pages ahead, a page knows fewer of its
    predecessors than when the pages are read one after the other)."""
    path = Path(path)
    media_type = detect_media_type(path)
    pages = count_pages(path, media_type, up_to_break=True)
    checked = False
    if media_type == PDF:  # every page size before any page is rendered
        pdf_page_sizes(path, pages, max_pixels)
        checked = True
    document = DocumentOrientation()
    pending: deque[Future[PageResult]] = deque()

    def read(number: int, hint: int | None, before: PageResult | None) -> PageResult:
        with around(number) if around is not None else nullcontext():
            source = load_page(path, media_type, number, max_pixels=max_pixels, size_checked=checked)
            keep = keep_sources or (keep_first and number == 1)
            if before is None:
                return process_page(
                    source,
                    engine,
                    options=options,
                    keep_source=keep,
                    orientation_hint=hint,
                )
            kept = source.image if keep else None
            return PageResult(page=before.page, source_image=kept, orientation_known=before.orientation_known)

    def submit(number: int) -> None:
        before = reuse(number) if reuse is not None else None
        if before is not None and not (keep_first and number == 1):
            done: Future[PageResult] = Future()
            done.set_result(before)
            pending.append(done)
            return
        context = contextvars.copy_context()  # the caller's log context, in the page's thread
        pending.append(executor.submit(context.run, read, number, document.hint, before))

    def results() -> Iterator[PageResult]:
        numbers = iter(range(1, pages + 1))

        def top_up() -> None:
            while len(pending) < max(1, in_flight) and (number := next(numbers, None)) is not None:
                submit(number)

        try:
            if first_alone:
                submit(next(numbers))
            else:
                top_up()
            while pending:
                result = pending.popleft().result()
                document.add(result)
                if first_alone and result.page.number == 1:
                    yield result  # the caller looks at page 1 before any other is begun
                    top_up()
                else:
                    top_up()
                    yield result
        finally:
            for future in pending:
                future.cancel()

    yield from results()
