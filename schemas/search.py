"""The search contract: what a caller may ask of an index and what it gets back.

Every index backend (SQLite FTS5, Elasticsearch) implements all of it, and the API, the CLI and
the web page use nothing else: no engine-specific branch above `indexing/`. The conformance
suite (tests/indexing/conformance.py) holds each engine to the same cases.

- `SearchQuery.q` is free text: bare words are ANDed, "double quotes" make a phrase.
- `SearchQuery.scope` is the caller's access scope, decided by role before the index is asked:
  records of classes outside `scope.classes` are neither counted, faceted nor returned, and a
  `masked` scope searches and shows the public form of every page and title only (personal data
  masked), so nothing is found by a value the caller could not see.
- `filters.access` is the caller's choice among the classes of the scope.
- `filters.dossier` keeps the documents of one dossier (hồ sơ) only, under the scope like every
  filter: a document the scope does not see is neither listed nor counted. Each hit names its
  dossier and its order in it; `sort="dossier_order"` lists documents by dossier, then order.
- Facets are counted over the records the query matched within the scope, each under every
  filter but its own (the other values of a filtered facet stay visible).
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from schemas.record import AccessClass

__all__ = [
    "FACETS",
    "AccessScope",
    "FacetName",
    "FacetValue",
    "IndexStats",
    "SearchFilters",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "Sort",
]

Sort = Literal["relevance", "date", "dossier_order"]
FacetName = Literal["doc_type", "issuer", "province", "year", "access", "retention", "needs_review"]
FACETS: tuple[FacetName, ...] = typing.get_args(FacetName)


class SearchFilters(BaseModel):
    doc_type: str | None = None
    year: int | None = None
    issuer: str | None = None
    # A province by its name then or now: 'Phú Thọ' finds records issued in Vĩnh Phúc before
    # 1 July 2025 (now part of Phú Thọ), 'Vĩnh Phúc' finds them too.
    province: str | None = None
    access: list[AccessClass] | None = None
    needs_review: bool | None = None
    date_from: dt.date | None = Field(default=None, description="Documents dated on or after this day")
    date_to: dt.date | None = Field(default=None, description="Documents dated on or before this day")
    dossier: str | None = Field(default=None, description="The documents of this dossier (its id) only")

    @model_validator(mode="after")
    def _range_in_order(self) -> SearchFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self


class AccessScope(BaseModel):
    """What the caller may see, a hard limit the index applies before anything is counted."""

    classes: tuple[AccessClass, ...] | None = Field(
        default=None, description="The access classes the caller may see; None: every class"
    )
    masked: bool = Field(
        default=False,
        description="Search and show the public form only (personal data masked): the public role",
    )


class SearchQuery(BaseModel):
    """`q` is free text: bare words are ANDed, "double quotes" make a phrase."""

    q: str = ""
    limit: int = Field(default=10, ge=0, le=200)
    offset: int = Field(default=0, ge=0)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    sort: Sort = Field(
        default="relevance",
        description="relevance: exact spelling, then score, then newest; date: newest first, undated "
        "last; dossier_order: by dossier id, then the document's order in it (records outside a "
        "dossier last), then as by date. An empty query is ordered by date unless dossier_order.",
    )
    facets: tuple[FacetName, ...] = Field(default=(), description="Facets to count")
    facet_limit: int | None = Field(
        default=None, ge=0, description="Values per facet, most frequent first (years: latest); None: all"
    )
    scope: AccessScope = Field(default_factory=AccessScope)
    content: bool = Field(default=True, description="False: hits carry ids and access classes only")


class FacetValue(BaseModel):
    value: str | int | bool
    count: int


class SearchHit(BaseModel):
    id: str
    score: float
    title: str
    snippet: str = Field(description="HTML-escaped text with matches wrapped in <mark>…</mark>")
    page: int | None = None
    access: AccessClass = Field(description="The access class the record is indexed with")
    dossier: str | None = Field(default=None, description="The id of the dossier it is a document of")
    order: int | None = Field(default=None, description="Its order in that dossier (số thứ tự văn bản)")


class SearchResult(BaseModel):
    total: int
    hits: list[SearchHit] = Field(default_factory=list)
    facets: dict[FacetName, list[FacetValue]] = Field(default_factory=dict)
    ranked: bool = Field(
        default=True,
        description="False: a broad query the index ordered by exact spelling, then newest, not by score",
    )


class IndexStats(BaseModel):
    """What the index holds (the archive gauges of /metrics)."""

    records: int
    pages: int
    needs_review: int
    by_access: dict[AccessClass, int]
