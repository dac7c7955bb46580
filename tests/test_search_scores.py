"""No role is told BM25 scores (the red team's door D4: an engine weighs a word over every page it
holds, pages of classes the caller may not see included): `search_as` answers every role with
scores of 0 and the hits in the index's own order; the province filter reaches the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.searching import SearchParams, search_as, search_query
from indexing import SqliteIndex
from schemas import SearchQuery
from tests.indexing.conformance import make_record


@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
def test_every_role_gets_the_index_order_without_scores(tmp_path: Path, role: str) -> None:
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        for n, text in enumerate(
            ["omega", "omega omega omega", "omega và nhiều chữ khác nữa ở đây", "alpha"]
        ):
            index.add(make_record(f"r{n}", text, access="public"))
        index.add(make_record("secret", "omega omega", access="not_accessible"))
        query = search_query(SearchParams(q="omega"), role)  # type: ignore[arg-type]
        raw = index.search(query)
        found = search_as(index, role, SearchParams(q="omega"))  # type: ignore[arg-type]
    assert raw.ranked and len({hit.score for hit in raw.hits}) > 1  # the index did rank them
    assert [hit.id for hit in found.result.hits] == [hit.id for hit in raw.hits]
    assert [hit.score for hit in found.result.hits] == [0.0] * len(raw.hits)
    assert found.result.total == raw.total


def test_the_province_parameter_filters(tmp_path: Path) -> None:
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        index.add(make_record("vp", "quyết định", province="Vĩnh Phúc", province_present="Phú Thọ"))
        index.add(make_record("lc", "quyết định", province="Lai Châu", province_present="Lai Châu"))
        assert index.search(SearchQuery(q="")).total == 2
        found = search_as(index, "public", SearchParams(province="Phú Thọ"))
    assert [hit.id for hit in found.result.hits] == ["vp"]
