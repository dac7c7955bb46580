"""The object-store interface every storage backend implements (local directory, S3).

Keys are '/'-separated relative paths such as 'records/<id>/metadata.json'.
A backend turns its own failures into sohoa errors: a missing key is NotFound,
an unreachable service is Transient.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class ObjectStore(Protocol):
    url: str

    def put_bytes(self, key: str, data: bytes) -> None:
        """Write `data` at `key` atomically (readers see the old object or the new one)."""

    def put_file(self, key: str, path: Path) -> None:
        """Copy a local file to `key` without loading it whole into memory."""

    def get_bytes(self, key: str) -> bytes:
        """Read an object; NotFound when absent."""

    def get_file(self, key: str, dest: Path) -> None:
        """Stream an object to a local file; NotFound when absent."""

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key that starts with `prefix`, in lexical order."""

    def delete(self, key: str) -> None:
        """Remove one object; absent is not an error."""

    def delete_tree(self, prefix: str) -> None:
        """Remove every object under the folder `prefix` (ending in '/'); a directory store
        removes the folders it emptied too, the prefix's parents included. Nothing there is
        not an error."""

    def ping(self) -> None:
        """Raise Transient when the store cannot be reached."""
