"""The embedded search index: SQLite FTS5, one full-text row per page.

Each page is indexed twice: `exact` (search_key: NFC, lower case, one tone-mark convention) and
`folded` (folded_key: no diacritics, đ -> d). We fold ourselves because FTS5's remove_diacritics
does not fold đ. Every query part matches either column. Ranking: pages holding every word that
was typed with diacritics in that exact spelling come first, then BM25 with the exact column
weighted well above the folded one. Hits are grouped per record (its best page). Display and
filter fields live in a plain `records` table; filters are applied inside the SQL query.

`pages_fts` holds what the public may search: a page's text, or for a page that holds personal
data its public form (indexing.masking.mask_text: each piece of personal data one fixed token,
kept in `pages.public_text`), whose full text goes to `private_fts` instead. A masked query
(SearchQuery.masked, the public role) reads `pages_fts` alone and cuts snippets from the public
form: it can find only what the public sees, and a masked value is in no list it reads (no
answer, and no time, depends on it). A full query (staff, archivists) reads `pages_fts` for pages
without personal data and `private_fts` for the others.
"""

from __future__ import annotations

import itertools
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import MissingDependency, Transient
from indexing.masking import mask_text, values_of
from indexing.page_keys import page_keys
from indexing.query import ParsedQuery, QueryPart, parse_query
from indexing.rebuild import BulkOutcome
from indexing.snippets import snippet
from indexing.sqlite_files import check_opened, damage_unusable, file_id, rebuild_beside, unusable
from schemas import Record, SearchFilters, SearchHit, SearchQuery, SearchResult
from vntext.normalise import nfc, search_key

__all__ = [
    "SCHEMA_TABLES",
    "SCHEMA_VERSION",
    "SqliteIndex",
    "fts5_exact_match",
    "fts5_match",
    "matched_pages_sql",
]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
EXACT_WEIGHT = 10.0
FOLDED_WEIGHT = 1.0
BUSY_TIMEOUT_MS = 10_000
REBUILD_BATCH = 500  # records per transaction in rebuild()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
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
    needs_review INTEGER NOT NULL,
    date TEXT,
    ingested_at TEXT NOT NULL
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
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(
    exact, folded, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS private_fts USING fts5(
    exact, folded, tokenize = 'unicode61 remove_diacritics 0'
);
"""
SCHEMA_TABLES = tuple(re.findall(r"CREATE (?:VIRTUAL )?TABLE IF NOT EXISTS (\w+)", _SCHEMA))

# Matching pages; each record's best page; the records that pass the filters, best first. Pages
# that hold every diacritic-bearing query word in its exact spelling (`tier` 1) come before the
# rest: BM25 gives no weight to words on more than half the pages, so weights alone cannot keep
# "Phúc" above "Phục" in an archive where "Phúc" is common.
_MATCHED = """SELECT p.rid AS rid, p.pid AS pid, p.number AS number, {rank} AS rank, {tier} AS tier
    FROM {table} JOIN pages AS p ON p.pid = {table}.rowid
    WHERE {table} MATCH :match{only}"""
_EXACT_TIER = "{table}.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH :exact)"
_MATCH_HITS = """
WITH matched AS ({matched}),
best AS (
    SELECT rid, pid, number, rank, tier,
           row_number() OVER (PARTITION BY rid ORDER BY tier DESC, rank, number) AS nth
    FROM matched
)
SELECT r.rid, r.id, r.title, b.pid, b.number, b.rank
FROM best AS b JOIN records AS r ON r.rid = b.rid
WHERE b.nth = 1 AND {where}
ORDER BY b.tier DESC, b.rank, r.date DESC, r.id
LIMIT :limit OFFSET :offset
"""
_MATCH_TOTAL = """
SELECT count(DISTINCT m.rid) FROM ({matched}) AS m JOIN records AS r ON r.rid = m.rid WHERE {where}
"""
_ALL_HITS = """SELECT r.rid, r.id, r.title, NULL, NULL, 0.0 FROM records AS r
WHERE {where}
ORDER BY r.date IS NULL, r.date DESC, r.ingested_at DESC, r.id
LIMIT :limit OFFSET :offset"""
_ALL_TOTAL = "SELECT count(*) FROM records AS r WHERE {where}"


def matched_pages_sql(*, masked: bool, ranked: bool, exact: bool) -> str:
    """The pages a query matches, as rows (rid, pid, number, rank, tier).

    Masked: pages_fts alone (public forms). Full: pages_fts for pages without personal data,
    private_fts for the others. `ranked` adds BM25 (else rank 0), `exact` the exact-spelling tier
    (else tier 0)."""

    def one(table: str, only: str = "") -> str:
        rank = f"bm25({table}, {EXACT_WEIGHT}, {FOLDED_WEIGHT})" if ranked else "0.0"
        tier = _EXACT_TIER.format(table=table) if exact else "0"
        return _MATCHED.format(rank=rank, tier=tier, table=table, only=only)

    if masked:
        return one("pages_fts")
    return f"{one('pages_fts', ' AND p.public_text IS NULL')} UNION ALL {one('private_fts')}"


def _phrase(tokens: tuple[str, ...]) -> str:
    """An FTS5 string: always quoted, so no token can act as an operator."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _part_match(part: QueryPart) -> str:
    return f"(exact : {_phrase(part.exact)} OR folded : {_phrase(part.folded)})"


def fts5_match(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression for a non-empty query: every part, on either key column."""
    return " AND ".join(_part_match(part) for part in query.parts)


def fts5_exact_match(query: ParsedQuery) -> str | None:
    """Every part typed with diacritics, in its exact spelling; None when no part has any."""
    marked = [part for part in query.parts if part.exact != part.folded]
    return " AND ".join(f"exact : {_phrase(part.exact)}" for part in marked) or None


def _filter_sql(filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    """WHERE conditions on `records AS r` with their named parameters."""
    clauses, params = ["1"], {}
    if filters.doc_type is not None:
        clauses.append("r.doc_type_key = :doc_type")
        params["doc_type"] = search_key(filters.doc_type.strip())
    if filters.issuer is not None:
        clauses.append("r.issuer_key = :issuer")
        params["issuer"] = search_key(filters.issuer.strip())
    if filters.province is not None:
        clauses.append("(r.province_key = :province OR r.province_present_key = :province)")
        params["province"] = search_key(filters.province.strip())
    if filters.year is not None:
        clauses.append("r.year = :year")
        params["year"] = filters.year
    if filters.needs_review is not None:
        clauses.append("r.needs_review = :needs_review")
        params["needs_review"] = int(filters.needs_review)
    if filters.access is not None:
        names = [f"access{i}" for i in range(len(filters.access))]
        clauses.append(f"r.access IN ({', '.join(':' + n for n in names)})" if names else "0")
        params.update(zip(names, filters.access, strict=True))
    return " AND ".join(clauses), params


def _utc_text(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def _key_or_none(value: str | None) -> str | None:
    return search_key(value.strip()) if value else None


def _record_row(record: Record) -> dict[str, Any]:
    meta, classification = record.metadata, record.classification
    return {
        "id": record.id,
        "title": nfc(record.title),
        "source": nfc(record.source),
        "doc_type": meta.doc_type and nfc(meta.doc_type),
        "doc_type_key": _key_or_none(meta.doc_type),
        "year": meta.date.year if meta.date else None,
        "issuer": meta.issuer and nfc(meta.issuer),
        "issuer_key": _key_or_none(meta.issuer),
        "province_key": _key_or_none(meta.province),
        "province_present": meta.province_present and nfc(meta.province_present),
        "province_present_key": _key_or_none(meta.province_present),
        "access": classification.access,
        "retention": classification.retention,
        "needs_review": int(classification.needs_review or any(page.needs_review for page in record.pages)),
        "date": meta.date.isoformat() if meta.date else None,
        "ingested_at": _utc_text(record.ingested_at),
    }


_PageRow = tuple[int, str, str, str, str | None, tuple[str, str] | None]


def _page_rows(record: Record) -> list[_PageRow]:
    """(number, text, exact and folded keys of what the public may search, the public form or
    None, the full text's keys when they are private or None) per page: the CPU work, done
    outside the lock."""
    rows: list[_PageRow] = []
    values = values_of(record)
    for page in record.pages:
        text = nfc(page.text)
        public = mask_text(text, values)
        if public == text:
            rows.append((page.number, text, *page_keys(text), None, None))
        else:
            rows.append((page.number, text, *page_keys(public), public, page_keys(text)))
    return rows


class SqliteIndex:
    """SearchIndex on one SQLite file. Safe to share between threads (one connection, a lock)."""

    def __init__(self, path: Path, *, scratch: bool = False) -> None:
        """`scratch`: a file being rebuilt, thrown away if anything fails (no journal, no fsync)."""
        self.path = Path(path).expanduser().resolve()
        self.url = f"sqlite://{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._scratch = scratch
        self._closed = False
        self._open()

    def _open(self) -> None:
        """Connect. A new file gets the tables and ours is used as it is; a damaged or foreign
        file is left exactly as it is, and every use says so (IndexUnusable: run sohoa reindex)."""
        self._problem: str | None = None
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
                if state == "empty":
                    self._create_schema()
            self._file = file_id(self.path)
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------

    def _follow_replacement(self) -> None:
        """Reconnect when the file was replaced under this connection (a rebuild renamed a new
        one over a damaged one): long-running processes serve the new index without a restart."""
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
            self._closed = True

    def __enter__(self) -> SqliteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteIndex({str(self.path)!r})"

    # -- writes ------------------------------------------------------------------------------

    def add(self, record: Record) -> None:
        row, pages = _record_row(record), _page_rows(record)
        with self._write(f"add {record.id}") as conn:
            self._insert(conn, record.id, row, pages)
        log.debug("record %s: indexed %d pages", record.id, len(pages))

    def rebuild(self, records: Iterable[Record]) -> BulkOutcome:
        """Fill a fresh file beside this one with `records` (reindex), then swap it in
        (indexing.sqlite_files.rebuild_beside). The live file is not touched before the fresh one
        is complete, and not at all when reading the records fails: whatever it held, damaged
        or foreign included, is replaced only by a whole new index."""

        def fill(fresh: Path) -> BulkOutcome:
            with SqliteIndex(fresh, scratch=True) as building:
                return building._fill(records)

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
        """Add `records` REBUILD_BATCH at a time, one transaction each."""
        outcome = BulkOutcome()
        remaining = iter(records)
        while chunk := list(itertools.islice(remaining, REBUILD_BATCH)):
            prepared = [(r.id, _record_row(r), _page_rows(r)) for r in chunk]  # outside the lock
            with self._write("rebuild") as conn:
                for record_id, row, pages in prepared:
                    self._insert(conn, record_id, row, pages)
            outcome.indexed += len(chunk)
        return outcome

    def _insert(self, conn: sqlite3.Connection, record_id: str, row: dict[str, Any], pages: list) -> None:
        self._delete(conn, record_id)
        columns = ", ".join(row)
        values = ", ".join(f":{name}" for name in row)
        rid = conn.execute(f"INSERT INTO records ({columns}) VALUES ({values})", row).lastrowid
        for number, text, exact, folded, public, private_keys in pages:
            pid = conn.execute(
                "INSERT INTO pages (rid, number, text, public_text) VALUES (?, ?, ?, ?)",
                (rid, number, text, public),
            ).lastrowid
            conn.execute(
                "INSERT INTO pages_fts (rowid, exact, folded) VALUES (?, ?, ?)", (pid, exact, folded)
            )
            if private_keys is not None:
                conn.execute(
                    "INSERT INTO private_fts (rowid, exact, folded) VALUES (?, ?, ?)", (pid, *private_keys)
                )

    @staticmethod
    def _delete(conn: sqlite3.Connection, record_id: str) -> None:
        found = conn.execute("SELECT rid FROM records WHERE id = ?", (record_id,)).fetchone()
        if found is None:
            return
        conn.execute("DELETE FROM pages_fts WHERE rowid IN (SELECT pid FROM pages WHERE rid = ?)", found)
        conn.execute("DELETE FROM private_fts WHERE rowid IN (SELECT pid FROM pages WHERE rid = ?)", found)
        conn.execute("DELETE FROM pages WHERE rid = ?", found)
        conn.execute("DELETE FROM records WHERE rid = ?", found)

    def delete(self, record_id: str) -> None:
        with self._write(f"delete {record_id}") as conn:
            self._delete(conn, record_id)

    def clear(self) -> None:
        with self._write("clear") as conn:
            for table in ("private_fts", "pages_fts", "pages", "records"):
                conn.execute(f"DELETE FROM {table}")

    def scrub(self) -> None:
        """An FTS5 delete only adds a tombstone: 'optimize' merges the segments, dropping the
        deleted terms; VACUUM rewrites the file without its free pages; the WAL is checkpointed
        into it and truncated to nothing."""
        with self._translated("scrub"):
            for table in ("pages_fts", "private_fts"):
                self._conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
            self._conn.execute("VACUUM")
            busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("search index %s: WAL not emptied, a reader holds it", self.path)

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
            self._conn.execute("SELECT count(*) FROM pages_fts WHERE rowid = 0").fetchone()

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse_query(query.q)
        where, params = _filter_sql(query.filters)
        params.update(limit=query.limit, offset=query.offset)
        if parsed.is_empty:
            hits_sql, total_sql = _ALL_HITS.format(where=where), _ALL_TOTAL.format(where=where)
        else:
            params["match"], params["exact"] = fts5_match(parsed), fts5_exact_match(parsed)
            masked, exact = query.masked, params["exact"] is not None
            hits_sql = _MATCH_HITS.format(
                matched=matched_pages_sql(masked=masked, ranked=True, exact=exact), where=where
            )
            total_sql = _MATCH_TOTAL.format(
                matched=matched_pages_sql(masked=masked, ranked=False, exact=False), where=where
            )
        with self._translated("search"):
            self._conn.execute("BEGIN")  # one snapshot for the hits and the total
            try:
                rows = self._conn.execute(hits_sql, params).fetchall()
                total = self._conn.execute(total_sql, params).fetchone()[0]
                texts = self._page_texts(rows, masked=query.masked)
            finally:
                self._conn.execute("COMMIT")
        return SearchResult(total=total, hits=[self._hit(row, texts, parsed) for row in rows])

    def _page_texts(self, rows: list[tuple], *, masked: bool) -> dict[int, tuple[int, str]]:
        """rid -> (page number, text) of the page each hit shows: its best page, else its first
        (masked: the public form of the page)."""
        texts: dict[int, tuple[int, str]] = {}
        column = "coalesce(public_text, text)" if masked else "text"
        pids = [row[3] for row in rows if row[3] is not None]
        if pids:
            marks = ", ".join("?" * len(pids))
            sql = f"SELECT rid, number, {column} FROM pages WHERE pid IN ({marks})"
            texts.update((rid, (n, text)) for rid, n, text in self._conn.execute(sql, pids))
        firsts = [row[0] for row in rows if row[3] is None]
        if firsts:
            marks = ", ".join("?" * len(firsts))
            sql = f"SELECT rid, number, {column} FROM pages WHERE rid IN ({marks}) ORDER BY number DESC"
            # Rows come last page first, so the first page of each record is the one kept.
            texts.update((rid, (n, text)) for rid, n, text in self._conn.execute(sql, firsts))
        return texts

    @staticmethod
    def _hit(row: tuple, texts: dict[int, tuple[int, str]], parsed: ParsedQuery) -> SearchHit:
        rid, record_id, title, _pid, _number, rank = row
        number, text = texts.get(rid, (None, ""))
        return SearchHit(
            id=record_id,
            score=-rank if rank else 0.0,  # bm25() is lower-is-better; scores are higher-is-better
            title=title,
            snippet=snippet(text, parsed.parts),
            page=number,
        )
