"""Prefect flow `ingest_batch`: one task per document, each a call to sohoa.ingest.ingest_file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

from prefect import flow, task
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from schemas import BatchSummary, IngestOutcome
from schemas.record import utcnow
from sohoa.config import load_settings
from sohoa.errors import Transient
from sohoa.ingest import collect_files, ingest_file
from sohoa.services import services_for

__all__ = ["ingest_batch", "ingest_document", "progress_callback"]

# Set by an interactive caller (the CLI's progress bar); called in the flow's thread.
progress_callback: ContextVar[Callable[[IngestOutcome], None] | None] = ContextVar(
    "progress_callback", default=None
)
# Set by an interactive caller that wants to size its progress bar.
batch_size_callback: ContextVar[Callable[[int], None] | None] = ContextVar(
    "batch_size_callback", default=None
)


def _retry_transient_only(task, task_run, state) -> bool:  # noqa: ANN001 (Prefect's hook signature)
    """Retry storage/index/OCR timeouts; bad input and bugs are never retried."""
    try:
        state.result()
    except Transient:
        return True
    except Exception:
        return False
    return False


@task(
    name="ingest-document",
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    retry_condition_fn=_retry_transient_only,
    persist_result=False,
    task_run_name="ingest {path}",
)
def ingest_document(path: str, batch: str) -> IngestOutcome:
    services = services_for(load_settings())
    return ingest_file(Path(path), services, batch=batch)


@flow(
    name="ingest-batch",
    persist_result=False,
    task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 1),
    log_prints=False,
)
def ingest_batch(paths: list[str], batch: str | None = None) -> BatchSummary:
    """Ingest every file under `paths` (files and folders). A bad document never stops the batch."""
    summary = BatchSummary(batch=batch or f"batch-{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}")
    files = [str(p) for p in collect_files(Path(p) for p in paths)]
    if (sized := batch_size_callback.get()) is not None:
        sized(len(files))
    futures = {ingest_document.submit(f, summary.batch): f for f in files}
    for future in as_completed(list(futures)):
        try:
            outcome = future.result()
        except Exception as exc:  # retries exhausted or a bug: report it, keep the batch going
            outcome = IngestOutcome(
                path=futures[future], status="failed", reason=f"{type(exc).__name__}: {exc}"
            )
        summary.outcomes.append(outcome)
        if (notify := progress_callback.get()) is not None:
            notify(outcome)
    summary.outcomes.sort(key=lambda o: o.path)
    summary.finished_at = utcnow()
    return summary
