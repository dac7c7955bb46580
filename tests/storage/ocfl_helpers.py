"""Helpers for the OCFL tests: a published validator (ocfl-py), and stores that count or crash."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storage.ocfl_inventory import User, VersionInfo

ARCHIVIST = User("Nguyễn Thị Lan", "mailto:lan@sohoa.example.vn")


def info(message: str) -> VersionInfo:
    return VersionInfo(message=message, user=ARCHIVIST)


@dataclass
class Validation:
    valid: bool
    objects: int
    good: int
    messages: str

    @property
    def clean(self) -> bool:
        """Valid, every object good, and not one error or warning."""
        return self.valid and self.objects == self.good and not self.messages


def ocfl_py_validate(root: str) -> Validation:
    """ocfl-py's storage root validation with warnings (its CLI exits 0 on a root whose objects
    are invalid, so the counts are read here)."""
    from ocfl import StorageRoot

    storage_root = StorageRoot(root=root)
    valid = storage_root.validate(log_warnings=True)
    messages = "\n".join(message for _, message in storage_root.errors)
    if storage_root.log is not None and str(storage_root.log):
        messages = "\n".join(filter(None, [str(storage_root.log), messages]))
    return Validation(valid, storage_root.num_objects, storage_root.good_objects, messages)


class Crash(Exception):
    """The simulated crash."""


@dataclass
class RecordingStore:
    """Wraps a store: records every write (key, bytes); raises Crash before writing a key that
    `crash_before` matches (a suffix), once armed."""

    store: object
    writes: list[tuple[str, int]] = field(default_factory=list)
    crash_before: str | None = None

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.store, name)

    def _check(self, key: str) -> None:
        if self.crash_before is not None and key.endswith(self.crash_before):
            raise Crash(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        self._check(key)
        self.store.put_bytes(key, data)
        self.writes.append((key, len(data)))

    def put_file(self, key: str, path: Path) -> None:
        self._check(key)
        self.store.put_file(key, path)
        self.writes.append((key, Path(path).stat().st_size))

    def content_bytes_written(self) -> int:
        return sum(size for key, size in self.writes if "/content/" in key)


def object_folder(store_root: Path, kind: str, plain: str) -> Path:
    """The folder of an OCFL object in a local store (`kind`: record, dossier, dossier-scan)."""
    from storage.layout import OCFL_ROOT
    from storage.ocfl_layout import dossier_object_id, dossier_scan_object_id, object_path, record_object_id

    ids = {"record": record_object_id, "dossier": dossier_object_id, "dossier-scan": dossier_scan_object_id}
    object_id = ids[kind](plain)
    return Path(store_root) / OCFL_ROOT / object_path(object_id)


def logical_files(folder: Path, version: int | None = None) -> dict[str, Path]:
    """Logical path -> the file holding its bytes, in the object at `folder` (its head, or
    `version`), read from its inventory by hand."""
    from storage.ocfl_inventory import parse_inventory

    inventory = parse_inventory((Path(folder) / "inventory.json").read_bytes())
    return {
        path: Path(folder) / inventory.content_path(digest)
        for path, digest in inventory.version(version).files().items()
    }


def content_files(folder: Path) -> list[str]:
    """Every content file of the object at `folder`, of every version ('v1/content/record.json')."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).glob("v*/content/**/*") if p.is_file())
