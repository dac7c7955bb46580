"""Elasticsearch request bodies for the search contract (schemas/search.py), and the results of
their responses (pure, no I/O).

The same semantics as the SQLite index (indexing.sqlite, indexing.browse, indexing.arrays):

- every query part (a bare word or a "phrase") must match on ONE page, as a phrase, on either the
  exact key or the folded key (so phrases keep their folding);
- pages holding every part typed with diacritics in that exact spelling (the exact tier) come
  before all others; within a tier, BM25 with the exact key weighted well above the folded one.
  The tier is added as 1.0 to a BM25 score squashed into [0, 1) (s / (s + k)), so no BM25 score,
  however large, can lift a page over the tier;
- hits are records (one document per record, pages nested): a record's score is its best page's
  and that page comes back as the inner hit; ties go to the newest document, then the id.
  Elasticsearch scores every match, so a result is always `ranked`;
- sort by date, and an empty query: newest first, undated last, then newest ingested, then id;
- the access scope is a hard limit: its classes filter the query itself, so records outside it
  are neither counted, faceted nor returned; the date range and the dossier filter too apply to
  hits and facets alike (no facet is theirs);
- sort by dossier order: dossier id, then the order in it, records outside a dossier last, then
  as by date;
- the caller's filters (doc_type, issuer, province then or now, year, needs_review, access) are
  the `post_filter`, so they narrow the hits and the total, while each requested facet is an
  aggregation under every filter but its own (the standard faceted-search shape): the other
  values of a filtered facet stay visible;
- facets: the most frequent `facet_limit` values (ties by value), years latest first, access
  classes and review flags in their fixed order, as indexing.arrays counts them. A keyed facet
  (doc_type, issuer, province) is counted per search key and labelled with its most frequent
  spelling among the records counted (SQLite too). Where values tie at the cut, Elasticsearch keeps the first
  by search key and SQLite by label; the two differ only for labels whose order changes with
  letter case;
- `content=False`: `_source` holds the access class and dossier fields alone and no page comes
  back: hits carry ids, access classes and their dossier and order only. Every hit's access
  class comes from `_source`, never from storage.

Snippets are made from the best page's text by the shared `indexing.snippets.snippet`, as in the
SQLite index, so both backends mark the same words (see indexing/elastic.py on why).

A masked scope (the public role) reads the public fields alone (indexing.elastic_mapping): the
keys `exact`/`folded` in its query, the public forms of doc_type, issuer, provinces and
retention in its filters and facets, the public `text` of pages and the public `title` in the
`_source` it asks for, so a masked value is neither matched, counted, labelled nor sent back.
A full scope reads a page holding personal data on its private keys and shows its private text
and title.

Which indexes a search addresses (`searched_classes`): the class indexes of its scope, no other
(indexing.elastic_mapping: one index per access class, each scored on its own statistics). The
public's search names the public index alone; an empty scope (a metrics key) names it too, with a
body that matches nothing. The scope's `access` filter stays in the body all the same. A search
over several class indexes gathers each facet's values from every index (`shard_size`: all of
them), so its counts are exact as on one index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from indexing.elastic_mapping import MAX_RESULT_WINDOW
from indexing.query import ParsedQuery, QueryPart
from indexing.snippets import snippet
from schemas import (
    FacetName,
    FacetValue,
    IndexStats,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from schemas.record import ACCESS_CLASSES, AccessClass
from vntext.normalise import search_key

__all__ = [
    "ACCESS_CLASSES",
    "BEST_PAGE",
    "EXACT_WEIGHT",
    "FACET_ALL",
    "FOLDED_WEIGHT",
    "SATURATION_K",
    "facet_aggregations",
    "facet_values",
    "filter_clauses",
    "index_stats",
    "page_query",
    "scope_clauses",
    "search_body",
    "search_result",
    "searched_classes",
    "stats_body",
]

log = logging.getLogger(__name__)

EXACT_WEIGHT = 10.0
FOLDED_WEIGHT = 1.0
SATURATION_K = 5.0
BEST_PAGE = "best_page"  # the inner hits' name
FACET_ALL = 10_000  # buckets asked for when every value of a facet is wanted (facet_limit None)

_NEWEST_FIRST: list[dict[str, Any]] = [
    {"date": {"order": "desc", "missing": "_last"}},
    {"ingested_at": {"order": "desc"}},
    {"id": {"order": "asc"}},
]
_DOSSIER_FIRST: list[dict[str, Any]] = [
    {"dossier": {"order": "asc", "missing": "_last"}},
    {"dossier_order": {"order": "asc", "missing": "_last"}},
    *_NEWEST_FIRST,
]
_BEST_FIRST: list[Any] = [
    {"_score": {"order": "desc"}},
    {"date": {"order": "desc", "missing": "_last"}},
    {"id": {"order": "asc"}},
]


def _phrase(field: str, tokens: tuple[str, ...], boost: float | None = None) -> dict[str, Any]:
    clause: dict[str, Any] = {"query": " ".join(tokens)}
    if boost is not None:
        clause["boost"] = boost
    return {"match_phrase": {field: clause}}


_OWN_KEYS = ("pages.exact", "pages.folded")
_PRIVATE_KEYS = ("pages.private_exact", "pages.private_folded")
_PERSONAL = {"term": {"pages.personal": True}}


def _part_clause(part: QueryPart, keys: tuple[str, str] = _OWN_KEYS) -> dict[str, Any]:
    """One part, as a phrase, on either key of a page."""
    exact, folded = keys
    return {
        "bool": {
            "should": [_phrase(exact, part.exact, EXACT_WEIGHT), _phrase(folded, part.folded, FOLDED_WEIGHT)],
            "minimum_should_match": 1,
        }
    }


def _on_text(clauses: Callable[[tuple[str, str]], list[dict[str, Any]]], masked: bool) -> dict[str, Any]:
    """All `clauses` on the keys the public may search; full: a page holding personal data on
    its private keys (its full text)."""
    if masked:
        return {"bool": {"must": clauses(_OWN_KEYS)}}
    own = {"bool": {"must": clauses(_OWN_KEYS), "must_not": [_PERSONAL]}}
    private = {"bool": {"must": clauses(_PRIVATE_KEYS)}}
    return {"bool": {"should": [own, private], "minimum_should_match": 1}}


def _exact_tier(parsed: ParsedQuery, masked: bool = False) -> dict[str, Any] | None:
    """1.0 for a page holding every part typed with diacritics in that exact spelling."""
    marked = [part for part in parsed.parts if part.exact != part.folded]
    if not marked:
        return None
    matched = _on_text(lambda keys: [_phrase(keys[0], part.exact) for part in marked], masked)
    return {"constant_score": {"filter": matched, "boost": 1.0}}


def page_query(parsed: ParsedQuery, masked: bool = False) -> dict[str, Any]:
    """The query one page must match, scored tier + s / (s + k) with s its BM25 score."""
    relevance = {
        "script_score": {
            "query": _on_text(lambda keys: [_part_clause(part, keys) for part in parsed.parts], masked),
            "script": {"source": "_score / (_score + params.k)", "params": {"k": SATURATION_K}},
        }
    }
    tier = _exact_tier(parsed, masked)
    if tier is None:
        return relevance
    return {"bool": {"must": [relevance], "should": [tier]}}


def _metadata_field(name: str, masked: bool) -> str:
    """The field of a metadata value the scope may read: its public form, or the full value."""
    return name if masked else f"private_{name}"


def filter_clauses(filters: SearchFilters, masked: bool = False) -> dict[FacetName, dict[str, Any]]:
    """The caller's record filters, each keyed by the facet it narrows (values keyed the way the
    documents are; masked: compared with the public forms of doc_type, issuer and the provinces,
    so a masked value answers as a made-up one); the date range and the dossier are not among them
    (scope_clauses)."""
    clauses: dict[FacetName, dict[str, Any]] = {}
    if filters.doc_type is not None:
        field = _metadata_field("doc_type_key", masked)
        clauses["doc_type"] = {"term": {field: search_key(filters.doc_type.strip())}}
    if filters.issuer is not None:
        field = _metadata_field("issuer_key", masked)
        clauses["issuer"] = {"term": {field: search_key(filters.issuer.strip())}}
    if filters.province is not None:  # the province named on the document's date, or today's
        wanted = search_key(filters.province.strip())
        either = [
            {"term": {_metadata_field("province_key", masked): wanted}},
            {"term": {_metadata_field("province_present_key", masked): wanted}},
        ]
        clauses["province"] = {"bool": {"should": either, "minimum_should_match": 1}}
    if filters.year is not None:
        clauses["year"] = {"term": {"year": filters.year}}
    if filters.needs_review is not None:
        clauses["needs_review"] = {"term": {"needs_review": filters.needs_review}}
    if filters.access is not None:
        access = sorted(set(filters.access))
        clauses["access"] = {"terms": {"access": access}} if access else {"match_none": {}}
    return clauses


def scope_clauses(query: SearchQuery) -> list[dict[str, Any]]:
    """What limits hits, totals and every facet alike: the scope's classes, the date range and
    the dossier."""
    clauses: list[dict[str, Any]] = []
    if query.scope.classes is not None:
        classes = sorted(set(query.scope.classes))
        clauses.append({"terms": {"access": classes}} if classes else {"match_none": {}})
    filters = query.filters
    if filters.date_from is not None or filters.date_to is not None:
        bounds = {"format": "strict_date"}  # both bounds inclusive; undated records never match
        if filters.date_from is not None:
            bounds["gte"] = filters.date_from.isoformat()
        if filters.date_to is not None:
            bounds["lte"] = filters.date_to.isoformat()
        clauses.append({"range": {"date": bounds}})
    if filters.dossier is not None:  # an id: compared as it is
        clauses.append({"term": {"dossier": filters.dossier}})
    return clauses


def searched_classes(query: SearchQuery) -> tuple[AccessClass, ...]:
    """The access classes whose indexes a search for `query` addresses: its scope's, in the order
    of ACCESS_CLASSES; every class when the scope names none; the public class alone for an empty
    scope, whose body matches nothing (scope_clauses)."""
    if query.scope.classes is None:
        return ACCESS_CLASSES
    wanted = set(query.scope.classes)
    return tuple(klass for klass in ACCESS_CLASSES if klass in wanted) or ("public",)


def _all_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


# facet -> (field counted, field holding its label); keyed facets are counted per search key.
_FACET_FIELDS: dict[FacetName, tuple[str, str | None]] = {
    "doc_type": ("doc_type_key", "doc_type"),
    "issuer": ("issuer_key", "issuer"),
    "province": ("province_present_key", "province_present"),  # the province it lies in today
    "retention": ("retention", None),
    "year": ("year", None),
    "access": ("access", None),
    "needs_review": ("needs_review", None),
}
_TWO_FORMS = ("doc_type", "issuer", "province", "retention")  # values in public and in full form
FACET = "values"  # the terms aggregation inside each facet's filter aggregation
LABEL = "label"


def _facet_terms(name: FacetName, limit: int | None, masked: bool, spread: bool = False) -> dict[str, Any]:
    """`spread`: the search addresses several indexes, each sends every value it holds (exact
    counts once merged, as on one index)."""
    field, label = _FACET_FIELDS[name]
    if name in _TWO_FORMS:
        field, label = _metadata_field(field, masked), label and _metadata_field(label, masked)
    if name == "access":
        terms: dict[str, Any] = {"field": field, "size": len(ACCESS_CLASSES)}
    elif name == "needs_review":
        terms = {"field": field, "size": 2}
    elif name == "year":
        terms = {"field": field, "size": limit or FACET_ALL, "order": {"_key": "desc"}}
    else:
        terms = {"field": field, "size": limit or FACET_ALL}
    labels: dict[str, Any] = {"field": label, "size": 1}
    if spread:
        terms["shard_size"] = labels["shard_size"] = FACET_ALL
    aggregation: dict[str, Any] = {"terms": terms}
    if label is not None:
        aggregation["aggs"] = {LABEL: {"terms": labels}}
    return aggregation


def facet_aggregations(query: SearchQuery, owned: dict[FacetName, dict[str, Any]]) -> dict[str, Any]:
    """One aggregation per requested facet, each under every filter in `owned` but its own.
    With facet_limit 0 no values are wanted: nothing is aggregated (facet_values answers [])."""
    if query.facet_limit == 0:
        return {}
    spread = len(searched_classes(query)) > 1
    return {
        name: {
            "filter": _all_of([clause for facet, clause in owned.items() if facet != name]),
            "aggs": {FACET: _facet_terms(name, query.facet_limit, query.scope.masked, spread)},
        }
        for name in dict.fromkeys(query.facets)
    }


_DOSSIER_FIELDS = ("dossier", "dossier_order")


def _source(query: SearchQuery) -> list[str]:
    """The record fields a hit brings back: never a private field for a masked scope."""
    if not query.content:
        return ["access", *_DOSSIER_FIELDS]
    titles = ["title"] if query.scope.masked else ["title", "private_title"]
    return [*titles, "access", *_DOSSIER_FIELDS]


def _page_source(query: SearchQuery) -> list[str]:
    """The page fields the best page brings back (full paths, as Elasticsearch takes them)."""
    fields = ["pages.number", "pages.text"]
    return fields if query.scope.masked else [*fields, "pages.private_text"]


def _best_page(query: dict[str, Any], sort: list[Any], source: list[str] | None) -> dict[str, Any]:
    """A nested query over the pages; with `source`, it also returns the record's best page."""
    nested: dict[str, Any] = {"path": "pages", "score_mode": "max", "query": query}
    if source is not None:
        nested["inner_hits"] = {"name": BEST_PAGE, "size": 1, "sort": sort, "_source": source}
    return {"nested": nested}


def search_body(query: SearchQuery, parsed: ParsedQuery) -> dict[str, Any]:
    """The `_search` body for `query` (already parsed into `parsed`)."""
    owned = filter_clauses(query.filters, query.scope.masked)
    limits = scope_clauses(query)
    page_source = _page_source(query) if query.content else None
    body: dict[str, Any] = {"track_total_hits": True, "_source": _source(query)}
    if parsed.is_empty:
        # Every record, pages or not; the first page (if any) comes back for the snippet.
        bool_query: dict[str, Any] = {"must": [{"match_all": {}}], "filter": limits}
        if page_source is not None:
            by_number = [{"pages.number": {"order": "asc"}}]
            bool_query["should"] = [_best_page({"match_all": {}}, by_number, page_source)]
        body["query"] = {"bool": bool_query}
    else:
        best = _best_page(
            page_query(parsed, query.scope.masked),
            [{"_score": {"order": "desc"}}, {"pages.number": {"order": "asc"}}],
            page_source,
        )
        body["query"] = {"bool": {"must": [best], "filter": limits}}
        body["track_scores"] = True
    if query.sort == "dossier_order":
        body["sort"] = _DOSSIER_FIRST
    else:
        body["sort"] = _BEST_FIRST if not parsed.is_empty and query.sort == "relevance" else _NEWEST_FIRST
    if owned:
        body["post_filter"] = _all_of(list(owned.values()))
    if aggregations := facet_aggregations(query, owned):
        body["aggs"] = aggregations
    # Deeper than the result window there is nothing to show but the total.
    start = min(query.offset, MAX_RESULT_WINDOW)
    body["from"], body["size"] = start, max(0, min(query.limit, MAX_RESULT_WINDOW - start))
    return body


# ---- responses ----


def _page_of(hit: dict[str, Any], masked: bool) -> tuple[int | None, str]:
    pages = hit.get("inner_hits", {}).get(BEST_PAGE, {}).get("hits", {}).get("hits", [])
    if not pages:
        return None, ""
    source = pages[0].get("_source", {})
    text = source.get("text") if masked else source.get("private_text") or source.get("text")
    return source.get("number"), text or ""


def _hit(hit: dict[str, Any], query: SearchQuery, parsed: ParsedQuery) -> SearchHit:
    source = hit.get("_source", {})
    access = source.get("access")  # a class this sohoa does not know: the most closed one
    access = access if access in ACCESS_CLASSES else "not_accessible"
    order = source.get("dossier_order")
    found = SearchHit(
        id=hit["_id"],
        score=hit.get("_score") or 0.0,
        title="",
        snippet="",
        access=access,
        dossier=source.get("dossier"),
        order=int(order) if order is not None else None,
    )
    if not query.content:
        return found
    number, text = _page_of(hit, query.scope.masked)
    title = source.get("title") if query.scope.masked else source.get("private_title") or source.get("title")
    return found.model_copy(
        update={"title": title or "", "snippet": snippet(text, parsed.parts), "page": number}
    )


def _bucket_value(name: FacetName, bucket: dict[str, Any]) -> str | int | bool:
    if name == "needs_review":  # a boolean field's buckets are keyed 1 / 0
        return bool(bucket["key"])
    if name == "year":
        return int(bucket["key"])
    labels = bucket.get(LABEL, {}).get("buckets", [])
    return labels[0]["key"] if labels else bucket["key"]


def facet_values(name: FacetName, aggregation: dict[str, Any] | None, limit: int | None) -> list[FacetValue]:
    """The values of one facet from its aggregation in a response, in the contract's order."""
    if aggregation is None or limit == 0:
        return []
    buckets = aggregation[FACET]["buckets"]
    values = [
        FacetValue(value=_bucket_value(name, b), count=b["doc_count"]) for b in buckets if b["doc_count"]
    ]
    if name == "access":
        values.sort(
            key=lambda v: ACCESS_CLASSES.index(v.value) if v.value in ACCESS_CLASSES else len(ACCESS_CLASSES)
        )
    elif name == "needs_review":
        values.sort(key=lambda v: not v.value)  # True first
    elif name == "year":
        values.sort(key=lambda v: -int(v.value))
    else:
        values.sort(key=lambda v: (-v.count, str(v.value)))
    return values[:limit]


def _allowed(query: SearchQuery) -> set[str]:
    """The classes a hit may have: in the scope, and in the caller's access filter."""
    allowed = set(ACCESS_CLASSES if query.scope.classes is None else query.scope.classes)
    return allowed if query.filters.access is None else allowed & set(query.filters.access)


def search_result(response: dict[str, Any], query: SearchQuery, parsed: ParsedQuery) -> SearchResult:
    """The SearchResult of a `_search` response to `search_body(query, parsed)`. Each hit's class
    is checked against the scope again (as the SQLite index checks its hits): a hit outside it (a
    wrong alias, a body regression) is dropped and logged, never served."""
    aggregations = response.get("aggregations", {})
    allowed, hits = _allowed(query), []
    for found in (_hit(hit, query, parsed) for hit in response["hits"]["hits"]):
        if found.access in allowed:
            hits.append(found)
        else:
            log.warning("search: hit %s of class %s outside the scope dropped", found.id, found.access)
    return SearchResult(
        total=response["hits"]["total"]["value"],
        hits=hits,
        facets={
            name: facet_values(name, aggregations.get(name), query.facet_limit)
            for name in dict.fromkeys(query.facets)
        },
        ranked=True,  # Elasticsearch scores every match
    )


# ---- stats ----


def stats_body() -> dict[str, Any]:
    """Records (the total), pages, records needing review and records per access class."""
    return {
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "pages": {"sum": {"field": "page_count"}},
            "needs_review": {"filter": {"term": {"needs_review": True}}},
            "access": {"terms": {"field": "access", "size": len(ACCESS_CLASSES)}},
        },
    }


def index_stats(response: dict[str, Any]) -> IndexStats:
    """IndexStats from the response to stats_body(); every access class is named, 0 included
    (a class the index does not know counts as not accessible, as in the SQLite index)."""
    aggregations = response["aggregations"]
    by_access = dict.fromkeys(ACCESS_CLASSES, 0)
    for bucket in aggregations["access"]["buckets"]:
        klass = bucket["key"] if bucket["key"] in by_access else "not_accessible"
        by_access[klass] += bucket["doc_count"]
    return IndexStats(
        records=response["hits"]["total"]["value"],
        pages=int(aggregations["pages"]["value"] or 0),
        needs_review=aggregations["needs_review"]["doc_count"],
        by_access=by_access,
    )
