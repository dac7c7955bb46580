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
