"""Quarantine: bad inputs kept with a reason a person can act on, never lost.

    quarantine/<sha256 or uuid>/original/<safe name>   the file, byte-identical (if readable)
    quarantine/<sha256 or uuid>/reason.json            {path, name, reason, batch, at, sha256,
                                                        size, original}, written LAST

(the names: storage/layout.py)

An entry's id is the sha256 of the file, so the same bytes quarantined twice are one entry
(the first one is kept). A file that cannot be read gets a uuid derived from its path instead:
its reason says why no bytes were stored, and a rerun of the same batch still adds no entry.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from storage.base import ObjectStore
from storage.hashing import sha256_file
from storage.jsonfile import json_bytes
from storage.layout import QUARANTINE, REASON_FILE, original_name

__all__ = ["QUARANTINE", "iter_quarantined", "quarantine"]


def _unreadable_id(path: Path) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, path.absolute().as_uri()).hex


def _not_read(reason: str, why: OSError | str) -> str:
    if isinstance(why, OSError):
        why = why.strerror or str(why)
    return f"{reason} (the file could not be read, no copy kept: {why})"


def _keep_copy(store: ObjectStore, key: str, path: Path) -> bool:
    """Copy the file; False when it vanished or became unreadable meanwhile."""
    try:
        store.put_file(key, path)
    except OSError:
        if os.access(path, os.R_OK) and path.is_file():
            raise  # the source is fine: the store failed
        return False
    return True


def quarantine(
    store: ObjectStore,
    path: Path,
    reason: str,
    *,
    batch: str | None,
    keep_copy: bool = True,
    secret: bool = False,
) -> str:
    """Keep `path` aside with `reason`; return the entry's key prefix ('quarantine/<id>').

    Without `keep_copy` only the reason is stored (the file stays where it is); the reason must
    say so. `secret` (a page of it showed a secrecy mark): no copy and not its name or path
    either (a secret's file name may tell its subject): the entry names it by its sha256.
    """
    keep_copy = keep_copy and not secret
    path = Path(path)
    size: int | None = None
    digest: str | None = None
    try:
        info = path.stat()
        if stat.S_ISREG(info.st_mode):  # never read a pipe or device: it may block forever
            size, digest = info.st_size, sha256_file(path)
        else:
            reason = _not_read(reason, "not a regular file")
    except OSError as exc:
        reason = _not_read(reason, exc)
    prefix = f"{QUARANTINE}/{digest or _unreadable_id(path)}"
    if store.exists(f"{prefix}/{REASON_FILE}"):
        return prefix  # quarantined before: keep the first entry
    original: str | None = original_name(path.name) if digest and keep_copy else None
    if original and not _keep_copy(store, f"{prefix}/{original}", path):
        original = None
        reason = f"{reason} (the file vanished while being copied, no copy kept)"
    entry = {
        "path": None if secret else str(path),
        "name": None if secret else path.name,
        "reason": reason,
        "batch": batch,
        "at": datetime.now(UTC).isoformat(),
        "sha256": digest,
        "size": size,
        "original": original,
    }
    store.put_bytes(f"{prefix}/{REASON_FILE}", json_bytes(entry))
    return prefix


def iter_quarantined(store: ObjectStore) -> Iterator[dict]:
    """Every quarantine entry (its reason.json plus 'key', the entry's prefix), by id."""
    for key in store.list(f"{QUARANTINE}/"):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == REASON_FILE:
            entry = json.loads(store.get_bytes(key))
            entry["key"] = f"{QUARANTINE}/{parts[1]}"
            yield entry
