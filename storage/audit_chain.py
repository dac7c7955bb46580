"""The access log's hash chain, checked, and its end anchored in the store.

Every line of the access log (SOHOA_HOME/audit/access.jsonl, written by application/access_log.py) carries
`prev`, the sha256 of the line before it, so an edited, removed or inserted line breaks the
chain. Cutting the last lines, or rewriting the whole log with recomputed hashes, keeps a valid
chain: so its end (line count and the hash of the last line) is anchored in the store, under
audit/anchors/<log id>.json (the log's identity is the hash of its first line, so every machine
and container sharing one log shares its anchor), when the log is started, by every ingest
batch and every `sohoa verify`, and shown in the API's /metrics. A later check needs line N of
the log to still hash to the anchored value; a log with lines but no anchor, or an anchored log
gone from its path, fails the check.

An anchor only moves forward from a log that passes the check against the anchor before it:
a damaged log keeps failing until a person looks at it.
"""

from __future__ import annotations

import hashlib
import json
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.errors import NotFound
from core.settings import Settings
from storage.base import ObjectStore
from storage.jsonfile import json_bytes
from storage.names import safe_name

__all__ = [
    "AUDIT_FILE",
    "GENESIS",
    "Anchor",
    "ChainReport",
    "anchor_key",
    "anchor_start",
    "audit_path",
    "check_and_anchor",
    "line_hash",
    "log_id",
    "read_anchor",
    "read_chain",
]

AUDIT_FILE = "audit/access.jsonl"
GENESIS = "0" * 64  # the `prev` of the first line
ANCHORS = "audit/anchors"


def audit_path(settings: Settings) -> Path:
    """Where the access log of this installation lives: SOHOA_HOME/audit/access.jsonl."""
    return Path(settings.home).expanduser().resolve() / AUDIT_FILE


def line_hash(line: bytes) -> str:
    """The hash a line is chained by (its bytes without the newline)."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


@dataclass(frozen=True)
class Anchor:
    lines: int  # lines in the log when anchored
    hash: str  # line_hash of line `lines` (GENESIS for an empty log)
    at: str  # when (UTC, ISO 8601)
    by: str  # what anchored it: "verify", "ingest batch <name>", "log start"
    host: str  # where (information only: the anchor belongs to the log, not to a machine)
    log: str = ""  # the log's identity (log_id)
    path: str = ""  # where that log lives
    retired: dict[str, str] | None = None  # set when `--first-anchor` accepted a later log


@dataclass
class ChainReport:
    path: str
    lines: int = 0
    last_hash: str = GENESIS
    broken_at: int | None = None  # first line whose `prev` does not match (or is no entry)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind: missing/altered, what)
    anchor: Anchor | None = None  # the anchor checked against
    anchored: Anchor | None = None  # the anchor in force after the check

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "ok": self.ok,
            "lines": self.lines,
            "last_hash": self.last_hash,
            "problems": [what for _, what in self.problems],
            "anchor": asdict(self.anchor) if self.anchor else None,
            "anchored": asdict(self.anchored) if self.anchored else None,
        }


def _prev(line: bytes) -> object:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry.get("prev") if isinstance(entry, dict) else None


def read_chain(path: Path, anchor: Anchor | None = None, *, links: bool = True) -> ChainReport:
    """Walk the log once: its end, how it stands against `anchor`, and (with `links`, the slow
    part: every line parsed) whether each line names the hash of the one before it."""
    report = ChainReport(path=str(path), anchor=anchor)
    at_anchor = GENESIS if anchor and anchor.lines == 0 else None
    last = b""
    if Path(path).exists():
        with Path(path).open("rb") as log:
            for number, line in enumerate(log, start=1):
                if links:
                    if report.broken_at is None and _prev(line) != report.last_hash:
                        report.broken_at = number
                    report.last_hash = line_hash(line)
                if anchor and number == anchor.lines:
                    at_anchor = line_hash(line)
                report.lines, last = number, line
    report.last_hash = line_hash(last) if last else GENESIS
    if report.broken_at is not None:
        n = report.broken_at
        what = (
            f"line {n}: its 'prev' does not match the hash of line {n - 1}: line {n - 1} was edited, "
            f"or lines were removed or inserted before line {n}"
            if n > 1
            else "line 1: not the first line of a chain (edited, or lines were removed before it)"
        )
        report.problems.append(("altered", what))
    if anchor and report.lines < anchor.lines:
        what = (
            f"the log has {report.lines} lines but {anchor.lines} were anchored on {anchor.at} "
            f"({anchor.by}): lines were cut from its end, or the log was replaced"
        )
        report.problems.append(("missing", what))
    elif anchor and at_anchor != anchor.hash:
        what = (
            f"line {anchor.lines} does not hash to the value anchored on {anchor.at} ({anchor.by}): "
            "the log was rewritten up to there"
        )
        report.problems.append(("altered", what))
    return report


def log_id(path: Path) -> str | None:
    """The identity of the log at `path`: the hash of its first line (which holds the time of
    the first read, to the microsecond); None for a missing or empty log. A log replaced by
    another, rewritten or not, has another identity, and so no anchor."""
    try:
        with Path(path).open("rb") as log:
            first = log.readline()
    except FileNotFoundError:
        return None
    return line_hash(first)[:32] if first.strip() else None


def anchor_key(identity: str) -> str:
    """The store key of the anchor of the log with this identity (`log_id`)."""
    return f"{ANCHORS}/{safe_name(identity, default='log')}.json"


def _load(data: bytes) -> Anchor:
    fields = json.loads(data)
    return Anchor(**{name: fields[name] for name in Anchor.__dataclass_fields__ if name in fields})


def read_anchor(store: ObjectStore, path: Path) -> Anchor | None:
    """The last anchor of the log at `path`, or None before its first one."""
    identity = log_id(path)
    if identity is None:
        return None
    try:
        return _load(store.get_bytes(anchor_key(identity)))
    except NotFound:
        return None


def _earlier_logs(store: ObjectStore, path: Path, identity: str | None) -> list[tuple[str, Anchor]]:
    """Anchors, not retired, of other logs that lived at this same path: the log was replaced."""
    found = []
    for key in store.list(f"{ANCHORS}/"):
        anchor = _load(store.get_bytes(key))
        if anchor.path == str(path) and anchor.log != identity and not anchor.retired and anchor.lines:
            found.append((key, anchor))
    return found


def _new_anchor(path: Path, identity: str, lines: int, last_hash: str, by: str) -> Anchor:
    return Anchor(
        lines=lines,
        hash=last_hash,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        by=by,
        host=socket.gethostname(),
        log=identity,
        path=str(path),
    )


def anchor_start(store: ObjectStore, path: Path, first_line: bytes, *, by: str) -> Anchor:
    """Anchor a log that has just been started (its first line written): from then on, a cut,
    a rewrite or a replacement of it is seen."""
    identity = line_hash(first_line)[:32]
    anchor = _new_anchor(path, identity, 1, line_hash(first_line), by)
    store.put_bytes(anchor_key(identity), json_bytes(asdict(anchor)))
    return anchor


def check_and_anchor(store: ObjectStore, path: Path, *, by: str, first_anchor: bool = False) -> ChainReport:
    """Check the log against its anchor; when it passes, anchor its current end.

    A log with lines but no anchor (its anchor deleted, or the log replaced by another) fails:
    nothing can tell whether lines were cut from it. `first_anchor` (`sohoa verify
    --first-anchor`, a person's decision after looking) anchors such a log as it is, and
    retires the anchors of earlier logs at the same path.
    """
    identity = log_id(path)
    report = read_chain(path, read_anchor(store, path))
    report.anchored = report.anchor
    earlier = _earlier_logs(store, path, identity)
    if first_anchor and report.anchor is None:
        for key, old in earlier:
            retired = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "by": by, "for": identity}
            store.put_bytes(key, json_bytes({**asdict(old), "retired": retired}))
        earlier = []
    elif identity is not None and report.anchor is None:
        report.problems.append(
            (
                "missing",
                f"no anchor for this log (identity {identity}) in the store: its anchor was deleted "
                "or the log was replaced, and whether lines were cut from it cannot be checked; if "
                "it is known to be whole, anchor it with `sohoa verify --first-anchor`",
            )
        )
    for _, old in earlier:
        report.problems.append(
            (
                "missing",
                f"the log {old.log} at this path, anchored with {old.lines} lines on {old.at} "
                f"({old.by}), is gone: the log was deleted or replaced",
            )
        )
    if report.ok and identity is not None and (report.anchor is None or report.anchor.lines != report.lines):
        anchor = _new_anchor(path, identity, report.lines, report.last_hash, by)
        store.put_bytes(anchor_key(identity), json_bytes(asdict(anchor)))
        report.anchored = anchor
    return report
