"""LocalStore: the ObjectStore over a local directory (the default backend).

Writes are atomic and durable: a temporary file in the target's directory, fsync, rename over
the target, then fsync of the directory. Readers see the old object or the new one, never a part.
Objects are private to the user running sohoa: files 0600, folders 0700.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from core.errors import NotFound, Transient
from storage.base import group_stem
from storage.hashing import CHUNK
from storage.object_keys import TEMP_PREFIX, check_key, check_prefix

__all__ = ["LocalStore", "write_atomic"]

_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p, making each new directory entry durable in its parent."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
        _fsync_dir(directory.parent)


def write_atomic(target: Path, fill: Callable[[BinaryIO], None], scratch: Path | None = None) -> None:
    """Write `target` through a temporary file: complete and durable, or not at all; 0600. The
    temporary file is a sibling, or in `scratch` (a folder on the same file system): a writer
    killed midway then leaves nothing in the target's folder (an OCFL version folder must hold
    exactly what its inventory names)."""
    if scratch is not None:
        _make_dirs(scratch)
    temp = (scratch or target.parent) / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


class LocalStore:
    """Objects are files under `root`; key 'a/b/c.json' is the file root/a/b/c.json."""

    reads_at_once = 1  # a read is CPU work (parsing): threads only contend for the GIL

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        self.url = str(self.root)
        self._base = self.url.rstrip("/") + "/"  # the root "/" gives "/"

    def __repr__(self) -> str:
        return f"LocalStore({self.url!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def _file(self, key: str) -> str:
        """`_path` as a string, without building a Path (reads are the hot path of a reindex):
        a checked key has no empty, '.' or '..' segment and no backslash."""
        return self._base + check_key(key)

    @cached_property
    def _scratch(self) -> Path | None:
        """Where partial writes go: a folder beside the store's root on the same file system, so
        that nothing a killed writer left is ever inside the store (nor an OCFL root that is the
        store's root). None (temporary siblings, as before) when there is no such folder: the
        root is a mount point, or its parent is not writable."""
        scratch = self.root.parent / f"{TEMP_PREFIX}{self.root.name}"
        try:
            _make_dirs(self.root)
            _make_dirs(scratch)
            if scratch.stat().st_dev != self.root.stat().st_dev:
                return None
        except OSError:
            return None
        return scratch

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        _make_dirs(path.parent)
        write_atomic(path, lambda f: f.write(data), self._scratch)

    def put_file(self, key: str, path: Path) -> None:
        target = self._path(key)
        with Path(path).open("rb") as src:  # open first: a missing source leaves no trace
            _make_dirs(target.parent)
            write_atomic(target, lambda f: shutil.copyfileobj(src, f, CHUNK), self._scratch)

    def get_bytes(self, key: str) -> bytes:
        path = self._file(key)
        try:
            with open(path, "rb") as f:  # noqa: PTH123 (a str path: no Path to build)
                return f.read()
        except _MISSING:
            raise NotFound(f"no object {key!r} in {self.url}") from None

    def get_file(self, key: str, dest: Path) -> None:
        path = self._path(key)
        try:
            src = path.open("rb")
        except _MISSING:
            raise NotFound(f"no object {key!r} in {self.url}") from None
        with src:
            write_atomic(Path(dest), lambda f: shutil.copyfileobj(src, f, CHUNK))

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._file(key))  # noqa: PTH113

    def list(self, prefix: str = "") -> Iterator[str]:
        return self._listing(prefix, None)

    def list_grouped(self, prefix: str = "", delimiter: str = "/") -> Iterator[str]:
        """As `list`, a group given without walking into it (os.scandir of the folders above)."""
        return self._listing(prefix, group_stem(delimiter))

    def _listing(self, prefix: str, stem: str | None) -> Iterator[str]:
        base, _, partial = check_prefix(prefix).rpartition("/")  # checked now, not when iterated
        directory = self.root.joinpath(*base.split("/")) if base else self.root
        group = None if stem is None else (len(prefix), stem)
        return self._walk(str(directory), f"{base}/" if base else "", partial, group)

    def _walk(
        self, directory: str, head: str, start: str = "", group: tuple[int, str] | None = None
    ) -> Iterator[str]:
        """Keys under `directory` in lexical order: a folder 'a' sorts as 'a/' among files.
        `group` (length of the prefix, stem): below the prefix's own level, the entries whose
        names start with the stem are given once, as `head` + stem, and not walked into."""
        try:
            with os.scandir(directory) as it:
                entries = [e for e in it if e.name.startswith(start)]
        except _MISSING:
            return
        stem = group[1] if group is not None and head and len(head) > group[0] else None
        marked: list[tuple[str, os.DirEntry | None]] = []
        grouped = False
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX):
                continue
            if entry.is_dir(follow_symlinks=False):
                name = f"{entry.name}/"
            elif entry.is_file(follow_symlinks=False):
                name = entry.name
            else:
                continue
            if stem is not None and name.startswith(stem):
                grouped = True
            else:
                marked.append((name, entry))
        if grouped:
            marked.append((stem, None))
        for name, entry in sorted(marked, key=lambda item: item[0]):
            if entry is None or not name.endswith("/"):
                yield head + name
            elif group is not None and not group[1] and len(head) + len(name) > group[0]:
                yield head + name  # delimiter '/': the whole folder is one group
            else:
                yield from self._walk(entry.path, head + name, group=group)

    def delete(self, key: str) -> None:
        with contextlib.suppress(*_MISSING):  # a folder is not an object either
            self._path(key).unlink()

    def delete_tree(self, prefix: str) -> None:
        if not check_prefix(prefix).endswith("/") or prefix == "/":
            raise ValueError(f"delete_tree needs a folder prefix ending in '/', not {prefix!r}")
        for key in list(self.list(prefix)):
            self.delete(key)
        top = self._path(prefix[:-1])
        if not top.is_dir():
            return
        folders = sorted((Path(d) for d, _, _ in os.walk(top)), key=lambda p: len(p.parts), reverse=True)
        folders += list(top.parents[: len(top.relative_to(self.root).parts) - 1])
        for folder in folders:  # deepest first, then the parents it leaves empty; stop at one in use
            try:
                folder.rmdir()
            except OSError:
                if folder not in top.parents:
                    continue
                break
        kept = next(folder for folder in top.parents if folder.is_dir())
        with contextlib.suppress(OSError):
            _fsync_dir(kept)

    def ping(self) -> None:
        """Raise Transient unless the root is a directory we can create files in."""
        probe = self.root / f"{TEMP_PREFIX}ping-{uuid.uuid4().hex}"
        try:
            if not self.root.is_dir():
                raise NotADirectoryError(f"{self.root} is not a directory")
            probe.touch(exist_ok=False)
            probe.unlink()
        except OSError as exc:
            raise Transient(f"local store {self.url} is not a writable directory: {exc}") from exc
