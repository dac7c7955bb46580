"""Drop-folder selection: what is skipped unread, what waits, what the state remembers (pure)."""

from __future__ import annotations

from pathlib import Path

from application.dropfolder import FileState, FolderState, look, needs_work, settled, updated_state
from schemas import IngestOutcome

STATE = FolderState(
    source="/drop",
    files={
        "/drop/done.pdf": FileState(size=10, mtime_ns=1, status="ingested", id="r1"),
        "/drop/bad.pdf": FileState(size=0, mtime_ns=1, status="quarantined"),
        "/drop/down.pdf": FileState(size=5, mtime_ns=1, status="failed"),
        "/drop/gone-record.pdf": FileState(size=7, mtime_ns=1, status="ingested", id="r2"),
        "/drop/copying.pdf": FileState(size=3, mtime_ns=2, status="pending"),
    },
)


def test_needs_work_skips_unchanged_handled_files() -> None:
    stats = {
        "/drop/done.pdf": (10, 1),  # unchanged, record stored: skipped unread
        "/drop/bad.pdf": (0, 1),  # unchanged, quarantined before: skipped
        "/drop/down.pdf": (5, 1),  # failed last time: tried again
        "/drop/gone-record.pdf": (7, 1),  # its record is no longer stored: again
        "/drop/copying.pdf": (3, 2),  # was still changing
        "/drop/new.pdf": (4, 9),
    }
    committed = {"r1": True, "r2": False}
    assert needs_work(stats, STATE, committed) == [
        "/drop/copying.pdf",
        "/drop/down.pdf",
        "/drop/gone-record.pdf",
        "/drop/new.pdf",
    ]
    stats["/drop/done.pdf"] = (11, 3)  # overwritten with other bytes: looked at again
    assert "/drop/done.pdf" in needs_work(stats, STATE, committed)


def test_settled_needs_two_equal_looks_or_the_previous_run() -> None:
    first = {"/drop/copying.pdf": (3, 2), "/drop/new.pdf": (4, 9), "/drop/growing.pdf": (8, 9)}
    paths = list(first)
    assert settled(paths, first, None, STATE) == (
        ["/drop/copying.pdf"],
        ["/drop/growing.pdf", "/drop/new.pdf"],
    )
    second = {"/drop/new.pdf": (4, 9), "/drop/growing.pdf": (12, 10)}
    assert settled(paths, first, second, STATE) == (
        ["/drop/copying.pdf", "/drop/new.pdf"],
        ["/drop/growing.pdf"],
    )
    assert settled(["/drop/gone.pdf"], {}, {}, STATE) == ([], ["/drop/gone.pdf"])


def test_updated_state_records_outcomes_pending_and_forgets_vanished() -> None:
    stats = {"/drop/done.pdf": (10, 1), "/drop/new.pdf": (4, 9), "/drop/growing.pdf": (12, 10)}
    outcomes = [IngestOutcome(path="/drop/new.pdf", status="duplicate", id="r1")]
    state = updated_state(STATE, stats, outcomes, ["/drop/growing.pdf"])
    assert state.files == {
        "/drop/done.pdf": FileState(size=10, mtime_ns=1, status="ingested", id="r1"),
        "/drop/growing.pdf": FileState(size=12, mtime_ns=10, status="pending"),
        "/drop/new.pdf": FileState(size=4, mtime_ns=9, status="duplicate", id="r1"),
    }


def test_look_skips_vanished_files_and_does_not_follow_links(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"12345")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    stats = look([tmp_path / "a.pdf", tmp_path / "missing.pdf", tmp_path / "loop"])
    assert stats[str(tmp_path / "a.pdf")][0] == 5
    assert str(tmp_path / "missing.pdf") not in stats
    assert str(tmp_path / "loop") in stats  # reported, so that ingest can quarantine it
