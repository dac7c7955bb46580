"""Where a batch's documents run: threads by default, a Dask cluster when configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cloudpickle
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from typer.testing import CliRunner

from cli.main import app
from core.errors import ConfigurationError
from core.settings import load_settings
from flows.ingest import ingest_batch, ingest_document
from flows.runners import check_task_runner, task_runner_for
from tests.ops.processes import free_port
from tests.support import CLEAN_PNG


def test_threads_by_default_sized_by_settings() -> None:
    runner = task_runner_for(load_settings(workers=3))
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == 3


def test_dask_when_an_address_is_set() -> None:
    runner = task_runner_for(load_settings(dask_address="tcp://scheduler:8786"))
    assert isinstance(runner, DaskTaskRunner)
    assert runner.address == "tcp://scheduler:8786"


def test_flow_and_task_survive_the_pickling_dask_does() -> None:
    """Dask falls back to cloudpickle, which pickles a flow's function by value with the globals
    it names: a context variable among them (the CLI's progress hooks) made this fail."""
    for thing in (ingest_batch, ingest_document):
        assert cloudpickle.loads(cloudpickle.dumps(thing)).name == thing.name


def test_dask_without_a_prefect_server_is_refused_before_any_work(
    sohoa_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, ["ingest", str(CLEAN_PNG)])
    assert result.exit_code == 2
    assert "PREFECT_API_URL" in result.output and "prefect server start" in result.output
    assert not (sohoa_home / "store").exists()


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    settings = load_settings(dask_address=f"tcp://127.0.0.1:{free_port()}")
    with (
        temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}),
        pytest.raises(ConfigurationError, match="does not answer"),
    ):
        check_task_runner(settings, timeout_seconds=1)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SOHOA_WORKERS": "3"}, "ThreadPoolTaskRunner 3"),
        ({"SOHOA_DASK_ADDRESS": "tcp://d:8786"}, "DaskTaskRunner"),
    ],
)
def test_deployed_flow_runs_take_their_runner_from_the_workers_environment(
    env: dict[str, str], expected: str
) -> None:
    """A deployment's flow run imports flows.ingest afresh in the worker's environment: the
    batch flow's own task runner follows SOHOA_WORKERS / SOHOA_DASK_ADDRESS there."""
    code = (
        "from flows.ingest import ingest_batch as f; r = f.task_runner; "
        "print(type(r).__name__, getattr(r, '_max_workers', '') or '')"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=clean | env, capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == expected
