"""Data models that cross module boundaries (pydantic v2)."""

from schemas.outcome import BatchSummary, IngestOutcome, Status
from schemas.page import Box, Page, Word
from schemas.record import (
    AccessClass,
    Classification,
    Decision,
    Event,
    IncomingStamp,
    Metadata,
    PersonalData,
    Record,
    Signer,
    record_id_for,
)
from schemas.search import (
    FACETS,
    AccessScope,
    FacetName,
    FacetValue,
    IndexStats,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
    Sort,
)

__all__ = [
    "FACETS",
    "AccessScope",
    "FacetName",
    "FacetValue",
    "IndexStats",
    "Sort",
    "AccessClass",
    "BatchSummary",
    "Box",
    "Classification",
    "Decision",
    "Event",
    "IncomingStamp",
    "IngestOutcome",
    "Metadata",
    "Page",
    "PersonalData",
    "Record",
    "SearchFilters",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "Signer",
    "Status",
    "Word",
    "record_id_for",
]
