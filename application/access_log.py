"""The access log the Access Law asks for: one JSON line per read of a non-public record.

Append-only: lines are only ever added (O_APPEND), each is flushed to disk (fsync) before the
response goes out, and each carries the sha256 of the line before it, so a removed or edited
line breaks the chain (`verify_chain`; storage/audit_chain.py checks it and anchors its end in
the store). Several processes may write the same file: an exclusive file lock is held while the
last line is read and the new one appended.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from core.errors import SohoaError
from core.settings import Settings
from storage import open_store
from storage.audit_chain import AUDIT_FILE, GENESIS, anchor_start, audit_path, line_hash, read_chain
from storage.base import ObjectStore

__all__ = ["AUDIT_FILE", "AuditLog", "audit_path", "log_cli_read", "os_user", "read_entries", "verify_chain"]

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024


def _last_line(fd: int) -> bytes | None:
    """The log's last line, however long: read backwards, a chunk at a time, to the newline
    before it (or the start of the file)."""
    end = os.lseek(fd, 0, os.SEEK_END)
    if end and os.pread(fd, 1, end - 1) == b"\n":
        end -= 1
    if end == 0:
        return None
    parts: list[bytes] = []
    start = end
    while start > 0:
        size = min(_CHUNK, start)
        start -= size
        chunk = os.pread(fd, size, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            parts.append(chunk[newline + 1 :])
            break
        parts.append(chunk)
    return b"".join(reversed(parts))


class AuditLog:
    """Appends entries to one JSON-lines file."""

    def __init__(self, path: Path, store: ObjectStore | None = None) -> None:
        """`store`: where the log's first line is anchored when this writer starts the log."""
        self.path = Path(path)
        self.store = store
        self._lock = threading.Lock()

    def append(
        self,
        *,
        who: str,
        role: str,
        action: str,
        records: Sequence[str],
        client: str | None,
        detail: dict[str, object] | None = None,
    ) -> dict[str, object]:
        """Write one entry and wait until it is on disk; returns the entry written."""
        entry: dict[str, object] = {
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "who": who,
            "role": role,
            "action": action,
            "records": list(records),
            "from": client,
            **({"detail": detail} if detail else {}),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                read_fd = os.open(self.path, os.O_RDONLY)
                try:
                    last = _last_line(read_fd)
                finally:
                    os.close(read_fd)
                entry["prev"] = line_hash(last) if last else GENESIS
                line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() + b"\n"
                os.write(fd, line)
                os.fsync(fd)
                if last is None and self.store is not None:
                    self._anchor_start(line, action)
            finally:
                os.close(fd)  # also releases the lock
        return entry

    def _anchor_start(self, line: bytes, action: str) -> None:
        """Anchor a log just started; when the store cannot take it, the read is served all the
        same and `sohoa verify` reports the log as unanchored."""
        try:
            anchor_start(self.store, self.path, line, by=f"log start ({action})")
        except (OSError, SohoaError) as exc:
            log.error("access log %s started but not anchored: %s", self.path, exc)


def os_user() -> str:
    """The operating-system user running this process (its uid when it has no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid {os.getuid()}"


def log_cli_read(
    settings: Settings, action: str, records: Mapping[str, str], detail: dict[str, object] | None = None
) -> None:
    """Log a command-line read (`sohoa show`, `sohoa export`) of the records, id -> access
    class, that are not public, under the OS user; nothing when all are public."""
    logged = [record_id for record_id, access in records.items() if access != "public"]
    if logged:
        AuditLog(audit_path(settings), open_store(settings.storage_url)).append(
            who=os_user(), role="operator", action=action, records=logged, client="cli", detail=detail
        )


def read_entries(path: Path) -> Iterator[dict]:
    """Every entry of the log, oldest first (nothing when there is no log yet)."""
    if not Path(path).exists():
        return
    with Path(path).open("rb") as log:
        for line in log:
            if line.strip():
                yield json.loads(line)


def verify_chain(path: Path) -> int | None:
    """The 1-based number of the first line whose `prev` does not match, or None if intact."""
    return read_chain(path).broken_at
