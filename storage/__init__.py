"""Storage: the record packages (OCFL objects, the source of truth), quarantine, and the
object-store backends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from storage.base import ObjectStore
from storage.hashing import sha256_file
from storage.legacy_layout import check_layout
from storage.local import LocalStore
from storage.names import safe_name
from storage.object_keys import check_key
from storage.package import (
    HELD_STEP,
    is_held,
    iter_record_ids,
    original_key,
    package_exists,
    read_manifest,
    read_package_bytes,
    read_record,
    record_versions,
    update_record,
    write_catalogue,
    write_package,
)
from storage.quarantine import iter_quarantined, quarantine

if TYPE_CHECKING:
    from storage.s3 import S3Options, S3SetupError, S3Store

__all__ = [
    "HELD_STEP",
    "LocalStore",
    "ObjectStore",
    "S3Options",
    "S3SetupError",
    "S3Store",
    "check_key",
    "check_store_layout",
    "is_held",
    "iter_quarantined",
    "iter_record_ids",
    "open_store",
    "original_key",
    "package_exists",
    "quarantine",
    "read_manifest",
    "read_package_bytes",
    "read_record",
    "record_versions",
    "safe_name",
    "sha256_file",
    "update_record",
    "write_catalogue",
    "write_package",
]


_S3_NAMES = ("S3Options", "S3SetupError", "S3Store")


def __getattr__(name: str) -> object:
    """The S3 names, imported on first use: boto3 takes ~0.2 s to import."""
    if name in _S3_NAMES:
        import storage.s3

        return getattr(storage.s3, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _local_path(url: str) -> Path:
    if not url.startswith("file:"):
        return Path(url)
    parsed = urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        raise ValueError(f"file URL with a remote host is not supported: {url}")
    return Path(unquote(parsed.path))


def open_store(url: str, *, old_layout_ok: bool = False) -> ObjectStore:
    """The store at `url`: a directory path or file:// URL (created if missing), or s3://.

    s3://bucket/prefix takes its endpoint, region and credentials from the usual AWS variables
    (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for MinIO); the bucket must exist.

    OldLayoutError (storage/legacy_layout.py) when it holds packages in the layout before OCFL,
    unless `old_layout_ok` (`sohoa migrate`, which converts them).
    """
    store = _open(url)
    if not old_layout_ok:
        check_layout(store)
    return store


def check_store_layout(url: str) -> None:
    """OldLayoutError when the store at `url` holds packages in the layout before OCFL, as
    `open_store` would say; creates nothing (a local store that does not exist holds none)."""
    check_layout(_open(url, create=False))


def _open(url: str, *, create: bool = True) -> ObjectStore:
    if not url:
        raise ValueError("empty storage URL")
    scheme = urlparse(url).scheme.lower()
    if scheme == "s3":
        from storage.s3 import S3Store

        return S3Store.from_url(url)
    if scheme not in ("", "file") and len(scheme) > 1:  # one letter: a Windows drive
        raise ValueError(f"unsupported storage URL scheme {scheme!r}: {url}")
    root = _local_path(url).expanduser()
    if create:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return LocalStore(root)
