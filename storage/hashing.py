"""Content hashes of local files, streamed in 1 MiB chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["CHUNK", "sha256_bytes", "sha256_file"]

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes, never holding more than one chunk in memory."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with Path(path).open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
