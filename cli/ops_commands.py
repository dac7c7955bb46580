"""Operator commands, mounted on the `sohoa` CLI: schedule add/list/remove, worker, report.

Exit codes: 0 ok; 1 failure; 2 usage error or no Prefect server; 4 no such schedule or batch.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.errors import MissingDependency, NotFound

__all__ = ["report", "schedule_app", "worker"]

EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND = 1, 2, 4

console = Console()
err = Console(stderr=True)

schedule_app = typer.Typer(
    name="schedule",
    help="Scheduled scans of drop folders (Prefect deployments; need `prefect server start`).",
    no_args_is_help=True,
)


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _check_cron(cron: str, timezone: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValueError as exc:
        # pydantic's own text ("1 validation error for CronSchedule … For further information visit
        # https://errors.pydantic.dev/…") named the model, not what to type
        why = (
            "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        raise _fail(
            f"invalid schedule {cron!r} ({timezone}): {why} (five fields: minute hour day month "
            'weekday, e.g. "0 22 * * *" for 22:00 daily; a time zone such as Asia/Ho_Chi_Minh)',
            EXIT_USAGE,
        ) from exc


@schedule_app.command("add")
def schedule_add(
    name: Annotated[str, typer.Argument(help="Schedule name, e.g. night-scans.")],
    source: Annotated[Path, typer.Option(exists=True, file_okay=False, help="The drop folder to scan.")],
    cron: Annotated[str, typer.Option(help='When, in cron syntax: "0 22 * * *" = 22:00 daily.')],
    timezone: Annotated[str, typer.Option(help="Time zone of the cron times.")] = "Asia/Ho_Chi_Minh",
    pool: Annotated[str, typer.Option(help="Prefect work pool the workers poll.")] = "sohoa",
    settle: Annotated[
        float, typer.Option(min=0, help="Seconds a new file must stay unchanged before it is taken.")
    ] = 5.0,
    spread: Annotated[
        bool, typer.Option(help="One flow run per document, shared by all workers of the pool.")
    ] = False,
    dossier: Annotated[
        bool, typer.Option("--dossier", help="Each top-level file or folder of SOURCE is one hồ sơ.")
    ] = False,
) -> None:
    """Scan SOURCE on a schedule; new files are ingested, files still being copied wait."""
    from flows.schedules import add_schedule

    _check_cron(cron, timezone)
    if dossier and spread:
        raise _fail("--dossier and --spread cannot be combined: one dossier is one run", EXIT_USAGE)
    try:
        deployment_id = add_schedule(
            name,
            source,
            cron,
            pool=pool,
            timezone=timezone,
            settle_seconds=settle,
            spread=spread,
            dossier=dossier,
        )
    except MissingDependency as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    console.print(f"schedule [bold]{name}[/bold]: {source} at '{cron}' ({timezone}), pool {pool}")
    console.print(f"[dim]deployment ingest-drop-folder/{name} ({deployment_id})[/dim]")


@schedule_app.command("list")
def schedule_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedules as JSON.")] = False,
) -> None:
    """The drop-folder schedules on the Prefect server."""
    from dataclasses import asdict

    from flows.schedules import list_schedules

    try:
        schedules = list_schedules()
    except MissingDependency as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    if as_json:
        _print_json([asdict(s) for s in schedules])
        return
    table = Table("name", "source", "cron", "time zone", "active", "pool")
    for s in schedules:
        table.add_row(s.name, s.source, s.cron or "-", s.timezone or "-", str(s.active), s.pool or "-")
    console.print(table)


@schedule_app.command("remove")
def schedule_remove(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Delete a schedule (its deployment and its future runs; past runs stay in the UI)."""
    from flows.schedules import remove_schedule

    try:
        remove_schedule(name)
    except MissingDependency as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    console.print(f"schedule {name} removed")


def worker(
    pool: Annotated[str, typer.Option(help="Prefect work pool to poll.")] = "sohoa",
    name: Annotated[str | None, typer.Option(help="Worker name (default: host-pid).")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Flow runs at once (default: the number of cores).")
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve Prometheus /metrics on this port.")
    ] = None,
    metrics_host: Annotated[
        str, typer.Option(help="Address /metrics listens on (0.0.0.0: every address).")
    ] = "127.0.0.1",
    run_once: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Run scheduled scans and spread batches: a Prefect process worker on the work pool."""
    from application.logs import configure_logging
    from cli.worker import run_worker
    from flows.prefect_server import require_server

    try:
        require_server()
    except MissingDependency as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    verbose = logging.getLogger().level <= logging.INFO  # `sohoa -v worker`
    configure_logging(logging.DEBUG if verbose else logging.INFO, verbose=verbose)
    run_worker(
        pool=pool,
        name=name,
        limit=limit,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        run_once=run_once,
    )


def report(
    batch: Annotated[str | None, typer.Argument(help="Batch name (omit to list the batches).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """A batch's report: counts, problems and files to review with reasons, pages/min.

    Without BATCH: every batch, newest first, with its date, counts and problems.
    """
    from application.batch_text import batch_list_rows
    from application.batches import iter_batches, load_report
    from cli.report import print_batch_list
    from core.settings import load_settings
    from storage import open_store

    store = open_store(load_settings().storage_url)
    if batch is None:
        rows = batch_list_rows([load_report(store, name) for name in iter_batches(store)])
        if as_json:
            _print_json({"batches": rows})
        else:
            print_batch_list(console, rows)
        return
    try:
        found = load_report(store, batch)
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    if as_json:
        _print_json(found.model_dump(mode="json"))
        return
    from cli.report import print_batch_report

    print_batch_report(console, found)
