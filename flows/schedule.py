"""Prefect flow `ingest_drop_folder`: what a schedule runs — the new, settled files of a folder.

Files handled before and unchanged since are skipped without being read; files still being
written are left for the next run (see sohoa/dropfolder.py); the rest go through `ingest_batch`
(or, with `spread`, through the work pool, one flow run per document).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from prefect import flow, task

from flows.ingest import ingest_batch, ingest_batch_spread, new_batch_name
from flows.retrying import retry_transient_only
from schemas import BatchSummary
from schemas.record import utcnow
from sohoa.config import load_settings
from sohoa.dropfolder import (
    Stat,
    committed_ids,
    load_state,
    look,
    needs_work,
    save_state,
    settled,
    updated_state,
)
from sohoa.ingest import collect_files
from sohoa.services import services_for
from storage import safe_name

__all__ = ["DROP_FLOW", "find_ready_files", "ingest_drop_folder"]

log = logging.getLogger(__name__)

DROP_FLOW = "ingest-drop-folder"


def find_ready_files(source: str, settle_seconds: float) -> tuple[list[str], list[str], dict[str, Stat]]:
    """(files to ingest now, files still changing, what every file looked like) of `source`."""
    store = services_for(load_settings()).store
    state = load_state(store, source)
    first = look(collect_files([Path(source)]))
    todo = needs_work(first, state, committed_ids(store, state, first))
    ready, changing = settled(todo, first, None, state)
    if changing and settle_seconds > 0:
        time.sleep(settle_seconds)
        second = look(changing)
        more, changing = settled(changing, first, second, state)
        ready = sorted(ready + more)
    return ready, changing, first


@task(
    name="drop-folder-state", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_transient_only
)
def _remember(source: str, seen: dict[str, Stat], changing: list[str], summary: BatchSummary) -> None:
    """Note each outcome with the size and mtime the file had BEFORE it was read: a file that
    changed after that no longer matches and is looked at afresh next run."""
    store = services_for(load_settings()).store
    state = load_state(store, source)
    save_state(store, updated_state(state, seen, summary.outcomes, changing))


@flow(name=DROP_FLOW, persist_result=False, log_prints=False)
def ingest_drop_folder(
    source: str, settle_seconds: float = 5.0, spread: bool = False, pool: str = "sohoa"
) -> BatchSummary:
    """Ingest the files of `source` that are new and no longer being written.

    With `spread`, each file becomes its own flow run on the work pool `pool`.
    """
    ready, changing, seen = find_ready_files(source, settle_seconds)
    if changing:
        log.info("drop folder %s: %d files still being written, left for next run", source, len(changing))
    batch = new_batch_name(f"drop-{safe_name(Path(source).name, default='folder')}")
    if ready:
        if spread:
            summary = ingest_batch_spread(ready, batch=batch, pool=pool)
        else:
            summary = ingest_batch(ready, batch=batch)
    else:
        summary = BatchSummary(batch=batch, finished_at=utcnow())
    _remember(source, seen, changing, summary)
    return summary
