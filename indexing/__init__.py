"""Search indexes derived from storage: SQLite FTS5 (default) and Elasticsearch (production).

`open_index(url)` picks the backend from the SOHOA_INDEX setting; every backend implements
`SearchIndex` and shares the pure query parsing (`indexing.query`) and snippets.
`reindex(store, index)` rebuilds any of them from storage alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from indexing.base import SearchIndex
from indexing.query import ParsedQuery, QueryPart, parse_query
from indexing.rebuild import ReindexReport, reindex
from indexing.snippets import snippet
from indexing.sqlite import SqliteIndex

if TYPE_CHECKING:
    from indexing.elastic import ElasticIndex

__all__ = [
    "ElasticIndex",
    "ParsedQuery",
    "QueryPart",
    "ReindexReport",
    "SearchIndex",
    "SqliteIndex",
    "open_index",
    "parse_query",
    "reindex",
    "snippet",
]


def __getattr__(name: str) -> object:
    """ElasticIndex, imported on first use: the Elasticsearch client takes a while to import."""
    if name == "ElasticIndex":
        from indexing.elastic import ElasticIndex

        return ElasticIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SQLITE = "sqlite://"


def _sqlite_path(url: str) -> Path:
    """The file of a "sqlite:///abs/path" URL (three or four slashes: always absolute)."""
    rest = url[len(_SQLITE) :].lstrip("/")
    if not rest:
        raise ValueError(f"index URL {url!r} names no file: use sqlite:///abs/path/index.sqlite3")
    return Path("/" + rest)


def open_index(url: str) -> SearchIndex:
    """The index at `url`: "sqlite:///abs/path" or a plain file path (SQLite FTS5);
    "http(s)://[user:password@]host:9200[/alias][?ca_certs=/path/ca.crt]" (Elasticsearch)."""
    if url.startswith(("http://", "https://")):
        from indexing.elastic import ElasticIndex

        return ElasticIndex.from_url(url)
    if url.startswith(_SQLITE):
        return SqliteIndex(_sqlite_path(url))
    if "://" in url:
        raise ValueError(f"unsupported index URL {url!r}: use sqlite:///path or http(s)://host")
    return SqliteIndex(Path(url))
