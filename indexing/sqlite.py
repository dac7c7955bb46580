"""The embedded search index: SQLite FTS5, one full-text row per page.

Each page is indexed twice: `exact` (search_key: NFC, lower case, one tone-mark convention) and
`folded` (folded_key: no diacritics, đ -> d). We fold ourselves because FTS5's remove_diacritics
does not fold đ. Every query part matches either column. Ranking: pages holding every word that
was typed with diacritics in that exact spelling come first, then BM25 with the exact column
weighted well above the folded one. Hits are grouped per record (its best page). Display and
filter fields live in a plain `records` table, made by indexing.fields (which makes Elasticsearch's
documents too), a document's dossier (hồ sơ) and its order in it included. `search` answers
the whole contract of schemas/search.py (scope, filters, date range, sort, paging, facets)
through indexing/browse.py, on this index's connection and under its lock.

Each access class has its own full-text tables (indexing/postings.py): `pages_fts_<class>` holds
what the public may search of its pages: a page's text, or for a page that holds personal data
its public form (indexing.masking.mask_text: each piece of personal data one fixed token, kept in
`pages.public_text`), whose full text goes to `private_fts_<class>` instead; a title holding
personal data keeps its public form in `records.public_title`. A search reads the tables of the
classes its scope may see and no other: what it finds, the order of its hits (BM25's page counts
and lengths are those of its tables) and the work it does depend on those pages alone. A record
whose class changes (a review, a hold) leaves its old class's tables and enters the new one's in
one transaction. A masked scope (SearchQuery.scope.masked, the public role) reads `pages_fts_*`
alone and shows the public form of pages and titles: it can find only what the public sees, and a
masked value is in no list it reads (no answer, and no time, depends on it), with no read of
storage. A full scope (staff, archivists) reads `pages_fts_*` for pages without personal data and
`private_fts_*` for the others.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import MissingDependency, Transient
from indexing.base import BulkOutcome
from indexing.browse import RANK_LIMIT, Browser
from indexing.fields import IndexedRecord, indexed
from indexing.page_keys import page_keys
from indexing.postings import PAGE_TABLES, PRIVATE_TABLES, TABLES, WARM_MIN_PAGES, ListKey
from indexing.sqlite_files import check_opened, damage_unusable, file_id, opening, rebuild_beside, unusable
from schemas import AccessScope, IndexStats, Record, SearchQuery, SearchResult

__all__ = ["SCHEMA_TABLES", "SCHEMA_VERSION", "SqliteIndex", "read_into_os_cache", "sqlite_file"]

log = logging.getLogger(__name__)

# v5: records.public_title; v6: public forms of doc_type, issuer, provinces, retention;
# v7: records.dossier, records.dossier_order (a document's dossier and its order in it);
# v8: full-text tables per access class (pages_fts_<class>, private_fts_<class>)
SCHEMA_VERSION = 8
BUSY_TIMEOUT_MS = 10_000
SCRUB_PENDING = "-scrub-pending"  # beside the index: a scrub not finished (see SqliteIndex.scrub)
REBUILD_BATCH = 500  # records per transaction in rebuild()
MMAP_BYTES = 1 << 34  # read the file through a memory map (shared by every process serving it)
CACHE_KIB = 65_536  # SQLite's own page cache per connection (the default is 2 MB)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    public_title TEXT,  -- the public form when it differs from title (personal data masked)
    source TEXT NOT NULL,
    doc_type TEXT,
    doc_type_key TEXT,
    year INTEGER,
    issuer TEXT,
    issuer_key TEXT,
    province_key TEXT,  -- the issuer's province as named on the document's date
    province_present TEXT,  -- the province it lies in today (facet)
    province_present_key TEXT,
    access TEXT NOT NULL,
    retention TEXT,
    -- the public forms (personal data masked) of the metadata a facet counts or a filter
    -- compares, when they differ from the full values: what a masked scope counts and compares
    public_doc_type TEXT,
    public_issuer TEXT,
    public_province TEXT,
    public_province_present TEXT,
    public_retention TEXT,
    needs_review INTEGER NOT NULL,
    date TEXT,
    ingested_at TEXT NOT NULL,
    dossier TEXT,  -- the id of the dossier (hồ sơ) the record is a document of
    dossier_order INTEGER  -- its order in that dossier
);
CREATE INDEX IF NOT EXISTS records_newest ON records (date DESC, ingested_at DESC);
CREATE TABLE IF NOT EXISTS pages (
    pid INTEGER PRIMARY KEY,
    rid INTEGER NOT NULL,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    public_text TEXT  -- the public form when it differs from text (personal data masked)
);
CREATE INDEX IF NOT EXISTS pages_record ON pages (rid, number);
""" + "".join(
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(
    exact, folded, tokenize = 'unicode61 remove_diacritics 0'
);
"""
    for table in TABLES
)
SCHEMA_TABLES = tuple(re.findall(r"CREATE (?:VIRTUAL )?TABLE IF NOT EXISTS (\w+)", _SCHEMA))


def _available_memory() -> int | None:
    """MemAvailable of /proc/meminfo in bytes (None where there is none)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite index URL as indexing.open_index reads it ("sqlite:///abs/path" or
    a plain path); None for another engine's."""
    if url.startswith("sqlite://"):
        return Path("/" + url[len("sqlite://") :].lstrip("/"))
    return None if "://" in url else Path(url)


def read_into_os_cache(path: Path, *, share: float = 0.75, chunk: int = 8 << 20) -> int:
    """Read the file at `path` once, so that the OS holds it in its page cache (shared by every
    process): the first searches of a server just started then read memory, not the disk (at
    1,000,000 pages, 13 GB: ~9 s from disk, ~2 s when it is cached already). Skipped when the
    file is larger than `share` of the memory available (it would push out what else the
    machine needs). The bytes read."""
    size = path.stat().st_size
    available = _available_memory()
    if available is not None and size > share * available:
        log.info("search index %s: %d bytes, more than %.0f%% of the memory available: not pre-read",
                 path, size, share * 100)  # fmt: skip
        return 0
    buffer, done = bytearray(chunk), 0
    with path.open("rb", buffering=0) as file:
        os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        while read := file.readinto(buffer):
            done += read
    return done


def _record_row(fields: IndexedRecord) -> dict[str, Any]:
    """The records row: full values, and the public forms (indexing.fields) where they differ."""
    return {
        "id": fields.id,
        "title": fields.title.full,
        "public_title": fields.title.public_if_masked,
        "source": fields.source,
        "doc_type": fields.doc_type.full,
        "doc_type_key": fields.doc_type.full_key,
        "year": fields.year,
        "issuer": fields.issuer.full,
        "issuer_key": fields.issuer.full_key,
        "province_key": fields.province_then.full_key,
        "province_present": fields.province.full,
        "province_present_key": fields.province.full_key,
        "access": fields.access,
        "retention": fields.retention.full,
        "needs_review": int(fields.needs_review),
        "date": fields.date.isoformat() if fields.date else None,
        "ingested_at": fields.ingested_at,
        "public_doc_type": fields.doc_type.public_if_masked,
        "public_issuer": fields.issuer.public_if_masked,
        "public_province": fields.province_then.public_if_masked,
        "public_province_present": fields.province.public_if_masked,
        "public_retention": fields.retention.public_if_masked,
        "dossier": fields.dossier,
        "dossier_order": fields.dossier_order,
    }


_PageRow = tuple[int, str, str, str, str | None, tuple[str, str] | None]


def _page_rows(fields: IndexedRecord) -> list[_PageRow]:
    """(number, text, exact and folded keys of what the public may search, the public form or
    None, the full text's keys when they are private or None) per page."""
    rows: list[_PageRow] = []
    for page in fields.pages:
        if not page.personal:
            rows.append((page.number, page.text, *page_keys(page.text), None, None))
        else:
            rows.append((page.number, page.text, *page_keys(page.public), page.public, page_keys(page.text)))
    return rows


def _tables_of(access: str) -> tuple[str, str]:
    """The full-text tables of a record of class `access` (what the public may search, the full
    text of pages with personal data); an unknown class's are the secret ones, as the search
    arrays count it (indexing/arrays.py)."""
    access = access if access in PAGE_TABLES else "not_accessible"
    return PAGE_TABLES[access], PRIVATE_TABLES[access]


_Prepared = tuple[str, dict[str, Any], list[_PageRow]]


def _prepared(record: Record) -> _Prepared:
    """The rows of one record (its public forms made with its listed personal data): the CPU
    work, done outside the lock."""
    fields = indexed(record)
    return record.id, _record_row(fields), _page_rows(fields)


class SqliteIndex:
    """SearchIndex on one SQLite file. Safe to share between threads (one connection, a lock)."""

    def __init__(self, path: Path, *, scratch: bool = False, rank_limit: int = RANK_LIMIT) -> None:
        """`scratch`: a file being rebuilt, thrown away if anything fails (no journal, no fsync).
        `rank_limit`: see indexing.browse (pages x query parts ranked by BM25)."""
        self.path = Path(path).expanduser().resolve()
        self.url = f"sqlite://{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._scratch = scratch
        self._closed = False
        self._browser = Browser(rank_limit=rank_limit)
        self._open()

    def _open(self) -> None:
        """Connect. A new file gets the tables and ours is used as it is; a damaged or foreign
        file is left exactly as it is, and every use says so (IndexUnusable: run sohoa reindex).
        Inside `opening`: no rebuild renames a new file in while this connection finds its
        journal files."""
        with opening(self.path):
            self._connect()

    def _connect(self) -> None:
        self._problem: str | None = None
        self._browser.forget()
        self._file = file_id(self.path)
        self._conn = sqlite3.connect(
            self.path,
            check_same_thread=False,
            isolation_level=None,  # explicit BEGIN/COMMIT below
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        try:
            with self._translated("open", check=False):
                self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                state = check_opened(
                    self._conn, "search index", self.path, tables=SCHEMA_TABLES, version=SCHEMA_VERSION
                )
                if state not in ("ready", "empty"):
                    self._problem = state
                    return
                journal, sync = ("OFF", "OFF") if self._scratch else ("WAL", "NORMAL")
                self._conn.execute(f"PRAGMA journal_mode = {journal}")
                self._conn.execute(f"PRAGMA synchronous = {sync}")  # derived data: speed over fsyncs
                if not self._scratch:  # searches read pages all over the file: map it, keep more
                    self._conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
                    self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                if state == "empty":
                    self._create_schema()
            self._file = file_id(self.path)
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------

    def _follow_replacement(self) -> None:
        """Reconnect when the file was replaced under this connection (a rebuild renamed a new
        one over it): long-running processes serve the new index without a restart. The old
        connection's close leaves the new file's journal alone (indexing/sqlite_files.py)."""
        if not self._closed and file_id(self.path) != self._file:
            log.info("search index %s was replaced: reconnecting", self.path)
            self._conn.close()
            self._open()

    @contextmanager
    def _translated(self, action: str, *, check: bool = True) -> Iterator[None]:
        """Hold the lock; turn SQLite's operational failures (locked, I/O) into Transient and a
        damaged or foreign file into IndexUnusable (run sohoa reindex)."""
        with self._lock:
            if check:
                self._follow_replacement()
                if self._problem is not None:
                    raise unusable("search index", self.path, self._problem)
                self._finish_scrub()
            with damage_unusable("search index", self.path):
                try:
                    yield
                except sqlite3.OperationalError as exc:
                    if "no such module: fts5" in str(exc):
                        raise MissingDependency(
                            "this SQLite has no FTS5; install a Python built with SQLite FTS5"
                        ) from exc
                    raise Transient(f"search index {self.path}: {action} failed: {exc}") from exc
                except sqlite3.ProgrammingError as exc:  # e.g. used after close()
                    raise Transient(f"search index {self.path}: {action} failed: {exc}") from exc

    @contextmanager
    def _write(self, action: str, *, check: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (no deadlock on upgrade)."""
        with self._translated(action, check=check):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            finally:
                self._browser.forget()  # PRAGMA data_version does not count this connection's writes
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        """One read transaction: one snapshot of the file for everything a search reads."""
        with self._translated(action):
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            except BaseException:
                self._browser.forget()
                raise
            finally:
                if self._conn.in_transaction:
                    self._conn.execute("COMMIT")

    def _create_schema(self) -> None:
        """The tables of a new file (IF NOT EXISTS: another process may be creating them too)."""
        with self._write("create schema", check=False) as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            self._browser.forget()
            self._closed = True

    def __enter__(self) -> SqliteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteIndex({str(self.path)!r})"

    # -- writes ------------------------------------------------------------------------------

    def add(self, record: Record) -> None:
        record_id, row, pages = _prepared(record)
        with self._write(f"add {record.id}") as conn:
            self._insert(conn, record_id, row, pages)
        log.debug("record %s: indexed %d pages", record.id, len(pages))

    def rebuild(self, records: Iterable[Record]) -> BulkOutcome:
        """Fill a fresh file beside this one with `records` (reindex), then swap it in
        (indexing.sqlite_files.rebuild_beside). The live file is not touched before the fresh one
        is complete, and not at all when reading the records fails: whatever it held, damaged
        or foreign included, is replaced only by a whole new index."""

        def fill(fresh: Path) -> BulkOutcome:
            with SqliteIndex(fresh, scratch=True) as building:
                outcome = building._fill(records)
                with building._translated("compact"):
                    building._compact()  # ~10 segments a table otherwise: 3x the lookups a word
                return outcome

        return rebuild_beside(self.path, fill, self._disconnected)

    @contextmanager
    def _disconnected(self) -> Iterator[None]:
        with self._lock:
            self._conn.close()
            try:
                yield
            finally:
                self._open()

    def _fill(self, records: Iterable[Record]) -> BulkOutcome:
        """Add `records` (to a new, empty file) REBUILD_BATCH at a time, one transaction each.

        In this one thread: SQLite releases the GIL while it tokenises a row but takes it back
        for the next, so a writer thread beside the one preparing rows made a rebuild slower
        (545 against 590 records/s on two cores, bench/reindex_bench.py)."""
        outcome = BulkOutcome()
        remaining = iter(records)
        seen: set[str] = set()  # a record given twice replaces its first rows, as add() does
        while chunk := list(itertools.islice(remaining, REBUILD_BATCH)):
            self._write_batch([_prepared(r) for r in chunk], seen)  # prepared outside the lock
            outcome.indexed += len(chunk)
        return outcome

    def _write_batch(self, prepared: list[_Prepared], seen: set[str]) -> None:
        with self._write("rebuild") as conn:
            for record_id, row, pages in prepared:
                self._insert(conn, record_id, row, pages, fresh=record_id not in seen)
                seen.add(record_id)

    def _insert(
        self,
        conn: sqlite3.Connection,
        record_id: str,
        row: dict[str, Any],
        pages: list,
        *,
        fresh: bool = False,
    ) -> None:
        """The record's rows, its pages in its class's full-text tables (after deleting any
        earlier version from its earlier class's: a change of class moves it, in the caller's
        transaction). `fresh`: the index holds no version of it (nothing to delete)."""
        if not fresh:
            self._delete(conn, record_id)
        columns = ", ".join(row)
        values = ", ".join(f":{name}" for name in row)
        rid = conn.execute(f"INSERT INTO records ({columns}) VALUES ({values})", row).lastrowid
        searched, private = _tables_of(row["access"])
        for number, text, exact, folded, public, private_keys in pages:
            pid = conn.execute(
                "INSERT INTO pages (rid, number, text, public_text) VALUES (?, ?, ?, ?)",
                (rid, number, text, public),
            ).lastrowid
            conn.execute(
                f"INSERT INTO {searched} (rowid, exact, folded) VALUES (?, ?, ?)", (pid, exact, folded)
            )
            if private_keys is not None:
                conn.execute(
                    f"INSERT INTO {private} (rowid, exact, folded) VALUES (?, ?, ?)", (pid, *private_keys)
                )

    @staticmethod
    def _delete(conn: sqlite3.Connection, record_id: str) -> None:
        found = conn.execute("SELECT rid, access FROM records WHERE id = ?", (record_id,)).fetchone()
        if found is None:
            return
        rid, access = found
        for table in _tables_of(access):
            conn.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT pid FROM pages WHERE rid = ?)", (rid,))
        conn.execute("DELETE FROM pages WHERE rid = ?", (rid,))
        conn.execute("DELETE FROM records WHERE rid = ?", (rid,))

    def delete(self, record_id: str) -> None:
        with self._write(f"delete {record_id}") as conn:
            self._delete(conn, record_id)

    def clear(self) -> None:
        with self._write("clear") as conn:
            for table in (*TABLES, "pages", "records"):
                conn.execute(f"DELETE FROM {table}")

    def scrub(self) -> None:
        """An FTS5 delete only adds a tombstone: 'optimize' merges the segments, dropping the
        deleted terms; VACUUM rewrites the file without its free pages; the WAL is checkpointed
        into it and truncated to nothing.

        The WAL keeps the deleted text until that truncation, which waits for every reader of an
        older snapshot (a backup, a sqlite3 shell, another worker's long search) and gives up
        after the busy timeout. So the scrub is noted as pending in a file beside the index
        (`<index>-scrub-pending`, before it starts: a scrub cut short is pending too) and, while
        it is, every later use of the index, from any process, tries again without waiting (a
        scrub cut before its VACUUM is done again whole) until the WAL is empty.
        `scrub_pending` says whether one is still pending (for /metrics, sohoa verify)."""
        with self._translated("scrub"):
            self._scrub_stage("vacuum")
            self._vacuum()
            done = self._truncate_wal(wait=True)
        if not done:
            log.warning(
                "search index %s: WAL not emptied, a reader holds it; scrub pending, retried on later use",
                self.path,
            )

    @property
    def _scrub_marker(self) -> Path:
        return self.path.with_name(self.path.name + SCRUB_PENDING)

    def _scrub_stage(self, stage: str) -> None:
        """Note (durably) what is left of a scrub: 'vacuum' (all of it) or 'checkpoint'."""
        with self._scrub_marker.open("w", encoding="utf-8") as out:
            out.write(stage)
            out.flush()
            os.fsync(out.fileno())

    def _vacuum(self) -> None:
        self._compact()
        self._scrub_stage("checkpoint")

    def _compact(self) -> None:
        """Merge each full-text table into one segment (FTS5 'optimize': a word is then looked up
        once per table, not once per segment; deleted rows' terms are dropped) and rewrite the
        file without its free pages (VACUUM). Outside a transaction, under the lock."""
        for table in TABLES:
            self._conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        self._conn.execute("VACUUM")
        self._browser.forget()

    def _truncate_wal(self, *, wait: bool) -> bool:
        """Checkpoint the WAL into the file and truncate it; True (and no scrub pending) when
        done. Without `wait`, busy at once when a reader holds an older snapshot."""
        if not wait:
            self._conn.execute("PRAGMA busy_timeout = 0")
        try:
            busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            if not wait:
                self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not busy:
            self._scrub_marker.unlink(missing_ok=True)
        return not busy

    def _finish_scrub(self) -> None:
        """Try once more, without waiting, to finish a pending scrub (under the lock, outside any
        transaction); a failure leaves it pending for the next try."""
        try:
            stage = self._scrub_marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return
        try:
            if stage != "checkpoint":
                self._conn.execute("PRAGMA busy_timeout = 0")
                try:
                    self._vacuum()
                finally:
                    self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self._truncate_wal(wait=False):
                log.info("search index %s: pending scrub finished", self.path)
        except (sqlite3.Error, OSError) as exc:
            log.debug("search index %s: pending scrub not finished yet: %s", self.path, exc)

    def scrub_pending(self) -> bool:
        """Whether a scrub has not emptied the WAL yet (the held text may still be in
        `<index>-wal`), after one more try to finish it."""
        with self._lock:
            if not self._closed and self._problem is None:
                self._finish_scrub()
            return self._scrub_marker.exists()

    # -- reads -------------------------------------------------------------------------------

    def has(self, record_id: str) -> bool:
        with self._translated("has"):
            sql = "SELECT 1 FROM records WHERE id = ?"
            return self._conn.execute(sql, (record_id,)).fetchone() is not None

    def access_of(self, record_id: str) -> str | None:
        with self._translated("access of"):
            row = self._conn.execute("SELECT access FROM records WHERE id = ?", (record_id,)).fetchone()
            return row[0] if row else None

    def count(self) -> int:
        with self._translated("count"):
            return self._conn.execute("SELECT count(*) FROM records").fetchone()[0]

    def ping(self) -> None:
        with self._translated("ping"):
            self._conn.execute(f"SELECT count(*) FROM {PAGE_TABLES['public']} WHERE rowid = 0").fetchone()

    def stats(self) -> IndexStats:
        with self._read("stats") as conn:
            return self._browser.stats(conn)

    def search(self, query: SearchQuery) -> SearchResult:
        """The whole contract (schemas/search.py), answered by indexing.browse."""
        with self._read("search") as conn:
            return self._browser.search(conn, query)

    # -- warm-up (indexing.base: a server calls these before its first search) -------------------

    def pre_read(self) -> int:
        """Read the index file into the OS cache (`read_into_os_cache`); the bytes read."""
        return read_into_os_cache(self.path)

    def warm(
        self, scopes: list[AccessScope], lists: Iterable[ListKey] = (), *, min_pages: int = WARM_MIN_PAGES
    ) -> int:
        """Make before the first search what searches make on first use: the search arrays, the
        masks of `scopes`, the tables' statistics and the page lists `lists` (table, column,
        tokens; most wanted first, as far as the memory budget goes: see `lists_used`); the
        number of lists in memory."""
        with self._read("warm") as conn:
            return self._browser.warm(conn, scopes, list(lists), min_pages)

    def lists_used(self, *, min_pages: int = WARM_MIN_PAGES) -> list[tuple[ListKey, int]]:
        """The common words' page lists the searches of this process used (those on `min_pages`
        pages or more: never a rare word, or a phrase that could single someone out), with their
        uses, most used first: what a server saves for the warm-up of the next."""
        with self._lock:
            return self._browser.lists_used(min_pages)
