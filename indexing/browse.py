"""Browsing the SQLite index for the API: date ranges, sort by date, facet counts, fast at scale.

A separate addition to indexing/sqlite.py (issue 6), reading the same file through its own
connection. `SqliteIndex.search` ranks every matching page with BM25 in SQL, which takes over a
second when a query matches most of 100,000 pages. Here the record fields (access class, type,
year, issuer, date ...) and the page -> record map are held in NumPy arrays, reloaded whenever
the file changes (PRAGMA data_version). A query is then:

1. the matching pages from FTS5 in one statement (row ids only, as one string);
2. filters, facet counts (each facet counted under every filter but its own) and the order,
   vectorised over records;
3. titles and page texts read for the one page of hits shown.

Ranking is the index's own (pages with every accented word in its exact spelling first, then
BM25 with the exact column weighted up, then newest) whenever the rarest query word is on at most
RANK_LIMIT pages. A broader query (every word on more pages than that, where BM25's IDF is near
zero anyway) is ordered by exact spelling first, then newest: `BrowseResult.ranked` says which.
Hits are checked again against the records table before they are returned, so a record whose
access class changed since the arrays were loaded is never served under its old class.
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
from typing import Literal

import numpy as np

from indexing.query import ParsedQuery, parse_query
from indexing.snippets import snippet
from indexing.sqlite import EXACT_WEIGHT, FOLDED_WEIGHT, SqliteIndex, fts5_exact_match, fts5_match
from ocr.text import search_key
from schemas import AccessClass, SearchHit, SearchQuery, SearchResult
from sohoa.errors import Transient

__all__ = [
    "FACETS",
    "RANK_LIMIT",
    "BrowseRequest",
    "BrowseResult",
    "Browser",
    "FacetValue",
    "IndexStats",
    "Sort",
]

log = logging.getLogger(__name__)

RANK_LIMIT = 5000  # pages: BM25 over more matches than this costs more than ~10 ms
FACETS = ("doc_type", "year", "issuer", "access", "needs_review", "retention")
ACCESS_CODES: tuple[AccessClass, ...] = ("public", "conditional", "not_accessible", "undetermined")
Sort = Literal["relevance", "date"]
_NO_DATE = np.iinfo(np.int32).min  # sorts last when dates are sorted newest first


@dataclass(frozen=True)
class BrowseRequest:
    """A search with the extras the API needs.

    `visible` holds the access classes the caller may see: records of other classes are neither
    counted nor returned, whatever the filters. `query.filters.access` is the caller's choice
    among them (api.access.restrict). `redact(record_id, text)` is applied to page text and titles
    before snippets are cut; `content=False` returns ids only (no title, no snippet).
    """

    query: SearchQuery
    visible: tuple[AccessClass, ...] | None = None  # the caller's classes: a hard limit
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Sort = "relevance"
    facets: bool = True
    content: bool = True
    redact: Callable[[str, str], str] | None = None


@dataclass(frozen=True)
class FacetValue:
    value: str | int | bool
    count: int


@dataclass(frozen=True)
class BrowseResult:
    result: SearchResult
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    ranked: bool = True  # False: a broad query, ordered by exact spelling then date
    access: dict[str, AccessClass] = field(default_factory=dict)  # record id -> class of each hit


@dataclass(frozen=True)
class IndexStats:
    records: int
    pages: int
    needs_review: int
    by_access: dict[str, int]


class _Codes:
    """Strings -> small integers, keeping the first spelling seen of each search key."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.labels: list[str] = []

    def code(self, key: str | None, label: str | None) -> int:
        if key is None:
            return -1
        if key not in self.index:
            self.index[key] = len(self.labels)
            self.labels.append(label or key)
        return self.index[key]


@dataclass(frozen=True)
class _Table:
    """The records and pages of the index as arrays; record slot s is row s of each array."""

    rids: np.ndarray
    ids: list[str]
    id_array: np.ndarray  # the same ids, for sorting
    access: np.ndarray  # index into ACCESS_CODES
    year: np.ndarray  # 0 when unknown
    date: np.ndarray  # julian day, _NO_DATE when unknown
    ingested: np.ndarray  # julian day with time
    doc_type: np.ndarray  # code, -1 when unknown
    issuer: np.ndarray
    retention: np.ndarray
    needs_review: np.ndarray
    doc_types: _Codes
    issuers: _Codes
    retentions: _Codes
    page_slot: np.ndarray  # pid -> record slot, -1 for no page
    page_number: np.ndarray  # pid -> page number
    first_pid: np.ndarray  # slot -> pid of its lowest-numbered page, -1 without pages
    pages: int


_RECORDS_SQL = """SELECT rid, id, access, year, CAST(julianday(date) AS INTEGER), julianday(ingested_at),
doc_type_key, doc_type, issuer_key, issuer, retention, needs_review FROM records"""


def _load_table(conn: sqlite3.Connection) -> _Table:
    rows = conn.execute(_RECORDS_SQL).fetchall()
    doc_types, issuers, retentions = _Codes(), _Codes(), _Codes()
    access_code = {name: code for code, name in enumerate(ACCESS_CODES)}
    n = len(rows)
    rids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    slot_of_rid = {int(rid): slot for slot, rid in enumerate(rids)}
    pages = conn.execute("SELECT pid, rid, number FROM pages").fetchall()
    max_pid = max((p[0] for p in pages), default=0)
    page_slot = np.full(max_pid + 1, -1, dtype=np.int32)
    page_number = np.zeros(max_pid + 1, dtype=np.int32)
    first_pid = np.full(n, -1, dtype=np.int64)
    first_number = np.full(n, np.iinfo(np.int32).max, dtype=np.int64)
    for pid, rid, number in pages:
        slot = slot_of_rid.get(rid, -1)
        page_slot[pid], page_number[pid] = slot, number
        if slot >= 0 and number < first_number[slot]:
            first_number[slot], first_pid[slot] = number, pid
    return _Table(
        rids=rids,
        ids=[r[1] for r in rows],
        id_array=np.array([r[1] for r in rows], dtype=str),
        access=np.fromiter((access_code.get(r[2], 2) for r in rows), dtype=np.int8, count=n),
        year=np.fromiter((r[3] or 0 for r in rows), dtype=np.int32, count=n),
        date=np.fromiter((_NO_DATE if r[4] is None else r[4] for r in rows), dtype=np.int32, count=n),
        ingested=np.fromiter((r[5] or 0.0 for r in rows), dtype=np.float64, count=n),
        doc_type=np.fromiter((doc_types.code(r[6], r[7]) for r in rows), dtype=np.int32, count=n),
        issuer=np.fromiter((issuers.code(r[8], r[9]) for r in rows), dtype=np.int32, count=n),
        retention=np.fromiter((retentions.code(r[10], r[10]) for r in rows), dtype=np.int32, count=n),
        needs_review=np.fromiter((bool(r[11]) for r in rows), dtype=bool, count=n),
        doc_types=doc_types,
        issuers=issuers,
        retentions=retentions,
        page_slot=page_slot,
        page_number=page_number,
        first_pid=first_pid,
        pages=len(pages),
    )


def _phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _folded_match(parsed: ParsedQuery) -> str:
    """Every part on the folded column: the same pages as fts5_match (folded ⊇ exact)."""
    return " AND ".join(f"folded : {_phrase(part.folded)}" for part in parsed.parts)


def _julian(day: dt.date) -> int:
    return day.toordinal() + 1721425  # proleptic Gregorian ordinal -> julian day number (noon)


def _ids(text: str | None) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")  # the fastest parse of many ints


@dataclass(frozen=True)
class _Matches:
    """What a query matched, per record slot: found, tier of its best page, BM25 rank (0 when
    not ranked). `pids` are every matching page; `exact` marks the pages of tier 1 (by pid)."""

    found: np.ndarray
    tier: np.ndarray
    rank: np.ndarray
    pids: np.ndarray
    exact: np.ndarray
    ranked: bool


class Browser:
    """Fast filtered, faceted, sorted search over one SqliteIndex file (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser().resolve()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._version: int | None = None
        self._table: _Table | None = None

    @classmethod
    def for_index(cls, index: SqliteIndex) -> Browser:
        return cls(index.path)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._table, self._version = None, None, None

    # -- connection and arrays ----------------------------------------------------------------

    @contextmanager
    def _session(self, action: str) -> Iterator[tuple[sqlite3.Connection, _Table]]:
        """One read transaction (one snapshot of the file) with arrays loaded from it."""
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN")
                try:
                    yield conn, self._fresh_table(conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self.close()
                raise Transient(f"search index {self.path}: {action} failed: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        st = self.path.stat()
        inode = (st.st_ino, st.st_dev)
        if self._conn is None or inode != self._inode:
            self.close()
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA busy_timeout = 10000")
            self._conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.browse_vocab USING fts5vocab(main, pages_fts, col)"
            )
            self._inode = inode
        return self._conn

    def _fresh_table(self, conn: sqlite3.Connection) -> _Table:
        conn.execute("SELECT 1 FROM records LIMIT 1").fetchall()  # start the read snapshot
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._table is None or version != self._version:
            self._table = _load_table(conn)
            self._version = version
            log.debug("browse arrays loaded: %d records", len(self._table.ids))
        return self._table

    # -- public -------------------------------------------------------------------------------

    def stats(self) -> IndexStats:
        with self._session("stats") as (_conn, table):
            counts = np.bincount(table.access, minlength=len(ACCESS_CODES))
            return IndexStats(
                records=len(table.ids),
                pages=table.pages,
                needs_review=int(table.needs_review.sum()),
                by_access={name: int(counts[code]) for code, name in enumerate(ACCESS_CODES)},
            )

    def browse(self, request: BrowseRequest) -> BrowseResult:
        parsed = parse_query(request.query.q)
        with self._session("browse") as (conn, table):
            matches = self._matches(conn, table, parsed)
            masks = self._filter_masks(table, request)
            candidates = self._candidates(table, matches)
            if request.visible is not None:
                candidates &= np.isin(table.access, [ACCESS_CODES.index(a) for a in request.visible])
            keep = candidates & _all(masks, len(table.ids))
            facets = self._facets(table, candidates, masks) if request.facets else {}
            order = self._order(table, matches, keep, request.sort, parsed)
            page = order[request.query.offset : request.query.offset + request.query.limit]
            hits, access = self._hits(conn, table, matches, page, parsed, request)
        return BrowseResult(
            result=SearchResult(total=int(keep.sum()), hits=hits),
            facets=facets,
            ranked=matches is None or matches.ranked,
            access=access,
        )

    # -- matching -----------------------------------------------------------------------------

    def _bound(self, conn: sqlite3.Connection, parsed: ParsedQuery) -> int:
        """An upper bound of the pages matching: the rarest folded token's page count."""
        tokens = {token for part in parsed.parts for token in part.folded}
        counts = [
            (conn.execute(
                "SELECT doc FROM temp.browse_vocab WHERE term = ? AND col = 'folded'", (token,)
            ).fetchone() or (0,))[0]
            for token in tokens
        ]  # fmt: skip
        return min(counts, default=0)

    def _matches(self, conn: sqlite3.Connection, table: _Table, parsed: ParsedQuery) -> _Matches | None:
        if parsed.is_empty:
            return None
        if self._bound(conn, parsed) <= RANK_LIMIT:
            return self._ranked(conn, table, parsed)
        pids = self._page_ids(conn, table, _folded_match(parsed))
        if len(pids) <= RANK_LIMIT:
            return self._ranked(conn, table, parsed)
        n = len(table.ids)
        exact = np.zeros(len(table.page_slot), dtype=bool)
        match = fts5_exact_match(parsed)
        exact[self._page_ids(conn, table, match) if match else pids] = True
        found, tier = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8)
        found[table.page_slot[pids]] = True
        tier[table.page_slot[pids[exact[pids]]]] = 1
        found[-1] &= bool((table.page_slot[pids] == n - 1).any())  # slot -1 marks no record
        return _Matches(found, tier, np.zeros(n), pids, exact, ranked=False)

    @staticmethod
    def _page_ids(conn: sqlite3.Connection, table: _Table, match: str) -> np.ndarray:
        """Every page matching, as pids known to the arrays (and linked to a record)."""
        sql = "SELECT group_concat(rowid) FROM pages_fts WHERE pages_fts MATCH ?"
        pids = _ids(conn.execute(sql, (match,)).fetchone()[0])
        pids = pids[pids < len(table.page_slot)]
        return pids[table.page_slot[pids] >= 0]

    def _ranked(self, conn: sqlite3.Connection, table: _Table, parsed: ParsedQuery) -> _Matches:
        exact_match = fts5_exact_match(parsed)
        tier = "0" if exact_match is None else "rowid IN (SELECT rowid FROM pages_fts WHERE pages_fts MATCH :exact)"
        sql = (
            f"SELECT rowid, bm25(pages_fts, {EXACT_WEIGHT}, {FOLDED_WEIGHT}), {tier} "
            "FROM pages_fts WHERE pages_fts MATCH :match"
        )
        rows = conn.execute(sql, {"match": fts5_match(parsed), "exact": exact_match}).fetchall()
        rows = [r for r in rows if r[0] < len(table.page_slot) and table.page_slot[r[0]] >= 0]
        pids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        ranks = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        tiers = np.fromiter((r[2] for r in rows), dtype=np.int8, count=len(rows))
        slots = table.page_slot[pids]
        # each record's best page: highest tier, then best rank (then lowest number, see _best_pid)
        order = np.lexsort((table.page_number[pids], ranks, -tiers, slots))
        first = order[np.r_[True, slots[order][1:] != slots[order][:-1]]] if len(order) else order
        n = len(table.ids)
        found, tier, rank = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8), np.zeros(n)
        found[slots[first]], tier[slots[first]], rank[slots[first]] = True, tiers[first], ranks[first]
        exact = np.zeros(len(table.page_slot), dtype=bool)
        exact[pids[tiers == 1]] = True
        page_rank = np.zeros(len(table.page_slot))
        page_rank[pids] = ranks
        return _Matches(found, tier, rank, pids, exact, ranked=True, page_rank=page_rank)

    # -- filters, facets, order -----------------------------------------------------------------

    @staticmethod
    def _candidates(table: _Table, matches: _Matches | None) -> np.ndarray:
        if matches is None:
            return np.ones(len(table.ids), dtype=bool)
        found = np.zeros(len(table.ids), dtype=bool)
        found[matches.slots] = True
        return found

    @staticmethod
    def _filter_masks(table: _Table, request: BrowseRequest) -> dict[str, np.ndarray]:
        """One mask per active filter, keyed by facet name ('date' for the date range)."""
        filters, masks = request.query.filters, {}
        if filters.access is not None:
            codes = [ACCESS_CODES.index(a) for a in filters.access]
            masks["access"] = np.isin(table.access, codes)
        if filters.doc_type is not None:
            masks["doc_type"] = table.doc_type == _code(table.doc_types, filters.doc_type)
        if filters.issuer is not None:
            masks["issuer"] = table.issuer == _code(table.issuers, filters.issuer)
        if filters.year is not None:
            masks["year"] = table.year == filters.year
        if filters.needs_review is not None:
            masks["needs_review"] = table.needs_review == filters.needs_review
        if request.date_from is not None or request.date_to is not None:
            low = _julian(request.date_from) if request.date_from else _NO_DATE + 1
            high = _julian(request.date_to) if request.date_to else np.iinfo(np.int32).max
            masks["date"] = (table.date >= low) & (table.date <= high)
        return masks

    @staticmethod
    def _facets(table: _Table, candidates: np.ndarray, masks: dict[str, np.ndarray]) -> dict:
        """Counts per value; each facet counted under every filter but its own, so the other
        values of a filtered facet stay visible (`candidates` already hold only visible records)."""
        n = len(table.ids)
        out: dict[str, list[FacetValue]] = {}
        columns = {
            "doc_type": (table.doc_type, table.doc_types.labels),
            "issuer": (table.issuer, table.issuers.labels),
            "retention": (table.retention, table.retentions.labels),
        }
        for name in FACETS:
            others = {k: m for k, m in masks.items() if k != name}
            keep = candidates & _all(others, n)
            if name in columns:
                codes, labels = columns[name]
                counts = np.bincount(codes[keep & (codes >= 0)], minlength=len(labels))
                values = [FacetValue(labels[c], int(counts[c])) for c in np.flatnonzero(counts)]
            elif name == "year":
                years, counts = np.unique(table.year[keep & (table.year > 0)], return_counts=True)
                values = [FacetValue(int(y), int(c)) for y, c in zip(years, counts, strict=True)]
                values.sort(key=lambda v: -int(v.value))
            elif name == "access":
                counts = np.bincount(table.access[keep], minlength=len(ACCESS_CODES))
                values = [FacetValue(ACCESS_CODES[c], int(counts[c])) for c in np.flatnonzero(counts)]
            else:
                flags = table.needs_review[keep]
                pairs = ((True, int(flags.sum())), (False, int((~flags).sum())))
                values = [FacetValue(v, c) for v, c in pairs if c]
            if name in columns:
                values.sort(key=lambda v: (-v.count, str(v.value)))
            out[name] = values
        return out

    @staticmethod
    def _order(
        table: _Table, matches: _Matches | None, keep: np.ndarray, sort: Sort, parsed: ParsedQuery
    ) -> np.ndarray:
        """Record slots that pass, in the order shown."""
        tier = np.zeros(len(table.ids), dtype=np.int8)
        rank = np.zeros(len(table.ids), dtype=np.float64)
        if matches is not None:
            tier[matches.slots], rank[matches.slots] = matches.tiers, matches.ranks
        slots = np.flatnonzero(keep)
        date, ingested = table.date[slots], table.ingested[slots]
        ids = table.id_array[slots]
        if matches is None or sort == "date":
            # newest first (no date last), then newest ingested, then the best match, then id
            keys = (ids, rank[slots], -tier[slots], -ingested, -date.astype(np.int64))
        else:
            keys = (ids, -date.astype(np.int64), rank[slots], -tier[slots])
        return slots[np.lexsort(keys)]

    # -- hits ---------------------------------------------------------------------------------

    def _hits(
        self,
        conn: sqlite3.Connection,
        table: _Table,
        matches: _Matches | None,
        page: np.ndarray,
        parsed: ParsedQuery,
        request: BrowseRequest,
    ) -> tuple[list[SearchHit], dict[str, AccessClass]]:
        if not len(page):
            return [], {}
        best_pid = table.first_pid.copy()
        rank = np.zeros(len(table.ids))
        if matches is not None:
            best_pid[matches.slots], rank[matches.slots] = matches.pids, matches.ranks
        rids = [int(table.rids[s]) for s in page]
        marks = ", ".join("?" * len(rids))
        rows = conn.execute(f"SELECT rid, id, title, access FROM records WHERE rid IN ({marks})", rids)
        current = {rid: (record_id, title, access) for rid, record_id, title, access in rows}
        allowed = set(request.query.filters.access or ACCESS_CODES) & set(request.visible or ACCESS_CODES)
        texts: dict[int, tuple[int, str]] = {}
        if request.content:
            pids = [int(best_pid[s]) for s in page if best_pid[s] >= 0]
            sql = f"SELECT pid, number, text FROM pages WHERE pid IN ({', '.join('?' * len(pids))})"
            texts = {pid: (number, text) for pid, number, text in conn.execute(sql, pids)}
        hits, access = [], {}
        for slot, rid in zip(page, rids, strict=True):
            if rid not in current or current[rid][2] not in allowed:
                self._version = None  # the arrays are stale: reload them on the next call
                log.warning("record rid %d changed under the browse arrays; not served", rid)
                continue
            record_id, title, klass = current[rid]
            number, text = texts.get(int(best_pid[slot]), (None, ""))
            if request.redact is not None:
                text, title = request.redact(record_id, text), request.redact(record_id, title)
            hits.append(
                SearchHit(
                    id=record_id,
                    score=-float(rank[slot]) if rank[slot] else 0.0,
                    title=title if request.content else "",
                    snippet=snippet(text, parsed.parts) if request.content else "",
                    page=number,
                )
            )
            access[record_id] = klass
        return hits, access


def _all(masks: dict[str, np.ndarray], n: int) -> np.ndarray:
    keep = np.ones(n, dtype=bool)
    for mask in masks.values():
        keep &= mask
    return keep


def _code(codes: _Codes, value: str) -> int:
    """The code of a filter value, compared by search key as the index compares it; -2: none."""
    return codes.index.get(search_key(value.strip()), -2)


def _best_pages(
    table: _Table, pids: np.ndarray, tiers: np.ndarray, ranks: np.ndarray, *, ranked: bool
) -> _Matches:
    """Each matching record's best page: highest tier, then best rank, then lowest number."""
    pids = pids[pids < len(table.page_slot)]
    slots = table.page_slot[pids]
    live = slots >= 0
    pids, tiers, ranks, slots = pids[live], tiers[live], ranks[live], slots[live]
    order = np.lexsort((table.page_number[pids], ranks, -tiers, slots))
    slots, pids, tiers, ranks = slots[order], pids[order], tiers[order], ranks[order]
    first = np.ones(len(slots), dtype=bool)
    first[1:] = slots[1:] != slots[:-1]
    return _Matches(
        slots=slots[first], pids=pids[first], tiers=tiers[first], ranks=ranks[first], ranked=ranked
    )
