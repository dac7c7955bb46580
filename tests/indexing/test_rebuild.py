"""Rebuilding the SQLite index from storage alone: delete it, reindex, the same hits come back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indexing import ReindexReport, SqliteIndex, reindex
from indexing.rebuild import prefetch
from schemas import SearchQuery
from storage import LocalStore, read_record, write_package
from storage.layout import OCFL_ROOT
from storage.ocfl_layout import object_path, record_object_id
from storage.package import package_key
from tests.indexing.conformance import FILLER, make_record, search
from tests.indexing.stored import stored_record
from tests.moto_s3 import s3_test_store

QD = {"doc_type": "Quyết định", "date": dt.date(2019, 5, 2)}
CV = {"doc_type": "Công văn", "date": dt.date(2020, 1, 1), "access": "conditional"}
RECORDS_IN_STORE = [
    ("qd-2019", ["Ủy ban nhân dân tỉnh Vĩnh Phúc ban hành quyết định số hóa"], QD),
    ("cv-2020", ["Công văn về công tác văn thư", "Kho lưu trữ chuyên dụng của tỉnh"], CV),
    ("tb-phuc", ["Lễ hội làng Phúc năm nay"], {"issuer": "Sở Nội vụ"}),
    ("tb-phuc-dot", ["Lễ hội làng Phục năm nay"], {"issuer": "Sở Nội vụ", "needs_review": True}),
    ("dang-uy", ["Ban thường vụ đảng uỷ xã, hoà bình và thuỷ lợi"], {}),
    ("blank", [], {}),
]

QUERIES = [
    ("vinh phuc", {}),
    ('"nhân dân tỉnh"', {}),
    ("Phúc", {}),
    ("phuc", {}),
    ("Đảng ủy", {}),
    ("hòa bình", {}),
    ("kho lưu trữ", {}),
    ("", {}),
    ("", {"doc_type": "Quyết định"}),
    ("", {"access": ["conditional"]}),
    ("năm", {"needs_review": True}),
    ("biên bản", {}),
]


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    for record_id, texts, fields in RECORDS_IN_STORE:
        record, original = stored_record(tmp_path, record_id, *texts, **fields)
        write_package(store, record, original)
    for filler in FILLER:
        record, original = stored_record(tmp_path, filler.id, *(p.text for p in filler.pages))
        write_package(store, record, original)
    return store


def snapshot(index: SqliteIndex) -> list[tuple]:
    """Everything a user sees for each query: hits in order with page and snippet, and totals."""
    seen = []
    for q, filters in QUERIES:
        result = search(index, q, filters=filters, limit=50)
        seen.append((q, result.total, [(h.id, h.title, h.page, h.snippet) for h in result.hits]))
    return seen


def _delete_index_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_delete_the_index_reindex_and_every_query_gives_the_same_hits(
    store: LocalStore, tmp_path: Path
) -> None:
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        for record_id in sorted(r[0] for r in RECORDS_IN_STORE) + [f.id for f in FILLER]:
            index.add(read_record(store, record_id, with_words=False))
        before = snapshot(index)
    assert before[0][1] == 1 and before[7][1] == len(RECORDS_IN_STORE) + len(FILLER)  # not empty

    _delete_index_files(path)
    with SqliteIndex(path) as index:
        assert index.count() == 0
        report = reindex(store, index)
        assert snapshot(index) == before
    assert isinstance(report, ReindexReport) and report.ok
    assert (report.records, report.indexed) == (len(RECORDS_IN_STORE) + len(FILLER),) * 2
    assert report.store == store.url and report.index == f"sqlite://{path}"
    assert report.per_second > 0


def test_reindex_replaces_what_the_index_held(store: LocalStore, tmp_path: Path) -> None:
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        index.add(make_record("ghost", "bản ghi không còn trong kho"))
        reindex(store, index, workers=1)
        assert not index.has("ghost")
        assert index.count() == len(RECORDS_IN_STORE) + len(FILLER)


def test_uncommitted_and_damaged_packages(store: LocalStore, tmp_path: Path) -> None:
    # An object without its inventory is not a record (an interrupted write): silently skipped.
    half = f"{OCFL_ROOT}/{object_path(record_object_id('half-written'))}"
    store.put_bytes(f"{half}/0=ocfl_object_1.1", b"ocfl_object_1.1\n")
    store.put_bytes(f"{half}/v1/content/record.json", b"{}")
    # A committed package whose record.json is damaged is reported, and the rest still indexed.
    store.put_bytes(package_key(store, "dang-uy", "record.json"), b"{not json")
    store.put_bytes(package_key(store, "blank", "record.json"), b'{"id": "blank"}')
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        report = reindex(store, index)
        assert sorted(report.failed) == ["blank", "dang-uy"]
        assert "JSONDecodeError" in report.failed["dang-uy"]
        assert "ValidationError" in report.failed["blank"]
        assert (report.records, report.indexed) == (len(RECORDS_IN_STORE) + len(FILLER), report.records - 2)
        assert not report.ok
        assert index.count() == report.indexed
        assert report.to_dict()["failed"][0]["id"] == "blank"


def test_reindex_of_an_empty_store_empties_the_index(tmp_path: Path) -> None:
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        index.add(make_record("x", "một"))
        report = reindex(LocalStore(tmp_path / "empty"), index)
        assert (report.records, report.indexed, index.count()) == (0, 0, 0)
        assert index.search(SearchQuery(q="")).total == 0


@pytest.mark.parametrize("workers", [1, 3])
def test_prefetch_keeps_order_and_bounds_the_work_in_flight(workers: int) -> None:
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        return n * n

    results = prefetch(work, range(100), workers)
    first = next(results)
    assert first == 0
    assert len(started) <= max(1, 2 * workers)  # nothing read far ahead of the consumer
    assert [first, *results] == [n * n for n in range(100)]


@pytest.mark.integration
def test_reindex_from_s3_over_http(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The same rebuild from an S3 store (moto's server, as MinIO would serve it)."""
    store = s3_test_store(request.getfixturevalue("moto_endpoint"))
    local = LocalStore(tmp_path / "local")
    for record_id, texts, fields in RECORDS_IN_STORE:
        record, original = stored_record(tmp_path, record_id, *texts, **fields)
        write_package(store, record, original)
        write_package(local, record, original)
    with SqliteIndex(tmp_path / "from-s3.sqlite3") as from_s3, SqliteIndex(tmp_path / "local.sqlite3") as ref:
        report = reindex(store, from_s3)
        reindex(local, ref)
        assert (report.records, report.indexed, report.ok) == (
            len(RECORDS_IN_STORE),
            len(RECORDS_IN_STORE),
            True,
        )
        assert report.store == store.url
        assert snapshot(from_s3) == snapshot(ref)
