"""The batch report through Prefect: stored in the store, attached to the flow run, printed by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.ops_commands import report
from core.settings import load_settings
from storage import open_store
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

BATCH = "Lô tối 2025-01-07"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-home")


@pytest.fixture(scope="module")
def ran(home: Path, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None):
    from flows import ingest_batch

    folder = tmp_path_factory.mktemp("report-scans")
    small_pages(folder, 2)
    (folder / "empty.pdf").write_bytes(b"")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOHOA_HOME", str(home))
        state = ingest_batch([str(folder)], batch=BATCH, return_state=True)
    return state


def test_report_is_stored_with_counts_and_reasons(ran, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from application.batches import load_report

    monkeypatch.setenv("SOHOA_HOME", str(home))
    stored = load_report(open_store(load_settings().storage_url), BATCH)
    assert stored.batch == BATCH
    assert stored.counts["ingested"] == 2 and stored.counts["quarantined"] == 1
    assert stored.pages == 2 == stored.run_pages
    assert stored.pages_per_minute and stored.pages_per_minute > 0
    assert 0 < stored.mean_page_quality <= 1
    assert [(Path(q.path).name, q.reason_class) for q in stored.quarantined] == [("empty.pdf", "empty")]


def test_report_is_an_artifact_of_the_flow_run(ran) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    flow_run_id = ran.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    by_type = {a.type: a for a in artifacts}
    assert set(by_type) == {"markdown", "table"}
    assert by_type["markdown"].key == "batch-lo-toi-2025-01-07"
    assert f"# Batch {BATCH}" in by_type["markdown"].data
    assert "| quarantined | 1 |" in by_type["markdown"].data
    table = json.loads(by_type["table"].data)
    assert [(Path(row["file"]).name, row["outcome"]) for row in table] == [("empty.pdf", "quarantined")]
    problems, review = by_type["markdown"].data.split("## Problems")[1].split("## To review")
    assert "empty.pdf | quarantined" in problems and "needs review" not in problems
    assert "needs review" in review, "review items are listed apart from the problems"


def test_a_batch_with_problems_ends_in_a_state_of_its_own(ran) -> None:
    """The runs list tells it from a clean batch: its own state name, the counts as message."""
    from prefect.client.orchestration import get_client

    from flows import ingest_batch

    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(ran.state_details.flow_run_id).state
    assert (stored.type.value, stored.name) == ("COMPLETED", "Completed with problems")
    assert stored.message == "2 ingested, 0 near-duplicates, 0 duplicates, 1 quarantined, 0 failed"
    clean = ingest_batch([], batch="nothing to do", return_state=True)
    assert (clean.name, clean.message) == (
        "Completed",
        "0 ingested, 0 near-duplicates, 0 duplicates, 0 quarantined, 0 failed",
    )


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(report)
    app.command("noop")(lambda: None)  # two commands: typer keeps `report` as a sub-command
    return app


def test_report_command_json_and_human(ran, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_HOME", str(home))
    runner = CliRunner()
    done = runner.invoke(_cli(), ["report", BATCH, "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["batch"] == BATCH and data["counts"]["ingested"] == 2
    assert {"pages_per_minute", "mean_page_quality", "quarantined", "needs_review"} <= set(data)

    human = runner.invoke(_cli(), ["report", BATCH])
    assert human.exit_code == 0
    assert "ingested" in human.stdout and "pages/min" in human.stdout
    assert "[empty]" in human.stdout

    listed = runner.invoke(_cli(), ["report", "--json"])
    [row] = json.loads(listed.stdout)["batches"]
    assert (row["batch"], row["files"], row["problems"], row["counts"]["ingested"]) == (BATCH, 3, 1, 2)
    assert row["started_at"] <= row["finished_at"] and row["needs_review"] == data["needs_review"].__len__()
    table = runner.invoke(_cli(), ["report"], env={"COLUMNS": "120"})  # 80 columns fold the name
    assert BATCH in table.stdout and row["started_at"][:10] in table.stdout

    assert runner.invoke(_cli(), ["report", "no such batch"]).exit_code == 4
