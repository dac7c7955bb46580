"""Prefect ingest flows: one task per document, each a call to application.ingest.ingest_into_batch.

- `ingest_batch`: the documents of a batch as tasks of one flow run, in a thread pool of this
  process, or on a Dask cluster when SOHOA_DASK_ADDRESS is set (see flows/runners.py).
- `ingest_batch(paths, dossier=True)`: each path one hồ sơ (a file or a folder), cut into its
  documents (application/dossier_intake.py), one task per dossier.
- `ingest_document_flow`: one document as a flow of its own, deployed on a work pool
  (`ensure_document_deployment`), so that workers on several machines share a batch
  (`ingest_batch_spread` hands the documents out).

Each flow reads the settings once, where it runs, and hands them to its tasks as a value: a
task never reads the environment for them (a document task on a Dask worker gets the flow's).

Each document's outcome is stored in its batch as soon as it is known, and every run ends by
storing the batch report and attaching it to the flow run as artifacts (see application/batches.py).
A batch that quarantined or failed a file ends in the state "Completed with problems" (its
message gives the counts), so the runs list tells it from a clean batch at a glance.

Tasks and flows are shipped to Dask workers by pickling, and a flow's function is pickled by
value together with the globals it names: flow bodies therefore reach the callers' context
variables only through module-level functions (`_announce_size`, `_announce`), never directly.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

from prefect import flow, task
from prefect.futures import as_completed
from prefect.states import Completed, State

from application.batch_text import counts_line
from application.batches import BatchReport, finish_report, load_outcomes, outcome_digest, record_outcome
from application.dossier_intake import DossierIntake, ingest_dossier_into_batch
from application.ingest import collect_files, ingest_into_batch, largest_first
from application.logs import log_outcome
from application.services import services_for
from core.settings import Settings, load_settings
from flows.prefect_server import DEFAULT_POOL, deployment, ensure_pool, require_server
from flows.prefect_watch import OrchestratorLost, check_not_lost, in_flight
from flows.retrying import retry_transient_only
from flows.runners import task_runner_for
from schemas import BatchSummary, IngestOutcome
from schemas.record import utcnow
from storage.audit_chain import audit_path
from vntext.normalise import fold

__all__ = [
    "PROBLEMS",
    "WORKER_NAME_ENV",
    "artifact_key",
    "batch_state",
    "batch_size_callback",
    "document_run_name",
    "ensure_document_deployment",
    "ingest_batch",
    "ingest_batch_spread",
    "ingest_document",
    "ingest_document_flow",
    "ingest_dossier_task",
    "new_batch_name",
    "progress_callback",
]

log = logging.getLogger(__name__)

# Set by `sohoa worker --name` for the flow runs it starts: recorded in each record's provenance.
WORKER_NAME_ENV = "SOHOA_WORKER_NAME"
# The name of the final state of a batch that quarantined or failed a file.
PROBLEMS = "Completed with problems"

# Set by an interactive caller (the CLI's progress bar); called in the flow's thread.
progress_callback: ContextVar[Callable[[IngestOutcome], None] | None] = ContextVar(
    "progress_callback", default=None
)
# Set by an interactive caller that wants to size its progress bar.
batch_size_callback: ContextVar[Callable[[int], None] | None] = ContextVar(
    "batch_size_callback", default=None
)


def document_run_name() -> str:
    """A document's task or flow run name: `ingest <hash>`, not its path (a secret document's
    file and folder names may tell its subject, and Prefect keeps run names); the hash begins
    the name of the batch outcome stored for that path (application.batches)."""
    from prefect.runtime import flow_run, task_run

    path = (task_run.parameters or flow_run.parameters or {}).get("path", "")
    return f"ingest {outcome_digest(str(path))[:12]}"


def new_batch_name(prefix: str = "batch") -> str:
    return f"{prefix}-{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


# A document's (or a dossier's) task: Transient errors retried with backoff, named by a hash.
_DOCUMENT_TASK = {
    "retries": 3,
    "retry_delay_seconds": [2, 10, 30],
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_transient_only,
    "persist_result": False,
    "task_run_name": document_run_name,
}


@task(name="ingest-document", **_DOCUMENT_TASK)
def ingest_document(path: str, batch: str, settings: Settings) -> IngestOutcome:
    """Ingest one file wherever this task runs (a thread, a worker's flow run, a Dask worker),
    with the flow's `settings`; the worker's name is that process's (SOHOA_WORKER_NAME)."""
    check_not_lost()
    with in_flight():
        worker = os.environ.get(WORKER_NAME_ENV)
        return ingest_into_batch(Path(path), services_for(settings), batch, worker=worker)


@task(name="ingest-dossier", **_DOCUMENT_TASK)
def ingest_dossier_task(
    path: str, batch: str, settings: Settings, code: str | None = None, title: str | None = None
) -> DossierIntake:
    """Ingest one dossier (a file or a folder of scans) with the flow's `settings`."""
    check_not_lost()
    with in_flight():
        worker = os.environ.get(WORKER_NAME_ENV)
        services = services_for(settings)
        return ingest_dossier_into_batch(Path(path), services, batch, code=code, title=title, worker=worker)


@task(
    name="batch-report",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=retry_transient_only,
    persist_result=False,
)
def write_report(batch: str, started_at: datetime, run_pages: int, settings: Settings) -> BatchReport:
    store = services_for(settings).store
    return finish_report(store, audit_path(settings), batch, started_at=started_at, run_pages=run_pages)


def artifact_key(batch: str) -> str:
    """`batch-<name>` as Prefect allows keys: lower case, accents dropped, other characters '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(batch).lower()).strip("-")  # keys: a-z, 0-9 and '-'
    return f"batch-{slug}"[:100].rstrip("-")


def _publish(report: BatchReport) -> None:
    """Attach the report to the current flow run (Markdown summary and a table of problems)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from application.batch_text import batch_markdown, problem_rows

    key = artifact_key(report.batch)
    create_markdown_artifact(batch_markdown(report), key=key, description=f"Batch {report.batch}")
    if rows := problem_rows(report):
        create_table_artifact(rows, key=f"{key}-problems", description="Quarantined and failed files")


def batch_state(summary: BatchSummary) -> State:
    """The final state of a batch's flow run: Completed, or "Completed with problems" when a
    file was quarantined or failed; the message gives the counts. Calling the flow still
    returns the summary."""
    problems = summary.of("quarantined") or summary.of("failed")
    return Completed(name=PROBLEMS if problems else "Completed", message=counts_line(summary), data=summary)


def _finish(summary: BatchSummary, settings: Settings) -> State:
    """Store the batch report and publish it; a report that cannot be written never fails a batch."""
    summary.outcomes.sort(key=lambda o: o.path)
    summary.finished_at = utcnow()
    try:
        report = write_report(summary.batch, summary.started_at, summary.pages, settings)
        _publish(report)
    except Exception:
        log.exception("batch %s: the report could not be stored or published", summary.batch)
    log.info("batch %s: %s", summary.batch, counts_line(summary))
    return batch_state(summary)


def _failed(path: str, batch: str, exc: BaseException | str, settings: Settings) -> IngestOutcome:
    reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    outcome = IngestOutcome(path=path, status="failed", reason=reason)
    log_outcome(log, outcome)
    try:
        record_outcome(services_for(settings).store, batch, outcome)
    except Exception:
        log.exception("batch %s: the outcome of %s could not be stored", batch, path)
    return outcome


def _announce_size(files: int) -> None:
    if (sized := batch_size_callback.get()) is not None:
        sized(files)


def _announce(outcome: IngestOutcome) -> None:
    if (notify := progress_callback.get()) is not None:
        notify(outcome)


# The task runner is chosen when this module is imported, from that process's settings: a flow
# run started by a deployment imports it afresh in the worker's environment. Callers holding
# their own Settings (the CLI) pick it again with `with_options` (cli/progress.py).
@flow(
    name="ingest-batch",
    persist_result=False,
    task_runner=task_runner_for(load_settings()),
    log_prints=False,
)
def ingest_batch(
    paths: list[str],
    batch: str | None = None,
    dossier: bool = False,
    code: str | None = None,
    title: str | None = None,
) -> BatchSummary:
    """Ingest every file under `paths` (files and folders). A bad document never stops the batch.
    `dossier`: each path is one hồ sơ, cut into its documents (`code`, `title`: its mã hồ sơ and
    tiêu đề, for a single path).

    Running the same batch again is safe: stored records are duplicates, nothing is redone.
    """
    settings = load_settings()
    summary = BatchSummary(batch=batch or new_batch_name())
    if dossier:
        _ingest_dossiers(paths, summary, settings, code, title)
        return _finish(summary, settings)
    files = [str(p) for p in largest_first(collect_files(Path(p) for p in paths))]
    _announce_size(len(files))
    futures = {ingest_document.submit(f, summary.batch, settings): f for f in files}
    for future in as_completed(list(futures)):
        try:
            outcome = future.result()
        except OrchestratorLost:  # not begun: the caller reports what was stored
            continue
        except Exception as exc:  # retries exhausted or a bug: report it, keep the batch going
            outcome = _failed(futures[future], summary.batch, exc, settings)
        summary.outcomes.append(outcome)
        _announce(outcome)
    return _finish(summary, settings)


def _ingest_dossiers(
    paths: list[str], summary: BatchSummary, settings: Settings, code: str | None, title: str | None
) -> None:
    if (code or title) and len(paths) != 1:
        raise ValueError("a mã hồ sơ or tiêu đề names one dossier: give one path with --code/--title")
    _announce_size(len(paths))
    futures = {ingest_dossier_task.submit(p, summary.batch, settings, code, title): p for p in paths}
    for future in as_completed(list(futures)):
        try:
            intake = future.result()
        except OrchestratorLost:
            continue
        except Exception as exc:
            intake = DossierIntake(
                dossier=None, outcomes=[_failed(futures[future], summary.batch, exc, settings)]
            )
        summary.outcomes.extend(intake.outcomes)
        if intake.dossier is not None:
            summary.dossiers.append(intake.dossier)
        if intake.outcomes:
            _announce(intake.outcomes[0])


@flow(name="ingest-document", persist_result=False, log_prints=False, flow_run_name=document_run_name)
def ingest_document_flow(path: str, batch: str) -> IngestOutcome:
    """One document as its own flow run, for a worker of a work pool to pick up."""
    return ingest_document(path, batch, load_settings())


def ensure_document_deployment(pool: str = DEFAULT_POOL) -> str:
    """Register `ingest-document/<pool>` on `pool` (one flow run per document); return its id."""
    require_server()
    ensure_pool(pool)
    return str(
        deployment(
            ingest_document_flow, pool, pool, description="Ingest one document (work pool fan-out)"
        ).apply()
    )


def _wait(run_ids: list[uuid.UUID], poll_seconds: float) -> dict[uuid.UUID, object]:
    """Poll the flow runs until each is in a final state; return their final states."""
    from prefect.client.orchestration import get_client

    states: dict[uuid.UUID, object] = {}
    with get_client(sync_client=True) as client:
        while len(states) < len(run_ids):
            for run_id in run_ids:
                if run_id not in states:
                    state = client.read_flow_run(run_id).state
                    if state is not None and state.is_final():
                        states[run_id] = state
            if len(states) < len(run_ids):
                time.sleep(poll_seconds)
    return states


@flow(name="ingest-batch-spread", persist_result=False, log_prints=False)
def ingest_batch_spread(
    paths: list[str],
    batch: str | None = None,
    pool: str = DEFAULT_POOL,
    poll_seconds: float = 2.0,
) -> BatchSummary:
    """Hand each document of the batch to the work pool as its own flow run; wait for them all.

    The files must be readable at the same path by every worker (a shared folder). A rerun of
    the batch reuses the runs already made for it (idempotency key = batch and path).
    """
    from prefect.deployments import run_deployment

    settings = load_settings()
    document_deployment = ensure_document_deployment(pool)
    summary = BatchSummary(batch=batch or new_batch_name())
    files = [str(p) for p in largest_first(collect_files(Path(p) for p in paths))]
    runs = {
        run_deployment(
            document_deployment,
            parameters={"path": f, "batch": summary.batch},
            timeout=0,
            idempotency_key=f"{summary.batch}:{f}",
        ).id: f
        for f in files
    }
    states = _wait(list(runs), poll_seconds)
    stored = {o.path: o for o in load_outcomes(services_for(settings).store, summary.batch)}
    for run_id, path in runs.items():
        state = states[run_id]
        if getattr(state, "is_completed", lambda: False)() and path in stored:
            summary.outcomes.append(stored[path])
        else:
            message = getattr(state, "message", None) or getattr(state, "name", "failed")
            summary.outcomes.append(_failed(path, summary.batch, f"flow run {run_id}: {message}", settings))
    return _finish(summary, settings)
