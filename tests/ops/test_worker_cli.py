"""`sohoa worker` and `sohoa schedule` refuse to run without a Prefect server, saying what to do."""

from __future__ import annotations

import typer
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

from cli.ops_commands import schedule_app, worker


def test_worker_and_schedules_need_a_server(tmp_path) -> None:
    app = typer.Typer()
    app.add_typer(schedule_app)
    app.command()(worker)
    runner = CliRunner()
    with temporary_settings(updates={PREFECT_API_URL: None}):
        started = runner.invoke(app, ["worker", "--name", "w"])
        listed = runner.invoke(app, ["schedule", "list"])
    assert started.exit_code == 2 and listed.exit_code == 2
    assert "prefect server start" in " ".join(started.output.split())
