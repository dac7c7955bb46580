"""Object keys: '/'-separated relative paths that can never escape a store's root.

Every backend validates keys here, so a key means the same object on disk and in S3.
"""

from __future__ import annotations

import re

__all__ = ["MAX_KEY_BYTES", "TEMP_PREFIX", "check_key", "check_prefix"]

MAX_KEY_BYTES = 1024  # the S3 limit; far below any file system path limit
TEMP_PREFIX = ".~tmp-"  # reserved for a backend's partial writes; never a key segment
_FORBIDDEN = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")  # control characters, surrogates


def _check_text(key: str, what: str) -> None:
    if not isinstance(key, str):
        raise TypeError(f"{what} must be a str, not {type(key).__name__}")
    if key.startswith("/"):
        raise ValueError(f"{what} must be relative: {key!r}")
    if "\\" in key:
        raise ValueError(f"{what} must not contain a backslash: {key!r}")
    if _FORBIDDEN.search(key):
        raise ValueError(f"{what} must not contain control characters or surrogates: {key!r}")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"{what} is longer than {MAX_KEY_BYTES} bytes: {key[:80]!r}...")


def _check_segment(segment: str, key: str) -> None:
    if segment in ("", ".", ".."):
        raise ValueError(f"empty, '.' or '..' segment in key {key!r}")
    if segment.startswith(TEMP_PREFIX):
        raise ValueError(f"key segment {segment!r} uses the reserved prefix {TEMP_PREFIX!r}")
    if len(segment.encode()) > 255:
        raise ValueError(f"key segment longer than 255 bytes in {key[:80]!r}...")


def check_key(key: str) -> str:
    """Return `key` unchanged if it is a safe object key, else raise ValueError."""
    _check_text(key, "key")
    if not key:
        raise ValueError("key must not be empty")
    for segment in key.split("/"):
        _check_segment(segment, key)
    return key


def check_prefix(prefix: str) -> str:
    """Return a list prefix unchanged if safe: '' or a key, possibly ending in '/' or mid-segment.

    Only the complete segments (those followed by '/') are checked as key segments; the last,
    partial one only filters names and never names a directory to walk into.
    """
    _check_text(prefix, "prefix")
    for segment in prefix.split("/")[:-1]:
        _check_segment(segment, prefix)
    return prefix
