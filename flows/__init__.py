"""Prefect flows: thin wiring over plain functions from ocr/, storage/, indexing/."""

from flows.ingest import ingest_batch

__all__ = ["ingest_batch"]
