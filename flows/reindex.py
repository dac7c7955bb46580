"""Prefect flow `reindex`: rebuild the configured search index from storage alone.

Two tasks: indexing.reindex, then dedup.rebuild_lookup for the near-duplicate lookup beside
that index; the store and index come from the settings (SOHOA_STORAGE, SOHOA_INDEX), read once
by the flow and handed to both tasks, never from flow parameters. Each builds a new index beside
the live one and swaps it in when complete, so a damaged or foreign index is rebuilt too and a
failed run leaves the live one as it was. Rebuilding is idempotent, so a run that failed on an
unreachable store or index is simply retried whole. The index's rebuild catches up with what
was committed while it ran (review decisions, secrets held, ingests: storage's change journal,
indexing/rebuild.py), so the API and workers need not stop for it.
"""

from __future__ import annotations

from prefect import flow, task

from application.services import build_services
from core.settings import Settings, load_settings
from dedup import rebuild_lookup
from flows.retrying import retry_transient_only
from indexing import ReindexReport, reindex

__all__ = ["rebuild_index", "reindex_flow"]


@task(
    name="rebuild-index",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=retry_transient_only,
    persist_result=False,
)
def rebuild_index(settings: Settings) -> ReindexReport:
    services = build_services(settings)
    try:
        return reindex(services.store, services.index)
    finally:
        services.close()


@task(
    name="rebuild-near-duplicate-lookup",
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=retry_transient_only,
    persist_result=False,
)
def rebuild_similarity(settings: Settings) -> None:
    services = build_services(settings)  # the lookup beside the configured index
    try:
        rebuild_lookup(services.similar, services.store)
    finally:
        services.close()


@flow(name="reindex", persist_result=False, log_prints=False)
def reindex_flow() -> ReindexReport:
    """Make the search index (and the near-duplicate lookup) hold exactly the committed record
    packages of the store."""
    settings = load_settings()
    report = rebuild_index(settings)
    rebuild_similarity(settings)
    return report
