"""SQLite files of derived data (the search index, the near-duplicate lookup): check one on
opening without changing it, say "run sohoa reindex" when it cannot be used, and put a rebuilt
file in its place in one step.

A rebuild fills a fresh file beside the live one (`<name>.new`), then `swap_in` renames it over
the live file (nothing is copied: at 1,000,000 pages the copy wrote 13 GB twice): the fresh file
is put in WAL mode and fsync'ed, the old file's journal files (`-wal`, `-shm`) are removed so
that no connection to the new file ever reads them, and the rename puts the new file in place in
one step. Every connection, in this process or another, sees the old contents or the new, never
a mixture: a process still connected to the old file keeps reading it (POSIX: its snapshot, its
WAL) and reconnects on its next call (the owners compare `file_id`).

Two things make the rename safe although SQLite finds a database's WAL by name. A connection to
a file that was renamed over does not checkpoint or delete the WAL on closing (SQLite checks
whether its file has moved: SQLITE_FCNTL_HAS_MOVED), so an old connection never deletes the new
file's journal. And a connection being opened while the old journals are removed and the rename
is made could create journal files for the old file under the names the new file will use: the
owners open their connections inside `opening(path)` (a shared lock on the folder), and the swap
is made under the exclusive lock, which lasts two unlinks and a rename. A rebuild that fails or
is killed leaves the live file as it was; its `.new` leftover is removed by the next rebuild and
never read by anything else.

Between the fill and the swap, `rebuild_beside` calls the hook its caller installed with
`before_swap` (indexing/rebuild.py: catch up on the fresh file with what storage committed while
it was filled, so that the swap never puts back a version read earlier).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar
from pathlib import Path
from typing import Literal, TypeVar

from core.errors import REBUILD_HINT, IndexUnusable

__all__ = [
    "REBUILD_HINT",
    "IndexUnusable",
    "before_swap",
    "check_file",
    "check_opened",
    "damage_unusable",
    "file_id",
    "fresh_path",
    "is_damage",
    "opening",
    "rebuild_beside",
    "remove_files",
    "swap_in",
    "unusable",
]

log = logging.getLogger(__name__)

_SIDECARS = ("-wal", "-shm", "-journal")

T = TypeVar("T")

_before_swap: ContextVar[Callable[[Path], None] | None] = ContextVar("sohoa_before_swap", default=None)


@contextlib.contextmanager
def before_swap(hook: Callable[[Path], None]) -> Iterator[None]:
    """Within this block (this thread or task), every `rebuild_beside` calls `hook(fresh)` once
    the fresh file is filled and closed, before swapping it in; the hook may open, change and
    close it. When the hook raises, nothing is swapped in (the live file stays as it was)."""
    token = _before_swap.set(hook)
    try:
        yield
    finally:
        _before_swap.reset(token)


def unusable(what: str, path: Path, reason: str) -> IndexUnusable:
    """The one-line error: "<what> <path> <reason>: run sohoa reindex"."""
    return IndexUnusable(f"{what} {path} {reason}: {REBUILD_HINT}")


def is_damage(exc: sqlite3.Error) -> bool:
    """SQLite's "database disk image is malformed" / "file is not a database" (not a lock or
    an I/O failure, which may pass)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB"


def check_file(
    conn: sqlite3.Connection, *, tables: Iterable[str], version: int
) -> Literal["ready", "empty"] | str:
    """`ready` (ours, at `version`), `empty` (a new file), else why it cannot be used. Reads
    only: a foreign or damaged file is left exactly as it is."""
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return f"is damaged ({exc})"
    if not names and found == 0:
        return "empty"
    missing = sorted(set(tables) - names)
    if found == version and not missing:
        return "ready"
    if found > version:
        return f"has schema v{found}, newer than this sohoa's v{version} (upgrade sohoa, or rebuild it)"
    if found:
        return f"has schema v{found}, this sohoa reads v{version}"
    return f"is not a sohoa file (it lacks the tables {', '.join(missing)})"


def check_opened(
    conn: sqlite3.Connection, what: str, path: Path, *, tables: Iterable[str], version: int
) -> Literal["ready", "empty"] | str:
    """check_file on a file just opened; when it cannot be used, log why and the hint."""
    state = check_file(conn, tables=tables, version=version)
    if state not in ("ready", "empty"):
        log.info("%s %s %s: %s", what, path, state, REBUILD_HINT)
    return state


@contextlib.contextmanager
def damage_unusable(what: str, path: Path) -> Iterator[None]:
    """SQLite's damage errors inside become IndexUnusable (run sohoa reindex); others pass."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise unusable(what, path, f"is damaged ({exc})") from exc
        raise


def file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file now at `path`; None when there is none: a new value means
    the file was replaced."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def fresh_path(path: Path) -> Path:
    """Where a rebuild of `path` is built: beside it, so the final rename stays on one disk."""
    return path.with_name(path.name + ".new")


def remove_files(path: Path) -> None:
    """`path` and its journal files, if there."""
    for suffix in ("", *_SIDECARS):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _folder_lock(path: Path, kind: int) -> Iterator[None]:
    """flock(2) `kind` on the folder holding `path` (no file of its own to leave behind)."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, kind)
        yield
    finally:
        os.close(fd)  # and the lock with it


def opening(path: Path) -> AbstractContextManager[None]:
    """Hold while connecting to `path` and making the connection's first reads (which open its
    journal files): no swap_in renames a file over `path` meanwhile (see the module docstring)."""
    return _folder_lock(path, fcntl.LOCK_SH)


def _in_wal_mode(built: Path) -> None:
    """Put `built` in WAL mode (in its header, so that the first readers of the new file never
    need to change it under each other) and close it: its own journals are gone."""
    with contextlib.closing(sqlite3.connect(built, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")


def _rename_over(built: Path, live: Path) -> None:
    """fsync; then, under the exclusive lock, drop the old file's journals and rename; fsync the
    folder."""
    _fsync(built)
    with _folder_lock(live, fcntl.LOCK_EX):
        for suffix in _SIDECARS:
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        built.replace(live)
    _fsync(live.parent)


def swap_in(built: Path, live: Path) -> Literal["renamed"]:
    """Put the closed, complete file `built` in the place of `live` by a rename (see the module
    docstring); `built` is gone afterwards. Whatever `live` was (ours, damaged, someone else's,
    missing), it is replaced whole."""
    _in_wal_mode(built)
    _rename_over(built, live)
    return "renamed"


def rebuild_beside(
    live: Path, fill: Callable[[Path], T], disconnected: Callable[[], AbstractContextManager[object]]
) -> T:
    """`fill(fresh)` builds the new file beside `live` (and closes it); the `before_swap` hook,
    if one is installed, brings it up to date; then, inside `disconnected()` (the owner's lock
    held and its connection to `live` closed, reopened on leaving, so its close can never touch
    the new file's journal), swap_in. Whatever fails, no `.new` file is left behind and `live`
    is as it was."""
    fresh = fresh_path(live)
    remove_files(fresh)  # a killed rebuild's leftover
    try:
        result = fill(fresh)
        if (hook := _before_swap.get()) is not None:
            hook(fresh)
        with disconnected():
            how = swap_in(fresh, live)
    finally:
        remove_files(fresh)
    log.info("%s rebuilt beside and swapped in (%s)", live, how)
    return result
