"""Rebuilding never depends on the old index: real SQLite files damaged on disk (zeroed pages,
truncated), foreign or missing are named ("run sohoa reindex") and rebuilt from storage; a
rebuild that fails or is killed leaves the old index serving the same results; a reader in
another process keeps working through the swap and then sees the new index."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from core.errors import Transient
from dedup import NearDuplicateIndex
from indexing import SqliteIndex, reindex
from indexing.sqlite import SCHEMA_VERSION
from indexing.sqlite_files import IndexUnusable, fresh_path
from schemas import SearchQuery
from storage import LocalStore, write_package
from tests.dedup.lookup_conformance import LETTER, OTHER, RESCAN
from tests.indexing.stored import stored_record
from tests.indexing.test_rebuild import snapshot
from tests.indexing.test_rebuild import store as store  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]


def page_size(path: Path) -> int:
    size = int.from_bytes(path.read_bytes()[16:18], "big")
    return 65536 if size == 1 else size


def zero_pages(path: Path, first: int, count: int) -> None:
    """Write zeros over `count` pages from page `first` (0 is the header page)."""
    size = page_size(path)
    with path.open("r+b") as f:
        f.seek(first * size)
        f.write(b"\0" * size * count)


def pages_of(path: Path) -> int:
    return path.stat().st_size // page_size(path)


def zero_the_middle(path: Path) -> None:
    zero_pages(path, 1, pages_of(path) // 2)


def zero_the_header(path: Path) -> None:
    zero_pages(path, 0, 1)


def truncate_to_half(path: Path) -> None:
    os.truncate(path, page_size(path) * (pages_of(path) // 2))


def someone_elses_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.execute("INSERT INTO customers VALUES ('Nguyễn Văn A')")


def not_sqlite_at_all(path: Path) -> None:
    path.write_text("id,title\n1,Quyết định\n" * 500, encoding="utf-8")


def an_older_schema(path: Path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "middle pages zeroed": zero_the_middle,
    "header page zeroed": zero_the_header,
    "truncated to half": truncate_to_half,
    "someone else's database": someone_elses_database,
    "not an SQLite file": not_sqlite_at_all,
    "an older schema version": an_older_schema,
}


def build(store: LocalStore, path: Path) -> list[tuple]:
    """A sound index of `store` at `path`, closed (its WAL folded in); what it shows."""
    with SqliteIndex(path) as index:
        reindex(store, index)
        return snapshot(index)


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_or_foreign_index_is_named_then_rebuilt_from_storage(
    damage: Callable[[Path], None], store: LocalStore, tmp_path: Path
) -> None:
    path = tmp_path / "index.sqlite3"
    before = build(store, path)
    damage(path)
    damaged = path.read_bytes()

    with SqliteIndex(path) as index:
        with pytest.raises(IndexUnusable, match=r"^search index .* run sohoa reindex$"):
            snapshot(index)
        assert path.read_bytes() == damaged  # opening and failing changed nothing
        report = reindex(store, index)
        assert report.ok and report.indexed == report.records
        assert snapshot(index) == before
    with SqliteIndex(path) as reopened:
        assert snapshot(reopened) == before
    assert not fresh_path(path).exists()


def test_a_missing_index_is_an_empty_one_until_reindex(store: LocalStore, tmp_path: Path) -> None:
    before = build(store, tmp_path / "first.sqlite3")
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        assert index.count() == 0
        reindex(store, index)
        assert snapshot(index) == before


class FailingStore(LocalStore):
    """A store that goes away after `good` record reads."""

    def __init__(self, root: Path, good: int) -> None:
        super().__init__(root)
        self.left = good

    def get_bytes(self, key: str) -> bytes:
        if key.endswith("/record.json"):
            self.left -= 1
            if self.left < 0:
                raise Transient("storage went away")
        return super().get_bytes(key)


@pytest.mark.parametrize("damage", [None, zero_the_header], ids=["sound", "damaged"])
def test_a_rebuild_failing_midway_leaves_the_old_index_as_it_was(
    damage: Callable[[Path], None] | None, store: LocalStore, tmp_path: Path
) -> None:
    path = tmp_path / "index.sqlite3"
    before = build(store, path)
    if damage is not None:
        damage(path)
    old = path.read_bytes()

    failing = FailingStore(store.root, good=5)
    with SqliteIndex(path) as index:
        with pytest.raises(Transient, match="storage went away"):
            reindex(failing, index, workers=1)
        assert not fresh_path(path).exists()
        if damage is None:
            assert snapshot(index) == before
    assert path.read_bytes() == old
    if damage is None:
        with SqliteIndex(path) as reopened:
            assert snapshot(reopened) == before


_SLOW_REINDEX = """
import sys, time
from indexing import SqliteIndex, reindex
from storage import LocalStore

class Slow(LocalStore):
    def get_bytes(self, key):
        if key.endswith("/record.json"):
            time.sleep(0.2)
        return super().get_bytes(key)

with SqliteIndex(sys.argv[2]) as index:
    reindex(Slow(sys.argv[1]), index, workers=1)
"""


def test_a_killed_rebuild_leaves_the_old_index_and_nothing_that_confuses_the_next(
    store: LocalStore, tmp_path: Path
) -> None:
    path = tmp_path / "index.sqlite3"
    before = build(store, path)
    old = path.read_bytes()
    fresh = fresh_path(path)
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_REINDEX, str(store.root), str(path)], cwd=ROOT, env=_env()
    )
    try:
        deadline = time.monotonic() + 30
        while not (fresh.exists() and fresh.stat().st_size > 0) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.poll() is None, "the rebuild ended before it could be killed"
        time.sleep(0.5)  # a few records into the fresh file
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL and fresh.exists()  # killed half-way, for real

    assert path.read_bytes() == old
    with SqliteIndex(path) as index:
        assert snapshot(index) == before
        reindex(store, index)  # the leftover is thrown away, never read
        assert snapshot(index) == before
    assert not fresh.exists()


_READER = """
import json, sys, time
from indexing import SqliteIndex
from schemas import SearchQuery

index = SqliteIndex(sys.argv[1])
print("ready", flush=True)
seen, errors, end = [], [], time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        ids = sorted(h.id for h in index.search(SearchQuery(q="", limit=100)).hits)
    except Exception as exc:
        errors.append(repr(exc))
        continue
    if not seen or seen[-1] != ids:
        seen.append(ids)
print(json.dumps({"seen": seen, "errors": errors}))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_a_reader_in_another_process_keeps_working_through_the_swap(tmp_path: Path) -> None:
    old_store, new_store = LocalStore(tmp_path / "old"), LocalStore(tmp_path / "new")
    for store_, prefix in ((old_store, "old"), (new_store, "new")):
        for i in range(40):
            record, original = stored_record(tmp_path, f"{prefix}-{i:02d}", f"văn bản số {i}")
            write_package(store_, record, original)
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        reindex(old_store, index)
    old_ids, new_ids = (sorted(f"{p}-{i:02d}" for i in range(40)) for p in ("old", "new"))

    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(path), "6"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        with SqliteIndex(path) as index:
            reindex(new_store, index)
        with SqliteIndex(path) as fresh_connection:
            found = fresh_connection.search(SearchQuery(q="", limit=100)).hits
            assert sorted(hit.id for hit in found) == new_ids
        out, _ = reader.communicate(timeout=60)
    finally:
        reader.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["seen"] == [old_ids, new_ids]  # never a mixture, never an empty index


def test_the_near_duplicate_lookup_is_rebuilt_beside_and_swapped_in(tmp_path: Path) -> None:
    path = tmp_path / "similarity.sqlite3"
    lookup = NearDuplicateIndex(path)
    lookup.add("letter", LETTER)
    lookup.close()
    zero_the_header(path)
    damaged = path.read_bytes()

    lookup = NearDuplicateIndex(path)
    try:
        with pytest.raises(IndexUnusable, match=r"^near-duplicate lookup .* run sohoa reindex$"):
            lookup.find(RESCAN)
        assert path.read_bytes() == damaged

        def failing():
            yield "other", OTHER
            raise Transient("storage went away")

        with pytest.raises(Transient):
            lookup.rebuild(failing())
        assert path.read_bytes() == damaged and not fresh_path(path).exists()

        lookup.rebuild([("letter", LETTER), ("other", OTHER)])
        assert len(lookup) == 2 and lookup.find(RESCAN).record_id == "letter"
        with pytest.raises(Transient):
            lookup.rebuild(failing())
        assert len(lookup) == 2 and "other" in lookup  # the sound lookup is kept too
    finally:
        lookup.close()


_OLD_FILE_READER = """
import json, sqlite3, sys
old = sqlite3.connect(sys.argv[1], isolation_level=None)
old.execute("BEGIN")
before = old.execute("SELECT count(*) FROM customers").fetchone()[0]
print("ready", flush=True)
sys.stdin.readline()  # the index is swapped in meanwhile
after = old.execute("SELECT count(*) FROM customers").fetchone()[0]
old.execute("COMMIT")
new = sqlite3.connect(sys.argv[1])
records = new.execute("SELECT count(*) FROM records").fetchone()[0]
new.close()
print(json.dumps({"before": before, "after": after, "records": records}))
"""


def test_a_file_replaced_by_rename_keeps_serving_its_open_reader(store: LocalStore, tmp_path: Path) -> None:
    """Someone else's database in WAL mode with 1 KiB pages: the rebuilt file is renamed over
    it. A process reading the old file inside a transaction keeps reading it
    (POSIX), and its next connection opens the new index."""
    path = tmp_path / "index.sqlite3"
    before = build(store, tmp_path / "reference.sqlite3")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA page_size = 1024")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.executemany("INSERT INTO customers VALUES (?)", [("Nguyễn Văn A",), ("Trần Thị B",)])
    old_inode = path.stat().st_ino
    reader = subprocess.Popen(
        [sys.executable, "-c", _OLD_FILE_READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        with SqliteIndex(path) as index:
            reindex(store, index)
            assert snapshot(index) == before
        assert path.stat().st_ino != old_inode  # renamed in, not copied
        out, _ = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert json.loads(out) == {"before": 2, "after": 2, "records": before[7][1]}  # [7]: q="" lists all
    with SqliteIndex(path) as index:
        assert snapshot(index) == before


_STALE = """
import sys
from indexing import SqliteIndex
from schemas import SearchQuery

index = SqliteIndex(sys.argv[1])
print(index.search(SearchQuery(q="", limit=100)).total, flush=True)
sys.stdin.readline()  # the index is swapped in and written to meanwhile
index.close()  # its connection to the file renamed over, closed as a process ending closes it
print("closed", flush=True)
sys.stdin.readline()
"""


def test_the_rebuilt_file_is_renamed_in_and_an_old_connection_closing_leaves_its_journal(
    store: LocalStore, tmp_path: Path
) -> None:
    """The swap renames the rebuilt file in (no copy). SQLite finds a WAL by name: a process
    still connected to the old file, closing after the swap, must neither checkpoint into nor
    delete the journal of the new file, whose last write is still in it."""
    path = tmp_path / "index.sqlite3"
    before = build(store, path)
    old_inode = path.stat().st_ino
    stale = subprocess.Popen(
        [sys.executable, "-c", _STALE, str(path)],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stale.stdout is not None and int(stale.stdout.readline()) == before[7][1]
        with SqliteIndex(path) as index:
            reindex(store, index)
            assert path.stat().st_ino != old_inode  # renamed in, not copied
            index._conn.execute("PRAGMA wal_autocheckpoint = 0")  # the next write stays in the WAL
            index.add(stored_record(tmp_path, "late", "văn bản viết sau khi thay tệp")[0])
            assert Path(f"{path}-wal").stat().st_size > 0
            stale.stdin.write("go\n")
            stale.stdin.flush()
            assert stale.stdout.readline().strip() == "closed"
            assert Path(f"{path}-wal").stat().st_size > 0  # still there: the old connection left it
            with SqliteIndex(path) as other:  # a new connection finds the write in the journal
                assert other.has("late") and other.search(SearchQuery(q="viết sau")).total == 1
            index.add(stored_record(tmp_path, "later", "văn bản thứ hai")[0])
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            ids = {row[0] for row in conn.execute("SELECT id FROM records")}
        assert {"late", "later"} <= ids
    finally:
        stale.kill()
        stale.wait(timeout=30)


def test_an_index_opened_during_a_swap_waits_for_it(tmp_path: Path) -> None:
    """A connection opened while the old file's journals are removed and the new file renamed in
    would make journals for the old file under the new one's names: it waits for the swap."""
    from indexing.sqlite_files import _folder_lock

    path = tmp_path / "index.sqlite3"
    SqliteIndex(path).close()
    opened: list[SqliteIndex] = []
    with _folder_lock(path, fcntl.LOCK_EX):  # what swap_in holds while it renames
        opener = threading.Thread(target=lambda: opened.append(SqliteIndex(path)))
        opener.start()
        opener.join(0.5)
        assert opener.is_alive() and not opened
    opener.join(10)
    assert len(opened) == 1
    opened[0].close()
