"""The full-text tables, FTS5 query text, and which pages hold a query part, read from FTS5 once
and kept while the index does not change.

Part of SqliteIndex's search (indexing/browse.py). Every FTS5 string the index sends is built by
`fts5_phrase`: always quoted, so no token a user typed can act as an operator.

The pages of each access class have full-text tables of their own (`page_tables`): what the public
may search of them (`pages_fts_<class>`), and the full text of those holding personal data
(`private_fts_<class>`). A search reads the tables of the classes its scope may see and no other,
so what it finds, how its hits are ranked (BM25's page counts and lengths are per table) and the
work it does depend on those pages alone. A page id is in one class's tables at a time.

A broad query's cost is reading the page lists
of common words (at 1,000,000 pages ~150 ms for a word on most pages), and those are the same
few hundred words again and again. Each list is kept as a bit mask over page ids (1 bit a page:
125 KB at 1,000,000 pages, whatever the word; unpacked to one byte a page when used, ~0.05 ms),
so ANDing the parts of a query is a vectorised `&`. Masks are kept until the index changes or
the memory budget is spent, least recently used first; the number of pages holding each part
is kept as long as the index does not change.

Which lists a process uses, and how often, is counted (`used`): a server saves the lists on many
pages (WARM_MIN_PAGES: common words, never a rare word or a phrase that could single someone out)
and its successor reads them while it warms up (indexing/sqlite.py `warm`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from indexing.base import ListKey  # (table, column, tokens): one page list
from indexing.phases import phase
from indexing.query import ParsedQuery, QueryPart
from schemas import AccessClass
from schemas.record import ACCESS_CLASSES

__all__ = [
    "DEFAULT_BUDGET",
    "PAGE_TABLES",
    "WARM_MIN_PAGES",
    "ListKey",
    "PRIVATE_TABLES",
    "TABLES",
    "Postings",
    "fts5_exact_match",
    "fts5_match",
    "fts5_phrase",
    "page_tables",
]

DEFAULT_BUDGET = 256 * 1024 * 1024  # bytes of masks kept: ~2,100 masks at 1,000,000 pages
WARM_MIN_PAGES = 1000  # a list on fewer pages is cheap to read, and never saved for a warm-up
_USED_KEPT = 20_000  # lists whose uses are counted at most (the least used are dropped past it)
_CONCAT = "SELECT group_concat(rowid) FROM {table} WHERE {table} MATCH ?"
_COUNT = "SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)"
# per access class: what the public may search of its pages; the full text of those holding personal data
PAGE_TABLES: dict[str, str] = {c: f"pages_fts_{c}" for c in ACCESS_CLASSES}
PRIVATE_TABLES: dict[str, str] = {c: f"private_fts_{c}" for c in ACCESS_CLASSES}
TABLES = (*PAGE_TABLES.values(), *PRIVATE_TABLES.values())
Tables = tuple[str, ...]


def page_tables(classes: tuple[AccessClass, ...] | None, *, private: bool = False) -> Tables:
    """The tables of `classes` (None: every class), in ACCESS_CLASSES order: what the public may
    search of their pages, or (`private`) the full text of their pages holding personal data."""
    named = PRIVATE_TABLES if private else PAGE_TABLES
    return tuple(named[c] for c in ACCESS_CLASSES if classes is None or c in classes)


def fts5_phrase(tokens: Sequence[str]) -> str:
    """An FTS5 string: always quoted, so no token can act as an operator."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _part_match(part: QueryPart) -> str:
    return f"(exact : {fts5_phrase(part.exact)} OR folded : {fts5_phrase(part.folded)})"


def fts5_match(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression for a non-empty query: every part, on either key column."""
    return " AND ".join(_part_match(part) for part in query.parts)


def fts5_exact_match(query: ParsedQuery) -> str | None:
    """Every part typed with diacritics, in its exact spelling; None when no part has any."""
    marked = [part for part in query.parts if part.exact != part.folded]
    return " AND ".join(f"exact : {fts5_phrase(part.exact)}" for part in marked) or None


def _parse(text: str | None) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")  # the fastest parse of many ints


class Postings:
    """Masks of the pages holding `column : "tokens"` in one table, for pages 0 .. size-1 of one
    snapshot of the index, and of several tables (a scope's) as the union of theirs. Not
    thread-safe: the index holds its lock while using it."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.size = 0
        self._masks: OrderedDict[ListKey, np.ndarray] = OrderedDict()
        self._counts: dict[ListKey, int] = {}
        self._used: Counter[ListKey] = Counter()  # uses of each list, kept across index changes
        # the page counts of the lists used, as last read: kept across index changes, so that a
        # rare word read before a write is never taken for a common one (`used`)
        self._known: dict[ListKey, int] = {}

    def reset(self, size: int) -> None:
        """Forget every mask: the index changed; pages now run from 0 to size-1."""
        known = {**self._known, **self._counts}
        self._known = {key: count for key, count in known.items() if key in self._used}
        self._masks.clear()
        self._counts.clear()
        self.size = size

    def count(self, column: str, tokens: tuple[str, ...], tables: Tables) -> int | None:
        """How many pages of `tables` hold the part, if known."""
        known = [self._counts.get((table, column, tokens)) for table in tables]
        return None if None in known else sum(known)  # type: ignore[arg-type]

    def count_upto(
        self, conn: sqlite3.Connection, column: str, tokens: tuple[str, ...], tables: Tables, limit: int
    ) -> int:
        """How many pages of `tables` hold the part, counted no further than past `limit`: a
        common part costs no more than a rare one."""
        if (known := self.count(column, tokens, tables)) is not None:
            return known
        total, match = 0, f"{column} : {fts5_phrase(tokens)}"
        for table in tables:
            if (known := self._counts.get((table, column, tokens))) is None:
                cap = limit + 1 - total
                known = conn.execute(_COUNT.format(table=table), (match, cap)).fetchone()[0]
                if known < cap:  # counted to the end: the table's count (BM25's IDF needs it too)
                    self._counts[(table, column, tokens)] = known
            total += known
            if total > limit:
                break
        return total

    def kept(self, column: str, tokens: tuple[str, ...], tables: Tables) -> np.ndarray | None:
        """The mask of the part over `tables` if it is in memory (None: it would have to be read)."""
        found = [self._masks.get((table, column, tokens)) for table in tables]
        if any(mask is None for mask in found):
            return None
        return self._union(found)

    def _union(self, packed: list[np.ndarray]) -> np.ndarray:
        if not packed:
            return np.zeros(self.size, dtype=bool)
        union = packed[0] if len(packed) == 1 else np.bitwise_or.reduce(packed)
        return np.unpackbits(union, count=self.size).view(bool)

    def _packed(
        self, conn: sqlite3.Connection, column: str, tokens: tuple[str, ...], table: str
    ) -> np.ndarray:
        if table not in TABLES:
            raise ValueError(f"not a page table: {table!r}")
        key = (table, column, tokens)
        self._count_use(key)
        found = self._masks.get(key)
        if found is not None:
            self._masks.move_to_end(key)
            return found
        sql = _CONCAT.format(table=table)
        with phase("read"):
            ids = _parse(conn.execute(sql, (f"{column} : {fts5_phrase(tokens)}",)).fetchone()[0])
        mask = np.zeros(self.size, dtype=bool)
        mask[ids[(ids >= 0) & (ids < self.size)]] = True
        packed = self._masks[key] = np.packbits(mask)
        self._counts[key] = len(ids)
        while len(self._masks) * (self.size // 8 + 1) > self.budget and len(self._masks) > 1:
            self._masks.popitem(last=False)
        return packed

    def _count_use(self, key: ListKey) -> None:
        self._used[key] += 1
        if len(self._used) > _USED_KEPT:  # keep the most used half
            self._used = Counter(dict(self._used.most_common(_USED_KEPT // 2)))

    def used(self, min_pages: int = WARM_MIN_PAGES) -> list[tuple[ListKey, int]]:
        """The lists used that are on `min_pages` pages or more (as this snapshot tells, else as
        they were when last read), with their uses, most used first. What is saved from here rests
        on disk (cache/search-lists.json): a list whose count is not known is left out, a rare
        word (a name a staff member looked for) never passes for a common one."""
        return [
            (key, uses)
            for key, uses in self._used.most_common()
            if self._counts.get(key, self._known.get(key, 0)) >= min_pages
        ]

    def full(self) -> bool:
        """Whether one more mask would push one out (the memory budget is spent)."""
        return (len(self._masks) + 1) * (self.size // 8 + 1) > self.budget

    def load(self, conn: sqlite3.Connection, keys: Iterable[ListKey], min_pages: int = WARM_MIN_PAGES) -> int:
        """Read the lists `keys` into memory (a warm-up: not counted as uses) until the budget
        is spent; how many were read or already there. A list found on fewer than `min_pages`
        pages is forgotten again (and a key that names no list is passed over)."""
        loaded = 0
        for table, column, tokens in keys:
            key = (table, column, tokens)
            if table not in TABLES or column not in ("exact", "folded") or not tokens:
                continue
            if key not in self._masks:
                if self.full():
                    break
                self._packed(conn, column, tokens, table)
                self._used[key] -= 1  # _packed counted it
                if self._counts[key] < min_pages:
                    del self._masks[key]
                    continue
            loaded += 1
        self._used += Counter()  # drops the counts that fell to zero
        return loaded

    def mask(
        self, conn: sqlite3.Connection, column: str, tokens: tuple[str, ...], tables: Tables
    ) -> np.ndarray:
        """The pages of `tables` holding the part (each table's list read once and kept)."""
        return self._union([self._packed(conn, column, tokens, table) for table in tables])

    def all_of(
        self,
        conn: sqlite3.Connection,
        column: str,
        parts: Sequence[tuple[str, ...]],
        tables: Tables,
    ) -> np.ndarray:
        """The pages of `tables` holding every part (each a word or a phrase) on `column`."""
        masks = [self.mask(conn, column, tokens, tables) for tokens in parts]
        result = masks[0].copy()
        for other in masks[1:]:
            result &= other
        return result
