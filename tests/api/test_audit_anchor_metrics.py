"""/metrics shows the access log's end and its anchor in the store, so a log cut or rewritten
between two anchors is visible to the archivist before the next `sohoa verify`."""

from __future__ import annotations

import re

import api.prometheus
from application.access_log import audit_path
from storage.audit_chain import check_and_anchor, read_chain
from tests.api.conftest import Archive, Keys


def _gauge(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, name
    return float(match.group(1))


def test_metrics_show_the_log_end_and_its_anchor(client, archive: Archive, keys: Keys, monkeypatch) -> None:
    monkeypatch.setattr(api.prometheus, "CACHE_SECONDS", 0.0)
    record = archive.records["conditional"]
    for _ in range(3):
        assert client.get(f"/records/{record.id}", headers=keys.headers("staff")).status_code == 200
    log = audit_path(archive.settings)
    anchored = check_and_anchor(archive.services.store, log, by="test").anchored
    assert anchored is not None and anchored.lines == 3

    text = client.get("/metrics", headers=keys.headers("archivist")).text
    assert _gauge(text, "sohoa_access_log_lines") == 3 and _gauge(text, "sohoa_access_log_anchor_lines") == 3
    assert _gauge(text, "sohoa_access_log_chain_ok") == 1
    assert f'last_hash="{read_chain(log).last_hash}"' in text and f'anchor_hash="{anchored.hash}"' in text

    log.write_bytes(b"".join(log.read_bytes().splitlines(keepends=True)[:2]))  # cut the last line
    text = client.get("/metrics", headers=keys.headers("archivist")).text
    assert _gauge(text, "sohoa_access_log_lines") == 2 and _gauge(text, "sohoa_access_log_anchor_lines") == 3
    assert _gauge(text, "sohoa_access_log_chain_ok") == 0
