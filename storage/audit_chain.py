"""The access log's hash chain, checked, and its end anchored in the store.

Every line of the access log (SOHOA_HOME/audit/access.jsonl, written by api/audit.py) carries
`prev`, the sha256 of the line before it, so an edited, removed or inserted line breaks the
chain. Cutting the last lines, or rewriting the whole log with recomputed hashes, keeps a valid
chain: so its end (line count and the hash of the last line) is anchored in the store, under
audit/anchors/<host>.json, by every ingest batch and every `sohoa verify`, and shown in the
API's /metrics. A later check needs line N of the log to still hash to the anchored value.

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

from sohoa.config import Settings
from sohoa.errors import NotFound
from storage.base import ObjectStore
from storage.jsonfile import json_bytes
from storage.names import safe_name

__all__ = [
    "AUDIT_FILE",
    "GENESIS",
    "Anchor",
    "ChainReport",
    "anchor_key",
    "audit_path",
    "check_and_anchor",
    "line_hash",
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
    by: str  # what anchored it: "verify", "ingest batch <name>"
    host: str


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


def anchor_key(host: str | None = None) -> str:
    """The store key of this host's anchor (each machine keeps its own access log)."""
    return f"{ANCHORS}/{safe_name(host or socket.gethostname(), default='host')}.json"


def read_anchor(store: ObjectStore, host: str | None = None) -> Anchor | None:
    """The anchor this host last wrote, or None before the first one."""
    try:
        return Anchor(**json.loads(store.get_bytes(anchor_key(host))))
    except NotFound:
        return None


def check_and_anchor(store: ObjectStore, path: Path, *, by: str) -> ChainReport:
    """Check the log against this host's anchor; when it passes, anchor its current end."""
    report = read_chain(path, read_anchor(store))
    report.anchored = report.anchor
    if report.ok and (report.anchor is None or report.anchor.lines != report.lines):
        anchor = Anchor(
            lines=report.lines,
            hash=report.last_hash,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            by=by,
            host=socket.gethostname(),
        )
        store.put_bytes(anchor_key(), json_bytes(asdict(anchor)))
        report.anchored = anchor
    return report
