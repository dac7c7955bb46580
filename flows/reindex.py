"""Prefect flow `reindex`: rebuild the configured search index from storage alone.

One task calling indexing.reindex; the store and index come from the settings (SOHOA_STORAGE,
SOHOA_INDEX), never from flow parameters. Rebuilding is idempotent, so a run that failed on an
unreachable store or index is simply retried whole.
"""

from __future__ import annotations

import contextlib

from prefect import flow, task

from dedup import rebuild_lookup
from flows.retrying import retry_transient_only
from indexing import ReindexReport, open_index, reindex
from sohoa.config import load_settings
from sohoa.services import build_services
from storage import open_store

__all__ = ["rebuild_index", "reindex_flow"]


@task(
    name="rebuild-index",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=retry_transient_only,
    persist_result=False,
)
def rebuild_index() -> ReindexReport:
    settings = load_settings()
    index = open_index(settings.index_url)
    try:
        return reindex(open_store(settings.storage_url), index)
    finally:
        if (close := getattr(index, "close", None)) is not None:
            with contextlib.suppress(Exception):
                close()


@task(
    name="rebuild-near-duplicate-lookup",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=retry_transient_only,
    persist_result=False,
)
def rebuild_similarity() -> None:
    services = build_services(load_settings())  # the lookup beside the configured index
    try:
        rebuild_lookup(services.similar, services.store)
    finally:
        services.close()


@flow(name="reindex", persist_result=False, log_prints=False)
def reindex_flow() -> ReindexReport:
    """Make the search index (and the near-duplicate lookup) hold exactly the committed record
    packages of the store."""
    report = rebuild_index()
    rebuild_similarity()
    return report
