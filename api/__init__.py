"""The search API and web page: FastAPI app, roles and keys, masking, audit log, review queue."""

from api.access import Caller, Role, Scope, can_read, restrict, scope_for
from api.app import create_app
from api.keys import KeyStore, keys_path
from api.masking import mask_text
from api.searching import Found, SearchParams, search_as

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
