"""Request and response bodies of the HTTP API (they make its OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from application.access import Role
from schemas import AccessClass, Classification, Decision, Event, Metadata

__all__ = [
    "DossierDocumentOut",
    "DossierItemOut",
    "DossierLinkOut",
    "DossierOut",
    "DossiersOut",
    "ErrorOut",
    "FacetOut",
    "FieldsIn",
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
    "SplitDocumentOut",
    "SplitIn",
    "SplitOut",
    "TextOut",
    "WhoAmIOut",
    "WithheldOut",
]

MIN_REASON_CHARS = 5


class ErrorOut(BaseModel):
    detail: str


class HitOut(BaseModel):
    id: str
    title: str
    snippet: str = Field(description="HTML-escaped text, matches wrapped in <mark>…</mark>")
    page: int | None = None
    score: float = Field(
        0.0,
        description="Always 0: a relevance score counts pages the caller may not see (hits come in order)",
    )
    access: AccessClass
    dossier: str | None = Field(default=None, description="The dossier (hồ sơ) it is a document of")


class FacetOut(BaseModel):
    value: str | int | bool
    count: int


class SearchOut(BaseModel):
    q: str
    total: int
    page: int
    per_page: int
    sort: Literal["relevance", "date", "dossier_order"]
    ranked: bool = Field(description="False: a broad query, ordered by exact spelling then date")
    role: Role
    masked: bool = Field(description="Personal data is masked in titles and snippets")
    hits: list[HitOut]
    facets: dict[str, list[FacetOut]]


class PageOut(BaseModel):
    number: int
    confidence: float
    needs_review: bool
    review_reasons: list[str] = Field(description="In Vietnamese, as a clerk reads them")
    review_reason_codes: list[str] = Field(
        default_factory=list, description="The kind of each review reason, machine-readable (api.vietnamese)"
    )
    width: int
    height: int
    image: str = Field(description="URL of the page image")


class DossierLinkOut(BaseModel):
    """The dossier a document belongs to, numbered as the caller's view of that dossier is."""

    id: str
    code: str | None
    order: int = Field(description="Số thứ tự văn bản among the documents the caller may see")
    pages: list[int] = Field(description="First and last page, in the caller's view of the dossier")


class VersionOut(BaseModel):
    """One version of a record's package: who wrote it, when and why."""

    number: int
    created: dt.datetime
    user: str | None
    message: str | None = Field(description="As written: a person's words, or sohoa's (in English)")
    why: str = Field(default="", description="Why it was written, in Vietnamese (as the web page says it)")


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
    classification: Classification = Field(description="Its review_reasons in Vietnamese")
    review_reason_codes: list[str] = Field(
        default_factory=list,
        description="The kind of each of classification.review_reasons, machine-readable (api.vietnamese)",
    )
    pages: list[PageOut]
    has_pdf: bool
    has_original: bool = Field(
        default=True, description="False for a document of a dossier: the original is the dossier's scan"
    )
    dossier: DossierLinkOut | None = Field(default=None, description="The dossier it is a document of")
    events: list[Event] | None = Field(default=None, description="Provenance; staff and archivists only")
    version: int | None = Field(default=None, description="The version shown; archivists only")
    versions: list[VersionOut] | None = Field(
        default=None, description="Every version of the record, oldest first; archivists only"
    )


class DossierDocumentOut(BaseModel):
    """One document of a dossier as the caller may see it (personal data masked for the public)."""

    id: str
    order: int = Field(description="Số thứ tự văn bản among the documents the caller may see")
    pages: list[int] = Field(description="First and last page")
    page_count: int
    number: str | None
    notation: str | None
    doc_type: str | None
    date: dt.date | None
    issuer: str | None
    subject: str | None
    access: AccessClass
    retention: str | None


class WithheldOut(BaseModel):
    """A document an archivist may list but not read (not_accessible): no content."""

    id: str
    order: int
    pages: list[int]
    access: AccessClass


class DossierItemOut(BaseModel):
    id: str
    code: str | None
    title: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    retention: str | None
    access: AccessClass | None = Field(description="Chế độ sử dụng: the most restricted document shown")
    pages: int
    documents: int = Field(description="Tổng số văn bản the caller may see")


class DossiersOut(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[DossierItemOut]


class DossierOut(BaseModel):
    """The dossier record (hồ sơ), its fields computed over the documents the caller may see."""

    id: str
    code: str | None
    title: str | None
    organ_id: str | None
    fonds_code: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    retention: str | None
    access: AccessClass | None = Field(description="Chế độ sử dụng: the most restricted document shown")
    pages: int = Field(description="Số lượng trang (archivists: the whole scan)")
    language: str
    reliability: str
    documents: list[DossierDocumentOut]
    withheld: list[WithheldOut] | None = Field(
        default=None, description="Archivists: documents listed only (not_accessible), never served"
    )
    review_reasons: list[str] | None = Field(default=None, description="Archivists only; in Vietnamese")
    review_reason_codes: list[str] | None = Field(
        default=None, description="Archivists only: the kind of each review reason (api.vietnamese)"
    )


class SplitIn(BaseModel):
    """Where the dossier's documents start: scan page numbers (page 1 always starts one)."""

    model_config = ConfigDict(extra="forbid")

    at: list[Annotated[int, Field(ge=1, le=100_000)]] = Field(min_length=1, max_length=10_000)


class SplitDocumentOut(BaseModel):
    id: str
    order: int
    pages: list[int] = Field(description="First and last scan page")


class SplitOut(BaseModel):
    """What a split did: the documents kept, read again (added) and withdrawn, and the dossier's
    documents now."""

    id: str
    kept: list[str]
    added: list[str]
    withdrawn: list[str]
    documents: list[SplitDocumentOut]


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
    review_reasons: list[str] = Field(description="In Vietnamese, as a clerk reads them")
    review_reason_codes: list[str] = Field(
        default_factory=list, description="The kind of each review reason, machine-readable (api.vietnamese)"
    )
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
    reasons: list[str] = Field(description="In Vietnamese, as a clerk reads them")
    reason_codes: list[str] = Field(
        default_factory=list, description="The kind of each reason, machine-readable (api.vietnamese)"
    )
    decisions: list[Decision]


class ReviewOut(BaseModel):
    total: int
    items: list[ReviewItem]


class FieldsIn(BaseModel):
    """Metadata corrections; a field sent as null is cleared, a field left out is kept."""

    model_config = ConfigDict(extra="forbid")

    number: str | None = Field(default=None, max_length=50)
    notation: str | None = Field(default=None, max_length=100)
    doc_type: str | None = Field(default=None, max_length=100)
    issuer: str | None = Field(default=None, max_length=300)
    parent_issuer: str | None = Field(default=None, max_length=300)
    place: str | None = Field(default=None, max_length=100)
    date: dt.date | None = None
    subject: str | None = Field(default=None, max_length=2000)
    secrecy: str | None = Field(default=None, max_length=50)
    urgency: str | None = Field(default=None, max_length=50)

    def given(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class OverrideIn(BaseModel):
    """An archivist's decision on a record. `reason` is required and recorded with it.

    `accept` confirms the machine's classification as it is; `override` changes what is given
    (at least one of access, retention, protect_until, fields). Taking a `not_accessible` record
    to any other class is a declassification: it needs `declassify: true` (the reason is the
    recorded human decision) and never happens otherwise. A decision that breaks these rules is
    refused with 409.
    """

    model_config = ConfigDict(extra="forbid")

    action: Literal["accept", "override"]
    reason: str = Field(
        max_length=2000,
        pattern=r"\S.*\S.*\S.*\S.*\S",
        description=f"Why; at least {MIN_REASON_CHARS} non-blank characters",
    )
    access: AccessClass | None = None
    retention: str | None = Field(default=None, max_length=100)
    protect_until: dt.date | None = None
    fields: FieldsIn = Field(default_factory=FieldsIn)
    declassify: StrictBool = Field(
        default=False, description="JSON true to declassify; a string or a number is refused (422)"
    )

    @property
    def changes(self) -> bool:
        return bool(
            self.access
            or (self.retention and self.retention.strip())
            or self.protect_until
            or self.fields.given()
        )


class OverrideOut(BaseModel):
    id: str
    access: AccessClass
    classification: Classification
    metadata: Metadata
    event: Event = Field(
        description="The review's event; the reasons it resolved in Vietnamese "
        "(parameters.reasons_resolved), their kinds in parameters.reasons_resolved_codes"
    )


class HealthOut(BaseModel):
    """Up or down, nothing more: what is wrong goes to the log, and counts are in /metrics."""

    status: Literal["ok", "degraded"]


class WhoAmIOut(BaseModel):
    role: Role
    name: str | None
    key_id: str | None
