"""Search indexes derived from storage: SQLite FTS5 (default) and, later, Elasticsearch.

`open_index(url)` picks the backend from the SOHOA_INDEX setting; every backend implements
`SearchIndex` and shares the pure query parsing (`indexing.query`) and snippets.
"""

from __future__ import annotations

from pathlib import Path

from indexing.base import SearchIndex
from indexing.query import ParsedQuery, QueryPart, parse_query
from indexing.snippets import snippet
from indexing.sqlite import SqliteIndex

__all__ = [
    "ParsedQuery",
    "QueryPart",
    "SearchIndex",
    "SqliteIndex",
    "open_index",
    "parse_query",
    "snippet",
]

_SQLITE = "sqlite://"


def _sqlite_path(url: str) -> Path:
    """The file of a "sqlite:///abs/path" URL (three or four slashes: always absolute)."""
    rest = url[len(_SQLITE) :].lstrip("/")
    if not rest:
        raise ValueError(f"index URL {url!r} names no file: use sqlite:///abs/path/index.sqlite3")
    return Path("/" + rest)


def open_index(url: str) -> SearchIndex:
    """The index at `url`: "sqlite:///abs/path" or a plain file path (SQLite FTS5);
    "http(s)://host:9200" (Elasticsearch, not available yet)."""
    if url.startswith(("http://", "https://")):
        raise NotImplementedError("Elasticsearch backend: see issue")
    if url.startswith(_SQLITE):
        return SqliteIndex(_sqlite_path(url))
    if "://" in url:
        raise ValueError(f"unsupported index URL {url!r}: use sqlite:///path or http(s)://host")
    return SqliteIndex(Path(url))
