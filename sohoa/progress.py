"""Run the ingest flow for the CLI, with a progress bar when attached to a terminal."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas import BatchSummary, IngestOutcome
from sohoa.config import Settings

__all__ = ["run_batch"]


def run_batch(
    settings: Settings, paths: Sequence[Path], *, batch: str | None, show_progress: bool
) -> BatchSummary:
    """Run `ingest_batch` through Prefect (embedded server unless PREFECT_API_URL is set), its
    documents in `settings.workers` threads or on the Dask cluster at `settings.dask_address`."""
    from flows.ingest import batch_size_callback, ingest_batch, progress_callback
    from flows.runners import check_task_runner, task_runner_for

    check_task_runner(settings)
    runnable = ingest_batch.with_options(task_runner=task_runner_for(settings))
    args = {"paths": [str(p) for p in paths], "batch": batch}
    if not (show_progress and sys.stderr.isatty()):
        return runnable(**args)

    columns = (TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, TextColumn("{task.description}"), transient=True) as progress:
        bar = progress.add_task("", total=None)

        def sized(total: int) -> None:
            progress.update(bar, total=total)

        def advanced(outcome: IngestOutcome) -> None:
            progress.update(bar, advance=1, description=f"{outcome.status}: {Path(outcome.path).name}")

        size_token = batch_size_callback.set(sized)
        progress_token = progress_callback.set(advanced)
        try:
            return runnable(**args)
        finally:
            batch_size_callback.reset(size_token)
            progress_callback.reset(progress_token)
