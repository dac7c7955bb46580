"""The search-index interface every index backend implements (SQLite FTS5, Elasticsearch).

The index is derived from storage and can be rebuilt from it at any time. `search` takes the
whole search contract (schemas/search.py): text, filters, date range, sort, paging, facets and
the caller's access scope; callers never need to know which engine answers.

A server warms an index up before its first search (`pre_read`, `warm`, with the page lists
`lists_used` said the last server used) and monitoring asks whether a scrub is still pending
(`scrub_pending`): every engine answers these too, each as far as it has something to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from schemas import AccessScope, IndexStats, Record, SearchQuery, SearchResult

__all__ = ["BulkOutcome", "ListKey", "SearchIndex"]

# One page list an engine keeps in memory for a warm-up: (table, column, tokens). Opaque to the
# callers, which only hand back what `lists_used` gave (saved between servers as JSON).
ListKey = tuple[str, str, tuple[str, ...]]


@dataclass
class BulkOutcome:
    """What a bulk load did: records indexed, and those the index refused with its reason."""

    indexed: int = 0
    rejected: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class SearchIndex(Protocol):
    url: str

    def add(self, record: Record) -> None:
        """Index (or re-index) one record, replacing any earlier version of it."""

    def delete(self, record_id: str) -> None: ...

    def has(self, record_id: str) -> bool: ...

    def access_of(self, record_id: str) -> str | None:
        """The access class a record is indexed with; None when it is not indexed. One lookup,
        the same work whatever the answer (the API answers an unknown and a hidden id alike)."""

    def count(self) -> int:
        """Number of records indexed."""

    def stats(self) -> IndexStats:
        """Records, pages, records needing review and records per access class."""

    def search(self, query: SearchQuery) -> SearchResult:
        """The whole contract of schemas/search.py: scope, filters, date range, sort, paging,
        facets; each hit with the access class it is indexed with."""

    def clear(self) -> None:
        """Drop every indexed record."""

    def scrub(self) -> None:
        """Erase from the index's files what deleted records left behind (after a record's
        content went to the secret hold): afterwards no byte of it is on disk."""

    def scrub_pending(self) -> bool:
        """Whether deleted records may still be on disk: a scrub not finished (SQLite: a reader
        held the WAL), or deleted documents not merged away yet (Elasticsearch), after one more
        try to finish it. For /metrics and monitoring."""

    def rebuild(self, records: Iterable[Record]) -> BulkOutcome:
        """Hold exactly `records` afterwards: a new index filled beside the live one and swapped
        in when complete; the live one is not read, and is left as it was when this fails."""

    def ping(self) -> None:
        """Raise Transient when the index cannot be reached."""

    def pre_read(self) -> int:
        """Read what the index keeps on this machine's disk into the OS cache, once, before a
        server's first search (shared by every process serving it); the bytes read (0: nothing
        local to read)."""

    def warm(self, scopes: list[AccessScope], lists: Iterable[ListKey] = ()) -> int:
        """Make before the first search what searches of `scopes` would make on first use, and
        load the page lists `lists` (most wanted first, as far as the engine's memory budget
        goes); the number of page lists in memory (0 for an engine that keeps none). Answers
        are the same warm or cold."""

    def lists_used(self) -> list[tuple[ListKey, int]]:
        """The page lists this process's searches used, with their uses, most used first (only
        lists of common words: never one that could single someone out); empty for an engine
        that keeps none. What a server saves for the next one's `warm`."""

    def close(self) -> None:
        """Release connections and caches (idempotent)."""
