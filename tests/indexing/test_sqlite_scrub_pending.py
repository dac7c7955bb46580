"""A scrub whose WAL truncation a reader blocks stays pending, beside the index, until a later use
(of any connection) finishes it (red team D8; the API's side: tests/redteam/test_contract_secret_wal.py).
One test waits out the index's busy timeout (10 s)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from indexing.sqlite import SCRUB_PENDING, SqliteIndex
from tests.indexing.conformance import make_record, search

TOKEN = "khobímậtxyz"


def _on_disk(path: Path) -> list[str]:
    """The files of the index that hold TOKEN's bytes."""
    wanted = TOKEN.encode()
    return [p.name for p in path.parent.glob(path.name + "*") if p.is_file() and wanted in p.read_bytes()]


def test_a_blocked_scrub_is_finished_by_a_later_use_from_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    marker = Path(f"{path}{SCRUB_PENDING}")
    with SqliteIndex(path) as index, SqliteIndex(path) as other:
        index.add(make_record("secret", f"Báo cáo {TOKEN} tại kho"))
        index.add(make_record("plain", "Kế hoạch năm"))
        reader = sqlite3.connect(path)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM pages").fetchone()  # an older snapshot, held
            index.delete("secret")
            index.scrub()  # waits the busy timeout out, then gives up on the WAL
            assert marker.read_text(encoding="utf-8") == "checkpoint"
            assert index.scrub_pending() and other.scrub_pending()  # no waiting while the reader reads
            assert search(other, "kế hoạch").total == 1  # searches go on meanwhile
            assert _on_disk(path) != []
        finally:
            reader.execute("COMMIT")
            reader.close()
        assert search(other, "kế hoạch").total == 1  # the next use, by another connection, finishes it
        assert not marker.exists()
        assert not index.scrub_pending()
        assert _on_disk(path) == []
        assert Path(f"{path}-wal").stat().st_size == 0


def test_a_scrub_cut_before_its_vacuum_is_done_again_whole(tmp_path: Path) -> None:
    """A process killed mid-scrub leaves the note saying so: the next use optimises, vacuums and
    truncates, so the deleted text leaves the file's free pages too."""
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.add(make_record("secret", f"Báo cáo {TOKEN} tại kho"))
        index.add(make_record("plain", "Kế hoạch năm"))
        index.delete("secret")  # deleted, not scrubbed: the text is still on disk
        assert _on_disk(path) != []
        Path(f"{path}{SCRUB_PENDING}").write_text("vacuum", encoding="utf-8")
        assert index.count() == 1
        assert not index.scrub_pending()
        assert _on_disk(path) == []


def test_a_scrub_without_readers_leaves_nothing_pending(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.add(make_record("secret", f"Báo cáo {TOKEN} tại kho"))
        index.delete("secret")
        index.scrub()
        assert not Path(f"{path}{SCRUB_PENDING}").exists()
        assert not index.scrub_pending()
        assert _on_disk(path) == []
