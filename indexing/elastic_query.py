"""Elasticsearch request bodies for a SearchQuery, and the SearchResult of a response (pure).

The same semantics as the SQLite index (indexing.sqlite):

- every query part (a bare word or a "phrase") must match on ONE page, as a phrase, on either the
  exact key or the folded key (so phrases keep their folding);
- pages holding every part typed with diacritics in that exact spelling (the exact tier) come
  before all others; within a tier, BM25 with the exact key weighted well above the folded one.
  The tier is added as 1.0 to a BM25 score squashed into [0, 1) (s / (s + k)), so no BM25 score,
  however large, can lift a page over the tier;
- hits are records (one document per record, pages nested): a record's score is its best page's
  and that page comes back as the inner hit; ties go to the newest document, then the id;
- an empty query lists every record, newest first (date, then ingested_at, then id);
- filters apply to the record; `total` counts records, exactly.

Snippets are made from the best page's text by the shared `indexing.snippets.snippet`, as in the
SQLite index, so both backends mark the same words (see indexing/elastic.py on why).

A masked query (SearchQuery.masked, the public role) reads the keys the public may search
(`exact`, `folded`: the public form of a page holding personal data) and cuts snippets from the
public form; a full query reads the private keys of pages holding personal data instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from indexing.elastic_mapping import MAX_RESULT_WINDOW
from indexing.query import ParsedQuery, QueryPart
from indexing.snippets import snippet
from schemas import SearchFilters, SearchHit, SearchQuery, SearchResult
from vntext.normalise import search_key

__all__ = [
    "BEST_PAGE",
    "EXACT_WEIGHT",
    "FOLDED_WEIGHT",
    "SATURATION_K",
    "filter_clauses",
    "page_query",
    "search_body",
    "search_result",
]

EXACT_WEIGHT = 10.0
FOLDED_WEIGHT = 1.0
SATURATION_K = 5.0
BEST_PAGE = "best_page"  # the inner hits' name

_NEWEST_FIRST: list[dict[str, Any]] = [
    {"date": {"order": "desc", "missing": "_last"}},
    {"ingested_at": {"order": "desc"}},
    {"id": {"order": "asc"}},
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


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """Record-level filters; the values are keyed the way the documents are."""
    clauses: list[dict[str, Any]] = []
    if filters.doc_type is not None:
        clauses.append({"term": {"doc_type_key": search_key(filters.doc_type.strip())}})
    if filters.issuer is not None:
        clauses.append({"term": {"issuer_key": search_key(filters.issuer.strip())}})
    if filters.province is not None:
        wanted = search_key(filters.province.strip())
        either = [{"term": {"province_key": wanted}}, {"term": {"province_present_key": wanted}}]
        clauses.append({"bool": {"should": either, "minimum_should_match": 1}})
    if filters.year is not None:
        clauses.append({"term": {"year": filters.year}})
    if filters.needs_review is not None:
        clauses.append({"term": {"needs_review": filters.needs_review}})
    if filters.access is not None:
        access = sorted(set(filters.access))
        clauses.append({"terms": {"access": access}} if access else {"match_none": {}})
    return clauses


def _best_page(query: dict[str, Any], sort: list[Any]) -> dict[str, Any]:
    """A nested query over the pages that also returns the record's best page."""
    return {
        "nested": {
            "path": "pages",
            "score_mode": "max",
            "query": query,
            "inner_hits": {"name": BEST_PAGE, "size": 1, "sort": sort},
        }
    }


def search_body(query: SearchQuery, parsed: ParsedQuery) -> dict[str, Any]:
    """The `_search` body for `query` (already parsed into `parsed`)."""
    filters = filter_clauses(query.filters)
    body: dict[str, Any] = {"track_total_hits": True, "_source": ["id", "title"]}
    if parsed.is_empty:
        # Every record, pages or not; the first page (if any) comes back for the snippet.
        first_page = _best_page({"match_all": {}}, [{"pages.number": {"order": "asc"}}])
        must: list[dict[str, Any]] = [{"match_all": {}}]
        body["query"] = {"bool": {"must": must, "filter": filters, "should": [first_page]}}
        body["sort"] = _NEWEST_FIRST
    else:
        best = _best_page(
            page_query(parsed, query.masked),
            [{"_score": {"order": "desc"}}, {"pages.number": {"order": "asc"}}],
        )
        body["query"] = {"bool": {"must": [best], "filter": filters}}
        body["sort"] = _BEST_FIRST
        body["track_scores"] = True
    # Deeper than the result window there is nothing to show but the total.
    start = min(query.offset, MAX_RESULT_WINDOW)
    body["from"], body["size"] = start, max(0, min(query.limit, MAX_RESULT_WINDOW - start))
    return body


def _page_of(hit: dict[str, Any], masked: bool) -> tuple[int | None, str]:
    pages = hit.get("inner_hits", {}).get(BEST_PAGE, {}).get("hits", {}).get("hits", [])
    if not pages:
        return None, ""
    source = pages[0].get("_source", {})
    text = source.get("public_text") if masked and source.get("personal") else source.get("text")
    return source.get("number"), text or ""


def search_result(response: dict[str, Any], parsed: ParsedQuery, masked: bool = False) -> SearchResult:
    """The SearchResult of a `_search` response to `search_body` (masked: snippets from the
    public form of the page)."""
    hits = []
    for hit in response["hits"]["hits"]:
        number, text = _page_of(hit, masked)
        source = hit["_source"]
        hits.append(
            SearchHit(
                id=source["id"],
                score=hit.get("_score") or 0.0,
                title=source["title"],
                snippet=snippet(text, parsed.parts),
                page=number,
            )
        )
    return SearchResult(total=response["hits"]["total"]["value"], hits=hits)
