"""The OCFL 1.1 inventory (pure): its model, JSON, invariants, and the next version's inventory.

An inventory names every file of every version of one object. Content is addressed by its
sha512: the manifest maps a digest to the content path(s) holding those bytes
('v2/content/classification.json'), and each version's state maps a digest to the logical
paths that have it ('classification.json'). A new version stores only the digests that no
earlier version stored; the rest are referenced. The optional fixity block keeps the sha256 of
each content path too (what sohoa's record ids and older manifests use).
No I/O here: storage/ocfl_store.py reads and writes inventories.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = [
    "CONTENT_DIR",
    "DIGEST_ALGORITHM",
    "INVENTORY_FILE",
    "INVENTORY_TYPE",
    "SIDECAR_FILE",
    "Inventory",
    "InventoryError",
    "NewVersion",
    "User",
    "Version",
    "VersionInfo",
    "check_inventory",
    "inventory_json",
    "next_inventory",
    "parse_inventory",
    "parse_sidecar",
    "sidecar_text",
    "version_name",
    "version_number",
]

INVENTORY_TYPE = "https://ocfl.io/1.1/spec/#inventory"
DIGEST_ALGORITHM = "sha512"
FIXITY_ALGORITHM = "sha256"
CONTENT_DIR = "content"
INVENTORY_FILE = "inventory.json"
SIDECAR_FILE = f"{INVENTORY_FILE}.{DIGEST_ALGORITHM}"

_SHA512 = re.compile(r"[0-9a-f]{128}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"v([1-9][0-9]*)")
_CREATED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


class InventoryError(ValueError):
    """An inventory that breaks an OCFL rule (or one sohoa keeps): the message says which."""


@dataclass(frozen=True)
class User:
    name: str
    address: str | None = None  # a URI (mailto:, or a person's identifier) when known


@dataclass(frozen=True)
class VersionInfo:
    """What a writer says about the version it adds: why, who, and (by default now) when."""

    message: str
    user: User
    created: datetime | None = None


@dataclass(frozen=True)
class Version:
    created: str
    state: dict[str, list[str]]  # sha512 -> logical paths
    message: str | None = None
    user: User | None = None

    def files(self) -> dict[str, str]:
        """Logical path -> sha512, sorted by path."""
        return dict(sorted((path, digest) for digest, paths in self.state.items() for path in paths))


@dataclass(frozen=True)
class Inventory:
    id: str
    head: str
    manifest: dict[str, list[str]]  # sha512 -> content paths
    versions: dict[str, Version]
    fixity: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # algorithm -> digest -> paths

    def version(self, name: str | int | None = None) -> Version:
        """A version by name ('v2') or number (2); the head when None. KeyError when absent."""
        key = self.head if name is None else version_name(name) if isinstance(name, int) else name
        try:
            return self.versions[key]
        except KeyError:
            raise KeyError(f"{self.id}: no version {key} (head is {self.head})") from None

    def content_path(self, digest: str) -> str:
        """The first content path that holds the bytes of `digest`."""
        return self.manifest[digest][0]

    def users_of(self, content_path: str) -> list[tuple[str, str]]:
        """(version, logical path) pairs whose file is the bytes at `content_path`, oldest first."""
        digests = [d for d, paths in self.manifest.items() if content_path in paths]
        return [
            (name, path)
            for name, version in self.versions.items()
            for digest in digests
            for path in version.state.get(digest, ())
        ]

    def fixity_digest(self, content_path: str, algorithm: str = FIXITY_ALGORITHM) -> str | None:
        for digest, paths in self.fixity.get(algorithm, {}).items():
            if content_path in paths:
                return digest
        return None


@dataclass(frozen=True)
class NewVersion:
    """The inventory after a new version, and the files that version must store."""

    inventory: Inventory
    name: str
    new_content: dict[str, str]  # content path -> the logical path whose bytes go there


# ---- names ----


def version_name(number: int) -> str:
    if number < 1:
        raise ValueError(f"version numbers start at 1, not {number}")
    return f"v{number}"


def version_number(name: str) -> int:
    match = _VERSION.fullmatch(name)
    if not match:
        raise InventoryError(f"{name!r} is not a version name (v1, v2, ...)")
    return int(match.group(1))


def _check_path(path: str, what: str) -> None:
    if not isinstance(path, str) or not path or path.startswith("/") or path.endswith("/"):
        raise InventoryError(f"{what} {path!r} must be a relative path without a trailing '/'")
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        raise InventoryError(f"{what} {path!r} has an empty, '.' or '..' segment")


def _check_no_prefix_conflict(paths: Iterable[str], what: str) -> None:
    """No path may also be a folder of another ('a' and 'a/b'): both could not be files."""
    ordered = sorted(paths)
    names = set(ordered)
    for path in ordered:
        parts = path.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in names:
                raise InventoryError(f"{what} {'/'.join(parts[:i])!r} is also a folder of {path!r}")


# ---- JSON ----


def _user_json(user: User) -> dict:
    return {"name": user.name, **({"address": user.address} if user.address else {})}


def inventory_json(inventory: Inventory) -> bytes:
    """The inventory as UTF-8 JSON (the bytes its sidecar digest covers)."""
    versions = {}
    for name, version in inventory.versions.items():
        entry: dict = {"created": version.created}
        if version.message is not None:
            entry["message"] = version.message
        if version.user is not None:
            entry["user"] = _user_json(version.user)
        entry["state"] = version.state
        versions[name] = entry
    data: dict = {
        "id": inventory.id,
        "type": INVENTORY_TYPE,
        "digestAlgorithm": DIGEST_ALGORITHM,
        "head": inventory.head,
        "manifest": inventory.manifest,
        "versions": versions,
    }
    if inventory.fixity:
        data["fixity"] = inventory.fixity
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def sidecar_text(inventory_bytes: bytes) -> bytes:
    """The inventory's sidecar: '<sha512 of inventory.json> inventory.json'."""
    return f"{hashlib.sha512(inventory_bytes).hexdigest()} {INVENTORY_FILE}\n".encode()


def parse_sidecar(data: bytes) -> str:
    """The digest a sidecar names; InventoryError when it is not one."""
    parts = data.decode(errors="replace").split()
    if len(parts) != 2 or parts[1] != INVENTORY_FILE or not _SHA512.fullmatch(parts[0].lower()):
        raise InventoryError(f"malformed inventory sidecar {data[:200]!r}")
    return parts[0].lower()


def _str_lists(value: object, what: str) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and v and all(isinstance(p, str) for p in v)
        for k, v in value.items()
    ):
        raise InventoryError(f"{what} must map strings to non-empty lists of paths")
    return value


def _parse_user(value: object, where: str) -> User | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InventoryError(f"{where}: user must be an object with a name")
    address = value.get("address")
    if address is not None and not isinstance(address, str):
        raise InventoryError(f"{where}: user address must be a string")
    return User(value["name"], address)


def parse_inventory(data: bytes) -> Inventory:
    """Read and check an inventory; InventoryError names the first rule it breaks."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InventoryError(f"inventory is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InventoryError("inventory must be a JSON object")
    for key in ("id", "type", "digestAlgorithm", "head", "manifest", "versions"):
        if key not in raw:
            raise InventoryError(f"inventory has no {key!r}")
    if raw["type"] != INVENTORY_TYPE or raw["digestAlgorithm"] != DIGEST_ALGORITHM:
        raise InventoryError(f"not an OCFL 1.1 sha512 inventory: {raw['type']!r}, {raw['digestAlgorithm']!r}")
    if raw.get("contentDirectory", CONTENT_DIR) != CONTENT_DIR:
        raise InventoryError(f"content directory {raw['contentDirectory']!r} is not {CONTENT_DIR!r}")
    if not isinstance(raw["versions"], dict) or not isinstance(raw["id"], str):
        raise InventoryError("versions must be an object and id a string")
    versions = {}
    for name, entry in raw["versions"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("created"), str):
            raise InventoryError(f"version {name!r} must be an object with a 'created' time")
        message = entry.get("message")
        if message is not None and not isinstance(message, str):
            raise InventoryError(f"version {name}: message must be a string")
        versions[name] = Version(
            created=entry["created"],
            state=_str_lists(entry.get("state"), f"version {name} state"),
            message=message,
            user=_parse_user(entry.get("user"), f"version {name}"),
        )
    fixity = raw.get("fixity") or {}
    if not isinstance(fixity, dict):
        raise InventoryError("fixity must be an object")
    inventory = Inventory(
        id=raw["id"],
        head=str(raw["head"]),
        manifest=_str_lists(raw["manifest"], "manifest"),
        versions=versions,
        fixity={alg: _str_lists(block, f"fixity {alg}") for alg, block in fixity.items()},
    )
    check_inventory(inventory)
    return inventory


# ---- invariants ----


def check_inventory(inventory: Inventory) -> None:
    """Raise InventoryError unless `inventory` keeps the OCFL rules sohoa relies on."""
    if not inventory.id:
        raise InventoryError("inventory id must not be empty")
    numbers = sorted(version_number(name) for name in inventory.versions)
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise InventoryError(f"versions must be v1..vN without gaps, got {sorted(inventory.versions)}")
    if inventory.head != version_name(numbers[-1]):
        raise InventoryError(f"head {inventory.head} is not the last version v{numbers[-1]}")
    content_paths: list[str] = []
    for digest, paths in inventory.manifest.items():
        if not _SHA512.fullmatch(digest):
            raise InventoryError(f"manifest digest {digest[:20]!r}... is not a lowercase sha512")
        for path in paths:
            _check_path(path, "content path")
            owner, _, rest = path.partition("/")
            directory, _, name = rest.partition("/")
            if owner not in inventory.versions or directory != CONTENT_DIR or not name:
                raise InventoryError(f"content path {path!r} is not under a version's {CONTENT_DIR}/")
            content_paths.append(path)
    if len(set(content_paths)) != len(content_paths):
        raise InventoryError("a content path is listed twice in the manifest")
    _check_no_prefix_conflict(content_paths, "content path")
    used: set[str] = set()
    for name, version in inventory.versions.items():
        if not _CREATED.fullmatch(version.created):
            raise InventoryError(f"version {name}: created {version.created!r} is not RFC 3339 with a zone")
        logical = [path for paths in version.state.values() for path in paths]
        for path in logical:
            _check_path(path, f"version {name} logical path")
        if len(set(logical)) != len(logical):
            raise InventoryError(f"version {name}: a logical path is listed twice")
        _check_no_prefix_conflict(logical, f"version {name} logical path")
        missing = set(version.state) - set(inventory.manifest)
        if missing:
            raise InventoryError(f"version {name}: digest {min(missing)[:16]}... is not in the manifest")
        used |= set(version.state)
    unused = set(inventory.manifest) - used
    if unused:
        raise InventoryError(f"manifest digest {min(unused)[:16]}... is in no version's state")
    for algorithm, block in inventory.fixity.items():
        pattern = _SHA256 if algorithm == FIXITY_ALGORITHM else None
        for digest, paths in block.items():
            if pattern is not None and not pattern.fullmatch(digest):
                raise InventoryError(f"fixity {algorithm} digest {digest[:20]!r} is malformed")
            stray = set(paths) - set(content_paths)
            if stray:
                raise InventoryError(f"fixity {algorithm} names {min(stray)!r}, not in the manifest")


# ---- the next version ----


def _created(info: VersionInfo) -> str:
    moment = info.created or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("a version's created time must carry its time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_inventory(
    previous: Inventory | None,
    object_id: str,
    files: Mapping[str, str],
    info: VersionInfo,
    sha256: Mapping[str, str] | None = None,
) -> NewVersion | None:
    """The inventory with one more version whose logical state is `files` (path -> sha512).

    Only digests that no earlier version stored become new content, each once, at
    'vN/content/<its first logical path>'. `sha256` (sha512 -> sha256) adds the new content's
    sha256 to the fixity block. None when the state equals the head's: nothing to version.
    """
    if previous is not None and previous.id != object_id:
        raise ValueError(f"inventory of {previous.id!r} cannot take a version of {object_id!r}")
    if not files:
        raise ValueError(f"{object_id}: a version must hold at least one file")
    for path in files:
        _check_path(path, "logical path")
    if previous is not None and previous.version().files() == dict(sorted(files.items())):
        return None
    number = 1 if previous is None else version_number(previous.head) + 1
    name = version_name(number)
    state: dict[str, list[str]] = {}
    for path, digest in sorted(files.items()):
        state.setdefault(digest, []).append(path)
    manifest = {d: list(p) for d, p in previous.manifest.items()} if previous else {}
    fixity = {a: {d: list(p) for d, p in b.items()} for a, b in previous.fixity.items()} if previous else {}
    new_content: dict[str, str] = {}
    for digest, paths in state.items():
        if digest in manifest:
            continue
        content_path = f"{name}/{CONTENT_DIR}/{paths[0]}"
        manifest[digest] = [content_path]
        new_content[content_path] = paths[0]
        if sha256 and digest in sha256:
            fixity.setdefault(FIXITY_ALGORITHM, {}).setdefault(sha256[digest], []).append(content_path)
    versions = dict(previous.versions) if previous else {}
    versions[name] = Version(created=_created(info), state=state, message=info.message, user=info.user)
    inventory = Inventory(id=object_id, head=name, manifest=manifest, versions=versions, fixity=fixity)
    check_inventory(inventory)
    return NewVersion(inventory=inventory, name=name, new_content=new_content)
