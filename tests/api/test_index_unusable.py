"""A damaged or foreign search index, met by the API, the web page and `sohoa search`: one clear
line saying to run sohoa reindex (Vietnamese for the visitor), never a traceback; after the
reindex the running API serves again without a restart.

SQLite only, whatever ELASTICSEARCH_URL says: the damage is done to the index file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import INDEX_UNUSABLE, create_app
from core.settings import Settings
from indexing import SqliteIndex, reindex
from storage import open_store, write_package
from tests.indexing.stored import stored_record
from tests.indexing.test_rebuild_safety import not_sqlite_at_all, zero_the_header, zero_the_middle

ROOT = Path(__file__).resolve().parents[2]
DAMAGE: dict[str, Callable[[Path], None]] = {
    "middle pages zeroed": zero_the_middle,
    "header page zeroed": zero_the_header,
    "not an SQLite file": not_sqlite_at_all,
}


def _settings(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    store = open_store(settings.storage_url)
    for i in range(60):
        record, original = stored_record(
            tmp_path, f"qd-{i:02d}", f"Ủy ban nhân dân tỉnh Vĩnh Phúc số {i} " * 30
        )
        write_package(store, record, original)
    with SqliteIndex(_index_path(settings)) as index:
        reindex(store, index)
    return settings


def _index_path(settings: Settings) -> Path:
    return Path("/" + settings.index_url.removeprefix("sqlite://").lstrip("/"))


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_the_api_says_in_vietnamese_to_reindex_and_serves_again_after(
    damage: Callable[[Path], None], tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    damage(_index_path(settings))
    with TestClient(create_app(settings)) as client:
        answer = client.get("/search", params={"q": "vĩnh phúc"})
        assert (answer.status_code, answer.json()) == (503, {"detail": INDEX_UNUSABLE})
        page = client.get("/", params={"q": "vĩnh phúc"})
        assert page.status_code == 503 and INDEX_UNUSABLE in page.text and "Traceback" not in page.text

        with SqliteIndex(_index_path(settings)) as index:  # sohoa reindex, from another process
            reindex(open_store(settings.storage_url), index)
        answer = client.get("/search", params={"q": "vĩnh phúc"})
        assert answer.status_code == 200 and answer.json()["total"] == 60


def test_sohoa_search_says_in_one_line_to_reindex(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    zero_the_middle(_index_path(settings))
    env = {**os.environ, "SOHOA_HOME": str(settings.home), "PYTHONPATH": str(ROOT), "COLUMNS": "60"}
    env.pop("SOHOA_INDEX", None)
    env.pop("SOHOA_STORAGE", None)
    done = subprocess.run(
        [sys.executable, "-c", "from cli.main import run; run()", "search", "vĩnh phúc"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.endswith(": run sohoa reindex\n") and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: search index ") and "Traceback" not in done.stderr
