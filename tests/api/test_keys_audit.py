"""API keys (hashed at rest, revocable) and the append-only, hash-chained access log."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from api.key_store import KeyStore
from application.access_log import AuditLog, read_entries, verify_chain


def test_keys_are_stored_hashed_and_revocable(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    key, token = store.create("archivist", "Minh")
    assert token not in (tmp_path / "keys.json").read_text()
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
    assert store.lookup(token).id == key.id
    assert store.lookup(token + "x") is None and store.lookup("") is None
    # another process (the CLI) revokes it: the running store sees it at once
    KeyStore(tmp_path / "keys.json").revoke(key.id)
    assert store.lookup(token) is None
    with pytest.raises(KeyError):
        store.revoke(key.id)
    with pytest.raises(ValueError, match="role"):
        store.create("admin")  # type: ignore[arg-type]


def _append(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append(who=f"w{i}", role="staff", action="record", records=[f"r{i}"], client="127.0.0.1")


def test_audit_log_is_a_chain_that_shows_tampering(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "access.jsonl"
    log = AuditLog(path)
    threads = [threading.Thread(target=_append, args=(log, 20)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _append(AuditLog(path), 5)  # a second writer on the same file
    entries = list(read_entries(path))
    assert len(entries) == 85 and verify_chain(path) is None
    assert {"at", "who", "role", "action", "records", "from", "prev"} <= set(entries[0])

    lines = path.read_bytes().splitlines(keepends=True)
    edited = json.loads(lines[10])
    edited["records"] = ["someone-else"]
    lines[10] = json.dumps(edited, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    assert verify_chain(path) == 12  # the line after the edited one no longer matches

    path.write_bytes(b"".join(lines[:5] + lines[6:]))  # a line removed
    assert verify_chain(path) == 6
