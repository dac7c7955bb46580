"""`sohoa migrate` from the command line, the guard that stops every other command on a store
of the old layout, and the index rebuilt from a migrated store (the old code's store:
tests/fixtures/legacy_store)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.services import build_services
from cli.main import app
from core.settings import load_settings
from indexing.rebuild import reindex
from storage.legacy_layout import OldLayoutError
from tests.support import FIXTURES

LEGACY = FIXTURES / "legacy_store"
REVIEWED = "efc091d8b256c1a2e13951e7a074232b"  # thong-bao-42.png, reviewed by an archivist
VIETNAMESE_NAME = "c808e8758ef35e4b0ff3b7715b20b427"  # Công văn số 7 về đê điều.png

runner = CliRunner()


@pytest.fixture
def legacy_home(sohoa_home: Path) -> Path:
    """SOHOA_HOME whose store (HOME/store) is a copy of the old code's store."""
    shutil.copytree(LEGACY, sohoa_home / "store")
    return sohoa_home


def test_commands_stop_on_an_old_store_until_it_is_migrated(legacy_home: Path) -> None:
    for args in (["search", "quyết định"], ["show", REVIEWED], ["verify"], ["dossier", "list"], ["reindex"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "run `sohoa migrate`" in result.output and "old layout" in result.output
    ocr_help = runner.invoke(app, ["ocr", "--help"])  # a command that does not use the store runs
    assert ocr_help.exit_code == 0
    with pytest.raises(OldLayoutError, match="sohoa migrate"):  # what the API, flows and workers open
        build_services(load_settings())

    result = runner.invoke(app, ["migrate", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["old_packages"] == "deleted"
    assert report["records"] == {"found": 6, "migrated": 6, "skipped": 0, "damaged": 0}
    assert report["dossiers"]["migrated"] == 1

    shown = runner.invoke(app, ["show", REVIEWED, "--json"])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert record["classification"]["access"] == "conditional"  # the archivist's decision, kept
    assert [v["message"] for v in record["versions"]] == ["migrated from the sohoa package layout"]
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    verified = runner.invoke(app, ["verify"])  # its first line counts the dossier too
    assert verified.exit_code == 0 and ": 6 records, 1 dossiers, 1 quarantine entries," in verified.output


def test_the_guard_speaks_from_a_real_process_and_migrate_says_what_is_damaged(legacy_home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-c", "from cli.main import run; run()", "search", "x"]
    searched = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert searched.returncode == 2
    assert "run `sohoa migrate`" in searched.stderr
    damaged = (
        legacy_home / "store" / "records" / VIETNAMESE_NAME / "original" / "Công văn số 7 về đê điều.png"
    )
    damaged.write_bytes(damaged.read_bytes() + b"\x00")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 1
    assert (
        f"damaged: records/{VIETNAMESE_NAME}: original/Công văn số 7 về đê điều.png was changed"
        in result.output
    )
    assert "old packages kept" in result.output
    assert damaged.exists()


def test_reindex_rebuilds_the_index_from_a_migrated_store(legacy_home: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    services = build_services(load_settings())
    try:
        report = reindex(services.store, services.index)
    finally:
        services.close()
    assert report.ok and (report.records, report.indexed) == (6, 6)
    found = runner.invoke(app, ["search", "đê điều", "--json"])
    assert found.exit_code == 0, found.output
    assert [hit["id"] for hit in json.loads(found.stdout)["hits"]] == [VIETNAMESE_NAME]
    found = runner.invoke(app, ["search", "tuyen dung vien chuc", "--json"])
    assert [hit["id"] for hit in json.loads(found.stdout)["hits"]] == [REVIEWED]
