"""Real services as child processes for the scale-out tests (a Prefect server, workers), and
who did which document, read back from the records' provenance."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import load_settings
from storage import iter_record_ids, open_store, read_record


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_command(name: str) -> str:
    """A console script of this virtual environment (`prefect`, `dask`, `sohoa`)."""
    return str(Path(sys.executable).with_name(name))


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `args` in its own process group, output to `log`."""
    with log.open("w") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL after 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"prefect server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail("prefect server did not become healthy")


@contextmanager
def prefect_server(folder: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` on 127.0.0.1 and a random port, with its own PREFECT_HOME.

    Yields the environment for processes that use it (PREFECT_API_URL, and SOHOA_HOME in
    `folder`), built from this one without its PREFECT_* and SOHOA_* variables.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SOHOA_"))}
    env.update(
        PREFECT_HOME=str(folder / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    log = folder / "server.log"
    args = [venv_command("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = start(args, env, log)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(api, process, log)
        yield env | {"PREFECT_API_URL": api, "SOHOA_HOME": str(folder / "sohoa-home")}
    finally:
        stop(process)


def documents_by_worker(sohoa_home: str) -> dict[str, set[str]]:
    """Worker name → the source paths it ingested, from each record's ingest event."""
    store = open_store(load_settings(home=Path(sohoa_home)).storage_url)
    done_by: dict[str, set[str]] = {}
    for record_id in iter_record_ids(store):
        [event] = [e for e in read_record(store, record_id, with_words=False).events if e.step == "ingest"]
        done_by.setdefault(str(event.parameters["worker"]), set()).add(event.detail)
    return done_by
