"""Request and response bodies of the HTTP API (they make its OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from api.access import Role
from schemas import AccessClass, Classification, Decision, Event, Metadata

__all__ = [
    "EDITABLE_FIELDS",
    "ErrorOut",
    "FacetOut",
    "HealthOut",
    "HitOut",
    "OverrideIn",
    "OverrideOut",
    "PageOut",
    "PageTextOut",
    "RecordOut",
    "RestrictedItem",
    "RestrictedOut",
    "ReviewItem",
    "ReviewOut",
    "SearchOut",
    "TextOut",
    "WhoAmIOut",
]

# Metadata fields an archivist may correct in review (text fields; `date` as YYYY-MM-DD).
EDITABLE_FIELDS = (
    "number", "notation", "doc_type", "issuer", "parent_issuer", "place", "date", "subject",
    "secrecy", "urgency",
)  # fmt: skip
MIN_REASON_CHARS = 5


class ErrorOut(BaseModel):
    detail: str


class HitOut(BaseModel):
    id: str
    title: str
    snippet: str = Field(description="HTML-escaped text, matches wrapped in <mark>…</mark>")
    page: int | None = None
    score: float
    access: AccessClass


class FacetOut(BaseModel):
    value: str | int | bool
    count: int


class SearchOut(BaseModel):
    q: str
    total: int
    page: int
    per_page: int
    sort: Literal["relevance", "date"]
    ranked: bool = Field(description="False: a broad query, ordered by exact spelling then date")
    role: Role
    masked: bool = Field(description="Personal data is masked in titles and snippets")
    hits: list[HitOut]
    facets: dict[str, list[FacetOut]]


class PageOut(BaseModel):
    number: int
    confidence: float
    needs_review: bool
    review_reasons: list[str]
    width: int
    height: int
    image: str = Field(description="URL of the page image")


class RecordOut(BaseModel):
    id: str
    title: str
    source: str
    media_type: str
    page_count: int
    ingested_at: dt.datetime
    updated_at: dt.datetime
    access: AccessClass
    masked: bool
    metadata: Metadata
    classification: Classification
    pages: list[PageOut]
    has_pdf: bool
    events: list[Event] | None = Field(default=None, description="Provenance; staff and archivists only")


class PageTextOut(BaseModel):
    number: int
    text: str


class TextOut(BaseModel):
    id: str
    masked: bool
    pages: list[PageTextOut]


class RestrictedItem(BaseModel):
    id: str
    access: AccessClass
    retention: str | None
    protect_until: dt.date | None
    needs_review: bool
    review_reasons: list[str]
    decisions: list[Decision] = Field(description="Rules and outcomes; evidence text withheld")


class RestrictedOut(BaseModel):
    total: int
    items: list[RestrictedItem]


class ReviewItem(BaseModel):
    id: str
    title: str | None = Field(description="None for a not_accessible record (never shown)")
    access: AccessClass
    retention: str | None
    needs_review: bool
    reasons: list[str]
    decisions: list[Decision]


class ReviewOut(BaseModel):
    total: int
    items: list[ReviewItem]


class OverrideIn(BaseModel):
    """An archivist's decision on a record. `reason` is required and recorded with it.

    `accept` confirms the machine's classification; `override` changes what is given. Taking a
    `not_accessible` record to any other class is a declassification: it needs `declassify: true`
    (the reason is the recorded human decision) and never happens otherwise.
    """

    action: Literal["accept", "override"]
    reason: str = Field(min_length=MIN_REASON_CHARS, max_length=2000)
    access: AccessClass | None = None
    retention: str | None = Field(default=None, max_length=100)
    protect_until: dt.date | None = None
    fields: dict[str, str | None] = Field(default_factory=dict)
    declassify: bool = False

    @field_validator("reason")
    @classmethod
    def _reason_has_words(cls, value: str) -> str:
        if len(value.strip()) < MIN_REASON_CHARS:
            raise ValueError(f"a reason of at least {MIN_REASON_CHARS} characters is required")
        return value.strip()

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        unknown = sorted(set(value) - set(EDITABLE_FIELDS))
        if unknown:
            raise ValueError(f"fields not editable: {unknown}; editable: {list(EDITABLE_FIELDS)}")
        if value.get("date"):
            dt.date.fromisoformat(str(value["date"]))
        return value

    @model_validator(mode="after")
    def _override_changes_something(self) -> OverrideIn:
        changes = self.access or self.retention or self.protect_until or self.fields
        if self.action == "override" and not changes:
            raise ValueError("an override must change access, retention, protect_until or fields")
        if self.action == "accept" and changes:
            raise ValueError("accept confirms the classification as it is: use override to change it")
        return self


class OverrideOut(BaseModel):
    id: str
    access: AccessClass
    classification: Classification
    metadata: Metadata
    event: Event


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    storage: str
    index: str


class WhoAmIOut(BaseModel):
    role: Role
    name: str | None
    key_id: str | None
