"""Page-id lists per query part, read from FTS5 once and kept while the index does not change.

Part of the browse addition (indexing/browse.py). A broad query's cost is reading the page lists
of common words; those are the same few words again and again, so each list is kept (as a sorted
NumPy array) until the index changes or the memory budget is spent, least recently used first.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

__all__ = ["Postings", "intersect"]

DEFAULT_BUDGET = 64 * 1024 * 1024  # bytes of page ids kept
_CONCAT = "SELECT group_concat(rowid) FROM pages_fts WHERE pages_fts MATCH ?"


def _phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _parse(text: str | None) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")  # the fastest parse of many ints


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ids in both sorted, unique, non-negative arrays (sorted)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    if len(a) * 16 < len(b):  # a few ids in a long list: binary search
        at = np.minimum(np.searchsorted(b, a), len(b) - 1)
        return a[b[at] == a]
    present = np.zeros(int(max(a[-1], b[-1])) + 1, dtype=bool)  # both long: one pass each
    present[b] = True
    return a[present[a]]


class Postings:
    """Sorted page ids of `column : "tokens"` for one snapshot of the index (not thread-safe:
    the Browser holds its lock while using it)."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._lists: OrderedDict[tuple[str, tuple[str, ...]], np.ndarray] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def clear(self) -> None:
        self._lists.clear()
        self._bytes = 0

    def known(self, column: str, tokens: tuple[str, ...]) -> np.ndarray | None:
        return self._lists.get((column, tokens))

    def get(self, conn: sqlite3.Connection, column: str, tokens: tuple[str, ...]) -> np.ndarray:
        key = (column, tokens)
        found = self._lists.get(key)
        if found is not None:
            self._lists.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        ids = _parse(conn.execute(_CONCAT, (f"{column} : {_phrase(tokens)}",)).fetchone()[0])
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            ids = np.unique(ids)
        ids = ids.astype(np.int32) if len(ids) and ids[-1] < 2**31 else ids
        self._lists[key] = ids
        self._bytes += ids.nbytes
        while self._bytes > self.budget and len(self._lists) > 1:
            _, dropped = self._lists.popitem(last=False)
            self._bytes -= dropped.nbytes
        return ids

    def all_of(self, conn: sqlite3.Connection, column: str, parts: Sequence[tuple[str, ...]]) -> np.ndarray:
        """Pages holding every part (each a word or a phrase) on `column`."""
        lists = sorted((self.get(conn, column, tokens) for tokens in parts), key=len)
        result = lists[0]
        for other in lists[1:]:
            result = intersect(result, other)
        return result
