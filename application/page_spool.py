"""The pages of a file read so far, kept on disk until its package is committed.

A long document is read page by page (application/page_reading.py); each page's result (the
`schemas.Page` with its words, whether its own evidence settled its orientation, and the image
hashes of the page when they were taken while it was read) is written
to `<SOHOA_HOME>/work/<record id>/0001.json` as soon as it is taken, so that a run killed in the
middle of the document loses only the pages in flight: the next run of the same file (the same
bytes: the record id is the file's sha256) takes the pages already read from here and reads only
the rest. `spool.json` names the reader the pages were read with (engine, its version, language):
pages read by another reader are not mixed in, the spool starts again.

The folder is removed when the file's outcome is stored (`forget`), and any spool of a record
already committed is swept away when the next file is read (`sweep`: a run killed between the
commit and the removal). A page file is written whole or not at all (written aside, then renamed);
one that cannot be read back is read again. The spool is the pages in plain text, like the
package being built; page 1 of a document marked secret is never written (page_reading.py checks
it first), and the folder is private to the user running sohoa (0700).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image
from pydantic import ValidationError

from dedup import ImageHashes
from ocr import PageResult
from schemas import Page

__all__ = ["SPOOL_FOLDER", "PageSpool", "SpooledPage", "forget", "spool_folder", "sweep"]

log = logging.getLogger(__name__)

SPOOL_FOLDER = "work"  # under SOHOA_HOME
_STAMP = "spool.json"
_PAGE_SUFFIX = ".json"


def spool_folder(home: Path, record_id: str) -> Path:
    """Where the pages of the file with this record id are kept while it is read."""
    if not record_id or not all(c in "0123456789abcdef" for c in record_id):
        raise ValueError(f"not a record id: {record_id!r}")
    return Path(home) / SPOOL_FOLDER / record_id


@dataclass
class SpooledPage:
    """One page as read or kept: its reading (no image), its image hashes if they were taken,
    the spool it is kept in (None: in none, its words are only in `result`), and whether it was
    seen to bear a secrecy mark (application/page_reading.py says when it is looked for), and
    page 1's image as loaded when the reader kept it (`keep_first`: the second readings use it
    instead of loading the page again)."""

    result: PageResult
    hashes: ImageHashes | None = None
    spool: PageSpool | None = None
    marked: bool = False
    image: Image.Image | None = None


class PageSpool:
    """The pages of one file read so far, one JSON file each. Safe to save from one thread while
    another loads (each page is its own file)."""

    def __init__(self, folder: Path, reader: dict[str, str]) -> None:
        """Open (or start) the spool in `folder` for pages read by `reader` (engine name,
        version, language: what makes two readings of a page the same). A spool left by another
        reader is emptied."""
        self.folder = Path(folder)
        self.reader = dict(reader)
        stamp = self.folder / _STAMP
        if self.folder.exists():
            try:
                same = json.loads(stamp.read_text(encoding="utf-8")) == self.reader
            except (OSError, ValueError):
                same = False
            if not same:
                log.info(
                    "page spool %s: read by another reader (or damaged), starting again", self.folder.name
                )
                shutil.rmtree(self.folder, ignore_errors=True)
        if not self.folder.exists():
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            _write_whole(stamp, json.dumps(self.reader, sort_keys=True).encode())

    @classmethod
    def open(cls, home: Path, record_id: str, reader: dict[str, str]) -> PageSpool:
        return cls(spool_folder(home, record_id), reader)

    def _path(self, number: int) -> Path:
        return self.folder / f"{number:04d}{_PAGE_SUFFIX}"

    def numbers(self) -> list[int]:
        """The numbers of the pages kept, in order."""
        found = []
        for entry in self.folder.glob(f"*{_PAGE_SUFFIX}"):
            if entry.name != _STAMP and entry.stem.isdigit():
                found.append(int(entry.stem))
        return sorted(found)

    def save(self, result: PageResult, hashes: ImageHashes | None = None) -> None:
        """Keep one page read, with its image `hashes` when taken (whole, or not at all if the
        process dies while writing it)."""
        data: dict = {"orientation_known": result.orientation_known}
        data["page"] = result.page.model_dump(mode="json")
        if hashes is not None:
            data["hashes"] = asdict(hashes)
        _write_whole(self._path(result.page.number), json.dumps(data, ensure_ascii=False).encode())

    def load(self, number: int) -> SpooledPage | None:
        """Page `number` as read before (no image), or None when it is not kept (or its file
        cannot be read back: then it is dropped, and the page is read again)."""
        path = self._path(number)
        try:
            data = json.loads(path.read_bytes())
            page = Page.model_validate(data["page"])
            known = bool(data["orientation_known"])
            hashes = ImageHashes(**data["hashes"]) if "hashes" in data else None
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning(
                "page spool %s: page %d unreadable (%s), it is read again", self.folder.name, number, exc
            )
            path.unlink(missing_ok=True)
            return None
        if page.number != number:
            path.unlink(missing_ok=True)
            return None
        return SpooledPage(PageResult(page=page, orientation_known=known), hashes, self)

    def pages(self) -> Iterator[Page]:
        """The pages kept, in order, one at a time."""
        for number in self.numbers():
            kept = self.load(number)
            if kept is not None:
                yield kept.result.page

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def forget(home: Path, record_id: str) -> None:
    """Remove the spool of this record, if any (its outcome is stored)."""
    shutil.rmtree(spool_folder(home, record_id), ignore_errors=True)


_sweep_lock = threading.Lock()


def sweep(home: Path, committed: Callable[[str], bool], *, keep: str | None = None) -> list[str]:
    """Remove the spools whose record is committed (`committed(record_id)`), but `keep`'s;
    return the record ids removed. For a run killed between a commit and the spool's removal."""
    root = Path(home) / SPOOL_FOLDER
    removed = []
    with _sweep_lock:
        try:
            entries = sorted(root.iterdir())
        except FileNotFoundError:
            return removed
        for entry in entries:
            if entry.name == keep or not entry.is_dir():
                continue
            try:
                done = committed(entry.name)
            except Exception:  # a store that cannot answer now: sweep another time
                log.debug("page spool %s: cannot tell whether committed", entry.name, exc_info=True)
                continue
            if done:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
    return removed


def _write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that `path` holds all of it or is not there at all."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        with aside.open("wb") as handle:
            handle.write(data)
        aside.replace(path)
    finally:
        aside.unlink(missing_ok=True)
