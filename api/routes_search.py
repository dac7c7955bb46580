"""GET /search: full-text search with filters, facets, highlighted snippets, paging and sort."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from api.auth import caller_of, client_of, state_of
from api.models import ErrorOut, FacetOut, HitOut, SearchOut
from api.reading import audit_reads
from api.state import ApiState
from application.access import Caller
from application.searching import Found, SearchParams, search_as
from core.errors import NotFound
from schemas import AccessClass
from storage import read_record

__all__ = ["hit_access", "router", "run_search"]

router = APIRouter(tags=["search"])
MAX_PAGE = 1000


def run_search(
    state: ApiState, caller: Caller, params: SearchParams, client: str | None
) -> tuple[Found, dict[str, AccessClass]]:
    """Search as `caller` and log the non-public records whose snippets were served; also
    returns each hit's access class."""
    found = search_as(
        state.index,
        caller.role,
        params,
        browser=state.browser,
        values_for=state.personal_values,
    )
    access = hit_access(state, found)
    audit_reads(state, caller, client, "search", access, {"q": params.q})
    return found, access


def hit_access(state: ApiState, found: Found) -> dict[str, AccessClass]:
    """Each hit's access class: from the browse result, else from the stored record."""
    access = dict(found.access)
    for hit in found.result.hits:
        if hit.id not in access:
            try:
                access[hit.id] = read_record(state.store, hit.id, with_words=False).classification.access
            except NotFound:
                access[hit.id] = "not_accessible"
    return access


@router.get(
    "/search",
    response_model=SearchOut,
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 503: {"model": ErrorOut}},
    summary="Search the archive (accent-insensitive)",
)
def search(
    request: Request,
    caller: Annotated[Caller, Depends(caller_of)],
    q: Annotated[str, Query(max_length=500, description='Words (ANDed); "quotes" for a phrase')] = "",
    doc_type: Annotated[
        str | None, Query(max_length=200, description="Document type, e.g. Quyết định")
    ] = None,
    year: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    date_from: Annotated[dt.date | None, Query(description="Documents dated on or after")] = None,
    date_to: Annotated[dt.date | None, Query(description="Documents dated on or before")] = None,
    issuer: Annotated[str | None, Query(max_length=300)] = None,
    access: Annotated[list[AccessClass] | None, Query(description="Access classes (repeat)")] = None,
    needs_review: bool | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 10,
    facet_limit: Annotated[
        int, Query(ge=0, le=1000, description="Values per facet, most frequent first")
    ] = 20,
) -> SearchOut:
    """Hits are the records the caller may see; the public sees personal data masked."""
    state = state_of(request)
    params = SearchParams(
        q=q,
        doc_type=doc_type or None,
        year=year,
        date_from=date_from,
        date_to=date_to,
        issuer=issuer or None,
        access=tuple(access) if access else None,
        needs_review=needs_review,
        sort=sort,
        limit=per_page,
        offset=(page - 1) * per_page,
        facet_limit=facet_limit,
    )
    found, access_of = run_search(state, caller, params, client_of(request))
    return SearchOut(
        q=q,
        total=found.result.total,
        page=page,
        per_page=per_page,
        sort=sort,
        ranked=found.ranked,
        role=caller.role,
        masked=found.masked,
        hits=[
            HitOut(
                id=hit.id,
                title=hit.title,
                snippet=hit.snippet,
                page=hit.page,
                score=hit.score,
                access=access_of[hit.id],
            )
            for hit in found.result.hits
        ],
        facets={
            name: [FacetOut(value=v.value, count=v.count) for v in values]
            for name, values in found.facets.items()
        },
    )
