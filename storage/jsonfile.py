"""JSON files of the store: UTF-8, readable (non-ASCII kept), exact for any Python str."""

from __future__ import annotations

import json

__all__ = ["json_bytes"]


def json_bytes(value: object, *, indent: int | None = 2) -> bytes:
    """Serialise `value` as UTF-8 JSON; Vietnamese text stays readable.

    A lone surrogate (a file name that was not valid UTF-8) becomes a JSON escape (\\udcff),
    so the file stays valid UTF-8 and json.loads gives back the very same str.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return (text + "\n").encode("utf-8", errors="backslashreplace")
