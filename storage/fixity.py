"""Fixity: re-hash every stored object and compare it with what the store says it should be.

    ocfl/               every OCFL object (a record or dossier package, storage/package.py) is
                        checked from its own inventories (storage/ocfl_fixity.py): each content
                        file's sha512 and sha256, each inventory against its sidecar; damage is
                        named by version and file ("v1: v1/content/original/x.pdf was changed").
                        A version folder no inventory names is an interrupted write: reported,
                        and discarded by `repair`; so is an object whose first version never
                        committed (no inventory at all). Any other file is unexpected.
    quarantine/<id>/    the original named in reason.json must be there with reason.json's
                        sha256 (which is also the entry's id); any other file is unexpected

Works on any ObjectStore: objects are read back through the store (streamed to a scratch file
when they may be large), except that a LocalStore's files are hashed in place. Keys outside these
two areas belong to other tools and are left alone. An object without a root inventory, or with
a version beyond it, is checked again at the end (a writer may have committed it meanwhile)
before it is reported. `repair` must run with no writer at work: it removes what a crashed
writer left, which a live writer would still be writing.
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
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from core.bounded_map import bounded_map
from core.errors import NotFound
from storage.base import ObjectStore
from storage.hashing import sha256_file
from storage.layout import QUARANTINE, REASON_FILE
from storage.local import LocalStore
from storage.object_keys import check_key
from storage.ocfl_fixity import ObjectFixity, check_object
from storage.ocfl_inventory import INVENTORY_FILE, SIDECAR_FILE, InventoryError
from storage.ocfl_layout import NUMBER_OF_TUPLES, dossier_scan_object_id, plain_id
from storage.ocfl_store import OcflStore
from storage.package import ocfl_root

__all__ = ["FixityReport", "Problem", "verify"]

log = logging.getLogger(__name__)

HASH_WORKERS = 4  # objects hashed at once (S3 latency; hashlib releases the GIL)
_SMALL_SUFFIXES = (".json", ".txt")  # read whole; anything else is streamed to a scratch file

Kind = Literal["missing", "altered", "unexpected", "unreadable", "interrupted"]
AREAS = {"record": "records", "dossier": "dossiers", "dossier-scan": "dossiers"}  # by the kind of object
ROOT_AREA = "ocfl"  # a file of the storage root that belongs to no object


@dataclass(frozen=True)
class Problem:
    """One finding: `key` is the object concerned, `entry` the record or quarantine id."""

    area: str  # "records", "dossiers", "ocfl" (the storage root), "quarantine", "audit" (the access log)
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
    repaired: list[str] = field(default_factory=list)  # interrupted writes discarded (`repair`)
    dossier_forms: dict[str, Any] | None = None  # dossiers' public forms brought up to date, when done

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
            "repaired": self.repaired,
            "dossier_forms": self.dossier_forms,
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
        self.lock = threading.Lock()
        self.dossier_heads: set[str] = set()  # dossier ids whose head object was checked
        self.dossier_scans: set[str] = set()  # ... and whose scan object was

    def problem(self, area: str, entry: str, kind: Kind, key: str, detail: str = "") -> None:
        with self.lock:
            self.report.problems.append(Problem(area, entry, kind, key, detail))

    def strays(self, area: str, keys: list[str]) -> None:
        for key in keys:
            self.problem(area, "", "unexpected", key, f"not inside a {area} entry")

    def object_checked(self, kind: str, entry: str, fixity: ObjectFixity) -> None:
        with self.lock:
            if kind == "dossier":  # its head: one a dossier (its scan is a second object)
                self.report.dossiers += 1
                self.dossier_heads.add(entry)
            elif kind == "dossier-scan":
                self.dossier_scans.add(entry)
            elif kind == "record":
                self.report.records += 1
            self.report.objects += fixity.files_checked
            self.report.bytes += fixity.bytes_checked

    def repaired(self, what: str) -> None:
        with self.lock:
            self.report.repaired.append(what)

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
        for entry_id, keys in _grouped(self.store.list(f"{QUARANTINE}/"), QUARANTINE):
            if entry_id:
                yield from self.quarantined(entry_id, keys)
            else:
                self.strays(QUARANTINE, keys)


# ---- the OCFL objects ----


@dataclass(frozen=True)
class _Object:
    """The keys listed under one object root of the storage root."""

    root: str  # its key prefix, ending in '/'
    keys: frozenset[str]

    def name(self) -> str:
        return self.root.rstrip("/").rsplit("/", 1)[-1]

    @property
    def started_only(self) -> bool:
        """No inventory anywhere: a first version that never reached its commit."""
        return not any(key.endswith(("/" + INVENTORY_FILE, "/" + SIDECAR_FILE)) for key in self.keys)


def _root_file(relative: str) -> bool:
    """A file of the storage root itself: its declaration, layout, or an extension's config."""
    return relative in ("0=ocfl_1.1", "ocfl_layout.json") or relative.startswith("extensions/")


def _objects(ocfl: OcflStore, planner: _Planner) -> Iterator[_Object]:
    """The object roots listed under the storage root, one at a time (the keys of one object
    root are listed together: they share its prefix); other files are strays."""
    depth = NUMBER_OF_TUPLES + 1

    def object_root(key: str) -> str | None:
        relative = key[len(ocfl.root) :]
        parts = relative.split("/")
        if _root_file(relative):
            return None
        if len(parts) <= depth:
            planner.problem(ROOT_AREA, "", "unexpected", key, "in the storage root, inside no object")
            return None
        return ocfl.root + "/".join(parts[:depth]) + "/"

    for root, keys in itertools.groupby(ocfl.store.list(ocfl.root), key=object_root):
        if root is not None:
            yield _Object(root, frozenset(keys))


def _object_id(ocfl: OcflStore, found: _Object) -> str | None:
    name = found.name()
    if len(name) <= 100:
        return unquote(name)
    try:  # a cut name: only the inventory knows the whole id
        return ocfl.inventory_at(found.root).id
    except (NotFound, InventoryError, UnicodeDecodeError):
        return None


def _unfinished(ocfl: OcflStore, object_id: str) -> bool:
    """True for an object whose last commit stopped between its root inventory and its sidecar."""
    try:
        return ocfl.unfinished_commit(object_id) is not None
    except (NotFound, InventoryError, UnicodeDecodeError):  # damage: check_object says which
        return False


def _where(object_id: str | None, found: _Object) -> tuple[str, str, str]:
    """(area, entry, kind) of an object: its record or dossier id, else the folder's name."""
    named = plain_id(object_id) if object_id else None
    return (AREAS[named[0]], named[1], named[0]) if named else (ROOT_AREA, found.name(), "")


def _check(ocfl: OcflStore, found: _Object, planner: _Planner, *, final: bool, repair: bool) -> bool:
    """Check one object; False when it is not committed yet (or has a version beyond its head)
    and this is not the `final` pass: it is checked again at the end."""
    object_id = _object_id(ocfl, found)
    area, entry, kind = _where(object_id, found)
    if object_id is None or ocfl.object_root(object_id) != found.root:
        for key in sorted(found.keys):
            planner.problem(area, entry, "unexpected", key, "in an object folder whose name is not its id's")
        return True
    if not final and (found.started_only or found.root + INVENTORY_FILE not in found.keys):
        return False
    if found.started_only:
        if repair:
            ocfl.discard_incomplete(object_id)
            planner.repaired(f"{found.root} (never committed)")
        else:
            detail = "an interrupted first version: nothing committed (repair discards it)"
            planner.problem(area, entry, "interrupted", found.root, detail)
        return True
    try:
        unfinished = _unfinished(ocfl, object_id)
        if unfinished and not final:
            return False
        if unfinished and repair:
            ocfl.finish_commit(object_id)
            planner.repaired(f"{found.root}{SIDECAR_FILE} (a commit finished)")
        fixity = check_object(ocfl, object_id)
    except NotFound:  # removed since it was listed
        return True
    if fixity.incomplete and not final:
        return False
    planner.object_checked(kind, entry, fixity)
    if unfinished and not repair:
        sidecar = found.root + SIDECAR_FILE
        detail = f"{fixity.head}: its commit was interrupted before the root sidecar (repair finishes it)"
        planner.problem(area, entry, "interrupted", sidecar, detail)
        fixity.damage = [d for d in fixity.damage if d.path not in (SIDECAR_FILE, INVENTORY_FILE)]
    for damage in fixity.damage:
        planner.problem(area, entry, damage.kind, found.root + damage.path, str(damage))  # type: ignore[arg-type]
    for name in fixity.incomplete:
        if repair:
            planner.repaired(f"{found.root}{name}/")
        else:
            detail = f"{name}: an interrupted write, no inventory names it (repair discards it)"
            planner.problem(area, entry, "interrupted", f"{found.root}{name}/", detail)
    if repair and fixity.incomplete:
        ocfl.discard_incomplete(object_id)
    return True


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


def verify(store: ObjectStore, *, workers: int = HASH_WORKERS, repair: bool = False) -> FixityReport:
    """Re-hash every record and dossier package and quarantine entry of `store`; report what is
    wrong. `repair` discards what interrupted writes left (only with no writer at work)."""
    started = time.monotonic()
    report = FixityReport(store=store.url)
    planner = _Planner(store, report)
    ocfl = ocfl_root(store)
    workers = max(1, workers)
    with tempfile.TemporaryDirectory(prefix="sohoa-fixity-") as scratch:
        hasher = _Hasher(store, Path(scratch))

        def rehash(check: _Check) -> tuple[str, int] | None:
            return hasher(check.key)

        def first_pass(found: _Object) -> bool:
            return _check(ocfl, found, planner, final=False, repair=repair)

        checked = bounded_map(first_pass, _objects(ocfl, planner), workers, name="fixity")
        late = [found for found, done in checked if not done]
        for found in late:  # not committed when first seen: a writer may have finished meanwhile
            keys = frozenset(store.list(found.root))
            if keys:
                _check(ocfl, _Object(found.root, keys), planner, final=True, repair=repair)
        for check, found in bounded_map(rehash, planner.checks(), workers, name="fixity"):
            _compare(planner, check, found)
    for dossier_id in sorted(planner.dossier_heads - planner.dossier_scans):  # the head is written last
        scan = ocfl.object_root(dossier_scan_object_id(dossier_id))
        detail = "the dossier's scan object (its originals and pages) is missing; its head is there"
        planner.problem(AREAS["dossier"], dossier_id, "missing", scan, detail)
    report.seconds = time.monotonic() - started
    log.info(
        "fixity of %s: %d records, %d dossiers, %d quarantined, %d objects, %d problems in %.1f s",
        store.url, report.records, report.dossiers, report.quarantined, report.objects, len(report.problems),
        report.seconds,
    )  # fmt: skip
    return report
