"""`sohoa ingest` when its Prefect server dies mid-batch (the embedded one, killed with SIGKILL).

It says so in one line, prints what was stored (JSON with --json), exits 6 within seconds, and
keeps every document already read: the rerun of the batch does only the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.ops.processes import venv_command
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.slow]

FILES = 12  # enough that the batch is still going when the server is killed, on an idle machine too


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SOHOA_"))}
    return env | {
        "SOHOA_HOME": str(tmp_path / "home"),
        "SOHOA_WORKERS": "1",
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "DO_NOT_TRACK": "1",
    }


def _embedded_server(ingest: subprocess.Popen) -> psutil.Process | None:
    for child in psutil.Process(ingest.pid).children(recursive=True):
        if "prefect.server.api.server:create_app" in " ".join(child.cmdline()):
            return child
    return None


def _ingest(folder: Path) -> list[str]:
    return [venv_command("sohoa"), "ingest", str(folder), "--json", "--batch", "lost"]


def test_losing_the_embedded_server_mid_batch(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    small_pages(folder, FILES)
    env = _env(tmp_path)
    outcomes = tmp_path / "home" / "store" / "batches" / "lost" / "outcomes"
    ingest = subprocess.Popen(
        _ingest(folder), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 150
        while not (outcomes.is_dir() and any(outcomes.iterdir())):  # the first document is stored
            assert ingest.poll() is None and time.monotonic() < deadline, ingest.communicate()
            time.sleep(0.2)
        server = _embedded_server(ingest)
        assert server is not None, "sohoa ingest runs its own Prefect server"
        server.kill()
        killed = time.monotonic()
        out, err = ingest.communicate(timeout=60)
        took = time.monotonic() - killed
    finally:
        if ingest.poll() is None:
            ingest.kill()
    assert ingest.returncode == 6, err
    assert took < 30, f"stopped {took:.0f} s after the server died"
    [line] = err.strip().splitlines()
    assert line.startswith("error: the Prefect API at http://127.0.0.1:") and "stopped answering" in line
    assert "--batch lost" in line and "Traceback" not in err
    kept = json.loads(out)
    stored = {o["path"] for o in kept["ingested"]}
    assert 1 <= len(stored) < FILES, kept
    objects = list((tmp_path / "home" / "store" / "ocfl").glob("*/*/*/*"))  # OCFL object folders
    assert len(objects) == len(stored), "what was read is stored, nothing half-done"
    assert all((folder / "inventory.json").is_file() for folder in objects), "every one committed"

    again = subprocess.run(_ingest(folder), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = json.loads(again.stdout)
    assert {o["path"] for o in rerun["duplicates"]} == stored, "the rerun does not read them again"
    assert len(rerun["ingested"]) == FILES - len(stored)
