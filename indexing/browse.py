"""Browsing the SQLite index for the API: date ranges, sort by date, facet counts, fast at scale.

A separate addition to indexing/sqlite.py (issue 6), reading the same file through its own
connection. `SqliteIndex.search` ranks every matching page with BM25 in SQL, which takes over a
second when a query matches most of 100,000 pages. Here the record fields and the page -> record
map are held as NumPy arrays (indexing/arrays.py), reloaded whenever the file changes (PRAGMA
data_version). A query is then:

1. the matching pages: each query part's page list read from FTS5 once and then kept in memory
   (indexing/postings.py), the parts ANDed as masks; or, for a query with a rare word, every
   match ranked by BM25 in one SQL statement;
2. filters, facet counts and order, vectorised over records;
3. titles and page texts read for the one page of hits shown.

Ranking is the index's own (pages holding every accented word in its exact spelling first, then
BM25 with the exact column weighted up, then newest) whenever the rarest query word is on at most
RANK_LIMIT pages divided by the number of query parts, or the query's words (no phrase) meet on
that few pages. A broader query (common words only, where BM25's IDF is small and scoring each
match costs 2-20 µs) is ordered by exact spelling, then newest: `BrowseResult.ranked` is False.
Hits are checked again against the records table before they are returned, so a record whose
access class changed since the arrays were loaded is not served. A masked query (the public role)
reads pages_fts alone, which holds the public form of every page that has one; a full query
also reads private_fts for those pages (indexing/sqlite.py), in both ways.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import Transient
from indexing.arrays import (
    ACCESS_CODES,
    FacetValue,
    RecordArrays,
    Sort,
    access_mask,
    all_of,
    facet_counts,
    filter_masks,
    first_in_group,
    load_arrays,
    order_slots,
)
from indexing.postings import Postings
from indexing.query import ParsedQuery, parse_query
from indexing.snippets import snippet
from indexing.sqlite import (
    EXACT_WEIGHT,
    FOLDED_WEIGHT,
    SCHEMA_TABLES,
    SCHEMA_VERSION,
    SqliteIndex,
    fts5_exact_match,
    fts5_match,
)
from indexing.sqlite_files import check_file, is_damage, unusable
from schemas import AccessClass, SearchHit, SearchQuery, SearchResult

__all__ = [
    "RANK_LIMIT",
    "BrowseRequest",
    "BrowseResult",
    "Browser",
    "FacetValue",
    "IndexStats",
    "Sort",
]

log = logging.getLogger(__name__)

RANK_LIMIT = 3000  # pages x query parts: BM25 over more costs more than ~15 ms


@dataclass(frozen=True)
class BrowseRequest:
    """A search with the extras the API needs.

    `visible` holds the access classes the caller may see: records of other classes are neither
    counted nor returned, whatever the filters. `query.filters.access` is the caller's choice
    among them (application.access.restrict). `redact(record_id, text)` is applied to page text and titles
    before snippets are cut; `content=False` returns ids only (no title, no snippet).
    """

    query: SearchQuery
    visible: tuple[AccessClass, ...] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Sort = "relevance"
    facets: bool = True
    facet_limit: int | None = None
    content: bool = True
    redact: Callable[[str, str], str] | None = None


@dataclass(frozen=True)
class BrowseResult:
    result: SearchResult
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    ranked: bool = True  # False: a broad query, ordered by exact spelling then date
    access: dict[str, AccessClass] = field(default_factory=dict)  # record id -> class, per hit


@dataclass(frozen=True)
class IndexStats:
    records: int
    pages: int
    needs_review: int
    by_access: dict[str, int]


@dataclass(frozen=True)
class _Matches:
    """What a query matched. Per record slot: found, the tier of its best page and that page's
    BM25 rank (0 when not ranked). Per page (by pid): tier 1 and rank, for picking best pages."""

    found: np.ndarray
    tier: np.ndarray
    rank: np.ndarray
    pids: np.ndarray
    page_tier: np.ndarray
    page_rank: np.ndarray | None
    ranked: bool


def _phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


_RANKED = (
    f"SELECT rowid, bm25({{table}}, {EXACT_WEIGHT}, {FOLDED_WEIGHT}), {{tier}} "
    "FROM {table} WHERE {table} MATCH :match"
)
_TIER = "rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH :exact)"
_DF = "SELECT count(*) FROM (SELECT 1 FROM pages_fts WHERE pages_fts MATCH ? LIMIT ?)"


class Browser:
    """Fast filtered, faceted, sorted search over one SqliteIndex file (thread-safe)."""

    def __init__(self, path: Path, *, rank_limit: int = RANK_LIMIT) -> None:
        self.path = Path(path).expanduser().resolve()
        self.rank_limit = rank_limit
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._version: int | None = None
        self._arrays: RecordArrays | None = None
        self._postings = Postings()

    @classmethod
    def for_index(cls, index: SqliteIndex) -> Browser:
        return cls(index.path)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._arrays, self._version = None, None, None

    # -- connection and arrays ----------------------------------------------------------------

    @contextmanager
    def _session(self, action: str) -> Iterator[tuple[sqlite3.Connection, RecordArrays]]:
        """One read transaction (one snapshot of the file) and the arrays loaded from it."""
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN")
                try:
                    yield conn, self._fresh_arrays(conn)
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self.close()
                if is_damage(exc):
                    raise unusable("search index", self.path, f"is damaged ({exc})") from exc
                raise Transient(f"search index {self.path}: {action} failed: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        st = self.path.stat()  # a rebuilt file (a new inode) needs a new connection
        if self._conn is None or (st.st_ino, st.st_dev) != self._inode:
            self.close()
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 10000")
            state = check_file(conn, tables=SCHEMA_TABLES, version=SCHEMA_VERSION)
            if state != "ready":  # the tables read here are those of this version
                conn.close()
                raise unusable("search index", self.path, "is empty" if state == "empty" else state)
            self._conn, self._inode = conn, (st.st_ino, st.st_dev)
        return self._conn

    def _fresh_arrays(self, conn: sqlite3.Connection) -> RecordArrays:
        conn.execute("SELECT 1 FROM records LIMIT 1").fetchall()  # start the read snapshot
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._arrays is None or version != self._version:
            self._arrays = load_arrays(conn)
            self._postings.reset(len(self._arrays.page_slot))
            self._version = version
            log.debug("browse arrays loaded: %d records", len(self._arrays))
        return self._arrays

    # -- public -------------------------------------------------------------------------------

    def stats(self) -> IndexStats:
        with self._session("stats") as (_conn, arrays):
            counts = np.bincount(arrays.access, minlength=len(ACCESS_CODES))
            return IndexStats(
                records=len(arrays),
                pages=arrays.pages,
                needs_review=int(arrays.needs_review.sum()),
                by_access={name: int(counts[code]) for code, name in enumerate(ACCESS_CODES)},
            )

    def browse(self, request: BrowseRequest) -> BrowseResult:
        parsed, query = parse_query(request.query.q), request.query
        with self._session("browse") as (conn, arrays):
            seen = _visible_pages(arrays, request.visible)
            matches = self._matches(conn, arrays, parsed, seen, masked=query.masked)
            candidates = np.ones(len(arrays), dtype=bool) if matches is None else matches.found.copy()
            if request.visible is not None:
                candidates &= access_mask(arrays, request.visible)
            masks = filter_masks(arrays, query.filters, request.date_from, request.date_to)
            keep = all_of(masks, candidates)
            facets = facet_counts(arrays, candidates, masks, request.facet_limit) if request.facets else {}
            tier = np.zeros(len(arrays), np.int8) if matches is None else matches.tier
            rank = np.zeros(len(arrays)) if matches is None else matches.rank
            order = order_slots(
                arrays,
                keep,
                tier,
                rank,
                by_date=matches is None or request.sort == "date",
                ranked=matches is not None and matches.ranked,
                count=query.offset + query.limit,
            )
            shown = order[query.offset :]
            hits, access = self._hits(conn, arrays, matches, shown, parsed, request)
        return BrowseResult(
            result=SearchResult(total=int(keep.sum()), hits=hits),
            facets=facets,
            ranked=matches is None or matches.ranked,
            access=access,
        )

    # -- matching -----------------------------------------------------------------------------

    def _narrow(self, conn: sqlite3.Connection, parsed: ParsedQuery, seen: np.ndarray | None) -> bool:
        """True when BM25 over every match is cheap: some folded query token is on at most
        rank_limit / (number of parts) pages. BM25 costs per page and per part (its phrases are
        read on both columns), so a query of four words is ranked up to a quarter as many
        pages as a query of one. Counting stops past the limit: a common token costs no more
        than a rare one. With `seen` (the pages the caller may see) only those are counted, so
        the choice, which the caller sees (`ranked`, the order of hits), tells nothing about
        hidden pages."""
        limit = self.rank_limit // len(parsed.parts)
        tokens = sorted({token for part in parsed.parts for token in part.folded}, key=len, reverse=True)
        for token in tokens:
            if seen is not None:
                count = int(np.count_nonzero(self._postings.mask(conn, "folded", (token,)) & seen))
            elif (count := self._postings.count("folded", (token,))) is None:
                match = f"folded : {_phrase((token,))}"
                count = conn.execute(_DF, (match, limit + 1)).fetchone()[0]
            if count <= limit:
                return True
        return False

    def _matches(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        parsed: ParsedQuery,
        seen: np.ndarray | None,
        *,
        masked: bool,
    ) -> _Matches | None:
        """The pages `parsed` matches; masked: on what the public may search only; `seen`: the
        pages the caller may see (None: all)."""
        if parsed.is_empty:
            return None
        if self._narrow(conn, parsed, seen):
            return self._ranked(conn, arrays, parsed, masked=masked)
        matched = self._all_of(conn, arrays, "folded", [part.folded for part in parsed.parts], masked)
        matched &= arrays.page_slot >= 0 if seen is None else seen
        pids = np.flatnonzero(matched)
        few = 0 < len(pids) * len(parsed.parts) <= self.rank_limit
        if few and all(len(part.folded) == 1 for part in parsed.parts):
            # Common words that meet on few pages (a name): BM25 reads only those pages. A phrase
            # of common words would have its positions checked on every page that has the words.
            return self._ranked(conn, arrays, parsed, masked=masked)
        marked = [part.exact for part in parsed.parts if part.exact != part.folded]
        exact = self._all_of(conn, arrays, "exact", marked, masked) & matched if marked else matched
        page_tier = exact.view(np.int8)
        found, tier = np.zeros(len(arrays), dtype=bool), np.zeros(len(arrays), dtype=np.int8)
        found[arrays.page_slot[pids]] = True
        tier[arrays.page_slot[pids[page_tier[pids] == 1]]] = 1
        return _Matches(found, tier, np.zeros(len(arrays)), pids, page_tier, None, ranked=False)

    def _all_of(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        column: str,
        parts: list[tuple[str, ...]],
        masked: bool,
    ) -> np.ndarray:
        """The pages holding every part on `column`; full: a page with personal data on its text."""
        found = self._postings.all_of(conn, column, parts)
        if not masked:
            personal = arrays.page_personal
            found = (found & ~personal) | (
                self._postings.all_of(conn, column, parts, "private_fts") & personal
            )
        return found

    @staticmethod
    def _ranked(
        conn: sqlite3.Connection, arrays: RecordArrays, parsed: ParsedQuery, *, masked: bool
    ) -> _Matches:
        """Every match ranked by BM25 in SQL, as SqliteIndex.search ranks them."""
        exact_match = fts5_exact_match(parsed)
        params = {"match": fts5_match(parsed), "exact": exact_match}
        rows: list[tuple] = []
        for table in ("pages_fts",) if masked else ("pages_fts", "private_fts"):
            tier = "0" if exact_match is None else _TIER.format(table=table)
            found = conn.execute(_RANKED.format(table=table, tier=tier), params).fetchall()
            found = [r for r in found if r[0] < len(arrays.page_slot) and arrays.page_slot[r[0]] >= 0]
            if not masked:  # a page with personal data is matched on its full text only
                private = table == "private_fts"
                found = [r for r in found if bool(arrays.page_personal[r[0]]) == private]
            rows += found
        pids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        page_rank = np.zeros(len(arrays.page_slot))
        page_tier = np.zeros(len(arrays.page_slot), dtype=np.int8)
        page_rank[pids] = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        page_tier[pids] = np.fromiter((r[2] for r in rows), dtype=np.int8, count=len(rows))
        best = _best_pages(arrays, pids, page_tier, page_rank)
        found, tier, rank = np.zeros(len(arrays), bool), np.zeros(len(arrays), np.int8), np.zeros(len(arrays))
        slots = arrays.page_slot[best]
        found[slots], tier[slots], rank[slots] = True, page_tier[best], page_rank[best]
        return _Matches(found, tier, rank, pids, page_tier, page_rank, ranked=True)

    # -- hits ---------------------------------------------------------------------------------

    def _hits(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        matches: _Matches | None,
        shown: np.ndarray,
        parsed: ParsedQuery,
        request: BrowseRequest,
    ) -> tuple[list[SearchHit], dict[str, AccessClass]]:
        if not len(shown):
            return [], {}
        rids = [int(arrays.rids[s]) for s in shown]
        rows = conn.execute(
            f"SELECT rid, id, title, access FROM records WHERE rid IN ({', '.join('?' * len(rids))})", rids
        )
        current = {rid: (record_id, title, access) for rid, record_id, title, access in rows}
        allowed = set(request.query.filters.access or ACCESS_CODES) & set(request.visible or ACCESS_CODES)
        column = "coalesce(public_text, text)" if request.query.masked else "text"
        best = _best_pid_of(arrays, matches, shown)
        texts: dict[int, tuple[int, str]] = {}
        if request.content:
            pids = [pid for pid in best.values() if pid >= 0]
            sql = f"SELECT pid, number, {column} FROM pages WHERE pid IN ({', '.join('?' * len(pids))})"
            texts = {pid: (number, text) for pid, number, text in conn.execute(sql, pids)}
        hits, access = [], {}
        for slot, rid in zip(shown, rids, strict=True):
            if rid not in current or current[rid][2] not in allowed:
                self._version = None  # the arrays are stale: reload them on the next call
                log.warning("record rid %d changed under the browse arrays: not served", rid)
                continue
            record_id, title, klass = current[rid]
            number, text = texts.get(best[int(slot)], (None, ""))
            if request.redact is not None:
                text, title = request.redact(record_id, text), request.redact(record_id, title)
            rank = matches.rank[slot] if matches is not None else 0.0
            hits.append(
                SearchHit(
                    id=record_id,
                    score=-float(rank) if rank else 0.0,
                    title=title if request.content else "",
                    snippet=snippet(text, parsed.parts) if request.content else "",
                    page=number if request.content else None,
                )
            )
            access[record_id] = klass
        return hits, access


def _visible_pages(arrays: RecordArrays, visible: tuple[AccessClass, ...] | None) -> np.ndarray | None:
    """Per page id: True when its record is of a class in `visible` (None: no limit)."""
    if visible is None:
        return None
    slots = arrays.page_slot
    seen = np.zeros(len(slots), dtype=bool)
    indexed = slots >= 0
    seen[indexed] = access_mask(arrays, visible)[slots[indexed]]
    return seen


def _best_pages(
    arrays: RecordArrays, pids: np.ndarray, page_tier: np.ndarray, page_rank: np.ndarray | None
) -> np.ndarray:
    """The best of `pids` for each record: highest tier, then best rank, then lowest number."""
    if not len(pids):
        return pids
    slots = arrays.page_slot[pids]
    rank = page_rank[pids] if page_rank is not None else np.zeros(len(pids))
    ordered = pids[np.lexsort((arrays.page_number[pids], rank, -page_tier[pids], slots))]
    return ordered[first_in_group(arrays.page_slot[ordered])]


def _best_pid_of(arrays: RecordArrays, matches: _Matches | None, shown: np.ndarray) -> dict[int, int]:
    """slot -> the pid of the page shown for it: its best matching page, else its first page."""
    best = {int(slot): int(arrays.first_pid[slot]) for slot in shown}
    if matches is not None:
        pids = matches.pids[np.isin(arrays.page_slot[matches.pids], shown)]
        for pid in _best_pages(arrays, pids, matches.page_tier, matches.page_rank):
            best[int(arrays.page_slot[pid])] = int(pid)
    return best
