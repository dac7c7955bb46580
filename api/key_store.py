"""API keys for staff, archivists and metrics scrapers, stored hashed in one small JSON file under SOHOA_HOME.

A key is shown once, when it is created: "sohoa_<key id>_<secret>". The file keeps its sha256,
never the key itself, so a copy of the file lets nobody in. Lookups compare digests in constant
time. The file is re-read when it changes, so keys created or revoked with the CLI take effect
in a running server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from core.settings import Settings

__all__ = ["KEYS_FILE", "KEY_ROLES", "ApiKey", "KeyRole", "KeyStore", "keys_path"]

KEYS_FILE = "api-keys.json"
PREFIX = "sohoa_"
KeyRole = Literal["staff", "archivist", "metrics"]
KEY_ROLES: tuple[KeyRole, ...] = ("staff", "archivist", "metrics")


def keys_path(settings: Settings) -> Path:
    """Where the API keys of this installation live: SOHOA_HOME/api-keys.json."""
    return Path(settings.home).expanduser().resolve() / KEYS_FILE


class ApiKey(BaseModel):
    id: str
    name: str
    role: KeyRole
    sha256: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class _Snapshot:
    stamp: tuple[int, int] | None
    keys: tuple[ApiKey, ...]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class KeyStore:
    """The keys file: create, list, revoke, and find the key a request presents."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._snapshot = _Snapshot(stamp=None, keys=())

    # -- file ---------------------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _load(self) -> tuple[ApiKey, ...]:
        stamp = self._stamp()
        with self._lock:
            if stamp != self._snapshot.stamp or stamp is None:
                keys: tuple[ApiKey, ...] = ()
                if stamp is not None:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    keys = tuple(ApiKey.model_validate(item) for item in data.get("keys", []))
                self._snapshot = _Snapshot(stamp=stamp, keys=keys)
            return self._snapshot.keys

    def _save(self, keys: list[ApiKey]) -> None:
        """Write atomically, readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"keys": [key.model_dump(mode="json") for key in keys]}
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self.path)

    # -- operations ---------------------------------------------------------------------------

    def all_keys(self) -> list[ApiKey]:
        return list(self._load())

    def create(self, role: KeyRole, name: str = "") -> tuple[ApiKey, str]:
        """A new key: (its record, the key itself — shown once, never stored)."""
        if role not in KEY_ROLES:
            raise ValueError(f"role must be one of {', '.join(KEY_ROLES)}, not {role!r}")
        key_id = secrets.token_hex(4)
        token = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(
            id=key_id,
            name=name.strip() or f"{role}-{key_id}",
            role=role,
            sha256=_digest(token),
            created_at=datetime.now(UTC),
        )
        self._save([*self._load(), record])
        return record, token

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id (or name); KeyError when there is no such active key."""
        keys = list(self._load())
        for index, key in enumerate(keys):
            if key.active and key_id in (key.id, key.name):
                keys[index] = key.model_copy(update={"revoked_at": datetime.now(UTC)})
                self._save(keys)
                return keys[index]
        raise KeyError(key_id)

    def lookup(self, token: str) -> ApiKey | None:
        """The active key `token` is, or None."""
        if not token.startswith(PREFIX):
            return None
        digest = _digest(token)
        found = None
        for key in self._load():
            if hmac.compare_digest(key.sha256, digest) and key.active:
                found = key
        return found
