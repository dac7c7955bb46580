"""OCR fan-out over Dask: with SOHOA_DASK_ADDRESS, `sohoa ingest` sends each document to a Dask
worker (prefect-dask), while the Prefect server still records every task run.

On one machine: a real Prefect server, a `dask scheduler` and two `dask worker` processes, then
`sohoa ingest` as operators run it. Slow (five processes start): `pytest -m slow`.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ops.processes import documents_by_worker, free_port, prefect_server, start, stop, venv_command
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.slow]

PAGES = 4
DASK_WORKERS = ("dask-1", "dask-2")
Cluster = tuple[str, dict[str, str], list[str]]  # scheduler address, environment, workers' HTTP


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A Prefect server, a Dask scheduler and two single-thread Dask workers that know the server.

    Yields the scheduler's address, the environment of the Prefect server's clients and the
    workers' HTTP addresses (their /metrics is Prometheus's, with sohoa's counters in it)."""
    from distributed import Client

    with prefect_server(tmp_path) as env:
        address = f"tcp://127.0.0.1:{free_port()}"
        dask = venv_command("dask")
        scheduler_args = [dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1]]
        processes = [start([*scheduler_args, "--no-dashboard"], env, tmp_path / "scheduler.log")]
        http = [f"127.0.0.1:{free_port()}" for _ in DASK_WORKERS]
        for name, dashboard in zip(DASK_WORKERS, http, strict=True):
            worker_args = [dask, "worker", address, "--name", name, "--nthreads", "1"]
            worker_args += ["--dashboard-address", dashboard, "--local-directory", str(tmp_path / name)]
            # Each Dask worker names itself in the provenance of the records it makes.
            worker_env = env | {"SOHOA_WORKER_NAME": name}
            processes.append(start(worker_args, worker_env, tmp_path / f"{name}.log"))
        try:
            with Client(address, timeout=60) as client:
                client.wait_for_workers(len(DASK_WORKERS), timeout=120)
            yield address, env, http
        finally:
            for process in reversed(processes):
                stop(process)


def _task_run_states(api: str) -> Counter[str]:
    """State of every `ingest …` task run the Prefect server knows."""
    runs = httpx.post(f"{api}/task_runs/filter", json={"limit": 200}, timeout=30).raise_for_status().json()
    return Counter(run["state_type"] for run in runs if run["name"].startswith("ingest "))


def _pages_counted(http: str) -> float:
    """sohoa_ingest_pages_total on a Dask worker's Prometheus endpoint."""
    text = httpx.get(f"http://{http}/metrics", timeout=10).raise_for_status().text
    found = re.search(r"^sohoa_ingest_pages_total (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_ingest_fans_documents_out_over_dask(dask_cluster: Cluster, tmp_path: Path) -> None:
    address, env, http = dask_cluster
    folder = tmp_path / "scans"
    pages = small_pages(folder, PAGES)
    (folder / "empty.pdf").write_bytes(b"")  # bad input on a Dask worker: quarantined, batch goes on

    done = subprocess.run(
        [venv_command("sohoa"), "ingest", str(folder), "--json", "--batch", "dask"],
        env=env | {"SOHOA_DASK_ADDRESS": address},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    logs = {p.name: p.read_text()[-1500:] for p in tmp_path.glob("*.log")}
    assert done.returncode == 3, f"{done.stderr[-3000:]}\n{logs}"  # 3: some files quarantined
    summary = json.loads(done.stdout)
    assert {o["path"] for o in summary["ingested"]} == {str(p) for p in pages}
    assert [o["path"] for o in summary["quarantined"]] == [str(folder / "empty.pdf")]
    assert not summary["failed"] and not summary["duplicates"] and not summary["near_duplicates"]

    done_by = documents_by_worker(env["SOHOA_HOME"])
    assert set(done_by) == set(DASK_WORKERS), f"both Dask workers did documents, nothing else: {done_by}"
    assert set.union(*done_by.values()) == {str(p) for p in pages}
    assert not done_by["dask-1"] & done_by["dask-2"], "no document done twice"
    assert _task_run_states(env["PREFECT_API_URL"]) == {"COMPLETED": PAGES + 1}, "Prefect saw every task run"
    # Each Dask worker serves sohoa's metrics with its own: the pages it read.
    counted = {name: _pages_counted(where) for name, where in zip(DASK_WORKERS, http, strict=True)}
    assert counted == {name: len(done_by[name]) for name in DASK_WORKERS}
