"""The search-index interface every index backend implements (SQLite FTS5, Elasticsearch).

The index is derived from storage and can be rebuilt from it at any time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from schemas import Record, SearchQuery, SearchResult

if TYPE_CHECKING:
    from indexing.rebuild import BulkOutcome


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

    def search(self, query: SearchQuery) -> SearchResult: ...

    def clear(self) -> None:
        """Drop every indexed record."""

    def scrub(self) -> None:
        """Erase from the index's files what deleted records left behind (after a record's
        content went to the secret hold): afterwards no byte of it is on disk."""

    def rebuild(self, records: Iterable[Record]) -> BulkOutcome:
        """Hold exactly `records` afterwards: a new index filled beside the live one and swapped
        in when complete; the live one is not read, and is left as it was when this fails."""

    def ping(self) -> None:
        """Raise Transient when the index cannot be reached."""
