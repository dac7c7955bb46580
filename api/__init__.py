"""The search API and web page: FastAPI app, roles and keys, masking, audit log, review queue.

`create_app` is imported on first use, so the CLI's `keys` and `search` do not load FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.key_store import KeyStore, keys_path
from application.access import Caller, Role, Scope, can_read, restrict, scope_for
from application.searching import Found, SearchParams, search_as
from indexing.masking import mask_text

if TYPE_CHECKING:
    from api.app import create_app

__all__ = [
    "Caller",
    "Found",
    "KeyStore",
    "Role",
    "Scope",
    "SearchParams",
    "can_read",
    "create_app",
    "keys_path",
    "mask_text",
    "restrict",
    "scope_for",
    "search_as",
]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
