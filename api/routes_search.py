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
from schemas import AccessClass

__all__ = ["router", "run_search"]

router = APIRouter(tags=["search"])
MAX_PAGE = 1000


def run_search(state: ApiState, caller: Caller, params: SearchParams, client: str | None) -> Found:
    """Search as `caller` and log the non-public records whose snippets were served (each hit
    carries the access class it is indexed with)."""
    found = search_as(state.index, caller.role, params)  # type: ignore[arg-type]
    access = {hit.id: hit.access for hit in found.result.hits}
    audit_reads(state, caller, client, "search", access, {"q": params.q})
    return found


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
    province: Annotated[
        str | None, Query(max_length=100, description="Province by its name then or now, e.g. Vĩnh Phúc")
    ] = None,
    access: Annotated[list[AccessClass] | None, Query(description="Access classes (repeat)")] = None,
    needs_review: bool | None = None,
    dossier: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{8,64}$", description="This dossier's documents only (its id)")
    ] = None,
    sort: Literal["relevance", "date", "dossier_order"] = "relevance",
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
        province=province or None,
        dossier=dossier or None,
        access=tuple(access) if access else None,
        needs_review=needs_review,
        sort=sort,
        limit=per_page,
        offset=(page - 1) * per_page,
        facet_limit=facet_limit,
    )
    found = run_search(state, caller, params, client_of(request))
    return SearchOut(
        q=q,
        total=found.result.total,
        page=page,
        per_page=per_page,
        sort=sort,
        ranked=found.result.ranked,
        role=caller.role,
        masked=found.masked,
        hits=[
            HitOut(
                id=hit.id,
                title=hit.title,
                snippet=hit.snippet,
                page=hit.page,
                score=hit.score,
                access=hit.access,
                dossier=hit.dossier,  # its order is not shown: it would count hidden documents
            )
            for hit in found.result.hits
        ],
        facets={
            name: [FacetOut(value=v.value, count=v.count) for v in values]
            for name, values in found.result.facets.items()
        },
    )
