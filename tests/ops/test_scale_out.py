"""Scale-out on one machine: a real Prefect server, two workers, one batch shared between them.

Every document of the batch is its own flow run on the work pool; the server hands each run to
exactly one worker. Slow (a server and three Python processes start): `pytest -m slow`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.processes import documents_by_worker, prefect_server, start, stop
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.slow]

FILES = 6
POOL = "scale-demo"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    with prefect_server(tmp_path) as env:
        yield env


WORKER = (
    "import logging, sys; logging.basicConfig(level=logging.INFO); from cli.worker import run_worker; "
    "run_worker(pool=sys.argv[1], name=sys.argv[2], limit=1)"
)
COORDINATOR = """
import json, sys
from prefect.deployments import run_deployment
from flows import ingest_batch_spread
from flows.schedules import add_schedule

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
        start([sys.executable, "-c", WORKER, POOL, name], env, tmp_path / f"{name}.log")
        for name in ("w1", "w2")
    ]
    try:
        for name in ("w1", "w2"):  # both polling before the batch is sent (a slow start took none)
            _wait_for(tmp_path / f"{name}.log", f"worker {name} started")
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
            stop(worker)
    logs = {p.name: p.read_text()[-1500:] for p in tmp_path.glob("w*.log")}
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{logs}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    summary = result["summary"]
    assert Counter(o["status"] for o in summary["outcomes"]) == {"ingested": FILES}, "no document done twice"

    assert result["drop"] == "COMPLETED", logs

    done_by = documents_by_worker(server["SOHOA_HOME"])
    assert set(done_by) == {"w1", "w2"}, f"both workers took part: {done_by}"
    expected = {str(p) for p in [*folder.iterdir(), *drop.iterdir()]}
    assert done_by["w1"] | done_by["w2"] == expected
    assert not done_by["w1"] & done_by["w2"]


def _wait_for(log: Path, line: str, timeout: float = 120) -> None:
    """Until the process writing `log` has said `line`."""
    deadline = time.monotonic() + timeout
    while line not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{log.name} never said {line!r}: {log.read_text()[-1500:]}"
        time.sleep(0.2)
