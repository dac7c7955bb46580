"""Safe file names for stored originals: the source name kept readable, every trick removed."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["safe_name"]

_MAX_BYTES = 150  # well under the 255-byte file name limit, leaving room for S3 key prefixes
_MAX_SUFFIX = 16
_DROP = {"Zl", "Zp"}  # line/paragraph separators; all of category C (control, format...) too
_SPACES = re.compile(r"\s+")


def _visible(char: str) -> str:
    category = unicodedata.category(char)
    if category.startswith("C") or category in _DROP:
        return ""
    return " " if category == "Zs" else char


def _cap(name: str, max_bytes: int) -> str:
    """Shorten to `max_bytes` UTF-8 bytes, keeping a short extension ('.pdf') intact."""
    if len(name.encode()) <= max_bytes:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > _MAX_SUFFIX or " " in suffix:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    budget = max_bytes - len(suffix.encode())
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def safe_name(source: str, *, default: str = "original", max_bytes: int = _MAX_BYTES) -> str:
    """The base name of `source` as one safe path segment.

    Directories are dropped ('../../etc/passwd' -> 'passwd', 'C:\\scan\\a.pdf' -> 'a.pdf'),
    control and format characters removed, spaces collapsed, leading/trailing dots and
    spaces stripped (no hidden or '..' names), NFC, at most `max_bytes` UTF-8 bytes.
    Unicode letters are kept: 'Quyết định.pdf' stays 'Quyết định.pdf'. Empty -> `default`.
    """
    parts = [p for p in source.replace("\\", "/").split("/") if p.strip(" .")]
    name = unicodedata.normalize("NFC", parts[-1] if parts else "")
    name = "".join(_visible(c) for c in name)
    name = _SPACES.sub(" ", name).strip(" .")
    name = unicodedata.normalize("NFC", _cap(name, max_bytes)).strip(" .")
    return name or default
