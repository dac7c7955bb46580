"""The object-store interface every storage backend implements (local directory, S3).

Keys are '/'-separated relative paths such as 'records/<id>/metadata.json'.
A backend turns its own failures into sohoa errors: a missing key is NotFound,
an unreachable service is Transient.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from storage.object_keys import check_prefix

__all__ = ["ObjectStore", "group_stem"]


def group_stem(delimiter: str) -> str:
    """The name beginning a `list_grouped` delimiter stands for ('/v' -> 'v', '/' -> ''); ValueError
    unless it is '/' and the beginning of a name."""
    stem = delimiter[1:]
    if not delimiter.startswith("/") or "/" in stem:
        raise ValueError(f"a list delimiter is '/' and the beginning of a name, not {delimiter!r}")
    return check_prefix(stem)


@runtime_checkable
class ObjectStore(Protocol):
    url: str
    # Reads worth running at once by a bulk reader (reindex): 1 where a read is CPU work (a local
    # disk: threads would only contend for the GIL), more where it waits on a network.
    reads_at_once: int

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

    def list_grouped(self, prefix: str = "", delimiter: str = "/") -> Iterator[str]:
        """The keys that start with `prefix`, in lexical order, except that the keys holding
        `delimiter` after `prefix` are given once, as their beginning up to and including it
        (S3's common prefixes; a store does not look inside such a group). With '/': the keys
        directly in the folder `prefix` and its folders as 'name/'. `delimiter` is '/' and the
        beginning of a name: '/v' groups whatever lies in a folder or file whose name starts
        with 'v', below the first level after `prefix`, as '<its folder>/v'. A directory store
        may also give a group that holds no key any more (a folder left empty); S3 never does.
        ValueError for another delimiter."""

    def delete(self, key: str) -> None:
        """Remove one object; absent is not an error."""

    def delete_tree(self, prefix: str) -> None:
        """Remove every object under the folder `prefix` (ending in '/'); a directory store
        removes the folders it emptied too, the prefix's parents included. Nothing there is
        not an error."""

    def ping(self) -> None:
        """Raise Transient when the store cannot be reached."""
