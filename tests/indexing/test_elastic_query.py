"""The Elasticsearch request bodies and response parsing, without a server.

No Elasticsearch can run on the development machines, so every body `ElasticIndex.search` and
`stats` send is checked here for its shape, and the parsing of responses written as
Elasticsearch 8 returns them; what the cluster does with them is the conformance suite's part
(test_elastic_conformance.py, with ELASTICSEARCH_URL).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from indexing.elastic_mapping import MAX_RESULT_WINDOW
from indexing.elastic_query import (
    BEST_PAGE,
    EXACT_WEIGHT,
    FACET_ALL,
    FOLDED_WEIGHT,
    filter_clauses,
    index_stats,
    page_query,
    search_body,
    search_result,
    searched_classes,
    stats_body,
)
from indexing.query import parse_query
from schemas import AccessScope, FacetValue, IndexStats, SearchFilters, SearchQuery
from tests.indexing.conformance import JUNK_QUERIES, marked

# Query types the builders may emit: none of them parses user text as syntax.
SAFE_LEAVES = {"match_phrase", "match_all", "match_none", "term", "terms", "range"}
COMPOUND = {"bool", "nested", "constant_score", "script_score"}


def make_query(q: str = "", **kwargs: Any) -> SearchQuery:
    filters = kwargs.pop("filters", {})
    scope = AccessScope(classes=kwargs.pop("classes", None), masked=kwargs.pop("masked", False))
    return SearchQuery(q=q, filters=SearchFilters(**filters), scope=scope, **kwargs)


def body(q: str = "", **kwargs: Any) -> dict[str, Any]:
    return search_body(make_query(q, **kwargs), parse_query(q))


def query_types(node: Any) -> set[str]:
    """Every query clause type used in a query tree."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= query_types(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in SAFE_LEAVES:
                found.add(key)
            elif key in COMPOUND:
                found.add(key)
                found |= query_types(value)
            elif key in ("must", "should", "filter", "must_not", "query"):
                found |= query_types(value)
            elif key not in ("script", "inner_hits", "path", "score_mode", "boost", "minimum_should_match"):
                found.add(f"?{key}")
    return found


def leaves(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every `kind` clause in a query tree, in order."""
    if isinstance(node, list):
        return [leaf for item in node for leaf in leaves(item, kind)]
    if isinstance(node, dict):
        here = [node[kind]] if kind in node else []
        return here + [leaf for key, value in node.items() if key != kind for leaf in leaves(value, kind)]
    return []


def phrases(node: Any) -> list[tuple[str, str, float | None]]:
    """(field, query text, boost) of every match_phrase."""
    found = []
    for clause in leaves(node, "match_phrase"):
        ((field, spec),) = clause.items()
        found.append((field, spec["query"], spec.get("boost")))
    return found


# -- text queries --------------------------------------------------------------------------


def test_each_part_is_a_phrase_on_either_key_with_exact_weighted_up() -> None:
    query = page_query(parse_query('Đảng ủy "Vĩnh Phúc"'), masked=True)  # the keys alone
    relevance = query["bool"]["must"][0]["script_score"]["query"]
    assert phrases(relevance) == [
        ("pages.exact", "đảng", EXACT_WEIGHT),
        ("pages.folded", "dang", FOLDED_WEIGHT),
        ("pages.exact", "ủy", EXACT_WEIGHT),
        ("pages.folded", "uy", FOLDED_WEIGHT),
        ("pages.exact", "vĩnh phúc", EXACT_WEIGHT),
        ("pages.folded", "vinh phuc", FOLDED_WEIGHT),
    ]
    for part in relevance["bool"]["must"]:
        assert part["bool"]["minimum_should_match"] == 1


def test_query_tones_are_canonical_like_the_document_keys() -> None:
    assert phrases(page_query(parse_query("hoà")))[0] == ("pages.exact", "hòa", EXACT_WEIGHT)


def test_exact_tier_holds_every_part_typed_with_diacritics() -> None:
    query = page_query(parse_query('vinh "Phúc lợi" năm'), masked=True)
    (tier,) = query["bool"]["should"]
    assert tier["constant_score"]["boost"] == 1.0
    assert phrases(tier) == [("pages.exact", "phúc lợi", None), ("pages.exact", "năm", None)]


def test_no_exact_tier_without_diacritics() -> None:
    query = page_query(parse_query("vinh phuc"))
    assert set(query) == {"script_score"}


def test_relevance_is_squashed_below_the_tier() -> None:
    script = page_query(parse_query("phúc"))["bool"]["must"][0]["script_score"]["script"]
    k = script["params"]["k"]
    squash = eval(script["source"].replace("params.k", "k"), {"k": k, "_score": 0.0})  # noqa: S307
    assert squash == 0.0
    for score in (0.01, 1.0, 50.0, 1e6):
        value = eval(script["source"].replace("params.k", "k"), {"k": k, "_score": score})  # noqa: S307
        assert 0 < value < 1


@pytest.mark.parametrize("q", JUNK_QUERIES + ['Đảng "ủy', "a AND b OR c", "title:x^2 ~1"])
def test_user_text_never_reaches_a_query_parser(q: str) -> None:
    built = body(q)
    assert query_types(built["query"]) <= SAFE_LEAVES | COMPOUND
    json.dumps(built)


def test_text_query_body_groups_pages_per_record() -> None:
    built = body("kho lưu trữ", limit=20, offset=40)
    nested = built["query"]["bool"]["must"][0]["nested"]
    assert nested["path"] == "pages" and nested["score_mode"] == "max"
    assert nested["inner_hits"] == {
        "name": BEST_PAGE,
        "size": 1,
        "sort": [{"_score": {"order": "desc"}}, {"pages.number": {"order": "asc"}}],
        "_source": ["pages.number", "pages.text", "pages.private_text"],
    }
    assert built["sort"] == BEST_FIRST
    assert (built["from"], built["size"], built["track_total_hits"]) == (40, 20, True)
    assert built["track_scores"] is True
    assert built["_source"] == ["title", "private_title", "access", "dossier", "dossier_order"]
    assert built["query"]["bool"]["filter"] == []  # no scope, no date range
    assert "post_filter" not in built and "aggs" not in built  # no filter, no facet asked
    assert "highlight" not in built  # snippets are cut here, not by Elasticsearch


NEWEST_FIRST = [
    {"date": {"order": "desc", "missing": "_last"}},
    {"ingested_at": {"order": "desc"}},
    {"id": {"order": "asc"}},
]
BEST_FIRST = [
    {"_score": {"order": "desc"}},
    {"date": {"order": "desc", "missing": "_last"}},
    {"id": {"order": "asc"}},
]


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_empty_query_lists_every_record_newest_first_with_its_first_page(sort: str) -> None:
    built = body("   ", sort=sort)
    query = built["query"]["bool"]
    assert query["must"] == [{"match_all": {}}]  # records without pages are listed too
    (first_page,) = query["should"]
    assert first_page["nested"]["query"] == {"match_all": {}}
    assert first_page["nested"]["inner_hits"]["sort"] == [{"pages.number": {"order": "asc"}}]
    assert built["sort"] == NEWEST_FIRST  # an empty query is always ordered by date
    assert "track_scores" not in built


def test_sort_by_date_orders_matches_newest_first_and_keeps_their_scores() -> None:
    built = body("kho lưu trữ", sort="date")
    assert built["sort"] == NEWEST_FIRST
    assert built["track_scores"] is True
    assert body("kho lưu trữ")["sort"] == BEST_FIRST


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 10, (0, 10)),
        (0, 0, (0, 0)),
        (MAX_RESULT_WINDOW - 5, 10, (MAX_RESULT_WINDOW - 5, 5)),
        (MAX_RESULT_WINDOW, 10, (MAX_RESULT_WINDOW, 0)),
        (10 * MAX_RESULT_WINDOW, 200, (MAX_RESULT_WINDOW, 0)),
    ],
)
def test_paging_stays_inside_the_result_window(offset: int, limit: int, expected: tuple) -> None:
    built = body("x", offset=offset, limit=limit)
    assert (built["from"], built["size"]) == expected
    assert built["from"] + built["size"] <= MAX_RESULT_WINDOW


# -- filters, scope, date range ------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "clauses"),
    [
        ({}, {}),
        ({"doc_type": " Quyết Định "}, {"doc_type": {"term": {"private_doc_type_key": "quyết định"}}}),
        ({"issuer": "Sở Nội vụ"}, {"issuer": {"term": {"private_issuer_key": "sở nội vụ"}}}),
        ({"year": 2020}, {"year": {"term": {"year": 2020}}}),
        ({"needs_review": False}, {"needs_review": {"term": {"needs_review": False}}}),
        (
            {"access": ["public", "conditional", "public"]},
            {"access": {"terms": {"access": ["conditional", "public"]}}},
        ),
        ({"access": []}, {"access": {"match_none": {}}}),
        (
            {"province": " Phú Thọ"},
            {
                "province": {
                    "bool": {
                        "should": [
                            {"term": {"private_province_key": "phú thọ"}},
                            {"term": {"private_province_present_key": "phú thọ"}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            },
        ),
        ({"date_from": dt.date(2020, 1, 1)}, {}),  # the date range is no facet's filter
        ({"dossier": "hs-1"}, {}),  # nor the dossier
    ],
)
def test_filters_are_keyed_by_the_facet_they_narrow(filters: dict, clauses: dict) -> None:
    assert filter_clauses(SearchFilters(**filters)) == clauses


@pytest.mark.parametrize(("masked", "prefix"), [(True, ""), (False, "private_")])
def test_metadata_filters_and_facets_read_the_form_the_scope_may_see(masked: bool, prefix: str) -> None:
    """A masked scope compares and counts the public forms of doc_type, issuer, the provinces and
    retention (a masked value answers as a made-up one, and no facet label shows it); a full
    scope the full values."""
    built = body(
        "",
        masked=masked,
        filters={"issuer": "Hộ kinh doanh Bùi Văn Thắng", "doc_type": "Đơn", "province": "Tỉnh Thắng"},
        facets=("doc_type", "issuer", "province", "retention"),
    )
    either = [
        {"term": {f"{prefix}province_key": "tỉnh thắng"}},
        {"term": {f"{prefix}province_present_key": "tỉnh thắng"}},
    ]
    assert built["post_filter"]["bool"]["filter"] == [
        {"term": {f"{prefix}doc_type_key": "đơn"}},
        {"term": {f"{prefix}issuer_key": "hộ kinh doanh bùi văn thắng"}},
        {"bool": {"should": either, "minimum_should_match": 1}},
    ]
    for name, field in (("doc_type", "doc_type"), ("issuer", "issuer"), ("province", "province_present")):
        values = built["aggs"][name]["aggs"]["values"]
        assert values["terms"]["field"] == f"{prefix}{field}_key"
        assert values["aggs"]["label"]["terms"]["field"] == f"{prefix}{field}"
    retention = built["aggs"]["retention"]["aggs"]["values"]  # counted as typed: no key, no label
    assert retention == {"terms": {"field": f"{prefix}retention", "size": FACET_ALL, "shard_size": FACET_ALL}}
    if masked:
        assert "private" not in json.dumps(built)


@pytest.mark.parametrize("q", ["", "hồ sơ"])
def test_the_callers_filters_are_the_post_filter(q: str) -> None:
    built = body(q, filters={"year": 2020, "access": ["public"]})
    assert built["post_filter"] == {
        "bool": {"filter": [{"term": {"year": 2020}}, {"terms": {"access": ["public"]}}]}
    }
    assert built["query"]["bool"]["filter"] == []  # the hits' query is not narrowed by them


@pytest.mark.parametrize("q", ["", "hồ sơ"])
def test_the_access_scope_limits_the_query_itself(q: str) -> None:
    built = body(q, classes=("public", "conditional", "public"), filters={"access": ["public"]})
    assert built["query"]["bool"]["filter"] == [{"terms": {"access": ["conditional", "public"]}}]
    assert built["post_filter"] == {"bool": {"filter": [{"terms": {"access": ["public"]}}]}}
    assert body(q, classes=())["query"]["bool"]["filter"] == [{"match_none": {}}]
    assert body(q, classes=None)["query"]["bool"]["filter"] == []


@pytest.mark.parametrize(
    ("dates", "bounds"),
    [
        (
            {"date_from": dt.date(2019, 1, 1), "date_to": dt.date(2020, 12, 31)},
            {"gte": "2019-01-01", "lte": "2020-12-31"},
        ),
        ({"date_from": dt.date(2019, 1, 1)}, {"gte": "2019-01-01"}),
        ({"date_to": dt.date(2020, 2, 29)}, {"lte": "2020-02-29"}),
        (
            {"date_from": dt.date(2020, 5, 5), "date_to": dt.date(2020, 5, 5)},
            {"gte": "2020-05-05", "lte": "2020-05-05"},
        ),
    ],
)
def test_a_date_range_is_an_inclusive_range_on_the_date_in_the_query(dates: dict, bounds: dict) -> None:
    for q in ("", "hồ sơ"):
        built = body(q, filters=dates, classes=("public",))
        assert built["query"]["bool"]["filter"] == [
            {"terms": {"access": ["public"]}},
            {"range": {"date": {"format": "strict_date", **bounds}}},
        ]
        assert "post_filter" not in built  # it limits every facet too


# -- facets --------------------------------------------------------------------------------


def test_each_facet_is_counted_under_every_filter_but_its_own() -> None:
    built = body(
        "hồ sơ",
        filters={"doc_type": "Quyết định", "year": 2020, "access": ["public"]},
        facets=("doc_type", "year", "issuer", "access"),
        facet_limit=5,
    )
    doc_type = {"term": {"private_doc_type_key": "quyết định"}}
    year = {"term": {"year": 2020}}
    access = {"terms": {"access": ["public"]}}
    aggs = built["aggs"]
    assert list(aggs) == ["doc_type", "year", "issuer", "access"]
    assert aggs["doc_type"]["filter"] == {"bool": {"filter": [year, access]}}
    assert aggs["year"]["filter"] == {"bool": {"filter": [doc_type, access]}}
    assert aggs["issuer"]["filter"] == {"bool": {"filter": [doc_type, year, access]}}
    assert aggs["access"]["filter"] == {"bool": {"filter": [doc_type, year]}}
    assert built["post_filter"] == {"bool": {"filter": [doc_type, year, access]}}
    assert aggs["doc_type"]["aggs"] == {
        "values": {
            "terms": {"field": "private_doc_type_key", "size": 5, "shard_size": FACET_ALL},
            "aggs": {"label": {"terms": {"field": "private_doc_type", "size": 1, "shard_size": FACET_ALL}}},
        }
    }
    assert aggs["issuer"]["aggs"]["values"]["terms"] == {
        "field": "private_issuer_key",
        "size": 5,
        "shard_size": FACET_ALL,  # every class index sends every value: exact counts once merged
    }
    assert aggs["year"]["aggs"] == {
        "values": {"terms": {"field": "year", "size": 5, "order": {"_key": "desc"}, "shard_size": FACET_ALL}}
    }  # the latest
    assert aggs["access"]["aggs"] == {
        "values": {"terms": {"field": "access", "size": 4, "shard_size": FACET_ALL}}
    }


def test_a_facet_alone_under_no_other_filter_counts_everything_the_query_matched() -> None:
    built = body("", facets=("province", "retention", "needs_review"), filters={"province": "Phú Thọ"})
    aggs = built["aggs"]
    assert aggs["province"]["filter"] == {"match_all": {}}  # its own filter is not applied
    assert aggs["province"]["aggs"]["values"] == {
        "terms": {"field": "private_province_present_key", "size": FACET_ALL, "shard_size": FACET_ALL},
        "aggs": {
            "label": {"terms": {"field": "private_province_present", "size": 1, "shard_size": FACET_ALL}}
        },
    }  # today's province
    assert aggs["retention"]["filter"] == {"bool": {"filter": [built["post_filter"]["bool"]["filter"][0]]}}
    assert aggs["retention"]["aggs"] == {
        "values": {"terms": {"field": "private_retention", "size": FACET_ALL, "shard_size": FACET_ALL}}
    }
    assert aggs["needs_review"]["aggs"] == {
        "values": {"terms": {"field": "needs_review", "size": 2, "shard_size": FACET_ALL}}
    }


@pytest.mark.parametrize(
    ("classes", "searched"),
    [
        (("public",), ("public",)),
        (("conditional", "public"), ("public", "conditional")),
        (("public", "conditional", "not_accessible"), ("public", "conditional", "not_accessible")),
        (None, ("public", "conditional", "not_accessible", "undetermined")),
        ((), ("public",)),  # nothing to see: the public index, asked for nothing
    ],
)
def test_a_search_addresses_the_class_indexes_of_its_scope_alone(
    classes: tuple[str, ...] | None, searched: tuple[str, ...]
) -> None:
    query = make_query("x", classes=classes, masked=classes == ("public",))
    assert searched_classes(query) == searched
    built = search_body(query, parse_query("x"))
    if classes == ():
        assert {"match_none": {}} in built["query"]["bool"]["filter"]


@pytest.mark.parametrize("masked", [True, False])
def test_a_search_of_one_class_index_asks_for_no_more_facet_values_than_it_shows(masked: bool) -> None:
    """On one index the counts are exact as they are; only a search spread over several class
    indexes asks each for every value (`shard_size`)."""
    one = body("", classes=("public",), masked=masked, facets=("issuer", "year"), facet_limit=5)
    assert "shard_size" not in json.dumps(one)
    several = body("", classes=("public", "conditional"), facets=("issuer", "year"), facet_limit=5)
    assert several["aggs"]["issuer"]["aggs"]["values"]["terms"]["shard_size"] == FACET_ALL


def test_only_the_requested_facets_are_aggregated() -> None:
    assert "aggs" not in body("x")
    assert list(body("x", facets=("year", "year"))["aggs"]) == ["year"]
    assert "aggs" not in body("x", facets=("year", "doc_type"), facet_limit=0)  # no values wanted


def test_the_scope_and_the_date_range_limit_the_facets_too() -> None:
    # Aggregations run on what the query matched: the scope and the date range are in the query.
    built = body("", classes=("public",), filters={"date_to": dt.date(2020, 1, 1)}, facets=("access",))
    assert built["query"]["bool"]["filter"][0] == {"terms": {"access": ["public"]}}
    assert built["aggs"]["access"]["filter"] == {"match_all": {}}


def _on_fields(node: Any) -> set[str]:
    return {field for field, _text, _boost in phrases(node)}


def test_a_masked_query_reads_the_public_keys_alone_and_a_full_one_the_private_keys() -> None:
    """The public role's query reads only the keys the public may search (a masked value is in
    no field it reads); staff's reads a page holding personal data on its private keys only."""
    masked = body("Vĩnh Phúc 0914", masked=True)
    full = body("Vĩnh Phúc 0914")
    assert _on_fields(masked["query"]) == {"pages.exact", "pages.folded"}
    assert _on_fields(full["query"]) == {
        "pages.exact",
        "pages.folded",
        "pages.private_exact",
        "pages.private_folded",
    }
    assert query_types(full["query"]) <= SAFE_LEAVES | COMPOUND

    def check(node: Any, excluded: bool = False) -> None:
        if isinstance(node, list):
            for item in node:
                check(item, excluded)
        elif isinstance(node, dict):
            if "bool" in node:
                excluded = excluded or {"term": {"pages.personal": True}} in node["bool"].get("must_not", [])
            for key, value in node.items():
                if key == "match_phrase":
                    ((field, _),) = value.items()
                    assert field.startswith("pages.private_") or excluded, field
                else:
                    check(value, excluded)

    check(full["query"])


# -- what comes back: content, masked --------------------------------------------------------


def _inner_hits(node: Any) -> list[dict[str, Any]]:
    return leaves(node, "inner_hits")


@pytest.mark.parametrize("q", ["", "hồ sơ", '"kho lưu trữ" 0914'])
def test_ids_only_asks_for_the_access_class_and_no_page(q: str) -> None:
    built = body(q, content=False, masked=True)
    assert built["_source"] == ["access", "dossier", "dossier_order"]
    assert _inner_hits(built) == []
    assert "highlight" not in built
    assert body(q, content=False)["_source"] == ["access", "dossier", "dossier_order"]


@pytest.mark.parametrize("q", ["", "hồ sơ"])
def test_a_masked_scope_asks_for_public_fields_only(q: str) -> None:
    built = body(q, masked=True)
    assert built["_source"] == ["title", "access", "dossier", "dossier_order"]
    (inner,) = _inner_hits(built)
    assert inner["_source"] == ["pages.number", "pages.text"]
    assert "private" not in json.dumps(built["_source"]) + json.dumps(inner)
    full = body(q)
    assert full["_source"] == ["title", "private_title", "access", "dossier", "dossier_order"]
    (inner,) = _inner_hits(full)
    assert inner["_source"] == ["pages.number", "pages.text", "pages.private_text"]


# -- responses -----------------------------------------------------------------------------


def response(*hits: dict[str, Any], total: int | None = None) -> dict[str, Any]:
    count = len(hits) if total is None else total
    return {"hits": {"total": {"value": count, "relation": "eq"}, "hits": list(hits)}}


def hit(
    record_id: str,
    title: str,
    page: tuple[int, str] | None,
    score: float | None,
    access: str = "public",
    private: dict[str, str] | None = None,
) -> dict:
    source = {"title": title, "access": access}
    found: dict[str, Any] = {"_index": "sohoa-pages-v5", "_id": record_id, "_score": score, "_source": source}
    inner = []
    if page is not None:
        page_source = {"number": page[0], "text": page[1], **(private or {})}
        inner = [
            {
                "_index": "sohoa-pages-v5",
                "_id": record_id,
                "_nested": {"field": "pages", "offset": page[0] - 1},
                "_score": score,
                "_source": page_source,
            }
        ]
    found["inner_hits"] = {
        BEST_PAGE: {
            "hits": {"total": {"value": len(inner), "relation": "eq"}, "max_score": score, "hits": inner}
        }
    }
    return found


def parse(answer: dict[str, Any], q: str = "", **kwargs: Any):  # noqa: ANN201
    return search_result(answer, make_query(q, **kwargs), parse_query(q))


def test_response_becomes_hits_with_snippets_of_the_best_page_and_their_access_class() -> None:
    result = parse(
        response(
            hit("a", "Quyết định số 1", (3, "Ủy ban nhân dân tỉnh Vĩnh Phúc <b>"), 1.7),
            hit("b", "Tài liệu", (1, "Trang đầu"), None, access="conditional"),
            total=12,
        ),
        "vinh phuc",
    )
    assert (result.total, result.ranked, result.facets) == (12, True, {})
    first, second = result.hits
    assert (first.id, first.title, first.page, first.score, first.access) == (
        "a", "Quyết định số 1", 3, 1.7, "public",
    )  # fmt: skip
    assert marked(first.snippet) == ["Vĩnh", "Phúc"]
    assert "&lt;b&gt;" in first.snippet
    assert (second.page, second.score, second.snippet, second.access) == (1, 0.0, "Trang đầu", "conditional")


def test_record_without_pages_has_no_page_and_an_empty_snippet() -> None:
    result = parse(response(hit("blank", "Tài liệu", None, None)))
    (only,) = result.hits
    assert (only.id, only.page, only.snippet, only.score) == ("blank", None, "", 0.0)
    no_inner = {"_id": "x", "_source": {"title": "x", "access": "public"}}
    assert parse(response(no_inner)).hits[0].page is None


def test_ids_only_hits_carry_the_id_and_access_class() -> None:
    answer = response(
        {
            "_index": "sohoa-pages-v5",
            "_id": "a",
            "_score": None,
            "_source": {"access": "not_accessible"},
            "sort": [1],
        },
        total=40,
    )
    (only,) = parse(answer, "hồ sơ", content=False).hits
    assert (only.id, only.access, only.title, only.snippet, only.page) == (
        "a",
        "not_accessible",
        "",
        "",
        None,
    )


PERSONAL_PAGE = {"private_text": "ông A, điện thoại 0914 762 305, thôn Đông"}


def test_a_masked_scope_shows_the_public_form_and_a_full_one_the_private_text() -> None:
    found = hit(
        "a",
        "Quyết định cấp giấy cho ông •••••",
        (1, "ông A, điện thoại •••••, thôn Đông"),
        1.0,
        private=PERSONAL_PAGE,
    )
    found["_source"]["private_title"] = "Quyết định cấp giấy cho ông Bùi Văn Thắng"
    (masked,) = parse(response(found), "thôn Đông", masked=True).hits
    (full,) = parse(response(found), "thôn Đông").hits
    assert "0914" not in masked.snippet and marked(masked.snippet) == ["thôn", "Đông"]
    assert masked.title == "Quyết định cấp giấy cho ông •••••"
    assert "0914" in full.snippet and full.title.endswith("Bùi Văn Thắng")
    plain = hit("b", "Công văn", (1, "thôn Đông"), 1.0)  # no personal data: one form
    assert parse(response(plain), "thôn Đông").hits[0].title == "Công văn"


# An answer as Elasticsearch 8 gives it to the body of
# make_query("hồ sơ", filters={"doc_type": "Quyết định"}, facets=(all seven), facet_limit=None).
FACETED_RESPONSE: dict[str, Any] = json.loads(
    """
{
  "took": 7,
  "timed_out": false,
  "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
  "hits": {
    "total": {"value": 2, "relation": "eq"},
    "max_score": 1.41,
    "hits": [
      {
        "_index": "sohoa-pages-v5-20261207t060000000000z",
        "_id": "c",
        "_score": 1.41,
        "_source": {"access": "not_accessible", "title": "Quyết định: Về việc số hóa"},
        "sort": [1.41, 1583193600000, "c"],
        "inner_hits": {
          "best_page": {
            "hits": {
              "total": {"value": 2, "relation": "eq"},
              "max_score": 1.41,
              "hits": [
                {
                  "_index": "sohoa-pages-v5-20261207t060000000000z",
                  "_id": "c",
                  "_nested": {"field": "pages", "offset": 0},
                  "_score": 1.41,
                  "_source": {"number": 1, "text": "hồ sơ c"},
                  "sort": [1.41, 1]
                }
              ]
            }
          }
        }
      }
    ]
  },
  "aggregations": {
    "doc_type": {
      "doc_count": 4,
      "values": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [
          {"key": "quyết định", "doc_count": 2,
           "label": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                     "buckets": [{"key": "Quyết định", "doc_count": 2}]}},
          {"key": "báo cáo", "doc_count": 1,
           "label": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                     "buckets": [{"key": "Báo cáo", "doc_count": 1}]}},
          {"key": "công văn", "doc_count": 1,
           "label": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                     "buckets": [{"key": "Công văn", "doc_count": 1}]}}
        ]
      }
    },
    "issuer": {
      "doc_count": 2,
      "values": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [
          {"key": "sở nội vụ", "doc_count": 1,
           "label": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                     "buckets": [{"key": "Sở Nội vụ", "doc_count": 1}]}},
          {"key": "ubnd tỉnh vĩnh phúc", "doc_count": 1,
           "label": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                     "buckets": [{"key": "UBND tỉnh Vĩnh Phúc", "doc_count": 1}]}}
        ]
      }
    },
    "province": {
      "doc_count": 2,
      "values": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": []}
    },
    "year": {
      "doc_count": 2,
      "values": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": 2020, "doc_count": 1}, {"key": 2019, "doc_count": 1}]
      }
    },
    "access": {
      "doc_count": 2,
      "values": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [
          {"key": "not_accessible", "doc_count": 1},
          {"key": "public", "doc_count": 1}
        ]
      }
    },
    "retention": {
      "doc_count": 2,
      "values": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": "permanent", "doc_count": 2}]
      }
    },
    "needs_review": {
      "doc_count": 2,
      "values": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [
          {"key": 0, "key_as_string": "false", "doc_count": 1},
          {"key": 1, "key_as_string": "true", "doc_count": 1}
        ]
      }
    }
  }
}
"""
)
ALL_FACETS = ("doc_type", "issuer", "province", "year", "access", "retention", "needs_review")


def test_aggregations_become_facet_values_in_the_contracts_order() -> None:
    result = parse(FACETED_RESPONSE, "hồ sơ", filters={"doc_type": "Quyết định"}, facets=ALL_FACETS)
    assert result.total == 2 and [hit.id for hit in result.hits] == ["c"]
    assert result.facets == {
        # the most frequent first, ties by value; labelled with the spelling, not the key
        "doc_type": [
            FacetValue(value="Quyết định", count=2),
            FacetValue(value="Báo cáo", count=1),
            FacetValue(value="Công văn", count=1),
        ],
        "issuer": [FacetValue(value="Sở Nội vụ", count=1), FacetValue(value="UBND tỉnh Vĩnh Phúc", count=1)],
        "province": [],
        "year": [FacetValue(value=2020, count=1), FacetValue(value=2019, count=1)],  # latest first
        "access": [FacetValue(value="public", count=1), FacetValue(value="not_accessible", count=1)],
        "retention": [FacetValue(value="permanent", count=2)],
        "needs_review": [FacetValue(value=True, count=1), FacetValue(value=False, count=1)],
    }
    assert all(type(v.value) is bool for v in result.facets["needs_review"])
    assert all(type(v.value) is int for v in result.facets["year"])


def test_facet_limit_keeps_the_first_values_and_only_requested_facets_are_answered() -> None:
    result = parse(FACETED_RESPONSE, "hồ sơ", facets=("doc_type", "year"), facet_limit=1)
    assert result.facets == {
        "doc_type": [FacetValue(value="Quyết định", count=2)],
        "year": [FacetValue(value=2020, count=1)],
    }
    none = parse(FACETED_RESPONSE, "hồ sơ", facets=("doc_type", "access"), facet_limit=0)
    assert none.facets == {"doc_type": [], "access": []}
    assert parse(FACETED_RESPONSE, "hồ sơ").facets == {}


# -- stats ---------------------------------------------------------------------------------


def test_stats_is_one_aggregation_request_without_hits() -> None:
    assert stats_body() == {
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "pages": {"sum": {"field": "page_count"}},
            "needs_review": {"filter": {"term": {"needs_review": True}}},
            "access": {"terms": {"field": "access", "size": 4}},
        },
    }


def test_stats_response_names_every_access_class() -> None:
    answer = json.loads(
        """
{
  "took": 2, "timed_out": false,
  "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
  "hits": {"total": {"value": 5, "relation": "eq"}, "max_score": null, "hits": []},
  "aggregations": {
    "access": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
               "buckets": [{"key": "public", "doc_count": 3}, {"key": "undetermined", "doc_count": 2}]},
    "needs_review": {"doc_count": 2},
    "pages": {"value": 17.0}
  }
}
"""
    )
    assert index_stats(answer) == IndexStats(
        records=5,
        pages=17,
        needs_review=2,
        by_access={"public": 3, "conditional": 0, "not_accessible": 0, "undetermined": 2},
    )
    empty = {
        "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
        "aggregations": {
            "access": {"buckets": []},
            "needs_review": {"doc_count": 0},
            "pages": {"value": 0.0},
        },
    }
    assert index_stats(empty).pages == 0 and sum(index_stats(empty).by_access.values()) == 0


def test_a_class_this_sohoa_does_not_know_is_read_as_the_most_closed() -> None:
    answer = response({"_id": "a", "_score": None, "_source": {"access": "secret-ish"}})
    assert parse(answer, content=False).hits[0].access == "not_accessible"


def test_the_whole_body_of_a_public_faceted_search_by_date() -> None:
    """Every part of one request the web page sends for the public, as Elasticsearch gets it."""
    built = body(
        "",
        classes=("public",),
        masked=True,
        filters={"issuer": "Sở Nội vụ", "date_from": dt.date(2020, 1, 1), "date_to": dt.date(2020, 12, 31)},
        facets=("issuer", "year"),
        facet_limit=10,
        sort="date",
        limit=20,
        offset=20,
    )
    issuer = {"term": {"issuer_key": "sở nội vụ"}}
    first_page = {
        "nested": {
            "path": "pages",
            "score_mode": "max",
            "query": {"match_all": {}},
            "inner_hits": {
                "name": BEST_PAGE,
                "size": 1,
                "sort": [{"pages.number": {"order": "asc"}}],
                "_source": ["pages.number", "pages.text"],
            },
        }
    }
    assert built == {
        "track_total_hits": True,
        "_source": ["title", "access", "dossier", "dossier_order"],
        "query": {
            "bool": {
                "must": [{"match_all": {}}],
                "filter": [
                    {"terms": {"access": ["public"]}},
                    {"range": {"date": {"format": "strict_date", "gte": "2020-01-01", "lte": "2020-12-31"}}},
                ],
                "should": [first_page],
            }
        },
        "sort": NEWEST_FIRST,
        "post_filter": {"bool": {"filter": [issuer]}},
        "aggs": {
            "issuer": {
                "filter": {"match_all": {}},
                "aggs": {
                    "values": {
                        "terms": {"field": "issuer_key", "size": 10},
                        "aggs": {"label": {"terms": {"field": "issuer", "size": 1}}},
                    }
                },
            },
            "year": {
                "filter": {"bool": {"filter": [issuer]}},
                "aggs": {"values": {"terms": {"field": "year", "size": 10, "order": {"_key": "desc"}}}},
            },
        },
        "from": 20,
        "size": 20,
    }
    json.dumps(built)


def test_a_hit_outside_the_scope_is_never_served(caplog: pytest.LogCaptureFixture) -> None:
    """The cluster is asked for the scope alone; an answer with another class (a wrong alias, a
    body regression) is checked again, as the SQLite index checks its hits."""
    answer = response(
        hit("open", "Công văn", (1, "kho"), 1.0, access="public"),
        hit("secret", "Biên bản họp kín", (1, "kho vũ khí"), 2.0, access="not_accessible"),
        hit("review", "Tờ trình", (1, "kho"), 1.0, access="conditional"),
    )
    with caplog.at_level("WARNING", logger="indexing.elastic_query"):
        public = parse(answer, "kho", classes=("public",), masked=True)
    assert [h.id for h in public.hits] == ["open"]
    assert "secret" in caplog.text and "not_accessible" in caplog.text
    staff = parse(answer, "kho", classes=("public", "conditional"), filters={"access": ["conditional"]})
    assert [h.id for h in staff.hits] == ["review"]  # the caller's access filter too
    assert [h.id for h in parse(answer, "kho", classes=()).hits] == []
    assert [h.id for h in parse(answer, "kho").hits] == ["open", "secret", "review"]  # no scope: all


# -- dossiers ------------------------------------------------------------------------------

DOSSIER_FIRST = [
    {"dossier": {"order": "asc", "missing": "_last"}},
    {"dossier_order": {"order": "asc", "missing": "_last"}},
    *NEWEST_FIRST,
]


@pytest.mark.parametrize("q", ["", "hồ sơ"])
@pytest.mark.parametrize("masked", [True, False])
def test_a_dossier_filter_limits_the_query_itself_so_hits_totals_and_every_facet(
    q: str, masked: bool
) -> None:
    """The dossier is in the query's filter, beside the scope: what the scope does not see is
    neither listed nor counted, and every facet (none is the dossier's) counts within it."""
    built = body(
        q,
        classes=("public",),
        masked=masked,
        filters={"dossier": "hs-1", "year": 2020},
        facets=("access", "year"),
    )
    assert built["query"]["bool"]["filter"] == [
        {"terms": {"access": ["public"]}},
        {"term": {"dossier": "hs-1"}},
    ]
    assert built["post_filter"] == {"bool": {"filter": [{"term": {"year": 2020}}]}}  # the year's own
    assert built["aggs"]["year"]["filter"] == {"match_all": {}}
    assert built["aggs"]["access"]["filter"] == {"bool": {"filter": [{"term": {"year": 2020}}]}}
    assert "dossier" not in json.dumps(built.get("post_filter"))
    assert "dossier" not in json.dumps(built["aggs"])


def test_a_dossier_id_is_compared_as_it_is() -> None:
    built = body("", filters={"dossier": " HS-1 "})
    assert built["query"]["bool"]["filter"] == [{"term": {"dossier": " HS-1 "}}]


@pytest.mark.parametrize("q", ["", "hồ sơ"])
def test_sort_by_dossier_order_lists_documents_by_dossier_then_order_then_by_date(q: str) -> None:
    built = body(q, sort="dossier_order", filters={"dossier": "hs-1"})
    assert built["sort"] == DOSSIER_FIRST
    if q:
        assert built["track_scores"] is True  # scores are still returned, not used for the order
    assert body(q, sort="date")["sort"] == NEWEST_FIRST


def test_hits_carry_their_dossier_and_order() -> None:
    document = hit("doc", "Biên bản", (1, "hồ sơ"), 1.0)
    document["_source"].update(dossier="hs-1", dossier_order=3)
    loose = hit("loose", "Công văn", (1, "hồ sơ"), 1.0)
    loose["_source"].update(dossier=None)  # a record outside any dossier: null, or not there at all
    bare = hit("bare", "Tờ trình", (1, "hồ sơ"), 1.0)
    for content in (True, False):
        result = parse(response(document, loose, bare), "hồ sơ", content=content)
        assert [(h.id, h.dossier, h.order) for h in result.hits] == [
            ("doc", "hs-1", 3),
            ("loose", None, None),
            ("bare", None, None),
        ]
