"""Search requests and results, shared by every index backend and the API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.record import AccessClass


class SearchFilters(BaseModel):
    doc_type: str | None = None
    year: int | None = None
    issuer: str | None = None
    # A province by its name then or now: 'Phú Thọ' finds records issued in Vĩnh Phúc before
    # 1 July 2025 (now part of Phú Thọ), 'Vĩnh Phúc' finds them too.
    province: str | None = None
    access: list[AccessClass] | None = None
    needs_review: bool | None = None


class SearchQuery(BaseModel):
    """`q` is free text: bare words are ANDed, "double quotes" make a phrase."""

    q: str = ""
    limit: int = Field(default=10, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    masked: bool = Field(
        default=False,
        description="Search the public form of the pages only (personal data masked) and cut "
        "snippets from it: what the public role may search",
    )


class SearchHit(BaseModel):
    id: str
    score: float
    title: str
    snippet: str = Field(description="HTML-escaped text with matches wrapped in <mark>…</mark>")
    page: int | None = None


class SearchResult(BaseModel):
    total: int
    hits: list[SearchHit] = Field(default_factory=list)
