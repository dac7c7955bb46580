"""Prefect flows: thin wiring, a task is one call into application/ (or storage/, indexing/,
dedup/ for the upkeep flows); the deployments that run them on a work pool (flows/schedules.py)."""

from flows.drop_folder import ingest_drop_folder
from flows.ingest import ingest_batch, ingest_batch_spread, ingest_document_flow

__all__ = ["ingest_batch", "ingest_batch_spread", "ingest_document_flow", "ingest_drop_folder"]
