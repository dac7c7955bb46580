"""An OCFL 1.1 storage root over any ObjectStore (a local directory or S3 alike).

    <root>/0=ocfl_1.1                    the storage root declaration
    <root>/ocfl_layout.json              names the layout (storage/ocfl_layout.py: extension 0003)
    <root>/extensions/0003-.../config.json   its parameters
    <root>/<t1>/<t2>/<t3>/<id>/          one OCFL object:
        0=ocfl_object_1.1
        v1/content/<logical path>        the files v1 added
        v1/inventory.json (+ .sha512)    the inventory as of v1
        v2/content/...                   only what v2 changed (content addressing)
        inventory.json (+ .sha512)       the head's inventory: the commit marker

A new version is written in this order: its new content, its inventory and sidecar in its own
version directory, then the inventory at the object root (the commit point), then the root
sidecar. A crash before the root inventory leaves the previous version whole and readable: a
version directory that the root inventory does not name is incomplete, ignored by readers and
discarded by the next writer (or by `discard_incomplete`). One writer per object at a time: the
callers serialise writes to one record (as they do for packages today).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from core.errors import BadInput, NotFound, SohoaError
from storage.base import ObjectStore
from storage.hashing import CHUNK
from storage.object_keys import check_key
from storage.ocfl_inventory import (
    INVENTORY_FILE,
    SIDECAR_FILE,
    Inventory,
    InventoryError,
    NewVersion,
    User,
    Version,
    VersionInfo,
    inventory_json,
    next_inventory,
    parse_inventory,
    parse_sidecar,
    sidecar_text,
    version_name,
    version_number,
)
from storage.ocfl_layout import (
    LAYOUT_CONFIG,
    LAYOUT_DESCRIPTION,
    LAYOUT_EXTENSION,
    NUMBER_OF_TUPLES,
    object_path,
)

__all__ = [
    "OBJECT_DECLARATION",
    "ROOT_DECLARATION",
    "Content",
    "OcflStore",
    "OcflStoreError",
    "VersionSummary",
    "file_digests",
]

ROOT_DECLARATION = "0=ocfl_1.1"
OBJECT_DECLARATION = "0=ocfl_object_1.1"
LAYOUT_FILE = "ocfl_layout.json"
EXTENSIONS_DIR = "extensions"
_MAX_NAME = 100  # an encapsulation folder longer than this was cut (storage/ocfl_layout.py)
VERSIONS_GROUP = "/v"  # lists an object root's version folders (v1, v2...) as one entry

Content = bytes | Path  # a file's new bytes, or the Path of a local file to stream in


class OcflStoreError(SohoaError):
    """The storage root is not one sohoa can use (another layout, another OCFL version)."""


@dataclass(frozen=True)
class VersionSummary:
    """One version as `sohoa show --version` lists it: number, when, why and who."""

    number: int
    name: str
    created: datetime
    message: str | None
    user: User | None
    files: int


# ---- hashing ----


def file_digests(content: Content) -> tuple[str, str]:
    """(sha512, sha256) of bytes or of a local file (streamed, one pass)."""
    sha512, sha256 = hashlib.sha512(), hashlib.sha256()
    if isinstance(content, bytes):
        sha512.update(content)
        sha256.update(content)
    else:
        with Path(content).open("rb") as f:
            while chunk := f.read(CHUNK):
                sha512.update(chunk)
                sha256.update(chunk)
    return sha512.hexdigest(), sha256.hexdigest()


def _fingerprint(path: Path) -> tuple[int, ...]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


class OcflStore:
    """OCFL objects in the storage root at key prefix `root` ('' for the whole store)."""

    def __init__(self, store: ObjectStore, root: str = "") -> None:
        self.store = store
        self.root = f"{check_key(root.strip('/'))}/" if root.strip("/") else ""
        self.url = f"{store.url.rstrip('/')}/{self.root}" if self.root else store.url

    def __repr__(self) -> str:
        return f"OcflStore({self.url!r})"

    # ---- the storage root ----

    def initialize(self) -> None:
        """Declare the storage root and its layout; nothing to do when already declared so."""
        if self.store.exists(self.root + ROOT_DECLARATION):
            self._check_root()
            return
        config = f"{self.root}{EXTENSIONS_DIR}/{LAYOUT_EXTENSION}/config.json"
        own = {config, self.root + LAYOUT_FILE}  # what an earlier, interrupted call wrote
        if any(key not in own for key in self.store.list(self.root)):
            if self.store.exists(self.root + ROOT_DECLARATION):  # another writer declared it meanwhile
                self._check_root()
                return
            raise OcflStoreError(f"{self.url} holds files but is no OCFL storage root")
        self.store.put_bytes(config, _json(LAYOUT_CONFIG))
        layout = {"extension": LAYOUT_EXTENSION, "description": LAYOUT_DESCRIPTION}
        self.store.put_bytes(self.root + LAYOUT_FILE, _json(layout))
        self.store.put_bytes(self.root + ROOT_DECLARATION, b"ocfl_1.1\n")  # last: the root exists

    def _check_root(self) -> None:
        declared = self.store.get_bytes(self.root + ROOT_DECLARATION)
        try:
            layout = json.loads(self.store.get_bytes(self.root + LAYOUT_FILE))
        except (NotFound, ValueError):
            layout = {}
        if declared != b"ocfl_1.1\n" or layout.get("extension") != LAYOUT_EXTENSION:
            raise OcflStoreError(
                f"{self.url} is an OCFL root sohoa cannot write: declaration {declared[:20]!r},"
                f" layout {layout.get('extension')!r} (expected ocfl_1.1 and {LAYOUT_EXTENSION})"
            )

    def object_root(self, object_id: str) -> str:
        """The key prefix of `object_id`'s object root, ending in '/'."""
        return check_key(self.root + object_path(object_id)) + "/"

    def object_ids(self) -> Iterator[str]:
        """The ids of committed objects (those with a root inventory), in key order, streamed.

        The store's listing is grouped at '/v' (`ObjectStore.list_grouped`): an object root's
        version folders are one entry, not walked into, so what is read is the tuple folders
        and each object root's own few files (local: a scandir of each; S3: about four entries
        an object in pages of 1,000). An object whose encoded id starts with 'v' hides in the
        group of its tuple folder: that group alone is listed whole."""
        inventory_depth = NUMBER_OF_TUPLES + 2  # t1/t2/t3/<object>/inventory.json
        for entry in self.store.list_grouped(self.root, VERSIONS_GROUP):
            parts = entry[len(self.root) :].split("/")
            if parts[-1] == VERSIONS_GROUP[1:] and len(parts) < inventory_depth:
                yield from self._ids_in(self.store.list(entry), inventory_depth)
            else:
                yield from self._ids_in((entry,), inventory_depth)

    def _ids_in(self, keys: Iterable[str], depth: int) -> Iterator[str]:
        for key in keys:
            parts = key[len(self.root) :].split("/")
            if len(parts) == depth and parts[-1] == INVENTORY_FILE:
                name = parts[-2]
                if len(name) > _MAX_NAME:  # cut: only the inventory knows the whole id
                    yield self.inventory_at(key[: -len(INVENTORY_FILE)]).id
                else:
                    yield unquote(name)

    # ---- reading ----

    def exists(self, object_id: str) -> bool:
        return self.store.exists(self.object_root(object_id) + INVENTORY_FILE)

    def inventory(self, object_id: str) -> Inventory:
        """The committed inventory of `object_id`; NotFound when there is no such object."""
        try:
            inventory = self.inventory_at(self.object_root(object_id))
        except NotFound:
            raise NotFound(f"no OCFL object {object_id!r} in {self.url}") from None
        if inventory.id != object_id:
            raise InventoryError(f"{self.object_root(object_id)} holds {inventory.id!r}, not {object_id!r}")
        return inventory

    def inventory_at(self, object_root: str) -> Inventory:
        return parse_inventory(self.store.get_bytes(object_root + INVENTORY_FILE))

    def files(self, object_id: str, version: int | None = None) -> dict[str, str]:
        """Logical path -> sha512 of a version (the head by default); NotFound if no such version."""
        return self._version(self.inventory(object_id), version).files()

    @staticmethod
    def _version(inventory: Inventory, version: int | None) -> Version:
        try:
            return inventory.version(version)
        except KeyError as exc:
            raise NotFound(exc.args[0]) from None

    def content_key(self, object_id: str, logical_path: str, version: int | None = None) -> str:
        """The store key holding the bytes of `logical_path` as of `version`; NotFound if absent."""
        inventory = self.inventory(object_id)
        files = self._version(inventory, version).files()
        if logical_path not in files:
            where = inventory.head if version is None else version_name(version)
            raise NotFound(f"{object_id} {where}: no file {logical_path!r}")
        digest = files[logical_path]
        return self.object_root(object_id) + inventory.content_path(digest)

    def read_bytes(self, object_id: str, logical_path: str, version: int | None = None) -> bytes:
        return self.store.get_bytes(self.content_key(object_id, logical_path, version))

    def read_file(self, object_id: str, logical_path: str, dest: Path, version: int | None = None) -> None:
        self.store.get_file(self.content_key(object_id, logical_path, version), dest)

    def versions(self, object_id: str) -> list[VersionSummary]:
        """Every version of the object, oldest first, with who, when and why."""
        summaries = []
        for name, version in self.inventory(object_id).versions.items():
            created = datetime.fromisoformat(version.created.replace("Z", "+00:00"))
            summaries.append(
                VersionSummary(
                    number=version_number(name),
                    name=name,
                    created=created,
                    message=version.message,
                    user=version.user,
                    files=sum(len(paths) for paths in version.state.values()),
                )
            )
        return sorted(summaries, key=lambda s: s.number)

    # ---- incomplete versions ----

    def _committed(self, object_id: str) -> Inventory | None:
        try:
            return self.inventory(object_id)
        except NotFound:
            return None

    def incomplete_versions(self, object_id: str) -> list[str]:
        """Version folders the root inventory does not name: left by a writer that crashed.
        For an object never committed, every version folder it has."""
        return self._incomplete(object_id, self._committed(object_id))

    def _incomplete(self, object_id: str, committed: Inventory | None) -> list[str]:
        head = 0 if committed is None else version_number(committed.head)
        prefix = self.object_root(object_id)
        found = set()
        for key in self.store.list(prefix):
            first, slash, _ = key[len(prefix) :].partition("/")
            with contextlib.suppress(InventoryError):
                if slash and version_number(first) > head:
                    found.add(first)
        return sorted(found, key=version_number)

    def discard_incomplete(self, object_id: str) -> list[str]:
        """Remove what crashed writers left (of an object never committed: all of it); returns
        the version folders removed."""
        return self._discard(object_id, self._committed(object_id))

    def _discard(self, object_id: str, committed: Inventory | None) -> list[str]:
        prefix = self.object_root(object_id)
        incomplete = self._incomplete(object_id, committed)
        if committed is None:
            self.store.delete_tree(prefix)
        else:
            for name in incomplete:
                self.store.delete_tree(f"{prefix}{name}/")
        return incomplete

    # ---- writing ----

    def commit(
        self,
        object_id: str,
        changes: Mapping[str, Content | None],
        info: VersionInfo,
        *,
        replace_all: bool = False,
        expected_sha256: Mapping[str, str] | None = None,
    ) -> NewVersion | None:
        """Write the next version of `object_id` (v1 when it does not exist yet).

        `changes` maps a logical path to its new content (bytes, or a local file's Path) or to
        None to remove it; files not named keep their content, unless `replace_all` (then
        `changes` is the whole new state). Only content no earlier version stored is written.
        Returns the new version, or None when the state would not change (nothing written).
        `expected_sha256` (logical path -> sha256) names what a caller knows a file holds (an
        original hashed at ingest): BadInput, before anything is written, when it holds other bytes.
        """
        previous = self._committed(object_id)
        prefix = self.object_root(object_id)
        if previous is not None:
            self.finish_commit(object_id)  # a writer killed after its commit point left it so
        files = {} if previous is None or replace_all else previous.version().files()
        payload: dict[str, Content] = {}
        sha256: dict[str, str] = {}
        fingerprints: dict[str, tuple[int, ...]] = {}
        for path, content in changes.items():
            check_key(path)
            if content is None:
                if files.pop(path, None) is None and not replace_all:
                    raise NotFound(f"{object_id}: no file {path!r} to remove")
                continue
            if not isinstance(content, bytes | Path):
                raise TypeError(f"{path!r}: content must be bytes or a Path, not {type(content).__name__}")
            if isinstance(content, Path):
                fingerprints[path] = self._fingerprint(content)
            digest, digest256 = file_digests(content)
            wanted = (expected_sha256 or {}).get(path)
            if wanted is not None and digest256 != wanted:
                name = content.name if isinstance(content, Path) else path
                raise BadInput(
                    f"{name} changed since it was hashed: sha256 {digest256[:12]}, expected {wanted[:12]}"
                )
            files[path], sha256[digest], payload[path] = digest, digest256, content
        new = next_inventory(previous, object_id, files, info, sha256)
        if new is None:
            return None
        self._discard(object_id, previous)
        if previous is None:
            self.store.put_bytes(prefix + OBJECT_DECLARATION, b"ocfl_object_1.1\n")
        for content_path, logical in new.new_content.items():
            self._put(prefix + content_path, payload[logical], fingerprints.get(logical))
        data = inventory_json(new.inventory)
        sidecar = sidecar_text(data)
        self.store.put_bytes(f"{prefix}{new.name}/{INVENTORY_FILE}", data)
        self.store.put_bytes(f"{prefix}{new.name}/{SIDECAR_FILE}", sidecar)
        self.store.put_bytes(prefix + INVENTORY_FILE, data)  # the commit point
        self.store.put_bytes(prefix + SIDECAR_FILE, sidecar)
        return new

    @staticmethod
    def _fingerprint(path: Path) -> tuple[int, ...]:
        try:
            return _fingerprint(path)
        except OSError as exc:
            raise BadInput(f"cannot read {path.name}: {exc.strerror or exc}") from exc

    def _put(self, key: str, content: Content, before: tuple[int, ...] | None) -> None:
        if isinstance(content, bytes):
            self.store.put_bytes(key, content)
            return
        self.store.put_file(key, content)
        try:
            changed = _fingerprint(content) != before
        except OSError:
            changed = True
        if changed:  # its hash in the inventory would not be the bytes stored
            self.store.delete(key)
            raise BadInput(f"{content.name} changed while it was being stored")

    def finish_commit(self, object_id: str) -> bool:
        """Rewrite the root sidecar when a crash came between the root inventory and it (the
        inventory is the head version's own, byte for byte); True when it was rewritten. Every
        commit does this first, so a rerun after a kill leaves the object valid even when it
        has no new version to write."""
        data = self.unfinished_commit(object_id)
        if data is None:
            return False
        self.store.put_bytes(self.object_root(object_id) + SIDECAR_FILE, sidecar_text(data))
        return True

    def unfinished_commit(self, object_id: str) -> bytes | None:
        """The root inventory when its sidecar is missing or names other bytes and it is the
        head version's own inventory, byte for byte (a writer killed at its commit point: the
        version is whole, only the sidecar is not written); else None. InventoryError when the
        sidecar disagrees and the root inventory is not the head's (damage, not a crash)."""
        prefix = self.object_root(object_id)
        data = self.store.get_bytes(prefix + INVENTORY_FILE)
        try:
            current = parse_sidecar(self.store.get_bytes(prefix + SIDECAR_FILE))
        except (NotFound, InventoryError):
            current = None
        if current == hashlib.sha512(data).hexdigest():
            return None
        head = parse_inventory(data).head
        if self.store.get_bytes(f"{prefix}{head}/{INVENTORY_FILE}") != data:
            raise InventoryError(f"{object_id}: the root inventory is not {head}'s; not repaired")
        return data
