"""Full-text tables per access class (SQLite schema v8): a page is in its class's tables and no
other, a change of class moves it in one transaction, and every role's answer (hits, their order,
pages, snippets, totals, facets, `ranked`) is the answer of an index that holds only the records
the role may see."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from application.access import scope_for
from application.searching import SearchParams, search_as
from bench.api_records import generate_records
from indexing import SqliteIndex
from indexing import sqlite as sqlite_module
from indexing.postings import PAGE_TABLES, PRIVATE_TABLES, TABLES
from schemas import PersonalData, Record
from tests.indexing.conformance import make_record

QUERIES = [
    "quyết định",
    "quyet dinh",
    "Ủy ban nhân dân",
    "kế hoạch thủy lợi",
    '"thủ tục hành chính"',
    "Nguyễn Văn",
    "du lich cong dong",
    "số hóa tài liệu lưu trữ",
    "2019",
    "",
]


def _rows(path: Path) -> dict[str, set[int]]:
    """table -> the page ids it holds (every full-text table)."""
    with sqlite3.connect(path) as conn:
        return {table: {row[0] for row in conn.execute(f"SELECT rowid FROM {table}")} for table in TABLES}


def _pids(path: Path, record_id: str) -> set[int]:
    with sqlite3.connect(path) as conn:
        sql = "SELECT pid FROM pages JOIN records USING (rid) WHERE records.id = ?"
        return {row[0] for row in conn.execute(sql, (record_id,))}


def _with_personal(record: Record, value: str) -> Record:
    listed = [PersonalData(kind="name", value=value, page=1)]
    return record.model_copy(
        update={"metadata": record.metadata.model_copy(update={"personal_data": listed})}
    )


def _as(record: Record, access: str) -> Record:
    """`record` reclassified (a review decision, a hold)."""
    classification = record.classification.model_copy(update={"access": access})
    return record.model_copy(update={"classification": classification})


def test_a_page_is_in_its_class_tables_only_and_moves_with_its_class(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    plain = make_record("plain", "Kế hoạch thủy lợi năm 2020", "Trang hai", access="public")
    named = _with_personal(
        make_record("named", "Cấp cho ông Bùi Văn Thắng ở thôn Đông", access="public"), "Bùi Văn Thắng"
    )
    with SqliteIndex(path) as index:
        index.add(plain)
        index.add(named)
        rows = _rows(path)
        assert rows[PAGE_TABLES["public"]] == _pids(path, "plain") | _pids(path, "named")
        assert rows[PRIVATE_TABLES["public"]] == _pids(path, "named")  # the full text of a page with a name
        assert all(not rows[t] for t in TABLES if t not in (PAGE_TABLES["public"], PRIVATE_TABLES["public"]))

        for access in ("conditional", "undetermined", "not_accessible", "public"):  # review, hold, back
            index.add(_as(plain, access))
            index.add(_as(named, access))
            rows = _rows(path)
            assert rows[PAGE_TABLES[access]] == _pids(path, "plain") | _pids(path, "named")
            assert rows[PRIVATE_TABLES[access]] == _pids(path, "named")
            others = [t for t in TABLES if t not in (PAGE_TABLES[access], PRIVATE_TABLES[access])]
            assert all(not rows[t] for t in others), access
        index.delete("named")
        assert _rows(path)[PRIVATE_TABLES["public"]] == set()
        assert _rows(path)[PAGE_TABLES["public"]] == _pids(path, "plain")


def test_a_change_of_class_is_one_transaction(tmp_path: Path) -> None:
    """The old class's rows go and the new class's come between one BEGIN and its COMMIT: no
    reader ever sees the record in both classes' tables, or in neither."""
    index = SqliteIndex(tmp_path / "index.sqlite3")
    record = make_record("moved", "Biên bản họp thủy lợi", access="public")
    index.add(record)
    statements: list[str] = []
    index._conn.set_trace_callback(statements.append)
    try:
        index.add(_as(record, "not_accessible"))
    finally:
        index._conn.set_trace_callback(None)
        index.close()
    begin = statements.index("BEGIN IMMEDIATE")
    commit = statements.index("COMMIT")
    deleted = next(
        n for n, s in enumerate(statements) if s.startswith(f"DELETE FROM {PAGE_TABLES['public']}")
    )
    inserted = next(
        n for n, s in enumerate(statements) if s.startswith(f"INSERT INTO {PAGE_TABLES['not_accessible']}")
    )
    assert begin < deleted < inserted < commit
    assert statements.count("COMMIT") == 1


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return list(generate_records(400, seed=13))  # every class, personal data on some pages


def _visible(records: list[Record], role: str) -> list[Record]:
    classes = scope_for(role).classes  # type: ignore[arg-type]
    return [r for r in records if r.classification.access in classes]


@pytest.fixture(scope="module", params=[3000, 40], ids=["ranked-when-rare", "ranked-when-very-rare"])
def indexes(request: pytest.FixtureRequest, records: list[Record], tmp_path_factory: pytest.TempPathFactory):
    """(the index of every record, {role: the index of what the role may see}) at one rank limit."""
    folder = Path(tmp_path_factory.mktemp("per-class"))
    rank_limit = request.param
    whole = SqliteIndex(folder / "whole.sqlite3", rank_limit=rank_limit)
    whole.rebuild(records)
    alone = {}
    for role in ("public", "staff", "archivist"):
        alone[role] = SqliteIndex(folder / f"{role}.sqlite3", rank_limit=rank_limit)
        alone[role].rebuild(_visible(records, role))
    yield whole, alone
    whole.close()
    for index in alone.values():
        index.close()


@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
@pytest.mark.parametrize("q", QUERIES)
def test_every_role_gets_the_answer_of_an_index_of_what_it_may_see(
    indexes, records: list[Record], role: str, q: str
) -> None:
    """Hidden pages count nowhere: not in the order of ranked hits (BM25's page counts and mean
    lengths), nor in the choice to rank, nor in the page shown for a hit."""
    whole, alone = indexes
    assert any(r.classification.access not in scope_for(role).classes for r in records)  # some are hidden
    for params in (SearchParams(q=q, limit=50), SearchParams(q=q, limit=20, offset=10, sort="date")):
        found = search_as(whole, role, params).result
        expected = search_as(alone[role], role, params).result
        assert found.model_dump() == expected.model_dump()
        if q and params.offset == 0:
            assert found.total > 0, q  # the query finds something: the comparison means something


def test_a_rebuilt_index_has_one_segment_a_table(
    records: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild ends by merging each full-text table (FTS5 'optimize'): a word is looked up once
    a table rather than once a segment (one segment a transaction, merged only so far)."""
    monkeypatch.setattr(sqlite_module, "REBUILD_BATCH", 10)  # many transactions, many segments
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.rebuild(records)
        expected = search_as(index, "archivist", SearchParams(q="quyết định", limit=50)).result
    with sqlite3.connect(path) as conn:
        segments = {
            t: conn.execute(f"SELECT count(DISTINCT segid) FROM {t}_idx").fetchone()[0] for t in TABLES
        }
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    assert segments == dict.fromkeys(TABLES, 1), segments
    assert free == 0  # and rewritten without the merged segments' pages
    with SqliteIndex(path) as index:
        index.add(records[0])  # a later write works on the merged tables
        assert search_as(index, "archivist", SearchParams(q="quyết định", limit=50)).result == expected
