"""Kill `sohoa ingest` mid-batch (SIGKILL), run the batch again: each file ingested exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from application.batches import load_report
from core.settings import load_settings
from indexing import open_index
from storage import iter_quarantined, iter_record_ids, open_store
from storage.fixity import verify
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

FILES = 5
BATCH = "resume-me"


def _env(home: Path) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_API"))}
    env.update(SOHOA_HOME=str(home), SOHOA_WORKERS="1", PREFECT_API_URL=PREFECT_API_URL.value())
    return env


def _ingest(folder: Path, env: dict[str, str]) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("sohoa")
    return subprocess.Popen(
        [str(exe), "ingest", str(folder), "--batch", BATCH, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes every child with it
    )


def _wait_for_first_commit(records: Path, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(records.glob("*/*/*/*/inventory.json")):  # an OCFL object committed
            return
        if process.poll() is not None:
            pytest.fail(f"sohoa ingest ended before the kill: {process.communicate()[1][-2000:]}")
        time.sleep(0.02)
    pytest.fail("no record was committed in time")


def test_killed_batch_resumes_without_loss_or_double(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    small_pages(folder, FILES)
    home = tmp_path / "home"
    env = _env(home)

    first = _ingest(folder, env)
    _wait_for_first_commit(home / "store" / "ocfl", first)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    store = open_store(load_settings(home=home).storage_url)
    committed_at_kill = set(iter_record_ids(store))
    assert 1 <= len(committed_at_kill) < FILES, "killed in the middle of the batch"

    second = _ingest(folder, env)
    out, errors = second.communicate(timeout=600)
    assert second.returncode == 0, errors[-3000:]
    summary = json.loads(out)
    assert len(summary["ingested"]) + len(summary["duplicates"]) == FILES
    assert {d["id"] for d in summary["duplicates"]} <= committed_at_kill

    ids = set(iter_record_ids(store))
    assert len(ids) == FILES, "one package per file"
    assert not list(iter_quarantined(store)), "nothing that was fine is quarantined"
    folders = list((home / "store" / "ocfl").glob("*/*/*/*"))
    assert all((p / "inventory.json").is_file() for p in folders), "no partial package left"
    assert {p.name.rsplit("%3a", 1)[1] for p in folders} == ids
    assert verify(store).ok, "no interrupted version left either"
    index = open_index(load_settings(home=home).index_url)
    assert index.count() == FILES and all(index.has(i) for i in ids)

    report = load_report(store, BATCH)  # one report for the batch over both runs
    assert report.counts["ingested"] == FILES and report.counts["duplicate"] == 0
    assert report.pages == FILES
