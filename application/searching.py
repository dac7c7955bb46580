"""Search as a role sees it: the one function behind GET /search, the web page and the CLI.

The role decides, before the index is asked, the access scope of the search contract
(schemas/search.py): which access classes are searched (a hard limit on hits, totals and facets)
and whether personal data is masked. For the public role the index searches and shows the public
form of pages and titles only (personal data masked, as the public sees it), so nobody can find
a record by an ID, phone number, name or birth date they could not see in it, however they write
it. As defence in depth the query itself is masked too, and a query that masks to nothing finds
nothing (not every record); what comes back is masked once more by pattern (no stored values).

The public is told nothing that depends on records it may not see, nor on review state: only
archivists get the needs_review filter and facet (a flag may stand for a doubt about a page they
alone may see), and whether a query was ranked is decided on the pages the caller
may see (the index's contract). No role is told BM25 scores: an engine weighs a word by how many
pages of the whole index hold it and by their lengths, pages of classes the caller may not see
included (staff would learn of undetermined and secret pages, archivists of secret ones), so
every hit's score is 0; the order of the hits is the index's and is kept.
Every index engine answers the same contract: nothing here knows which one is behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from application.access import Role, restrict, scope_for, search_scope
from indexing.base import SearchIndex
from indexing.masking import mask_snippet, mask_text
from indexing.query import parse_query
from schemas import FACETS, AccessClass, SearchFilters, SearchQuery, SearchResult, Sort

__all__ = [
    "REVIEW_FACETS",
    "Found",
    "SearchParams",
    "empty_range",
    "masked_to_nothing",
    "search_as",
    "search_query",
]

REVIEW_FACETS = ("needs_review",)  # review state: not shown to the public


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    doc_type: str | None = None
    year: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    issuer: str | None = None
    province: str | None = None  # its name then or now (SearchFilters.province)
    dossier: str | None = None  # one dossier's documents (its id), under the scope like every filter
    access: tuple[AccessClass, ...] | None = None
    needs_review: bool | None = None
    sort: Sort = "relevance"
    limit: int = 10
    offset: int = 0
    facets: bool = True  # count the facets the role may see
    facet_limit: int | None = None  # values per facet (most frequent first); None: all


@dataclass(frozen=True)
class Found:
    """What the index answered (hits with their access classes, facets, ranked) and whether
    personal data was masked."""

    result: SearchResult
    masked: bool


def empty_range(params: SearchParams) -> bool:
    """A date range that ends before it starts: it holds no document (the contract refuses it)."""
    return params.date_from is not None and params.date_to is not None and params.date_from > params.date_to


def search_query(params: SearchParams, role: Role) -> SearchQuery:
    """What the index is asked for `role` (pure): scope, filters, facets, masked query.
    ValueError for an empty date range (see `empty_range`)."""
    scope = scope_for(role)
    filters = SearchFilters(
        doc_type=params.doc_type,
        year=params.year,
        issuer=params.issuer,
        province=params.province,
        access=list(params.access) if params.access is not None else None,
        needs_review=params.needs_review if scope.review_state else None,  # archivists' only
        date_from=params.date_from,
        date_to=params.date_to,
        dossier=params.dossier,
    )
    facets = tuple(f for f in FACETS if scope.review_state or f not in REVIEW_FACETS) if params.facets else ()
    return SearchQuery(
        q=mask_text(params.q) if scope.masked else params.q,
        limit=params.limit,
        offset=params.offset,
        filters=restrict(filters, role),
        sort=params.sort,
        facets=facets,
        facet_limit=params.facet_limit,
        scope=search_scope(role),
    )


def masked_to_nothing(asked: str, masked: str) -> bool:
    """True when the words asked were all masked away: such a query finds nothing."""
    return not parse_query(asked).is_empty and parse_query(masked).is_empty


def search_as(index: SearchIndex, role: Role, params: SearchParams) -> Found:
    """Search `index` as `role`: the index applies the scope; the public's answer is masked once
    more by pattern. No answer carries scores (module docstring), whatever the role. An empty
    date range finds nothing."""
    masked = scope_for(role).masked
    if empty_range(params):
        return Found(SearchResult(total=0), masked)
    query = search_query(params, role)
    if masked and masked_to_nothing(params.q, query.q):  # only a masked query changes
        return Found(SearchResult(total=0), masked)
    result = index.search(query)
    return Found(_public(result) if masked else _unscored(result), masked)


def _unscored(result: SearchResult) -> SearchResult:
    """The hits in the index's order, each with score 0 (module docstring: a score counts pages
    the caller may not see)."""
    hits = [hit.model_copy(update={"score": 0.0}) for hit in result.hits]
    return result.model_copy(update={"hits": hits})


def _public(result: SearchResult) -> SearchResult:
    """Hits masked again by pattern, without their scores."""
    hits = [
        hit.model_copy(
            update={"title": mask_text(hit.title), "snippet": mask_snippet(hit.snippet), "score": 0.0}
        )
        for hit in result.hits
    ]
    return result.model_copy(update={"hits": hits})
