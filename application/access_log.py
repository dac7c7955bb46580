"""The access log the Access Law asks for: one JSON line per read of a non-public record.

Append-only: lines are only ever added (O_APPEND), each is flushed to disk (fsync) before the
response goes out, and each carries the sha256 of the line before it, so a removed or edited
line breaks the chain (`verify_chain`; storage/audit_chain.py checks it and anchors its end in
the store). Several processes may write the same file: an exclusive file lock is held while the
last line is read and the new one appended.

What a line may say: who, when, which records, what kind of act, never a value of a record. A
line cannot be changed once written (the chain), while a record's content can later be found
secret and go to the hold, which purges the record's history (events.json in its versions) but
cannot reach the log. So a review's line names the fields it changed, not what was typed in
them (`review_detail`), and points to the decision's event in the record's history, where the
values and the archivist's reason are kept (and purged with the record when it is held).
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

__all__ = [
    "AUDIT_FILE",
    "AuditLog",
    "audit_path",
    "log_cli_read",
    "os_user",
    "read_entries",
    "review_detail",
    "verify_chain",
]

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
# The changes of a review whose values a log line keeps: the access class (one of five names)
# and the protection date, the decision on access the log exists to account for; a held
# record's catalogue row keeps both as well. Every other field, retention included (free
# text: a name may be typed in it), is logged by name only.
_VALUES_LOGGED = ("access", "protect_until")


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


def review_detail(changes: Mapping[str, object], event_at: datetime) -> dict[str, object]:
    """What the access log keeps of a review decision whose record event has these `changes`
    (field -> {"old", "new"}) and time `event_at`: the names of the fields changed, the old and
    new values of the access class and protection date only, and `event`, the time that finds
    the decision's event (with every value and the reason) in the record's history.

    No digest of the other values either: a plain hash of a short value (a date, a name from a
    list) is found again by trying candidates, and a keyed one needs a key kept apart from the
    log (the log and SOHOA_HOME are read together), which only the optional secret hold has. The
    record's history is the place of the values: its versions are fixed by the OCFL inventory's
    digests, which `sohoa verify` checks, and are purged when the record is held."""
    return {
        "fields": sorted(changes),
        **{name: changes[name] for name in _VALUES_LOGGED if name in changes},
        "event": event_at.isoformat(timespec="microseconds"),
    }


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
