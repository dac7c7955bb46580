"""How SqliteIndex answers the search contract: filters, date ranges, sort, facets, access scope.

The inside of `SqliteIndex.search` and `SqliteIndex.stats` (indexing/sqlite.py), on the index's
own connection and under its lock. Ranking every matching page with BM25 in SQL takes over a
second when a query matches most of 100,000 pages, so the record fields and the page -> record
map are held as NumPy arrays (indexing/arrays.py), reloaded whenever the file changes (PRAGMA
data_version for other connections; the index says when it wrote itself). A query is then:

1. the matching pages: each query part's page list read from FTS5 once and then kept in memory
   (indexing/postings.py), the parts ANDed as masks; or, for a query with a rare word, every
   match ranked by BM25 (below);
2. the access scope (masks kept per role), filters, facet counts (over the kept records' slots)
   and order, vectorised over records;
3. titles and page texts read for the one page of hits shown, snippets made for those only.

BM25 is FTS5's, but FTS5's bm25() reads the whole page list of every query phrase for its IDF on
every search: ~130 ms for a word on most of 1,000,000 pages. So only the rare parts of a ranked
query go to FTS5 (MATCH and bm25() in one statement); a part on more than OWN_SCORED times the
pages being ranked is scored by indexing/bm25.py on those pages alone, with the same formula
(its IDF counted once per snapshot, its exact-spelling tier from the page lists in memory).
A query's cost then follows the pages it ranks and shows, not the pages its words are on.
The optional `Phases` timers (`profiling()`, off by default) give the API bench its breakdown.

Ranking (pages holding every accented word in its exact spelling first, then BM25 with the exact
column weighted well above the folded one, then newest) is used whenever the rarest query word
is on at most RANK_LIMIT pages divided by the number of query parts, or the query's words (no
phrase) meet on that few pages. A broader query (common words only, where BM25's IDF is small
and scoring each match costs 2-20 µs) is ordered by exact spelling, then newest:
`SearchResult.ranked` is False. Hits are checked again against the records table before they are
returned, so a record whose access class changed since the arrays were loaded is not served.

Every access class has full-text tables of its own (indexing/postings.py), and a search reads
those of its scope's classes and no other: what it finds, the BM25 statistics its hits are ranked
by (each page scored against the pages of its class, as FTS5 scores it in that class's table)
and the work it does (its page lists, counts and reads) depend on the pages the caller may see
alone. A masked scope (the public role) reads the `pages_fts_*` tables alone, which hold the
public form of every page that has one, and shows the public form of pages and titles; a full
scope also reads `private_fts_*` for the pages holding personal data (indexing/sqlite.py), in
both ways.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Literal

import numpy as np

from indexing.arrays import (
    ACCESS_CODES,
    RecordArrays,
    access_mask,
    all_of,
    facet_counts,
    filter_masks,
    first_in_group,
    load_arrays,
    order_slots,
)
from indexing.bm25 import TableStats, bm25_term, idf, instances, row_lengths, table_stats
from indexing.phases import Phases, phase, profiling
from indexing.postings import (
    PAGE_TABLES,
    PRIVATE_TABLES,
    TABLES,
    ListKey,
    Postings,
    Tables,
    fts5_exact_match,
    fts5_match,
    fts5_phrase,
    page_tables,
)
from indexing.query import ParsedQuery, QueryPart, parse_query
from indexing.snippets import snippet
from schemas import AccessClass, AccessScope, IndexStats, SearchHit, SearchQuery, SearchResult

__all__ = ["EXACT_WEIGHT", "FOLDED_WEIGHT", "RANK_LIMIT", "Browser", "Phases", "profiling"]

log = logging.getLogger(__name__)

RANK_LIMIT = 3000  # pages x query parts: BM25 over more costs more than ~15 ms
SETTLE_CHUNK = 32  # records whose exact-spelling tier is settled at a time (unranked queries)
SETTLE_RECORDS = 512  # past this many, the exact-spelling page lists are read
OWN_SCORED = 16  # a part on more pages than this many times those ranked is scored by indexing/bm25.py
EXACT_WEIGHT = 10.0
FOLDED_WEIGHT = 1.0


@dataclass(frozen=True)
class _Matches:
    """What a query matched. Per record slot: found, the tier of its best page and that page's
    BM25 rank (0 when not ranked). Per matched page (`pids`, and aligned with them): tier 1 and
    rank, for picking best pages (never an array over every page of the index)."""

    found: np.ndarray
    tier: np.ndarray
    rank: np.ndarray
    pids: np.ndarray
    pid_tier: np.ndarray
    pid_rank: np.ndarray | None
    ranked: bool
    # An unranked query whose exact-spelling page lists are not all in memory: its tiers are
    # settled only for the records the order needs (Browser._settle), from the pages' keys.
    unsettled: tuple[tuple[str, ...], ...] = ()
    matched: np.ndarray | None = None  # per page id: matched (with `unsettled`)


_RANKED = (
    f"SELECT rowid, bm25({{table}}, {EXACT_WEIGHT}, {FOLDED_WEIGHT}), {{tier}} "
    "FROM {table} WHERE {table} MATCH :match"
)
_TIER = "rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH :exact)"
# table -> (the code of its access class, whether it holds the full text of personal pages)
_TABLE_CLASS = {
    **{table: (ACCESS_CODES.index(c), False) for c, table in PAGE_TABLES.items()},
    **{table: (ACCESS_CODES.index(c), True) for c, table in PRIVATE_TABLES.items()},
}


@dataclass(frozen=True)
class _Tables:
    """The full-text tables one search reads: those of its scope's classes (indexing/postings.py)."""

    searched: Tables  # what the public may search of their pages
    private: Tables  # the full text of their pages holding personal data; none when masked
    masked: bool

    @classmethod
    def of(cls, scope: AccessScope) -> _Tables:
        private = () if scope.masked else page_tables(scope.classes, private=True)
        return cls(page_tables(scope.classes), private, scope.masked)

    def each(self) -> list[tuple[str, bool]]:
        """(table, holds full texts of personal pages) for every table read."""
        return [(t, False) for t in self.searched] + [(t, True) for t in self.private]


_SHOWN = "SELECT rid, id, {title}, access, dossier, dossier_order FROM records WHERE rid IN ({marks})"


class Browser:
    """The search of one SqliteIndex over a connection it is handed, inside a read transaction.
    Not thread-safe: the index holds its lock around every call."""

    def __init__(self, *, rank_limit: int = RANK_LIMIT) -> None:
        self.rank_limit = rank_limit
        self._arrays: RecordArrays | None = None
        self._version: tuple[sqlite3.Connection, int] | None = None
        self._postings = Postings()
        self._scopes: dict[tuple[AccessClass, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._counts: dict[tuple[str, str, tuple[str, ...]], int] = {}
        self._stats: dict[str, TableStats] = {}
        self._walk: np.ndarray | None = None
        self._pages_of: tuple[np.ndarray, np.ndarray] | None = None

    def forget(self) -> None:
        """Drop the arrays and page lists: the index wrote, or its connection changed."""
        self._arrays, self._version = None, None
        self._postings.reset(0)
        self._scopes.clear()
        self._counts.clear()
        self._stats.clear()
        self._walk = self._pages_of = None

    def _scope(
        self, arrays: RecordArrays, classes: tuple[AccessClass, ...] | None
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(the pages, the records) of the classes a caller may see, None: all; kept per set of
        classes while the arrays are (one per role: reading them costs ~10 ms at 1,000,000 pages)."""
        if classes is None:
            return None, None
        key = tuple(sorted(classes))
        if key not in self._scopes:
            self._scopes[key] = (_visible_pages(arrays, key), access_mask(arrays, key))
        return self._scopes[key]

    def _fresh_arrays(self, conn: sqlite3.Connection) -> RecordArrays:
        conn.execute("SELECT 1 FROM records LIMIT 1").fetchall()  # start the read snapshot
        version = (conn, conn.execute("PRAGMA data_version").fetchone()[0])
        if self._arrays is None or self._version is None or not _same_version(version, self._version):
            self._arrays = load_arrays(conn)
            self._postings.reset(len(self._arrays.page_slot))
            self._scopes.clear()
            self._counts.clear()
            self._stats.clear()
            self._walk = self._pages_of = None
            self._version = version
            log.debug("search arrays loaded: %d records", len(self._arrays))
        return self._arrays

    def warm(
        self, conn: sqlite3.Connection, scopes: list[AccessScope], lists: list[ListKey], min_pages: int
    ) -> int:
        """Make now what the first searches would make (a server's warm-up): the arrays, the
        masks of each of `scopes`, the tables' statistics, the record order, and the page lists
        `lists` on `min_pages` pages or more (most wanted first, as far as the memory budget
        goes); how many lists are in memory."""
        arrays = self._fresh_arrays(conn)
        for scope in scopes:
            self._scope(arrays, scope.classes)
        for table in TABLES:
            self._table_stats(conn, table)
        self._date_walk(arrays)
        self._record_pages(arrays)
        return self._postings.load(conn, lists, min_pages)

    def lists_used(self, min_pages: int) -> list[tuple[ListKey, int]]:
        """The page lists on `min_pages` pages or more this process's searches used, and how
        often (Postings.used)."""
        return self._postings.used(min_pages)

    # -- the contract -------------------------------------------------------------------------

    def stats(self, conn: sqlite3.Connection) -> IndexStats:
        arrays = self._fresh_arrays(conn)
        counts = np.bincount(arrays.access, minlength=len(ACCESS_CODES))
        return IndexStats(
            records=len(arrays),
            pages=arrays.pages,
            needs_review=int(arrays.needs_review.sum()),
            by_access={name: int(counts[code]) for code, name in enumerate(ACCESS_CODES)},
        )

    def search(self, conn: sqlite3.Connection, query: SearchQuery) -> SearchResult:
        parsed, scope = parse_query(query.q), query.scope
        tables = _Tables.of(scope)
        with phase("scope"):
            arrays = self._fresh_arrays(conn)
            seen, visible = self._scope(arrays, scope.classes)
        with phase("match"):
            matches = self._matches(conn, arrays, parsed, seen, tables)
        with phase("facets"):
            candidates = np.ones(len(arrays), dtype=bool) if matches is None else matches.found.copy()
            if visible is not None:
                candidates &= visible
            masks = filter_masks(arrays, query.filters, masked=scope.masked)
            keep = all_of(masks, candidates)
            facets = facet_counts(
                arrays, candidates, masks, query.facets, query.facet_limit, masked=scope.masked
            )
        with phase("order"):
            by = _order_by(query, matches is None)
            if matches is not None and matches.unsettled and by == "score":
                self._settle_order(conn, arrays, matches, keep, query.offset + query.limit, tables)
            tier = np.zeros(len(arrays), np.int8) if matches is None else matches.tier
            rank = np.zeros(len(arrays)) if matches is None else matches.rank
            order = order_slots(
                arrays,
                keep,
                tier,
                rank,
                by=by,
                ranked=matches is not None and matches.ranked,
                count=query.offset + query.limit,
            )
            if matches is not None and matches.unsettled and by != "score":  # the page shown for each hit
                self._settle(conn, arrays, matches, order[query.offset :], tables)
        with phase("hits"):
            hits = self._hits(conn, arrays, matches, order[query.offset :], parsed, query)
        return SearchResult(
            total=int(keep.sum()), hits=hits, facets=facets, ranked=matches is None or matches.ranked
        )

    # -- matching -----------------------------------------------------------------------------

    def _narrow(self, conn: sqlite3.Connection, parsed: ParsedQuery, tables: _Tables) -> int | None:
        """The pages of a rare query token when BM25 over every match is cheap (None when it is
        not): some folded query token is on at most
        rank_limit / (number of parts) pages. BM25 costs per page and per part (its phrases are
        read on both columns), so a query of four words is ranked up to a quarter as many
        pages as a query of one. Counting stops past the limit: a common token costs no more
        than a rare one. Only the scope's tables are counted (the pages the caller may see), so
        the choice, which the caller sees (`ranked`, the order of hits), and its work tell nothing
        about hidden pages."""
        limit = self.rank_limit // len(parsed.parts)
        tokens = sorted({token for part in parsed.parts for token in part.folded}, key=len, reverse=True)
        for token in tokens:
            count = self._postings.count_upto(conn, "folded", (token,), tables.searched, limit)
            if count <= limit:
                return count
        return None

    def _matches(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        parsed: ParsedQuery,
        seen: np.ndarray | None,
        tables: _Tables,
    ) -> _Matches | None:
        """The pages `parsed` matches in `tables` (masked: on what the public may search only);
        `seen`: the pages the caller may see (None: all)."""
        if parsed.is_empty:
            return None
        if (bound := self._narrow(conn, parsed, tables)) is not None:
            with phase("rank"):
                return self._ranked(conn, arrays, parsed, tables, seen=seen, bound=bound)
        matched = self._all_of(conn, arrays, "folded", [part.folded for part in parsed.parts], tables)
        matched &= arrays.page_slot >= 0 if seen is None else seen
        pids = np.flatnonzero(matched)
        few = 0 < len(pids) * len(parsed.parts) <= self.rank_limit
        if few and all(len(part.folded) == 1 for part in parsed.parts):
            # Common words that meet on few pages (a name): BM25 reads only those pages. A phrase
            # of common words would have its positions checked on every page that has the words.
            with phase("rank"):
                return self._ranked(conn, arrays, parsed, tables, seen=seen, bound=len(pids))
        marked = [part.exact for part in parsed.parts if part.exact != part.folded]
        found, tier = np.zeros(len(arrays), dtype=bool), np.zeros(len(arrays), dtype=np.int8)
        found[arrays.page_slot[pids]] = True
        groups = (tables.searched, tables.private)
        if marked and not all(self._postings.kept("exact", m, g) is not None for m in marked for g in groups):
            unsettled = tuple(marked)  # not read now: ~150 ms a common word at 1,000,000 pages
            return _Matches(
                found, tier, np.zeros(len(arrays)), pids, np.zeros(len(pids), np.int8), None,
                ranked=False, unsettled=unsettled, matched=matched,
            )  # fmt: skip
        exact = self._all_of(conn, arrays, "exact", marked, tables) & matched if marked else matched
        page_tier = exact.view(np.int8)
        tier[arrays.page_slot[pids[page_tier[pids] == 1]]] = 1
        return _Matches(found, tier, np.zeros(len(arrays)), pids, page_tier[pids], None, ranked=False)

    # -- exact-spelling tiers of an unranked query, settled where the order needs them --------

    def _settle_order(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        matches: _Matches,
        keep: np.ndarray,
        count: int,
        tables: _Tables,
    ) -> None:
        """Settle the tiers of the records kept in date order until `count` records in the exact
        spelling are known (they are then the first `count` shown) or all are; past
        SETTLE_RECORDS records read, the exact-spelling page lists are read after all."""
        if not matches.unsettled:
            return
        walk = self._date_walk(arrays)
        walk = walk[keep[walk]]
        exact, read = 0, 0
        for start in range(0, len(walk), SETTLE_CHUNK):
            chunk = walk[start : start + SETTLE_CHUNK]
            exact, read = exact + self._settle(conn, arrays, matches, chunk, tables), read + 1
            if exact >= count:
                return
            if read * SETTLE_CHUNK >= SETTLE_RECORDS:
                break
        else:
            return
        pages = self._all_of(conn, arrays, "exact", list(matches.unsettled), tables) & matches.matched
        matches.pid_tier[:] = pages[matches.pids]
        matches.tier[:] = 0
        matches.tier[arrays.page_slot[matches.pids[matches.pid_tier == 1]]] = 1

    def _settle(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        matches: _Matches,
        slots: np.ndarray,
        tables: _Tables,
    ) -> int:
        """Tiers of the records `slots` and of their matched pages, from the pages' exact keys;
        how many are in the exact spelling."""
        order, starts = self._record_pages(arrays)
        pages = np.concatenate([order[starts[s] : starts[s + 1]] for s in slots]) if len(slots) else order[:0]
        pages = pages[matches.matched[pages]]
        private = np.zeros(len(pages), bool) if tables.masked else arrays.page_personal[pages]
        classes = arrays.access[arrays.page_slot[pages]]
        whole = np.zeros(len(pages), dtype=np.int8)
        for table, holds_private in tables.each():
            code, _ = _TABLE_CLASS[table]
            chosen = (classes == code) & (private == holds_private)
            rows = [int(pid) for pid in pages[chosen]]
            if not rows:
                continue
            sql = f"SELECT id, c0 FROM {table}_content WHERE id IN ({', '.join('?' * len(rows))})"
            keys = dict(conn.execute(sql, rows))
            whole[np.flatnonzero(chosen)] = [
                all(instances(keys.get(row, ""), part) > 0 for part in matches.unsettled) for row in rows
            ]
        matches.pid_tier[np.searchsorted(matches.pids, pages)] = whole
        tiers = np.zeros(len(arrays), dtype=np.int8)
        tiers[arrays.page_slot[pages[whole == 1]]] = 1
        matches.tier[slots] = tiers[slots]
        return int(tiers[slots].sum())

    def _date_walk(self, arrays: RecordArrays) -> np.ndarray:
        """Record slots in the unranked order after the tier: newest first, undated last, id."""
        if self._walk is None:
            self._walk = np.empty(len(arrays), dtype=np.int64)
            self._walk[arrays.date_order] = np.arange(len(arrays))
        return self._walk

    def _record_pages(self, arrays: RecordArrays) -> tuple[np.ndarray, np.ndarray]:
        """Page ids grouped by record slot, and where each slot's group starts."""
        if self._pages_of is None:
            pids = np.flatnonzero(arrays.page_slot >= 0)
            order = pids[np.argsort(arrays.page_slot[pids], kind="stable")]
            starts = np.searchsorted(arrays.page_slot[order], np.arange(len(arrays) + 1))
            self._pages_of = (order, starts)
        return self._pages_of

    def _all_of(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        column: str,
        parts: list[tuple[str, ...]],
        tables: _Tables,
    ) -> np.ndarray:
        """The pages of `tables` holding every part on `column`; full: a page with personal data
        on its text."""
        found = self._postings.all_of(conn, column, parts, tables.searched)
        if not tables.masked:
            personal = arrays.page_personal
            found = (found & ~personal) | (
                self._postings.all_of(conn, column, parts, tables.private) & personal
            )
        return found

    def _hits_of(self, conn: sqlite3.Connection, table: str, column: str, tokens: tuple[str, ...]) -> int:
        """Rows of `table` holding the phrase on `column` (BM25's IDF), counted once per snapshot."""
        key = (table, column, tokens)
        known = self._postings.count(column, tokens, (table,))
        if known is None:
            known = self._counts.get(key)
        if known is None:
            sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"
            known = self._counts[key] = conn.execute(sql, (f"{column} : {fts5_phrase(tokens)}",)).fetchone()[
                0
            ]
        return known

    def _table_stats(self, conn: sqlite3.Connection, table: str) -> TableStats:
        if table not in self._stats:
            self._stats[table] = table_stats(conn, table)
        return self._stats[table]

    def _ranked(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        parsed: ParsedQuery,
        tables: _Tables,
        *,
        seen: np.ndarray | None,
        bound: int,
    ) -> _Matches:
        """Every match in `tables` ranked by BM25, each table's pages by that table's statistics:
        the parts on few pages by FTS5's bm25() in SQL, the parts on more than OWN_SCORED x
        `bound` pages (about the pages ranked) by indexing/bm25.py, so that no common word's whole
        page list is read again (FTS5 reads it for its IDF)."""
        common = [
            part
            for part in parsed.parts
            if sum(self._hits_of(conn, t, "folded", part.folded) for t in tables.searched)
            > OWN_SCORED * max(bound, 1)
        ]
        rare = tuple(part for part in parsed.parts if part not in common)
        any_marked = any(part.exact != part.folded for part in parsed.parts)
        all_pids, all_ranks, all_tiers = [np.zeros(0, np.int64)], [np.zeros(0)], [np.zeros(0, np.int8)]
        size = len(arrays.page_slot)
        for table, private in tables.each():
            if rare:
                exact_match = fts5_exact_match(ParsedQuery(rare))
                tier = "1" if exact_match is None else _TIER.format(table=table)
                params = {"match": fts5_match(ParsedQuery(rare)), "exact": exact_match}
                found = conn.execute(_RANKED.format(table=table, tier=tier), params).fetchall()
                pids = np.fromiter((r[0] for r in found), dtype=np.int64, count=len(found))
                ranks = np.fromiter((r[1] for r in found), dtype=np.float64, count=len(found))
                tiers = np.fromiter((r[2] for r in found), dtype=np.int8, count=len(found))
            else:  # only common words: their page lists are in memory
                pids = np.flatnonzero(
                    self._postings.all_of(conn, "folded", [p.folded for p in common], (table,))
                )
                ranks, tiers = np.zeros(len(pids)), np.ones(len(pids), dtype=np.int8)
            keep = pids < size
            keep[keep] = arrays.page_slot[pids[keep]] >= 0
            if seen is not None:
                keep[keep] = seen[pids[keep]]
            if not tables.masked:  # a page with personal data is matched on its full text only
                keep[keep] = arrays.page_personal[pids[keep]] == private
            if rare:
                for part in common:  # the common parts' page lists: every part must be on the page
                    keep[keep] = self._postings.mask(conn, "folded", part.folded, (table,))[pids[keep]]
            pids, ranks, tiers = pids[keep], ranks[keep], tiers[keep]
            if common and len(pids):
                self._score_common(conn, table, common, pids, ranks, tiers)
            all_pids.append(pids)
            all_ranks.append(ranks)
            all_tiers.append(tiers)
        pids = np.concatenate(all_pids)
        pid_rank = np.concatenate(all_ranks)
        pid_tier = np.concatenate(all_tiers) if any_marked else np.zeros(len(pids), dtype=np.int8)
        at = _best_pages(arrays, pids, pid_tier, pid_rank)
        found, tier, rank = np.zeros(len(arrays), bool), np.zeros(len(arrays), np.int8), np.zeros(len(arrays))
        slots = arrays.page_slot[pids[at]]
        found[slots], tier[slots], rank[slots] = True, pid_tier[at], pid_rank[at]
        return _Matches(found, tier, rank, pids, pid_tier, pid_rank, ranked=True)

    def _score_common(
        self,
        conn: sqlite3.Connection,
        table: str,
        common: list[QueryPart],
        pids: np.ndarray,
        ranks: np.ndarray,
        tiers: np.ndarray,
    ) -> None:
        """Add the common parts' BM25 shares to `ranks` (bm25() is negative: lower is better)
        and clear `tiers` where a part typed with diacritics is not on the page in that spelling.

        Every page here holds every part on its folded key. Whether it holds a part in the exact
        spelling is in that spelling's page list when that is in memory: then the exact key is
        read and searched only on the pages that hold it. A list not in memory is not read for
        this (~150 ms for a common word at 1,000,000 pages): the exact key of every page is."""
        stats = self._table_stats(conn, table)
        rowids = [int(pid) for pid in pids]
        lengths = row_lengths(conn, table, rowids)
        kept = [self._postings.kept("exact", part.exact, (table,)) for part in common]
        present = np.stack([np.ones(len(pids), bool) if k is None else k[pids] for k in kept])
        texts = self._keys(conn, table, rowids, present.any(axis=0))
        marked = [part.exact != part.folded for part in common]
        idfs = [
            (
                idf(stats.rows, self._hits_of(conn, table, "exact", part.exact)),
                idf(stats.rows, self._hits_of(conn, table, "folded", part.folded)),
            )
            for part in common
        ]
        for at, row in enumerate(rowids):
            exact, folded = texts[row]
            length, score, whole = lengths[row], 0.0, True
            for number, part in enumerate(common):
                idf_exact, idf_folded = idfs[number]
                in_exact = instances(exact, part.exact) if present[number, at] else 0
                score += bm25_term(EXACT_WEIGHT * in_exact, length, stats, idf_exact)
                in_folded = instances(folded, part.folded)
                score += bm25_term(FOLDED_WEIGHT * in_folded, length, stats, idf_folded)
                if marked[number] and not in_exact:
                    whole = False
            ranks[at] -= score
            if not whole:
                tiers[at] = 0

    @staticmethod
    def _keys(
        conn: sqlite3.Connection, table: str, rowids: list[int], with_exact: np.ndarray
    ) -> dict[int, tuple[str, str]]:
        """row -> (exact key or "", folded key) as FTS5 holds them; the exact key only where asked."""
        texts: dict[int, tuple[str, str]] = {}
        both = [row for row, wanted in zip(rowids, with_exact, strict=True) if wanted]
        folded_only = [row for row, wanted in zip(rowids, with_exact, strict=True) if not wanted]
        for rows, columns in ((both, "c0, c1"), (folded_only, "'', c1")):
            if rows:
                sql = f"SELECT id, {columns} FROM {table}_content WHERE id IN ({', '.join('?' * len(rows))})"
                texts.update((row, (exact, folded)) for row, exact, folded in conn.execute(sql, rows))
        return texts

    # -- hits ---------------------------------------------------------------------------------

    def _hits(
        self,
        conn: sqlite3.Connection,
        arrays: RecordArrays,
        matches: _Matches | None,
        shown: np.ndarray,
        parsed: ParsedQuery,
        query: SearchQuery,
    ) -> list[SearchHit]:
        """The hits shown, each with the access class it is indexed with; masked: the public
        form of its title and page. Without content: ids and access classes only."""
        if not len(shown):
            return []
        masked = query.scope.masked
        rids = [int(arrays.rids[s]) for s in shown]
        title = "coalesce(public_title, title)" if masked else "title"
        rows = conn.execute(_SHOWN.format(title=title, marks=", ".join("?" * len(rids))), rids)
        current = {rid: row for rid, *row in rows}
        allowed = _allowed(query)
        best = _best_pid_of(arrays, matches, shown) if query.content else {}
        texts: dict[int, tuple[int, str]] = {}
        if query.content:
            column = "coalesce(public_text, text)" if masked else "text"
            pids = [pid for pid in best.values() if pid >= 0]
            sql = f"SELECT pid, number, {column} FROM pages WHERE pid IN ({', '.join('?' * len(pids))})"
            texts = {pid: (number, text) for pid, number, text in conn.execute(sql, pids)}
        hits = []
        for slot, rid in zip(shown, rids, strict=True):
            if rid not in current or current[rid][2] not in allowed:
                self.forget()  # the arrays are stale: reload them on the next call
                log.warning("record rid %d changed under the search arrays: not served", rid)
                continue
            record_id, title, access, dossier, order = current[rid]
            rank = matches.rank[slot] if matches is not None else 0.0
            score = -float(rank) if rank else 0.0  # bm25() is lower-is-better; scores are higher-is-better
            if not query.content:
                bare = SearchHit(id=record_id, score=score, title="", snippet="", access=access)
                hits.append(bare.model_copy(update={"dossier": dossier, "order": order}))
                continue
            number, text = texts.get(best[int(slot)], (None, ""))
            with phase("snippets"):
                shown_text = snippet(text, parsed.parts)
            hits.append(
                SearchHit(
                    id=record_id,
                    score=score,
                    title=title,
                    snippet=shown_text,
                    page=number,
                    access=access,
                    dossier=dossier,
                    order=order,
                )
            )
        return hits


def _same_version(one: tuple[sqlite3.Connection, int], other: tuple[sqlite3.Connection, int]) -> bool:
    """The same connection (by identity) at the same data_version."""
    return one[0] is other[0] and one[1] == other[1]


def _order_by(query: SearchQuery, empty: bool) -> Literal["score", "date", "dossier"]:
    """The order shown: by dossier when asked; by score for a query's relevance; else by date."""
    if query.sort == "dossier_order":
        return "dossier"
    return "score" if query.sort == "relevance" and not empty else "date"


def _allowed(query: SearchQuery) -> set[str]:
    """The classes a hit may have: the scope's, narrowed by the access filter."""
    allowed = set(ACCESS_CODES if query.scope.classes is None else query.scope.classes)
    if query.filters.access is not None:
        allowed &= set(query.filters.access)
    return allowed


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
    arrays: RecordArrays, pids: np.ndarray, tiers: np.ndarray, ranks: np.ndarray | None
) -> np.ndarray:
    """Where in `pids` (with their `tiers` and `ranks`) the best page of each record stands:
    highest tier, then best rank, then lowest number."""
    if not len(pids):
        return np.zeros(0, dtype=np.int64)
    slots = arrays.page_slot[pids]
    rank = ranks if ranks is not None else np.zeros(len(pids))
    ordered = np.lexsort((arrays.page_number[pids], rank, -tiers, slots))
    return ordered[first_in_group(slots[ordered])]


def _best_pid_of(arrays: RecordArrays, matches: _Matches | None, shown: np.ndarray) -> dict[int, int]:
    """slot -> the pid of the page shown for it: its best matching page, else its first page."""
    best = {int(slot): int(arrays.first_pid[slot]) for slot in shown}
    if matches is not None:
        wanted = np.zeros(len(arrays), dtype=bool)
        wanted[shown] = True
        chosen = wanted[arrays.page_slot[matches.pids]]
        pids, ranks = matches.pids[chosen], None if matches.pid_rank is None else matches.pid_rank[chosen]
        for pid in pids[_best_pages(arrays, pids, matches.pid_tier[chosen], ranks)]:
            best[int(arrays.page_slot[pid])] = int(pid)
    return best
