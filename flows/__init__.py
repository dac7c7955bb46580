"""Prefect flows: thin wiring over plain functions from ocr/, storage/, indexing/."""

from flows.drop_folder import ingest_drop_folder
from flows.ingest import ingest_batch, ingest_batch_spread, ingest_document_flow

__all__ = ["ingest_batch", "ingest_batch_spread", "ingest_document_flow", "ingest_drop_folder"]
