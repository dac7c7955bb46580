"""Fixity of one OCFL object, from its own inventory: which version and which file is damaged.

Checked: the root inventory against its sidecar and against the head version's copy; every
version's inventory against its sidecar and against the root (what it says of its versions);
every content file against its sha512 (and its sha256, when the fixity block has one); files in
a committed version folder that no inventory names. Version folders beyond the head are an
interrupted write (incomplete), not damage: they are listed apart.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import NotFound
from storage.local import LocalStore
from storage.ocfl_inventory import (
    FIXITY_ALGORITHM,
    INVENTORY_FILE,
    SIDECAR_FILE,
    Inventory,
    InventoryError,
    parse_inventory,
    parse_sidecar,
    version_name,
    version_number,
)
from storage.ocfl_store import OBJECT_DECLARATION, OcflStore, file_digests

__all__ = ["Damage", "ObjectFixity", "check_object"]

_SMALL_SUFFIXES = (".json", ".txt")  # read whole; anything else is streamed to a scratch file
_UNNAMED = "is in no inventory"


@dataclass(frozen=True)
class Damage:
    """One damaged file: `version` is the version folder holding it (or whose inventory it is),
    `path` its path in the object, `used_by` the (version, logical path) pairs that read it."""

    version: str
    path: str
    problem: str
    used_by: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:
        """What `sohoa verify` calls it: missing, unexpected, unreadable or altered."""
        if self.problem.startswith("is missing"):
            return "missing"
        if self.problem == _UNNAMED:
            return "unexpected"
        if self.problem.startswith(("is malformed", "breaks an OCFL rule", "and every version")):
            return "unreadable"
        return "altered"

    def __str__(self) -> str:
        used = ", ".join(f"{v} {p}" for v, p in self.used_by)
        return f"{self.version}: {self.path} {self.problem}" + (f" (the file {used})" if used else "")


@dataclass
class ObjectFixity:
    object_id: str
    head: str | None
    damage: list[Damage] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # version folders of interrupted writes
    files_checked: int = 0
    bytes_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.damage


def _digests(ocfl: OcflStore, key: str, scratch: Path) -> tuple[str, str, int] | None:
    """(sha512, sha256, size) of a stored object; None when it is missing."""
    store = ocfl.store
    try:
        if isinstance(store, LocalStore):
            path = store.root.joinpath(*key.split("/"))
            return (*file_digests(path), path.stat().st_size) if path.is_file() else None
        if key.endswith(_SMALL_SUFFIXES):
            data = store.get_bytes(key)
            return (*file_digests(data), len(data))
        temp = scratch / uuid.uuid4().hex
        try:
            store.get_file(key, temp)
            return (*file_digests(temp), temp.stat().st_size)
        finally:
            temp.unlink(missing_ok=True)
    except NotFound:
        return None


def _read(ocfl: OcflStore, key: str) -> bytes | None:
    try:
        return ocfl.store.get_bytes(key)
    except NotFound:
        return None


def _inventory_damage(data: bytes | None, sidecar: bytes | None, version: str, path: str) -> list[Damage]:
    if data is None:
        return [Damage(version, path, "is missing")]
    if sidecar is None:
        return [Damage(version, f"{path}.sha512", "is missing")]
    try:
        named = parse_sidecar(sidecar)
    except InventoryError:
        return [Damage(version, f"{path}.sha512", "is malformed")]
    if named != hashlib.sha512(data).hexdigest():
        return [Damage(version, path, "was changed (its sha512 is not the one its sidecar names)")]
    try:
        parse_inventory(data)
    except InventoryError as exc:
        return [Damage(version, path, f"breaks an OCFL rule: {exc}")]
    return []


def _head_inventory(ocfl: OcflStore, prefix: str, report: ObjectFixity) -> Inventory | None:
    """The root inventory if sound, else the newest sound version inventory (damage noted)."""
    data, sidecar = _read(ocfl, prefix + INVENTORY_FILE), _read(ocfl, prefix + SIDECAR_FILE)
    damage = _inventory_damage(data, sidecar, "root", INVENTORY_FILE)
    if not damage and data is not None:
        return parse_inventory(data)
    try:
        head = parse_inventory(data).head if data is not None else None
    except InventoryError:
        head = None
    report.damage.extend(Damage(head or d.version, d.path, d.problem) for d in damage)
    numbers = sorted(
        {
            version_number(k[len(prefix) :].split("/")[0])
            for k in ocfl.store.list(prefix)
            if _in_version(k, prefix)
        },
        reverse=True,
    )
    claimed = version_number(head) if head else None  # never an uncommitted version beyond it
    for number in numbers:
        if claimed is not None and number > claimed:
            continue
        name = version_name(number)
        copy = _read(ocfl, f"{prefix}{name}/{INVENTORY_FILE}")
        side = _read(ocfl, f"{prefix}{name}/{SIDECAR_FILE}")
        if copy is not None and not _inventory_damage(copy, side, name, INVENTORY_FILE):
            return parse_inventory(copy)
    return None


def _in_version(key: str, prefix: str) -> bool:
    first, slash, _ = key[len(prefix) :].partition("/")
    try:
        return bool(slash) and version_number(first) > 0
    except InventoryError:
        return False


def check_object(ocfl: OcflStore, object_id: str) -> ObjectFixity:
    """Re-hash every file of `object_id` against its inventories; NotFound if no such object."""
    prefix = ocfl.object_root(object_id)
    keys = set(ocfl.store.list(prefix))
    if not keys:
        raise NotFound(f"no OCFL object {object_id!r} in {ocfl.url}")
    report = ObjectFixity(object_id=object_id, head=None)
    inventory = _head_inventory(ocfl, prefix, report)
    root_sound = not report.damage
    if inventory is None:
        report.damage.append(Damage("root", INVENTORY_FILE, "and every version's copy are unusable"))
        return report
    report.head = inventory.head
    head_number = version_number(inventory.head)
    if prefix + OBJECT_DECLARATION not in keys:
        report.damage.append(Damage("root", OBJECT_DECLARATION, "is missing"))
    root_data = _read(ocfl, prefix + INVENTORY_FILE) if root_sound else None
    expected: set[str] = {prefix + INVENTORY_FILE, prefix + SIDECAR_FILE, prefix + OBJECT_DECLARATION}
    for name in inventory.versions:
        path = f"{name}/{INVENTORY_FILE}"
        expected |= {prefix + path, prefix + path + ".sha512"}
        data, sidecar = _read(ocfl, prefix + path), _read(ocfl, prefix + path + ".sha512")
        damage = _inventory_damage(data, sidecar, name, path)
        if not damage and name == inventory.head and root_data is not None and data != root_data:
            damage = [Damage(name, path, "differs from the root inventory")]
        if not damage and data is not None and name != inventory.head:
            own = parse_inventory(data)
            if any(own.versions[v] != inventory.versions.get(v) for v in own.versions):
                damage = [Damage(name, path, "disagrees with the root inventory about earlier versions")]
        report.damage.extend(damage)
    with tempfile.TemporaryDirectory(prefix="sohoa-ocfl-fixity-") as scratch:
        for digest, paths in inventory.manifest.items():
            for path in paths:
                expected.add(prefix + path)
                report.files_checked += 1
                version = path.split("/", 1)[0]
                used_by = tuple(inventory.users_of(path))
                found = _digests(ocfl, prefix + path, Path(scratch))
                if found is not None:
                    report.bytes_checked += found[2]
                if found is None:
                    report.damage.append(Damage(version, path, "is missing", used_by))
                elif found[0] != digest:
                    report.damage.append(Damage(version, path, "was changed (sha512 differs)", used_by))
                elif (sha256 := inventory.fixity_digest(path, FIXITY_ALGORITHM)) and sha256 != found[1]:
                    report.damage.append(Damage(version, path, "was changed (sha256 differs)", used_by))
    for key in sorted(keys - expected):
        relative = key[len(prefix) :]
        first = relative.split("/", 1)[0]
        if _in_version(key, prefix) and version_number(first) > head_number:
            if first not in report.incomplete:
                report.incomplete.append(first)
            continue
        report.damage.append(Damage(first if _in_version(key, prefix) else "root", relative, _UNNAMED))
    return report
