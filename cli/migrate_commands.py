"""`sohoa migrate`: convert a store in the package layout before OCFL to the OCFL layout.

    app.command()(migrate)

    sohoa migrate [--json] [--workers N]

Resumable (run it again after a kill: it finishes the job) and idempotent (on a new or migrated
store it does nothing). Exit codes: 0 every old package migrated and verified (or none there);
1 a package is damaged (named; it and every other old package are kept) or a dossier's public
form could not be refreshed.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer
from rich.console import Console

from application.migrate import KindCounts, MigrationReport, migrate_store
from core.settings import load_settings
from storage import open_store

__all__ = ["migrate"]

EXIT_DAMAGED = 1
PROGRESS_SECONDS = 10.0
# 1,000 packages (133 MB) on the local disk: 95 s with 1, 48 s with 2, 19 s with 4, 13.5 s with 8,
# 15 s with 16 at a time (2 cores, load ~5): fsyncs, not hashing, set the pace
DEFAULT_WORKERS = 8

console = Console()
err = Console(stderr=True, soft_wrap=True)


def migrate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Packages migrated at a time (the work waits on the disk or S3, not the CPU).",
        ),
    ] = DEFAULT_WORKERS,
) -> None:
    """Convert the store's record and dossier packages of the layout before OCFL (records/<id>/,
    dossiers/<id>/ with manifest-sha256.txt) to OCFL objects under ocfl/: each checked against
    its manifest, written as v1, verified file for file; then the old packages are deleted.
    Nothing to do on a new or migrated store."""
    settings = load_settings()
    store = open_store(settings.storage_url, old_layout_ok=True)
    report = migrate_store(store, workers=workers, progress=_Progress())
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print(report)
    if not report.ok:
        raise typer.Exit(EXIT_DAMAGED)


class _Progress:
    """A line on stderr every PROGRESS_SECONDS while packages are migrated (a large archive
    takes hours)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, report: MigrationReport) -> None:
        if time.monotonic() - self.last < PROGRESS_SECONDS:
            return
        self.last = time.monotonic()
        done = [(kind, c.migrated + c.skipped, c.damaged) for kind, c in _kinds(report)]
        said = ", ".join(f"{kind} {ok:,} done, {bad:,} damaged" for kind, ok, bad in done)
        err.print(f"migrating: {said}; {report.bytes:,} bytes copied", highlight=False)


def _kinds(report: MigrationReport) -> list[tuple[str, KindCounts]]:
    return [("records", report.records), ("dossiers", report.dossiers)]


def _print(report: MigrationReport) -> None:
    if report.old_packages == "none":
        console.print("no package of the old layout in the store: nothing to do", highlight=False)
        return
    for kind, c in _kinds(report):
        console.print(
            f"{kind}: {c.migrated} migrated, {c.skipped} already migrated (verified), {c.damaged} damaged",
            highlight=False,
        )
    console.print(f"{report.bytes:,} bytes copied in {report.seconds:.1f} s", highlight=False)
    for folder in report.incomplete:
        console.print(f"never committed (no manifest), not migrated: {folder}", highlight=False)
    for damaged in report.damaged:
        err.print(
            f"[red]damaged:[/red] {damaged['package']}: {'; '.join(damaged['problems'])}", highlight=False
        )
    for failed in report.refresh_failed:
        err.print(f"[red]public form not refreshed:[/red] dossier {failed['dossier']}: {failed['error']}")
    said = {
        "deleted": "old packages deleted: every one is migrated and verified; run `sohoa reindex` if you"
        " want the search index rebuilt from the new layout",
        "kept-damaged": "old packages kept: repair or move aside the damaged ones,"
        " then run `sohoa migrate` again",
    }
    (err if report.old_packages == "kept-damaged" else console).print(
        said[report.old_packages], highlight=False
    )
