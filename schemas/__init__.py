"""Data models that cross module boundaries (pydantic v2)."""

from schemas.dossier import BoundaryCue, DocumentSpan, PageSegment, Segmentation
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
    "BoundaryCue",
    "Box",
    "Classification",
    "Decision",
    "DocumentSpan",
    "Event",
    "IncomingStamp",
    "IngestOutcome",
    "Metadata",
    "Page",
    "PageSegment",
    "PersonalData",
    "Record",
    "SearchFilters",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "Segmentation",
    "Signer",
    "Status",
    "Word",
    "record_id_for",
]
