"""What an operator sees of a scheduled drop folder: a real Prefect server, `sohoa worker`.

A schedule's run over two good pages and an empty file ends in "Completed with problems" with
the counts as message (a clean batch ends "Completed": tests/flows/test_batch_report_flow.py),
and the drop-folder run (the one the schedule made) carries the batch summary and a link to the
batch's own run. The worker's log at default verbosity is a start line, one line per file, one per
batch and a stop line; nothing it opens listens beyond 127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.ops.processes import free_port, prefect_server, start, stop, venv_command
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.slow]

POOL = "operator-day"
SCHEDULE = "drop-test"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    with prefect_server(tmp_path) as env:
        yield env


@contextmanager
def _api(env: dict[str, str]) -> Iterator[None]:
    """This process talks to the test's Prefect server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        yield


def _run_schedule() -> dict[str, str]:
    """What the scheduler does at the cron time, now: a run of the schedule's deployment."""
    from prefect.deployments import run_deployment

    run = run_deployment(f"ingest-drop-folder/{SCHEDULE}", timeout=150, poll_interval=1, as_subflow=False)
    return {
        "id": str(run.id),
        "type": run.state.type.value,
        "name": run.state.name,
        "message": run.state.message,
    }


def _listening(pid: int) -> set[str]:
    """Addresses the process and its children listen on (TCP)."""
    pids = {pid} | {c.pid for c in psutil.Process(pid).children(recursive=True)}
    return {
        c.laddr.ip
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.pid in pids
    }


def _wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail(f"nothing listens on 127.0.0.1:{port}")


def _logs(flow_run_id: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))


def _artifacts(flow_run_id: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def test_a_scheduled_batch_with_a_damaged_file_is_told_apart(server: dict[str, str], tmp_path: Path) -> None:
    from flows.schedules import add_schedule

    drop = tmp_path / "drop"
    small_pages(drop, 2)
    (drop / "empty.pdf").write_bytes(b"")
    env = server | {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"}
    port = free_port()
    worker = start(
        [venv_command("sohoa"), "worker", "--pool", POOL, "--name", "w1", "--metrics-port", str(port)],
        env,
        tmp_path / "worker.log",
    )
    try:
        with _api(server):
            add_schedule(SCHEDULE, drop, "0 3 1 1 *", pool=POOL, settle_seconds=0.5)  # not due now
            _wait_for_port(port)
            run = _run_schedule()
            listening = _listening(worker.pid)
            summary = [a for a in _artifacts(run["id"]) if a.type == "markdown"]
            child_id = (
                re.search(r"/runs/flow-run/([0-9a-f-]{36})", summary[0].data).group(1) if summary else ""
            )
            child = {a.type: a for a in _artifacts(child_id)} if child_id else {}
            logged = [entry.message for entry in _logs(run["id"])]
    finally:
        stop(worker)  # SIGTERM, as systemd and Docker stop it
    log = (tmp_path / "worker.log").read_text().splitlines()

    assert (run["type"], run["name"]) == ("COMPLETED", "Completed with problems"), log
    assert run["message"] == "2 ingested, 0 near-duplicates, 0 duplicates, 1 quarantined, 0 failed"

    [summary] = summary
    assert logged == [f"drop folder {drop}: 3 new files, batch {child['markdown'].description[6:]}"], (
        "the run an operator opens first says what it took"
    )
    assert f"# Batch {SCHEDULE}-" in summary.data, "batches are named after their schedule"
    assert "| quarantined | 1 |" in summary.data and "empty.pdf | quarantined" in summary.data
    assert child["markdown"].key.startswith(f"batch-{SCHEDULE}-"), "the link leads to the batch's run"
    assert child["table"].key == child["markdown"].key + "-problems"

    assert listening == {"127.0.0.1"}, f"metrics and everything else on loopback only: {listening}"

    assert len(log) <= 10, "\n".join(log)
    assert "started: pool operator-day" in log[0] and log[-1].endswith("worker w1 stopped")
    assert not [line for line in log if "httpx" in line or "HTTP Request" in line]
    outcomes = [line for line in log if re.search(r"\]: (ingested|quarantined|duplicate|failed) ", line)]
    assert len(outcomes) == 3, "one line per file outcome"
    assert all(re.search(r"\[file=\S+ record=\S+ page=\S+\]", line) for line in outcomes)
    assert any("[file=empty.pdf record=- page=-]: quarantined" in line for line in outcomes)
