"""Search as a role sees it: the one function behind GET /search, the web page and the CLI.

The role decides, before the index is asked, which access classes are searched (a hard limit
on hits, totals and facets) and whether personal data is masked. For the public role the index
searches the public form of the pages only (SearchQuery.masked: personal data masked, as the
public sees it), so nobody can find a record by an ID, phone number, name or birth date they
could not see in it, however they write it. As defence in depth the query itself is masked too,
and a query that masks to nothing finds nothing (not every record); page text and titles are
masked before snippets are cut.

The public is told nothing that depends on records it may not see, nor on review state: no
needs_review filter or facet, no BM25 scores (the index weighs words over all its pages), and
whether a query was ranked is decided on the pages the caller may see (indexing.browse).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from application.access import Role, restrict, scope_for
from core.errors import BadInput
from indexing import SearchIndex
from indexing.arrays import FacetValue, Sort
from indexing.browse import Browser, BrowseRequest
from indexing.masking import mask_snippet, mask_text
from indexing.query import parse_query
from schemas import AccessClass, SearchFilters, SearchQuery, SearchResult

__all__ = ["Found", "SearchParams", "browse_request", "masked_to_nothing", "search_as"]

ValuesFor = Callable[[str], tuple[str, ...]]
REVIEW_FACETS = ("needs_review",)  # review state: not shown to the public


def _no_values(_record_id: str) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    doc_type: str | None = None
    year: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    issuer: str | None = None
    access: tuple[AccessClass, ...] | None = None
    needs_review: bool | None = None
    sort: Sort = "relevance"
    limit: int = 10
    offset: int = 0
    facet_limit: int | None = None  # values per facet (most frequent first); None: all


@dataclass(frozen=True)
class Found:
    result: SearchResult
    masked: bool
    ranked: bool = True
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    access: dict[str, AccessClass] = field(default_factory=dict)  # record id -> class, per hit


def browse_request(params: SearchParams, role: Role, values_for: ValuesFor = _no_values) -> BrowseRequest:
    """What the index is asked for `role` (pure): classes, filters, masked query and text."""
    scope = scope_for(role)
    filters = SearchFilters(
        doc_type=params.doc_type,
        year=params.year,
        issuer=params.issuer,
        access=list(params.access) if params.access is not None else None,
        needs_review=None if scope.masked else params.needs_review,  # review state is internal
    )
    q = mask_text(params.q) if scope.masked else params.q

    def redact(record_id: str, text: str) -> str:
        return mask_text(text, values_for(record_id))

    return BrowseRequest(
        query=SearchQuery(
            q=q,
            limit=params.limit,
            offset=params.offset,
            filters=restrict(filters, role),
            masked=scope.masked,
        ),
        visible=scope.classes,
        date_from=params.date_from,
        date_to=params.date_to,
        sort=params.sort,
        facet_limit=params.facet_limit,
        redact=redact if scope.masked else None,
    )


def masked_to_nothing(asked: str, masked: str) -> bool:
    """True when the words asked were all masked away: such a query finds nothing."""
    return not parse_query(asked).is_empty and parse_query(masked).is_empty


def search_as(
    index: SearchIndex,
    role: Role,
    params: SearchParams,
    *,
    browser: Browser | None = None,
    values_for: ValuesFor = _no_values,
) -> Found:
    """Search `index` as `role`. With a Browser (SQLite): facets, date range and sort by date;
    any other index: its own search, access classes and masking applied the same way."""
    request = browse_request(params, role, values_for)
    masked = scope_for(role).masked
    if masked and masked_to_nothing(params.q, request.query.q):  # only a masked query changes
        return Found(SearchResult(total=0, hits=[]), masked)
    if browser is not None:
        found = browser.browse(request)
        result, facets = found.result, found.facets
        if masked:
            result = _without_scores(result)
            facets = {name: values for name, values in facets.items() if name not in REVIEW_FACETS}
        return Found(result, masked, found.ranked, facets, found.access)
    if params.date_from or params.date_to or params.sort != "relevance":
        raise BadInput("Chỉ mục tìm kiếm này không hỗ trợ lọc theo khoảng ngày hay sắp xếp theo ngày.")
    result = index.search(request.query)
    if masked:
        hits = [
            hit.model_copy(
                update={
                    "title": mask_text(hit.title, values_for(hit.id)),
                    "snippet": mask_snippet(hit.snippet, values_for(hit.id)),
                }
            )
            for hit in result.hits
        ]
        result = _without_scores(result.model_copy(update={"hits": hits}))
    return Found(result, masked)


def _without_scores(result: SearchResult) -> SearchResult:
    """Hits without their scores: a BM25 score weighs a word by how many pages of the whole
    index hold it, hidden records' pages included, so the public is not told it."""
    return result.model_copy(update={"hits": [hit.model_copy(update={"score": 0.0}) for hit in result.hits]})
