"""Prefect flows: thin wiring, a task is one call into application/ (or storage/, indexing/,
dedup/ for the upkeep flows); the deployments that run them on a work pool (flows/schedules.py).

The flows are imported on first use, not with the package: importing Prefect reads its settings,
and entry points set them first through flows.prefect_env, a module of this package.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ingest_batch", "ingest_batch_spread", "ingest_document_flow", "ingest_drop_folder"]


def __getattr__(name: str) -> Any:
    if name in ("ingest_batch", "ingest_batch_spread", "ingest_document_flow"):
        import flows.ingest

        return getattr(flows.ingest, name)
    if name == "ingest_drop_folder":
        from flows.drop_folder import ingest_drop_folder

        return ingest_drop_folder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
