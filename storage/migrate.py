"""One old package (storage/legacy_layout.py) into the OCFL layout, checked before and after.

A record package `records/<id>/` becomes the object `urn:sohoa:record:<id>`; a dossier package
`dossiers/<id>/` the two objects a dossier is (storage/dossier_package.py): its scan (originals,
pages, scan.json), then its head (dossier.json). Each object gets a v1 holding every file of the
old package but the manifest, byte for byte, said to be "migrated from the sohoa package layout"
by "sohoa migrate", created when the record (or dossier) was ingested.

Before: every file the old manifest names is hashed against it (a file missing, changed, or
stored beside the manifest without being in it makes the package damaged: nothing is written).
After: the new object's v1 names exactly the old manifest's paths with the same sha256 (its
fixity block), and every content file of the object hashes to its inventory (ocfl_fixity).

Idempotent and resumable: an object that exists already is not committed again, only finished
(a sidecar a kill left unwritten) and verified; an object a kill left half written is discarded
by the commit that writes it again. Nothing here deletes an old package
(application/migrate.py does, once every package is migrated and verified).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from core.errors import BadInput, NotFound
from storage.base import ObjectStore
from storage.hashing import sha256_file
from storage.layout import DOSSIER_FILE, RECORD_FILE
from storage.legacy_layout import (
    DOSSIERS,
    MANIFEST,
    RECORDS,
    LegacyPackage,
    read_legacy_manifest,
)
from storage.local import LocalStore
from storage.ocfl_fixity import check_object
from storage.ocfl_inventory import FIXITY_ALGORITHM, User, VersionInfo
from storage.ocfl_layout import dossier_object_id, dossier_scan_object_id, record_object_id
from storage.ocfl_store import OcflStore
from storage.package import ocfl_root, writable_root

__all__ = [
    "MIGRATION_MESSAGE",
    "MIGRATION_USER",
    "PackageMigration",
    "migrate_package",
    "object_plan",
]

MIGRATION_MESSAGE = "migrated from the sohoa package layout"
MIGRATION_USER = User("sohoa migrate", "urn:sohoa:software")

Status = Literal["migrated", "skipped", "damaged"]


@dataclass
class PackageMigration:
    """What became of one old package: migrated now, skipped (migrated by an earlier run and
    verified again), or damaged (reported, nothing written, the old package kept)."""

    kind: str
    id: str
    status: Status
    objects: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0  # the old package's bytes copied into the store's OCFL root by this run
    problems: list[str] = field(default_factory=list)


def object_plan(kind: str, package_id: str, paths: list[str]) -> dict[str, list[str]]:
    """Object id -> the old package's paths it takes, in commit order (a dossier's scan before
    its head: the head is the dossier's commit marker)."""
    if kind == RECORDS:
        return {record_object_id(package_id): sorted(paths)}
    if kind == DOSSIERS:
        scan = sorted(p for p in paths if p != DOSSIER_FILE)
        return {dossier_scan_object_id(package_id): scan, dossier_object_id(package_id): [DOSSIER_FILE]}
    raise ValueError(f"not an old package kind: {kind!r}")


def migrate_package(store: ObjectStore, package: LegacyPackage) -> PackageMigration:
    """Check, migrate and verify one committed old package (see the module docstring)."""
    result = PackageMigration(package.kind, package.id, "skipped")
    try:
        manifest = read_legacy_manifest(store, package.kind, package.id)
    except (NotFound, ValueError, UnicodeDecodeError) as exc:
        return _damaged(result, [f"{MANIFEST} unreadable: {exc}"])
    try:
        plan = object_plan(package.kind, package.id, list(manifest))
    except ValueError as exc:  # an id no OCFL object of sohoa can have
        return _damaged(result, [f"no object id for it: {exc}"])
    if package.kind == DOSSIERS and DOSSIER_FILE not in manifest:
        return _damaged(result, [f"{DOSSIER_FILE} is not in its manifest"])
    result.objects = list(plan)
    ocfl = ocfl_root(store)
    to_write = [object_id for object_id in plan if not ocfl.exists(object_id)]
    if to_write:
        with tempfile.TemporaryDirectory(prefix="sohoa-migrate-") as scratch:
            sources, problems = _checked_sources(store, package, manifest, Path(scratch))
            if problems:
                return _damaged(result, problems)
            created = _created(sources, package.kind)
            info = VersionInfo(MIGRATION_MESSAGE, MIGRATION_USER, created)
            ocfl = writable_root(store)
            for object_id in to_write:
                paths = plan[object_id]
                files = {path: sources[path] for path in paths}
                expected = {path: manifest[path] for path in paths}
                try:
                    ocfl.commit(object_id, files, info, replace_all=True, expected_sha256=expected)
                except BadInput as exc:  # a file changed while it was copied: nothing committed
                    return _damaged(result, [f"{object_id}: {exc}"])
                result.files += len(paths)
                result.bytes += sum(sources[path].stat().st_size for path in paths)
        result.status = "migrated"
    for object_id, paths in plan.items():
        ocfl.finish_commit(object_id)  # a kill between an earlier run's root inventory and sidecar
        result.problems += _verify(ocfl, object_id, {path: manifest[path] for path in paths})
    if result.problems:
        result.status = "damaged"
    return result


def _damaged(result: PackageMigration, problems: list[str]) -> PackageMigration:
    result.status = "damaged"
    result.problems = problems
    return result


def _checked_sources(
    store: ObjectStore, package: LegacyPackage, manifest: Mapping[str, str], scratch: Path
) -> tuple[dict[str, Path], list[str]]:
    """Each file of the old package as a local file (the store's own on a local store, else a
    scratch copy streamed from it), hashed against the manifest; the problems found."""
    prefix = package.prefix
    stored = {key[len(prefix) :] for key in store.list(prefix)} - {MANIFEST}
    problems = [f"{path} is stored but not in its manifest" for path in sorted(stored - set(manifest))]
    sources: dict[str, Path] = {}
    for n, (path, sha256) in enumerate(sorted(manifest.items())):
        if path not in stored:
            problems.append(f"{path} is missing")
            continue
        source = _local_file(store, prefix + path, scratch / f"{n:06d}")
        found = sha256_file(source)
        if found != sha256:
            problems.append(f"{path} was changed (sha256 {found[:12]}, manifest {sha256[:12]})")
        sources[path] = source
    return sources, problems


def _local_file(store: ObjectStore, key: str, scratch: Path) -> Path:
    if isinstance(store, LocalStore):
        return store.root.joinpath(*key.split("/"))
    store.get_file(key, scratch)
    return scratch


def _created(sources: Mapping[str, Path], kind: str) -> datetime | None:
    """When the record (or dossier) was ingested: its ingest event's time, else its
    ingested_at; None (now) when neither can be read."""
    head = sources.get(RECORD_FILE if kind == RECORDS else DOSSIER_FILE)
    try:
        data = json.loads(head.read_bytes()) if head else {}
        ingest = [e["at"] for e in data.get("events", []) if e.get("step") == "ingest" and e.get("at")]
        moment = datetime.fromisoformat((ingest or [data["ingested_at"]])[0].replace("Z", "+00:00"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _verify(ocfl: OcflStore, object_id: str, expected: Mapping[str, str]) -> list[str]:
    """The problems of the object's v1 against the old manifest's `expected` (path -> sha256),
    and of every content file against the object's inventory; none when it is whole."""
    try:
        inventory = ocfl.inventory(object_id)
        v1 = inventory.version(1)
    except (NotFound, KeyError, ValueError) as exc:
        return [f"{object_id}: no readable v1 ({exc})"]
    found = {
        path: inventory.fixity_digest(inventory.content_path(digest), FIXITY_ALGORITHM)
        for path, digest in v1.files().items()
    }
    problems = [f"{object_id} v1: {path} is missing" for path in sorted(set(expected) - set(found))]
    problems += [
        f"{object_id} v1: {path} is not in the old package" for path in sorted(set(found) - set(expected))
    ]
    problems += [
        f"{object_id} v1: {path} differs from the old package (sha256 {found[path]})"
        for path in sorted(set(found) & set(expected))
        if found[path] != expected[path]
    ]
    fixity = check_object(ocfl, object_id)
    problems += [f"{object_id} {damage}" for damage in fixity.damage]
    return problems
