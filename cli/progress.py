"""Run the ingest flow for the CLI, with a progress bar when attached to a terminal, while
watching the Prefect API (flows/prefect_watch.py): if it goes away mid-batch, the documents in
flight finish and `OrchestratorLost` says so; `stored_so_far` tells what the batch kept."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.settings import Settings
from flows.prefect_watch import ApiWatch, OrchestratorLost, documents_in_flight
from schemas import BatchSummary, IngestOutcome

__all__ = ["exit_now", "run_batch", "stored_so_far"]

log = logging.getLogger(__name__)


def _api_url(batch: str) -> str:
    """The Prefect API the flow will use: PREFECT_API_URL, or the embedded server (started now,
    so that it can be watched from the first document on)."""
    from prefect.settings import PREFECT_API_URL

    if url := PREFECT_API_URL.value():
        return url
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the one Prefect's client uses in this process
    try:
        with _quiet_server_logs():
            server.start()
    except RuntimeError as exc:  # it did not come up (or died while starting)
        cause = str(exc).split(" stdout:")[0].rstrip(".")
        raise OrchestratorLost(
            f"{cause} (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS allows more time; "
            "`prefect server start` runs a lasting one)",
            batch,
        ) from None
    return server.api_url


# The temporary server is stopped (SIGTERM) as the command ends, often while it still records the
# last task runs' events: it then logged ERROR "Error flushing 1 events" with ~40 lines of
# asyncio.CancelledError per event after the batch summary, which operators read as a crash. Its own
# logs are the server's business (the command reports what failed through the API's answers): only
# the process the server runs in gets these (Prefect's logging settings, read when it starts).
_SERVER_LOGS = {"PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL", "PREFECT_LOGGING_ROOT_LEVEL": "CRITICAL"}


@contextlib.contextmanager
def _quiet_server_logs() -> Iterator[None]:
    """The environment the temporary server process is started with: its logs at CRITICAL;
    this process's own environment as it was afterwards."""
    before = {name: os.environ.get(name) for name in _SERVER_LOGS}
    os.environ.update(_SERVER_LOGS)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _watched(run: Callable[[], BatchSummary], batch: str) -> BatchSummary:
    """`run()` in a thread, the main thread watching the API; OrchestratorLost once the API is
    gone and no document is in flight any more."""
    from schemas.record import utcnow

    watch = ApiWatch(_api_url(batch))
    done: dict[str, object] = {}
    started_at = utcnow()

    def target() -> None:
        try:
            done["summary"] = run()
        except BaseException as exc:  # handed to the main thread below
            done["error"] = exc

    thread = threading.Thread(target=contextvars.copy_context().run, args=(target,), daemon=True)
    with watch:
        thread.start()
        while thread.is_alive() and not watch.lost:
            thread.join(0.5)
        if watch.lost or ("error" in done and watch.check_now()):
            while documents_in_flight() and thread.is_alive():
                thread.join(0.5)  # let the documents being read finish and be stored
            lost = OrchestratorLost(watch.cause or "the Prefect API went away", batch)
            lost.started_at = started_at
            raise lost
    if "error" in done:
        raise done["error"]  # type: ignore[misc]
    return done["summary"]  # type: ignore[return-value]


def run_batch(
    settings: Settings,
    paths: Sequence[Path],
    *,
    batch: str | None,
    show_progress: bool,
    intake: Mapping[str, object] | None = None,
) -> BatchSummary:
    """Run `ingest_batch` through Prefect (embedded server unless PREFECT_API_URL is set), its
    documents in `settings.workers` threads or on the Dask cluster at `settings.dask_address`.
    `intake`: more arguments of the flow (a dossier intake: dossier, code, title)."""
    from flows.ingest import batch_size_callback, ingest_batch, new_batch_name, progress_callback
    from flows.runners import check_task_runner, task_runner_for

    check_task_runner(settings)
    runnable = ingest_batch.with_options(task_runner=task_runner_for(settings))
    batch = batch or new_batch_name()  # known before the run: the summary of a lost run needs it
    args = {"paths": [str(p) for p in paths], "batch": batch, **(intake or {})}
    if not (show_progress and sys.stderr.isatty()):
        return _watched(lambda: runnable(**args), batch)

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
            return _watched(lambda: runnable(**args), batch)
        finally:
            batch_size_callback.reset(size_token)
            progress_callback.reset(progress_token)


def stored_so_far(settings: Settings, lost: OrchestratorLost) -> BatchSummary:
    """What the lost batch stored (its outcomes in the store), its report brought up to date."""
    from application.batches import load_outcomes, save_report
    from schemas.record import utcnow
    from storage import open_store

    store = open_store(settings.storage_url)
    batch = lost.batch or ""
    summary = BatchSummary(batch=batch, outcomes=load_outcomes(store, batch), finished_at=utcnow())
    if lost.started_at is not None:
        summary.started_at = lost.started_at
    try:
        save_report(store, batch, started_at=summary.started_at, run_pages=summary.pages)
    except Exception as exc:  # the report is a convenience; the outcomes themselves are stored
        log.warning("batch %s: the report could not be brought up to date: %s", batch, exc)
    return summary


def exit_now(code: int) -> None:
    """Exit at once, skipping the interpreter's clean-up (Prefect would retry, for minutes, to
    deliver its queued events and states to a server that is gone)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
