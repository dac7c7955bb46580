"""The faster reindex gives what the slower one gave: the masking patterns rewritten to start with
a character (so the re module skips ahead in C) find what their lookbehind-first forms found; a
withdrawn package is read once and left out; a rebuild written batch by batch holds what adding
the records one by one holds, and a failed write stops it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexing import SqliteIndex, reindex
from indexing import masking as m
from indexing import sqlite as sqlite_index
from storage import LocalStore, write_package
from storage.layout import OCFL_ROOT
from storage.ocfl_layout import object_path, record_object_id
from storage.package import listed_record_ids, read_committed_record, withdraw_package
from tests.indexing.conformance import make_record
from tests.indexing.stored import stored_record

# The forms the patterns had before (indexing/masking.py, session 13)
_SEP = r"(?:\) | \(|[^\w]|_)"
BEFORE = {
    "run": re.compile(rf"(?<!\d)\+?\(?\d+(?:{_SEP}(?:\d{{2,}}|\d(?={_SEP}\d{{2}})))*(?!\d)"),
    "confusable": re.compile(r"(?<=\d)[OolI|](?=\d)"),
    "passport": re.compile(r"(?<![^\W\d_])[A-Z]\d{7,8}(?!\d)"),
    "email": re.compile(r"[\w.+-]+(?=@[\w-]+(?:\.[\w-]+)+)"),
    "sinh": re.compile(r"(?<![a-z])sinh(?![a-z])"),
    "label": re.compile(
        r"(?<![a-z])(?:cccd|cmnd|cmtnd|can cuoc|chung minh|dinh danh|ho chieu|passport|dien thoai|"
        r"sdt|dtdd|dt|di dong|tel|mobile|phone|fax|mst|ma so thue|bhxh|bhyt|so the|tai khoan)"
        r"(?![a-z])[^\n\d]{0,30}(?:\n[^\n\d]{0,10})?"  # the number may follow on the next line
    ),
    "birth": re.compile(
        rf"(?<![a-z]){m._BIRTH_LABELS}[\s:,]{{0,3}}(?:vao |la )?({m._FULL_DATE}|\d{{4}})(?!\d)"
    ),
}
PIECES = [
    *"0123456789 +()-./_@·–\u00a0\nOolI|ABZxyzé²٣",
    *("sinh", "ngay ", "nam sinh", "sinh ngay", "hoc sinh", "cccd", "dien thoai", "dt", "dtdd", "thang "),
    *("nam ", "vao ", "la ", "a@b.vn", ".com", "tel", "xtel", "ma so thue", "so the", "+84", "đồng"),
]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def spans(found: object) -> list[tuple[int, int]]:
    return [match.span() for match in found]  # type: ignore[attr-defined]


@settings(max_examples=600, deadline=None)
@given(texts)
def test_the_rewritten_patterns_find_what_the_lookbehind_first_ones_found(text: str) -> None:
    assert spans(m._RUN.finditer(text)) == spans(BEFORE["run"].finditer(text))
    assert spans(m._CONFUSABLE.finditer(text)) == spans(BEFORE["confusable"].finditer(text))
    assert spans(m._PASSPORT.finditer(text)) == spans(BEFORE["passport"].finditer(text))
    assert m._emails(text) == spans(BEFORE["email"].finditer(text))
    assert spans(m._SINH.finditer(text)) == spans(BEFORE["sinh"].finditer(text))
    assert spans(m._word_start_matches(m._LABEL, text)) == spans(BEFORE["label"].finditer(text))
    birth = [match.span(1) for match in BEFORE["birth"].finditer(text)]
    assert [match.span(1) for match in m._word_start_matches(m._BIRTH_LABELLED, text)] == birth


def test_listed_withdrawn_packages_are_read_once_and_left_out(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    for record_id in ("a-1", "b-2", "c-3"):
        write_package(store, *stored_record(tmp_path, record_id, f"trang của {record_id}"))
    withdraw_package(store, "b-2", "its pages belong to other documents now")
    assert listed_record_ids(store) == ["a-1", "b-2", "c-3"]  # listed: the store alone says so
    assert read_committed_record(store, "b-2") is None
    assert read_committed_record(store, "nowhere") is None
    assert read_committed_record(store, "a-1", with_words=False).id == "a-1"  # type: ignore[union-attr]
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        report = reindex(store, index)
        assert (report.records, report.indexed, report.failed) == (2, 2, {})
        assert not index.has("b-2") and index.has("c-3")


def test_a_damaged_inventory_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    """Each inventory is read once, by the reader: one that breaks the OCFL rules is that
    package's failure, not the run's."""
    store = LocalStore(tmp_path / "store")
    for record_id in ("a-1", "b-2"):
        write_package(store, *stored_record(tmp_path, record_id, f"trang của {record_id}"))
    root = f"{OCFL_ROOT}/{object_path(record_object_id('b-2'))}/inventory.json"
    store.put_bytes(root, store.get_bytes(root).replace(b'"head": "v1"', b'"head": "v7"'))
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        report = reindex(store, index)
        assert (report.records, report.indexed) == (2, 1) and "InventoryError" in report.failed["b-2"]
        assert index.has("a-1") and not index.has("b-2")


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, FTS5's own tables included."""
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"'), key=repr) for n in names}


RECORDS = [
    make_record(f"r{n}", f"trang {n}: số hóa tài liệu, điện thoại 0912 345 6{n:02d}", access=access)
    for n, access in enumerate(("public", "conditional", "public", "not_accessible", "undetermined"))
]


def test_a_rebuild_in_batches_holds_what_adding_one_by_one_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_index, "REBUILD_BATCH", 2)  # three batches
    again = make_record("r1", "trang 1 đã sửa: hoà bình", access="public")  # given twice: the last wins
    with SqliteIndex(tmp_path / "rebuilt.sqlite3") as rebuilt:
        assert rebuilt.rebuild([*RECORDS, again]).indexed == len(RECORDS) + 1
    with SqliteIndex(tmp_path / "added.sqlite3") as added:
        for record in [*RECORDS, again]:
            added.add(record)
        added.scrub()  # compacted as a rebuild is
    assert _rows(tmp_path / "rebuilt.sqlite3") == _rows(tmp_path / "added.sqlite3")


class FailingWrites(SqliteIndex):
    """A rebuild whose second batch SQLite refuses (a full disk, say)."""

    batches = 0

    def _write_batch(self, prepared: list, seen: set[str]) -> None:
        FailingWrites.batches += 1
        if FailingWrites.batches == 2:
            raise sqlite3.OperationalError("database or disk is full")
        super()._write_batch(prepared, seen)


def test_a_failed_batch_write_stops_the_rebuild_and_keeps_the_live_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_index, "REBUILD_BATCH", 2)
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.add(make_record("old", "bản cũ"))
    before = path.read_bytes()
    monkeypatch.setattr(sqlite_index, "SqliteIndex", FailingWrites)  # what rebuild() fills a fresh file with
    with FailingWrites(path) as index, pytest.raises(sqlite3.OperationalError, match="disk is full"):
        index.rebuild(RECORDS)
    assert path.read_bytes() == before
    with SqliteIndex(path) as index:
        assert index.has("old") and index.count() == 1
