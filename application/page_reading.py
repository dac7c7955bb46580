"""Read the pages of one file for ingest: spread over the process's page slots, kept as they come.

Every document this process ingests sends its pages through one process-wide executor of
`settings.workers` page slots (ocr.parallel.page_threads): a batch of single pages keeps the slots
busy as before (a page each), and one long PDF alone fills them all instead of reading its pages
one after the other. A document keeps at most 2 x workers of its pages in flight and takes them
in page order.

Each page taken is written to the file's page spool (application/page_spool.py) at once, so a run
killed in the middle of a long document loses only the pages in flight: the next run reads only
the pages not kept. The spool goes when the file's outcome is stored (`forget_pages`), or at
the latest when a later file is read and the record is found committed (`sweep`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from application.ingest_metrics import OCR_SECONDS, PAGES
from application.logs import log_context
from application.page_spool import PageSpool, SpooledPage, forget, sweep
from application.secret_docs import page_shows_secrecy
from application.services import Services
from core import __version__
from core.errors import BadInput, SecretBadInput
from dedup import ImageHashes, page_hashes
from ocr import PageResult
from ocr.parallel import page_threads
from ocr.pipeline import read_file_spread
from schemas import Page
from storage import package_exists
from storage.dossier_package import dossier_exists
from vntext.syllable_lm import active_model

__all__ = [
    "LOOK_AHEAD",
    "SECRET_NOT_COPIED",
    "dossier_spool_id",
    "forget_pages",
    "read_pages",
    "read_spooled",
    "reader_of",
]

log = logging.getLogger(__name__)

SECRET_NOT_COPIED = "(a page showed a secrecy mark: no copy kept, the file was left where it is)"

LOOK_AHEAD = 2  # pages in flight per document: this many per page slot


def reader_of(services: Services) -> dict[str, str]:
    """What makes two readings of a page the same: pages read otherwise are not reused."""
    engine = services.engine
    return {
        "sohoa": __version__,
        "engine": engine.name,
        "engine_version": str(engine.version),
        "lang": services.settings.ocr_lang,
        "syllables": active_model().name,  # the diacritic correction's model (learn-syllables)
    }


class PagesRead(NamedTuple):
    """What `read_pages` gives: the pages, page 1's image hashes, whether reading stopped after
    page 1 for its secrecy mark, and page 1's image as loaded (for the second readings; None
    after a secrecy mark)."""

    pages: list[Page]
    first_page: ImageHashes
    marked: bool
    first_image: Image.Image | None


def read_pages(path: Path, services: Services, record_id: str, *, sweep_first: bool = True) -> PagesRead:
    """The pages of the file, in order, each read with its page number in the log context and
    timed for the metrics (the searchable PDF is written from them afterwards, by the caller).
    Also the first page's image hashes, taken while the page is at hand (the near-duplicate
    fingerprint needs them), and whether reading stopped after page 1 because it bears a
    secrecy mark (a state secret is read no further, and nothing of it is kept in the spool;
    a mark found only on a later page is seen once the whole document is read, and from that
    page on the spool is removed and nothing more kept: a kill then costs the whole reading).

    Pages kept by an earlier run of the same file (killed, or stopped by a Transient error) are
    taken from the spool, not read again. BadInput (the file is quarantined) removes the spool;
    any other error leaves it for the next run; the caller removes it once the file's outcome
    is stored (`forget_pages`). `sweep_first=False`: the spools of committed records are left
    (reprocess reads committed records only, several at once: each would remove the others')."""
    results = read_spooled(
        path,
        services,
        record_id,
        keep_first=True,
        secrecy_stop=True,
        secrecy_unspooled=True,
        sweep_first=sweep_first,
    )
    pages: list[Page] = []
    hashes: ImageHashes | None = None
    first_image: Image.Image | None = None
    for read in results:
        page = read.result.page
        if page.number == 1:
            hashes, first_image = read.hashes, read.image
        pages.append(page)
        if page.number == 1 and read.marked:
            results.close()
            assert hashes is not None, "page 1 comes with its image (keep_first)"
            return PagesRead(pages, hashes, True, None)  # a secret's image is not kept
    if not pages:
        raise BadInput("the file has no pages")
    assert hashes is not None, "page 1 comes with its image (keep_first)"
    return PagesRead(pages, hashes, False, first_image)


def read_spooled(
    path: Path,
    services: Services,
    spool_id: str,
    *,
    keep_first: bool = False,
    hash_pages: bool = False,
    secrecy_stop: bool = False,
    secrecy_unspooled: bool = False,
    spooled: bool = True,
    sweep_first: bool = True,
    unspooling: Callable[[PageSpool], None] | None = None,
) -> Iterator[SpooledPage]:
    """The pages of one file, in order, read over the process's page slots and each kept in
    the page spool `<home>/work/<spool_id>/` (a record id: 32 hex digits) as soon as it is
    taken; pages the spool holds from an earlier run are taken from it, not read again. Each
    comes with the image hashes of the page as loaded (dedup.page_hashes) when its image was at
    hand: page 1's with `keep_first` (loaded again when the page is reused), every page's with
    `hash_pages` (taken as each page is read, kept in the spool with it: a page kept without
    them is read again); the image itself is dropped at once. `marked`: the page bears a
    secrecy mark, looked for on every page while the spool is kept with `secrecy_unspooled`, and
    on page 1 with `secrecy_stop` (once a page: it is a whole metadata reading).
    `secrecy_stop`: page 1 is read alone first; when it bears a secrecy mark it is yielded but
    not spooled, the spool is removed and nothing more is read (the caller stops there).
    `secrecy_unspooled` (a dossier, read to its end whatever it holds): from the first page that
    bears a secrecy mark on, the spool is removed and no page is kept in it (nothing of a secret
    stays in clear at rest; a rerun reads the file again); `unspooling(spool)` is called just
    before, for the caller to take what it still wants of the pages kept. `spooled=False`: no
    page is kept at all (a file of a dossier after one where a secrecy mark showed).
    `sweep_first`: remove the spools of what is committed first (once per dossier is enough:
    the sweep asks the store of each). BadInput removes the spool; other errors leave it. Once
    the pages' outcome is stored, the caller calls `forget_pages(services, spool_id)`."""
    settings = services.settings
    if sweep_first:
        sweep(settings.home, lambda sid: _committed(services, sid), keep=spool_id)
    spool = PageSpool.open(settings.home, spool_id, reader_of(services))
    spooling = spooled
    if not spooling:
        spool.remove()
    reused: dict[int, ImageHashes | None] = {}

    def reuse(number: int) -> PageResult | None:
        if not spooling:
            return None
        before = spool.load(number)
        if before is None or (hash_pages and before.hashes is None):
            return None
        reused[number] = before.hashes
        return before.result

    @contextmanager
    def around(number: int) -> Iterator[None]:
        started = time.monotonic()
        with log_context(page=number):
            yield
        if number not in reused:
            OCR_SECONDS.observe(time.monotonic() - started)
            PAGES.inc()

    workers = settings.workers
    results = read_file_spread(
        path,
        services.engine,
        page_threads(workers),
        in_flight=LOOK_AHEAD * workers,
        max_pixels=settings.max_image_pixels,
        keep_first=keep_first,
        keep_sources=hash_pages,
        first_alone=secrecy_stop,
        reuse=reuse,
        around=around,
    )
    taken = 0
    mark_seen = False  # a fault after a page showed a secrecy mark: SecretBadInput
    try:
        for result in results:
            page = result.page
            hashes = reused.get(page.number)
            image = None
            if result.source_image is not None:
                hashes = page_hashes(result.source_image, page.orientation)
                image = result.source_image if keep_first and page.number == 1 else None
                result.source_image = None
            looked = (spooling and secrecy_unspooled) or (secrecy_stop and page.number == 1)
            marked = looked and page_shows_secrecy(page)  # once a page: a whole metadata reading
            mark_seen = mark_seen or marked
            if marked and spooling and secrecy_unspooled:
                spooling = False
                if unspooling is not None:
                    unspooling(spool)
                spool.remove()
                log.warning(
                    "record %s: a secrecy mark on page %d, no page is kept from here", spool_id, page.number
                )
            if marked and secrecy_stop and page.number == 1:  # page 1, ô 10a
                results.close()
                spool.remove()
                with log_context(file=spool_id):  # a secret's file name may tell its subject
                    log.warning("record %s: secrecy mark on page 1, reading stops there", spool_id)
                yield SpooledPage(result, hashes, marked=True, image=image)
                return
            if spooling and page.number not in reused:
                spool.save(result, hashes)
            read = SpooledPage(result, hashes, spool if spooling else None, marked, image)
            with log_context(page=page.number):
                log.debug("record %s page %d: confidence %.1f", spool_id, page.number, page.confidence)
            taken += 1
            yield read
    except BadInput as exc:
        spool.remove()  # the file is quarantined: its pages are not wanted
        if mark_seen and not isinstance(exc, SecretBadInput):  # no copy of it may be kept
            raise SecretBadInput(f"{exc} {SECRET_NOT_COPIED}") from exc
        raise
    finally:
        results.close()  # a caller that stops early: the pages not begun are not read
    if reused:
        log.info("record %s: %d of %d pages taken from the page spool", spool_id, len(reused), taken)


def dossier_spool_id(dossier_id: str, index: int) -> str:
    """The page spool of a dossier's `index`-th file (0-based): the dossier's id and the index,
    so that a spool left by a kill after the dossier's commit is known for one and swept."""
    return f"{dossier_id}{index:04x}"


def _committed(services: Services, spool_id: str) -> bool:
    """Is what this spool was read for committed: a record (its id), or a dossier (its files')?"""
    if len(spool_id) == len(dossier_spool_id("0" * 32, 0)):
        return dossier_exists(services.store, spool_id[:32])
    return package_exists(services.store, spool_id)


def forget_pages(services: Services, record_id: str) -> None:
    """Remove the page spool of this record: its outcome (package, hold, quarantine) is stored."""
    forget(services.settings.home, record_id)
