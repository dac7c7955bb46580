"""Prefect flow `ingest_drop_folder`: what a schedule runs — the new, settled files of a folder.

Files handled before and unchanged since are skipped without being read; files still being
written are left for the next run (see application/dropfolder.py); the rest go through `ingest_batch`
(or, with `spread`, through the work pool, one flow run per document). The batch is named
after the schedule (`<schedule>-<time>-<id>`); the drop-folder run, the one an operator opens
first, ends in the batch's state (with its counts) and carries the batch report with a link to
the batch's own flow run. The flow reads the settings once and hands them to its tasks.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, task
from prefect.states import Completed, State

from application.batches import load_report
from application.dropfolder import (
    Stat,
    dossier_entries,
    dossier_file_outcomes,
    find_ready_files,
    refuse_grown,
    remember,
)
from application.services import services_for
from core.settings import Settings, load_settings
from flows.ingest import artifact_key, batch_state, ingest_batch, ingest_batch_spread, new_batch_name
from flows.prefect_server import DEFAULT_POOL
from flows.retrying import retry_transient_only
from schemas import BatchSummary, IngestOutcome
from schemas.record import utcnow
from storage import safe_name

__all__ = ["DROP_FLOW", "batch_prefix", "ingest_drop_folder"]

log = logging.getLogger(__name__)

DROP_FLOW = "ingest-drop-folder"


def batch_prefix(deployment: str | None, source: str) -> str:
    """The schedule's name (the deployment's), else `drop-<folder>` for a run by hand."""
    if deployment:
        return safe_name(deployment, default="drop")
    return f"drop-{safe_name(Path(source).name, default='folder')}"


def _flow_run_link(run_id: object) -> str:
    """The UI address of a flow run (absolute when PREFECT_UI_URL is known)."""
    from prefect.settings import get_current_settings

    base = (get_current_settings().ui_url or "").rstrip("/")
    return f"{base}/runs/flow-run/{run_id}"


def _publish_summary(batch: str, child: State, settings: Settings) -> None:
    """The batch report on the drop-folder run too, under a link to the batch's flow run."""
    from prefect.artifacts import create_markdown_artifact

    from application.batch_text import batch_markdown

    report = load_report(services_for(settings).store, batch)
    link = f"Batch run: [{batch}]({_flow_run_link(child.state_details.flow_run_id)}) · "
    link += f"artifact `{artifact_key(batch)}`\n\n"
    create_markdown_artifact(link + batch_markdown(report), description=f"Batch {batch}")


@task(
    name="drop-folder-state", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_transient_only
)
def _remember(
    source: str,
    seen: dict[str, Stat],
    changing: list[str],
    summary: BatchSummary,
    settings: Settings,
    dossiers: dict[str, list[str]] | None = None,
    refused: list[IngestOutcome] | None = None,
) -> None:
    """The folder's memory after a run (application.dropfolder.remember); for a dossier intake
    each file of a dossier gets its dossier's outcome, the files of a stored dossier's folder that
    grew their refusal."""
    outcomes = summary.outcomes if dossiers is None else dossier_file_outcomes(dossiers, summary)
    remember(services_for(settings).store, source, seen, changing, [*outcomes, *(refused or [])])


@flow(name=DROP_FLOW, persist_result=False, log_prints=False)
def ingest_drop_folder(
    source: str,
    settle_seconds: float = 5.0,
    spread: bool = False,
    pool: str = DEFAULT_POOL,
    dossier: bool = False,
) -> BatchSummary:
    """Ingest the files of `source` that are new and no longer being written.

    With `spread`, each file becomes its own flow run on the work pool `pool`. With `dossier`,
    each top-level file or folder of `source` is one hồ sơ, taken once all its files settled.
    """
    from prefect.runtime import deployment

    settings = load_settings()
    store = services_for(settings).store
    ready, changing, seen = find_ready_files(store, source, settle_seconds)
    batch = new_batch_name(batch_prefix(deployment.name, source))
    entries: dict[str, list[str]] | None = None
    refused: list[IngestOutcome] = []
    if dossier:
        entries, waiting_files = dossier_entries(source, ready, changing)
        changing = sorted(changing + waiting_files)
        entries, refused = refuse_grown(store, source, entries, batch)  # no second, overlapping dossier
        ready = list(entries)
    waiting = f"; {len(changing)} still being written, left for the next run" if changing else ""
    # one line per scan with work (on this run's page in the UI); an idle scan stays quiet
    log.log(
        logging.INFO if ready or changing else logging.DEBUG,
        "drop folder %s: %s%s",
        source,
        f"{len(ready)} new file{'s' if len(ready) != 1 else ''}, batch {batch}" if ready else "no new files",
        waiting,
    )
    if not ready:
        idle = BatchSummary(batch=batch, finished_at=utcnow())
        _remember(source, seen, changing, idle, settings, entries, refused)
        if refused:  # a stored dossier's folder grew: its files quarantined, the run has problems
            return batch_state(idle.model_copy(update={"outcomes": refused}))
        return Completed(message="no new files", data=idle)
    if dossier:
        child = ingest_batch(ready, batch=batch, dossier=True, return_state=True)
    elif spread:
        child = ingest_batch_spread(ready, batch=batch, pool=pool, return_state=True)
    else:
        child = ingest_batch(ready, batch=batch, return_state=True)
    summary: BatchSummary = child.result()
    _remember(source, seen, changing, summary, settings, entries, refused)
    summary.outcomes.extend(refused)
    try:
        _publish_summary(batch, child, settings)
    except Exception:  # the batch's own run has the report; never fail the scan for this
        log.exception("batch %s: the summary could not be attached to the drop-folder run", batch)
    return batch_state(summary)
