"""SQLite specifics: the MATCH expression, schema versions, URLs, files shared between connections."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from core.errors import IndexUnusable, Transient
from indexing import SearchIndex, SqliteIndex, open_index, parse_query
from indexing.postings import fts5_exact_match, fts5_match
from indexing.sqlite import SCHEMA_VERSION
from schemas import SearchQuery
from tests.indexing.conformance import filled, ids, make_record


@pytest.fixture
def idx(tmp_path: Path):
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        yield index


def test_match_expression_quotes_every_token() -> None:
    parsed = parse_query('Đảng AND "x* OR" -y NEAR(')
    assert fts5_match(parsed) == (
        '(exact : "đảng" OR folded : "dang") AND (exact : "and" OR folded : "and")'
        ' AND (exact : "x or" OR folded : "x or") AND (exact : "y" OR folded : "y")'
        ' AND (exact : "near" OR folded : "near")'
    )
    assert fts5_exact_match(parsed) == 'exact : "đảng"'
    assert fts5_exact_match(parse_query("vinh phuc")) is None


def test_sqlite_index_is_a_search_index(idx: SqliteIndex) -> None:
    assert isinstance(idx, SearchIndex)
    assert idx.url == f"sqlite://{idx.path}"


def test_schema_is_created_once_and_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as first:
        first.add(make_record("kept", "giữ lại"))
    with SqliteIndex(path) as again:
        assert ids(again, "giu lai") == ["kept"]
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_of_another_schema_is_left_alone_and_named_until_reindex(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE records (old TEXT)")
        conn.execute("INSERT INTO records VALUES ('kept')")
    before = path.read_bytes()
    with SqliteIndex(path) as index:  # version 0 with a stray table: not ours
        with pytest.raises(IndexUnusable, match="not a sohoa file .*: run sohoa reindex$"):
            index.count()
        with pytest.raises(IndexUnusable):
            index.add(make_record("new", "mới"))
    assert path.read_bytes() == before
    for version, says in ((SCHEMA_VERSION - 1, "this sohoa reads"), (SCHEMA_VERSION + 1, "newer")):
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute(f"PRAGMA user_version = {version}")
        with SqliteIndex(path) as index, pytest.raises(IndexUnusable, match=f"v{version}, {says}"):
            index.search(SearchQuery(q="mới"))


def test_two_connections_on_one_file_see_each_other(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with SqliteIndex(path) as writer, SqliteIndex(path) as reader:
        writer.add(make_record("one", "văn bản"))
        assert ids(reader, "van ban") == ["one"]
        reader.delete("one")
        assert writer.count() == 0


def test_doc_type_and_issuer_filters_ignore_case_and_spacing(idx: SqliteIndex) -> None:
    idx.add(make_record("qd", "nội dung", doc_type="Quyết định", issuer="Sở Nội vụ"))
    filters = {"doc_type": " QUYẾT ĐỊNH ", "issuer": "sở nội vụ"}
    assert ids(idx, "", filters=filters) == ["qd"]


def test_closed_index_raises_transient(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite3")
    index.close()
    with pytest.raises(Transient):
        index.ping()
    with pytest.raises(Transient):
        index.search(SearchQuery(q="x"))


def test_scores_are_higher_for_better_hits(tmp_path: Path) -> None:
    index = filled(
        lambda: SqliteIndex(tmp_path / "index.sqlite3"),
        make_record("many", "kho kho kho lưu trữ"),
        make_record("one", "kho lưu trữ và nhiều chữ khác nữa ở đây"),
        *(make_record(f"f{n}", f"văn bản số {n}") for n in range(4)),
    )
    hits = index.search(SearchQuery(q="kho")).hits
    assert [hit.id for hit in hits] == ["many", "one"]
    assert hits[0].score > hits[1].score > 0
    index.close()


@pytest.mark.parametrize("form", ["sqlite://{}", "sqlite:///{}", "{}"])
def test_open_index_urls_and_parent_dirs(tmp_path: Path, form: str) -> None:
    path = tmp_path / "new" / "dir" / "index.sqlite3"
    index = open_index(form.format(path))
    assert isinstance(index, SqliteIndex)
    assert index.path == path
    assert path.exists()
    index.close()


def test_open_index_refuses_what_it_cannot_open() -> None:
    with pytest.raises(ValueError, match="alias"):
        open_index("http://localhost:9200/Not An Alias")  # http(s): Elasticsearch
    with pytest.raises(ValueError, match="unsupported"):
        open_index("s3://bucket/index")
    with pytest.raises(ValueError, match="names no file"):
        open_index("sqlite://")
