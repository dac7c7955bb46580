"""Fixity: re-hash every stored object and compare it with what the store says it should be.

    records/<id>/       every file named in manifest-sha256.txt must be there with that sha256;
                        any other file is unexpected; a package without its manifest is reported
                        (an interrupted write, or a deleted manifest: its files cannot be checked)
    dossiers/<id>/      the same, for a dossier package (its original files, pages, dossier.json)
    quarantine/<id>/    the original named in reason.json must be there with reason.json's
                        sha256 (which is also the entry's id); any other file is unexpected

Works on any ObjectStore: objects are read back through the store (streamed to a scratch file
when they may be large), except that a LocalStore's files are hashed in place. Keys outside these
two areas belong to other tools and are left alone. A package committed while the check runs is
checked again at the end rather than reported.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.errors import NotFound
from storage.base import ObjectStore
from storage.dossier_package import read_dossier_manifest
from storage.hashing import sha256_file
from storage.layout import DOSSIERS, MANIFEST, QUARANTINE, REASON_FILE, RECORDS
from storage.local import LocalStore
from storage.object_keys import check_key
from storage.package import read_manifest

__all__ = ["FixityReport", "Problem", "verify"]

log = logging.getLogger(__name__)

HASH_WORKERS = 4  # objects hashed at once (S3 latency; hashlib releases the GIL)
_SMALL_SUFFIXES = (".json", ".txt")  # read whole; anything else is streamed to a scratch file

Kind = Literal["missing", "altered", "unexpected", "unreadable"]


@dataclass(frozen=True)
class Problem:
    """One finding: `key` is the object concerned, `entry` the record or quarantine id."""

    area: str  # "records", "dossiers", "quarantine" or "audit" (the access log)
    entry: str  # "" for a stray object directly under the area
    kind: Kind
    key: str
    detail: str = ""


@dataclass
class FixityReport:
    store: str
    records: int = 0  # record packages checked
    dossiers: int = 0  # dossier packages checked
    quarantined: int = 0  # quarantine entries checked
    objects: int = 0  # objects re-hashed
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    access_log: dict[str, Any] | None = None  # the access log's chain check, when made

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: Kind) -> int:
        return sum(1 for problem in self.problems if problem.kind == kind)

    def by_entry(self) -> dict[tuple[str, str], list[Problem]]:
        """(area, entry) -> its problems, in key order."""
        grouped: dict[tuple[str, str], list[Problem]] = {}
        for problem in sorted(self.problems, key=lambda p: (p.area, p.entry, p.key)):
            grouped.setdefault((problem.area, problem.entry), []).append(problem)
        return grouped

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "ok": self.ok,
            "records": self.records,
            "dossiers": self.dossiers,
            "quarantined": self.quarantined,
            "objects": self.objects,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "counts": {kind: self.count(kind) for kind in Kind.__args__},  # type: ignore[attr-defined]
            "problems": [asdict(p) for found in self.by_entry().values() for p in found],
            "access_log": self.access_log,
        }


@dataclass(frozen=True)
class _Check:
    """One object to re-hash against its expected sha256."""

    area: str
    entry: str
    key: str
    expected: str


# ---- hashing through any store ----


class _Hasher:
    """sha256 and size of stored objects; None when the object has gone."""

    def __init__(self, store: ObjectStore, scratch: Path) -> None:
        self.store = store
        self.scratch = scratch

    def __call__(self, key: str) -> tuple[str, int] | None:
        try:
            if isinstance(self.store, LocalStore):
                path = self.store.root.joinpath(*check_key(key).split("/"))
                return sha256_file(path), path.stat().st_size
            if key.endswith(_SMALL_SUFFIXES):
                data = self.store.get_bytes(key)
                return hashlib.sha256(data).hexdigest(), len(data)
            temp = self.scratch / uuid.uuid4().hex
            try:
                self.store.get_file(key, temp)
                return sha256_file(temp), temp.stat().st_size
            finally:
                temp.unlink(missing_ok=True)
        except (NotFound, FileNotFoundError, NotADirectoryError):
            return None


def _bounded_map(function: Callable, items: Iterable, workers: int) -> Iterator[tuple[Any, Any]]:
    """(item, function(item)) in order, at most 2 * workers calls in flight."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fixity") as pool:
        pending: deque[tuple[Any, Future]] = deque()
        for item in items:
            pending.append((item, pool.submit(function, item)))
            if len(pending) >= 2 * workers:
                item_done, future = pending.popleft()
                yield item_done, future.result()
        while pending:
            item_done, future = pending.popleft()
            yield item_done, future.result()


# ---- what each area should hold (pure over keys, plus small reads) ----


def _grouped(keys: Iterable[str], area: str) -> Iterator[tuple[str, list[str]]]:
    """(entry id, its keys) for keys listed under 'area/'; a stray 'area/x' has id ''."""

    def entry(key: str) -> str:
        parts = key.split("/")
        return parts[1] if len(parts) > 2 else ""

    for entry_id, group in itertools.groupby(keys, key=entry):
        yield entry_id, list(group)


class _Planner:
    """Turns listed keys into checks (objects to hash) and problems found without hashing."""

    def __init__(self, store: ObjectStore, report: FixityReport) -> None:
        self.store = store
        self.report = report
        self.uncommitted: list[tuple[str, str]] = []  # (area, id) without a manifest: checked again
        self.lock = threading.Lock()

    def problem(self, area: str, entry: str, kind: Kind, key: str, detail: str = "") -> None:
        with self.lock:
            self.report.problems.append(Problem(area, entry, kind, key, detail))

    def strays(self, area: str, keys: list[str]) -> None:
        for key in keys:
            self.problem(area, "", "unexpected", key, f"not inside a {area} entry")

    def package(self, area: str, package_id: str, keys: list[str]) -> Iterator[_Check]:
        """The checks of a record or dossier package (`area`) from its manifest."""
        prefix = f"{area}/{package_id}/"
        present = set(keys)
        if prefix + MANIFEST not in present:
            self.uncommitted.append((area, package_id))
            return
        try:
            hashes = _MANIFESTS[area](self.store, package_id)
            named = {check_key(prefix + path): digest for path, digest in hashes.items()}
        except NotFound:  # deleted since it was listed
            self.uncommitted.append((area, package_id))
            return
        except (ValueError, UnicodeDecodeError) as exc:
            self._counted(area)
            self.problem(area, package_id, "unreadable", prefix + MANIFEST, str(exc))
            return
        self._counted(area)
        for key in sorted(present - set(named) - {prefix + MANIFEST}):
            self.problem(area, package_id, "unexpected", key, "not named in the manifest")
        for key, digest in sorted(named.items()):
            if key in present:
                yield _Check(area, package_id, key, digest)
            else:
                self.problem(area, package_id, "missing", key, "named in the manifest")

    def _counted(self, area: str) -> None:
        if area == DOSSIERS:
            self.report.dossiers += 1
        else:
            self.report.records += 1

    def missing_manifest(self, area: str, package_id: str) -> None:
        key = f"{area}/{package_id}/{MANIFEST}"
        self.problem(
            area, package_id, "missing", key,
            "package without a manifest (an interrupted write, or the manifest was deleted):"
            " its files cannot be checked",
        )  # fmt: skip

    def quarantined(self, entry_id: str, keys: list[str]) -> Iterator[_Check]:
        prefix = f"{QUARANTINE}/{entry_id}/"
        reason_key = prefix + REASON_FILE
        present = set(keys)
        self.report.quarantined += 1
        if reason_key not in present:
            self.problem(QUARANTINE, entry_id, "missing", reason_key, "quarantine entry without reason")
            return
        try:
            entry = json.loads(self.store.get_bytes(reason_key))
            original = entry.get("original")
            digest = entry.get("sha256")
            original_key = check_key(prefix + original) if original else None
        except (NotFound, ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
            self.problem(QUARANTINE, entry_id, "unreadable", reason_key, str(exc))
            return
        if digest and digest != entry_id:
            detail = f"reason.json names sha256 {digest}, the entry id is {entry_id}"
            self.problem(QUARANTINE, entry_id, "altered", reason_key, detail)
        expected = {reason_key} | ({original_key} if original_key else set())
        for key in sorted(present - expected):
            self.problem(QUARANTINE, entry_id, "unexpected", key, "not named in reason.json")
        if original_key is None:
            return
        if original_key not in present:
            self.problem(QUARANTINE, entry_id, "missing", original_key, "named in reason.json")
        elif not digest:
            self.problem(QUARANTINE, entry_id, "unreadable", reason_key, "no sha256 for the original")
        else:
            yield _Check(QUARANTINE, entry_id, original_key, digest)

    def checks(self) -> Iterator[_Check]:
        for area in (RECORDS, DOSSIERS):
            for package_id, keys in _grouped(self.store.list(f"{area}/"), area):
                if package_id:
                    yield from self.package(area, package_id, keys)
                else:
                    self.strays(area, keys)
        for entry_id, keys in _grouped(self.store.list(f"{QUARANTINE}/"), QUARANTINE):
            if entry_id:
                yield from self.quarantined(entry_id, keys)
            else:
                self.strays(QUARANTINE, keys)


_MANIFESTS = {RECORDS: read_manifest, DOSSIERS: read_dossier_manifest}


# ---- public API ----


def _compare(planner: _Planner, check: _Check, found: tuple[str, int] | None) -> None:
    report = planner.report
    if found is None:
        planner.problem(check.area, check.entry, "missing", check.key, "deleted while checking")
        return
    digest, size = found
    report.objects += 1
    report.bytes += size
    if digest != check.expected:
        detail = f"sha256 {digest}, expected {check.expected} ({size} bytes)"
        planner.problem(check.area, check.entry, "altered", check.key, detail)


def verify(store: ObjectStore, *, workers: int = HASH_WORKERS) -> FixityReport:
    """Re-hash every record and dossier package and quarantine entry of `store`; report what is
    wrong."""
    started = time.monotonic()
    report = FixityReport(store=store.url)
    planner = _Planner(store, report)
    with tempfile.TemporaryDirectory(prefix="sohoa-fixity-") as scratch:
        hasher = _Hasher(store, Path(scratch))

        def rehash(check: _Check) -> tuple[str, int] | None:
            return hasher(check.key)

        for check, found in _bounded_map(rehash, planner.checks(), max(1, workers)):
            _compare(planner, check, found)
        # Packages without a manifest may have been committed meanwhile: check those again.
        late, planner.uncommitted = planner.uncommitted, []
        for area, package_id in late:
            keys = list(store.list(f"{area}/{package_id}/"))
            for check in list(planner.package(area, package_id, keys)) if keys else []:
                _compare(planner, check, hasher(check.key))
        for area, package_id in planner.uncommitted:
            planner.missing_manifest(area, package_id)
    report.seconds = time.monotonic() - started
    log.info(
        "fixity of %s: %d records, %d dossiers, %d quarantined, %d objects, %d problems in %.1f s",
        store.url, report.records, report.dossiers, report.quarantined, report.objects, len(report.problems),
        report.seconds,
    )  # fmt: skip
    return report
