"""Schedules are Prefect deployments on a process work pool: add, list, update, remove."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.ops_commands import schedule_app
from core.errors import MissingDependency, NotFound

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

POOL = "sohoa-test-pool"


def _deployment(name: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(f"ingest-drop-folder/{name}")


def test_add_creates_a_cron_deployment_on_a_process_pool(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.schedules import add_schedule, list_schedules, remove_schedule

    add_schedule("nightly", tmp_path, "0 22 * * *", pool=POOL, settle_seconds=3.0)
    deployment = _deployment("nightly")
    assert deployment.entrypoint == "flows.drop_folder.ingest_drop_folder"  # importable on any worker
    assert deployment.work_pool_name == POOL
    assert deployment.parameters == {
        "source": str(tmp_path),
        "settle_seconds": 3.0,
        "spread": False,
        "pool": POOL,
        "dossier": False,
    }
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        "0 22 * * *",
        "Asia/Ho_Chi_Minh",
        True,
    )
    with get_client(sync_client=True) as client:
        assert client.read_work_pool(POOL).type == "process"

    add_schedule("nightly", tmp_path, "30 23 * * 1-5", pool=POOL)  # same name: updated in place
    again = _deployment("nightly")
    assert again.id == deployment.id
    assert [s.schedule.cron for s in again.schedules] == ["30 23 * * 1-5"]

    add_schedule("boxes", tmp_path, "0 2 * * *", pool=POOL, dossier=True)  # each entry one hồ sơ
    assert _deployment("boxes").parameters["dossier"] is True
    with pytest.raises(ValueError, match="dossier"):
        add_schedule("boxes", tmp_path, "0 2 * * *", pool=POOL, dossier=True, spread=True)
    remove_schedule("boxes")

    assert [s.name for s in list_schedules()] == ["nightly"]
    remove_schedule("nightly")
    assert list_schedules() == []
    with pytest.raises(NotFound):
        remove_schedule("nightly")


def test_schedule_commands(tmp_path: Path) -> None:
    app = typer.Typer()
    app.add_typer(schedule_app)
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "schedule",
            "add",
            "phong-luu-tru",
            "--source",
            str(tmp_path),
            "--cron",
            "0 22 * * *",
            "--pool",
            POOL,
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["schedule", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    [entry] = json.loads(listed.stdout)
    assert (entry["name"], entry["source"], entry["cron"], entry["pool"]) == (
        "phong-luu-tru",
        str(tmp_path),
        "0 22 * * *",
        POOL,
    )
    assert runner.invoke(app, ["schedule", "remove", "phong-luu-tru"]).exit_code == 0
    assert runner.invoke(app, ["schedule", "remove", "phong-luu-tru"]).exit_code == 4
    bad = runner.invoke(app, ["schedule", "add", "x", "--source", str(tmp_path), "--cron", "every night"])
    assert bad.exit_code == 2
    said = " ".join(bad.output.split())  # pydantic's "1 validation error for CronSchedule … visit https://…"
    assert "Invalid cron string" in said and '"0 22 * * *"' in said, said
    assert "validation error" not in said and "pydantic" not in said, said
    missing = runner.invoke(
        app, ["schedule", "add", "x", "--source", str(tmp_path / "no"), "--cron", "0 1 * * *"]
    )
    assert missing.exit_code == 2


def test_without_a_server_the_message_says_how_to_start_one() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.prefect_server import require_server

    with temporary_settings(updates={PREFECT_API_URL: None}), pytest.raises(MissingDependency) as info:
        require_server()
    assert "prefect server start" in str(info.value)


def test_document_deployment_and_queue_depth() -> None:
    from prefect.deployments import run_deployment

    from flows.ingest import ensure_document_deployment
    from flows.prefect_server import queue_depth

    ensure_document_deployment(POOL)
    assert queue_depth(POOL) == 0
    run_deployment(
        "ingest-document/sohoa-test-pool",
        parameters={"path": "/nowhere.pdf", "batch": "q"},
        timeout=0,
        as_subflow=False,
    )
    assert queue_depth(POOL) == 1  # due, and no worker polls this pool in the tests


def test_the_compose_set_registers_the_inbox_reindex_and_verify_on_the_pool(tmp_path: Path) -> None:
    """`python -m flows.deployments` (service `schedules`): what the compose workers run."""
    from prefect.client.orchestration import get_client

    from flows.deployments import register
    from flows.schedules import remove_schedule

    register(tmp_path, ingest_cron="*/10 * * * *", verify_cron="0 2 * * 0", pool=POOL)
    with get_client(sync_client=True) as client:
        inbox = client.read_deployment_by_name("ingest-drop-folder/inbox")
        reindex = client.read_deployment_by_name("reindex/reindex")
        verify = client.read_deployment_by_name("verify/verify")
    assert inbox.parameters["source"] == str(tmp_path) and inbox.work_pool_name == POOL
    assert [s.schedule.cron for s in inbox.schedules] == ["*/10 * * * *"]
    assert (reindex.entrypoint, reindex.work_pool_name, reindex.schedules) == (
        "flows.reindex.reindex_flow",
        POOL,
        [],
    )
    assert (verify.entrypoint, verify.work_pool_name) == ("flows.verify.verify_flow", POOL)
    [weekly] = verify.schedules
    assert (weekly.schedule.cron, weekly.schedule.timezone) == ("0 2 * * 0", "Asia/Ho_Chi_Minh")
    remove_schedule("inbox")
