"""GET /search: full-text search with filters, facets, highlighted snippets, paging and sort.

Under load a server process answers many searches at once, and they all need the index, which
answers one at a time (indexing/sqlite.py: one connection, a lock). The searches of a process
therefore go to one thread of their own, in the order they came (first come, first served):
no search waits behind later ones, as threads contending for a lock can, and the event loop
reads and answers other requests meanwhile. The access log's line for a search (written and
flushed to disk before the answer goes out, as always) is written from the thread pool, so a slow
disk delays that answer only. `sohoa serve --workers N` runs N such processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import caller_of, client_of, state_of
from api.models import ErrorOut, SearchOut
from api.reading import audit_reads
from api.search_pool import answer
from api.state import ApiState
from application.access import Caller, scope_for
from application.searching import Found, SearchParams, search_as
from schemas import AccessClass

__all__ = ["router", "run_search"]

router = APIRouter(tags=["search"])
MAX_PAGE = 1000

_searcher: ThreadPoolExecutor | None = None
_searcher_made = threading.Lock()


def _search_thread() -> ThreadPoolExecutor:
    """The one thread of this process that runs searches, in the order they were asked."""
    global _searcher
    with _searcher_made:
        if _searcher is None:
            _searcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sohoa-search")
        return _searcher


async def _caller(request: Request) -> Caller:
    """caller_of, run on the event loop (a plain function dependency would take a thread)."""
    return caller_of(request)


def run_search(state: ApiState, caller: Caller, params: SearchParams, client: str | None) -> Found:
    """Search as `caller` and log the non-public records whose snippets were served (each hit
    carries the access class it is indexed with)."""
    if state.pool is not None:
        found = state.pool.search_sync(caller.role, params)  # type: ignore[arg-type]
    else:
        found = search_as(state.index, caller.role, params)  # type: ignore[arg-type]
    _audit(state, caller, params, client, found)
    return found


def _audit(state: ApiState, caller: Caller, params: SearchParams, client: str | None, found: Found) -> None:
    access = {hit.id: hit.access for hit in found.result.hits}
    audit_reads(state, caller, client, "search", access, {"q": params.q})


@router.get(
    "/search",
    response_model=SearchOut,
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 503: {"model": ErrorOut}},
    summary="Search the archive (accent-insensitive)",
)
async def search(
    request: Request,
    caller: Annotated[Caller, Depends(_caller)],
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
    if state.pool is not None:
        body, access_of = await state.pool.answer(caller.role, params, page)  # type: ignore[arg-type]
    else:
        body, access_of = await asyncio.get_running_loop().run_in_executor(
            _search_thread(), answer, state.index, caller.role, params, page
        )
    if any(access in scope_for(caller.role).audited for access in access_of.values()):
        # logged (and on disk) before the answer goes out, from the thread pool: a slow disk
        # holds this answer, not the searches queued behind it
        client = client_of(request)
        detail = {"q": params.q}
        await run_in_threadpool(audit_reads, state, caller, client, "search", access_of, detail)
    return Response(body, media_type="application/json")  # type: ignore[return-value]
