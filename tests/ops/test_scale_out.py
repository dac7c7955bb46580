"""Scale-out on one machine: a real Prefect server, two workers, one batch shared between them.

Every document of the batch is its own flow run on the work pool; the server hands each run to
exactly one worker. Slow (a server and three Python processes start): `pytest -m slow`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.config import load_settings
from storage import iter_record_ids, open_store, read_record
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.slow]

FILES = 6
POOL = "scale-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`prefect server start` on 127.0.0.1 and a random port, with its own PREFECT_HOME."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SOHOA_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    prefect = str(Path(sys.executable).with_name("prefect"))
    log = tmp_path / "server.log"
    process = _start([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(api, process, log)
        yield env | {"PREFECT_API_URL": api, "SOHOA_HOME": str(tmp_path / "sohoa-home")}
    finally:
        _stop(process)


WORKER = (
    "from sohoa.worker import run_worker; import sys; run_worker(pool=sys.argv[1], name=sys.argv[2], limit=1)"
)
COORDINATOR = """
import json, sys
from prefect.deployments import run_deployment
from flows import ingest_batch_spread
from sohoa.schedules import add_schedule

scans, drop, pool = sys.argv[1:4]
summary = ingest_batch_spread([scans], batch="spread", pool=pool, poll_seconds=0.5)
add_schedule("night", drop, "0 22 * * *", pool=pool, settle_seconds=0.5)
run = run_deployment("ingest-drop-folder/night", timeout=180, poll_interval=1, as_subflow=False)
print(json.dumps({"summary": summary.model_dump(mode="json"), "drop": run.state.type.value}))
"""


def test_two_workers_share_one_batch(server: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "shared-scans"  # what a shared network folder is to several machines
    small_pages(folder, FILES)
    drop = tmp_path / "drop"  # a scheduled drop folder, run by a worker like any deployment
    small_pages(drop, 1, prefix="dropped")
    env = server | {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"}
    workers = [
        _start([sys.executable, "-c", WORKER, POOL, name], env, tmp_path / f"{name}.log")
        for name in ("w1", "w2")
    ]
    try:
        done = subprocess.run(
            [sys.executable, "-c", COORDINATOR, str(folder), str(drop), POOL],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        for worker in workers:
            _stop(worker)
    logs = {p.name: p.read_text()[-1500:] for p in tmp_path.glob("w*.log")}
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{logs}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    summary = result["summary"]
    assert Counter(o["status"] for o in summary["outcomes"]) == {"ingested": FILES}, "no document done twice"

    assert result["drop"] == "COMPLETED", logs

    store = open_store(load_settings(home=Path(server["SOHOA_HOME"])).storage_url)
    done_by: dict[str, set[str]] = {}
    for record_id in iter_record_ids(store):
        [event] = [e for e in read_record(store, record_id, with_words=False).events if e.step == "ingest"]
        done_by.setdefault(str(event.parameters["worker"]), set()).add(event.detail)
    assert set(done_by) == {"w1", "w2"}, f"both workers took part: {done_by}"
    expected = {str(p) for p in [*folder.iterdir(), *drop.iterdir()]}
    assert done_by["w1"] | done_by["w2"] == expected
    assert not done_by["w1"] & done_by["w2"]
