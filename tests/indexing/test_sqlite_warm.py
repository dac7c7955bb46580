"""A server's warm-up of the SQLite index (SqliteIndex.pre_read, warm, lists_used): after it, the
searches the last server answered read no page list from FTS5 and answer what they answered;
only lists on many pages are ever handed on, and a bad key is passed over.

SQLite only: these read the engine's inside (its page lists, the per-phase timers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexing import SqliteIndex
from indexing.phases import profiling
from indexing.postings import PAGE_TABLES
from indexing.sqlite import read_into_os_cache
from schemas import AccessScope, SearchQuery
from tests.indexing.test_sqlite_search import _records

SCOPES = [
    AccessScope(classes=("public",), masked=True),
    AccessScope(classes=("public", "conditional"), masked=False),
]
ASKED = ["so hoa", "số hóa", "uy ban nhan dan", '"tài liệu lưu trữ"', "dat dai"]


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warm") / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.rebuild(_records(120))
    return path


def _answers(index: SqliteIndex) -> list:
    return [index.search(SearchQuery(q=q, scope=scope)) for q in ASKED for scope in SCOPES]


def test_a_warmed_index_reads_no_list_its_predecessor_used(path: Path) -> None:
    with SqliteIndex(path, rank_limit=0) as first:  # every query broad: its words' lists are read
        expected = _answers(first)
        used = first.lists_used(min_pages=0)  # every list, however short
    assert used and all(uses >= 1 for _, uses in used)
    lists = [key for key, _ in used]
    with SqliteIndex(path, rank_limit=0) as second:
        assert second.warm(SCOPES, lists, min_pages=0) == len(lists)
        timers = profiling(True)
        try:
            assert _answers(second) == expected
            assert "read" not in timers.take()  # no page list read from FTS5
        finally:
            profiling(False)
        assert second.lists_used(min_pages=0) == used  # the warm-up itself is no use


def test_only_lists_on_many_pages_are_handed_on(path: Path) -> None:
    """A rare word (or a phrase that could single someone out) is never saved for a warm-up,
    nor read by one: by default a list must be on 1,000 pages."""
    with SqliteIndex(path, rank_limit=0) as index:
        _answers(index)
        rare = [key for key, _ in index.lists_used(min_pages=1)]
        assert index.lists_used() == []
    with SqliteIndex(path, rank_limit=0) as fresh:
        assert fresh.warm(SCOPES, rare) == 0


def test_keys_that_name_no_list_are_passed_over(path: Path) -> None:
    table = PAGE_TABLES["public"]
    bad = [("records", "folded", ("so",)), (table, "text", ("so",)), (table, "folded", ())]
    with SqliteIndex(path, rank_limit=0) as index:
        assert index.warm(SCOPES, [*bad, (table, "folded", ("so",))], min_pages=1) == 1


def test_the_file_is_read_into_the_os_cache_unless_it_is_too_big(path: Path) -> None:
    assert read_into_os_cache(path) == path.stat().st_size
    assert read_into_os_cache(path, share=1e-12) == 0
    with SqliteIndex(path) as index:
        assert index.pre_read() == path.stat().st_size
