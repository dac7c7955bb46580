"""Pages read in parallel: a pool of worker processes, one Tesseract each, pages streamed in order;
and the process-wide page threads (`page_threads`) that ingest spreads every document's pages over.

Each worker loads its page from the file itself (poppler renders one PDF page, a TIFF frame is
read alone), so the parent never holds a decoded page: it only receives the small results (the
Page and its step records; page 1's image only when asked, `keep_first`). At most `2 x workers` pages
are in flight, whatever the number of pages. Workers are forked (through a fork server when the
parent runs threads) and run Tesseract with OMP_THREAD_LIMIT=1.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from ocr.engine import OcrEngine
from ocr.load import PDF, count_pages, load_page, pdf_page_sizes
from ocr.page_reader import DocumentOrientation, PageResult, process_page
from ocr.preprocess import PrepareOptions

__all__ = ["PagePool", "PageTask", "default_workers", "page_threads"]

# Set by the initializer in each worker process.
_engine: OcrEngine | None = None
_options: PrepareOptions | None = None


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# The process-wide page threads, by number of slots (see page_threads).
_threads: dict[int, ThreadPoolExecutor] = {}
_threads_lock = threading.Lock()


def page_threads(workers: int) -> ThreadPoolExecutor:
    """The process-wide executor of `workers` page slots, shared by every document this process
    reads (ocr/pipeline.py `read_file_spread`): a batch of single pages keeps the slots busy with
    one page each, one long PDF alone fills them all, and together they never read more than
    `workers` pages at once. Threads, not processes: Tesseract runs as a subprocess and OpenCV,
    zlib and poppler (a subprocess too) release the GIL, so a thread per slot keeps a core busy
    (bench/long_pdf_bench.py measures it) without a second copy of the process per slot.
    Created on first use, never shut down (idle threads cost nothing; they end with the process)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    with _threads_lock:
        executor = _threads.get(workers)
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"sohoa-page{workers}")
            _threads[workers] = executor
        return executor


def _start(engine: OcrEngine, options: PrepareOptions | None) -> None:
    global _engine, _options
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _engine, _options = engine, options


class PageTask(NamedTuple):
    """One page to read: page `number` of the file at `path`."""

    path: Path
    media_type: str
    number: int = 1
    size_checked: bool = False  # the PDF's page size was checked already (pdf_page_sizes)
    orientation_hint: int | None = None  # the document's orientation so far (DocumentOrientation)


def _read(task: PageTask, max_pixels: int, keep_first: bool) -> PageResult:
    assert _engine is not None, "worker not initialised"
    path, media_type, number, checked, hint = task
    source = load_page(path, media_type, number, max_pixels=max_pixels, size_checked=checked)
    keep = keep_first and number == 1
    return process_page(source, _engine, options=_options, keep_source=keep, orientation_hint=hint)


def _context() -> multiprocessing.context.BaseContext:
    """fork when this process runs one thread (fast, nothing re-imported); else a fork server,
    since forking a process with threads (Prefect's, a web server's) can copy a held lock. The
    fork server imports the caller's main module: like any multiprocessing program, it must be
    safe to import (`if __name__ == "__main__":`)."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ocr.parallel"])
    return context


class PagePool:
    """A pool of OCR worker processes; reusable for many files. Use as a context manager."""

    def __init__(self, engine: OcrEngine, workers: int | None = None, options: PrepareOptions | None = None):
        self.workers = workers or default_workers()
        context = _context()
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_start, initargs=(engine, options)
        )

    def __enter__(self) -> PagePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def read_file(
        self,
        path: Path,
        media_type: str,
        *,
        max_pixels: int,
        keep_first: bool = False,
    ) -> Iterator[PageResult]:
        """PageResults of every page of one file, in order; BadInput (or any error) of the first
        bad page. A PDF's page sizes are all checked against `max_pixels` before any is read."""
        path = Path(path)
        pages = count_pages(path, media_type, up_to_break=True)
        checked = False
        if media_type == PDF:
            pdf_page_sizes(path, pages, max_pixels)
            checked = True
        tasks = (PageTask(path, media_type, number, checked) for number in range(1, pages + 1))
        return self.read_pages(tasks, max_pixels=max_pixels, keep_first=keep_first)

    def read_pages(
        self,
        tasks: Iterable[PageTask],
        *,
        max_pixels: int,
        keep_first: bool = False,
    ) -> Iterator[PageResult]:
        """PageResults of the given pages (of one or many files), in the order given;
        `keep_first`: each page 1 also carries its image as loaded (see ocr_file_results).
        Each page is told its document's orientation as far as the pages read so far show it."""
        pending: deque[tuple[Path, Future]] = deque()
        documents: dict[Path, DocumentOrientation] = {}
        tasks = iter(tasks)

        def submit(task: PageTask) -> None:
            document = documents.setdefault(task.path, DocumentOrientation())
            task = task._replace(orientation_hint=document.hint)
            future = self._executor.submit(_read, task, max_pixels, keep_first)
            pending.append((task.path, future))

        try:
            for task in tasks:
                submit(task)
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                path, future = pending.popleft()
                result = future.result()
                documents[path].add(result)
                task = next(tasks, None)
                if task is not None:
                    submit(task)
                yield result
        finally:
            for _, future in pending:
                future.cancel()
