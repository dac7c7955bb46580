"""The Elasticsearch request bodies and response parsing, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from indexing.elastic_mapping import MAX_RESULT_WINDOW
from indexing.elastic_query import (
    BEST_PAGE,
    EXACT_WEIGHT,
    FOLDED_WEIGHT,
    filter_clauses,
    page_query,
    search_body,
    search_result,
)
from indexing.query import parse_query
from schemas import SearchFilters, SearchQuery
from tests.indexing.conformance import JUNK_QUERIES, marked

# Query types the builders may emit: none of them parses user text as syntax.
SAFE_LEAVES = {"match_phrase", "match_all", "match_none", "term", "terms"}
COMPOUND = {"bool", "nested", "constant_score", "script_score"}


def body(q: str = "", **kwargs: Any) -> dict[str, Any]:
    filters = kwargs.pop("filters", {})
    query = SearchQuery(q=q, filters=SearchFilters(**filters), **kwargs)
    return search_body(query, parse_query(q))


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
    }
    assert built["sort"] == [
        {"_score": {"order": "desc"}},
        {"date": {"order": "desc", "missing": "_last"}},
        {"id": {"order": "asc"}},
    ]
    assert (built["from"], built["size"], built["track_total_hits"]) == (40, 20, True)
    assert built["track_scores"] is True
    assert built["_source"] == ["id", "title"]


def test_empty_query_lists_every_record_newest_first_with_its_first_page() -> None:
    built = body("   ")
    query = built["query"]["bool"]
    assert query["must"] == [{"match_all": {}}]  # records without pages are listed too
    (first_page,) = query["should"]
    assert first_page["nested"]["query"] == {"match_all": {}}
    assert first_page["nested"]["inner_hits"]["sort"] == [{"pages.number": {"order": "asc"}}]
    assert built["sort"] == [
        {"date": {"order": "desc", "missing": "_last"}},
        {"ingested_at": {"order": "desc"}},
        {"id": {"order": "asc"}},
    ]
    assert "track_scores" not in built


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 10, (0, 10)),
        (MAX_RESULT_WINDOW - 5, 10, (MAX_RESULT_WINDOW - 5, 5)),
        (MAX_RESULT_WINDOW, 10, (MAX_RESULT_WINDOW, 0)),
        (10 * MAX_RESULT_WINDOW, 200, (MAX_RESULT_WINDOW, 0)),
    ],
)
def test_paging_stays_inside_the_result_window(offset: int, limit: int, expected: tuple) -> None:
    built = body("x", offset=offset, limit=limit)
    assert (built["from"], built["size"]) == expected
    assert built["from"] + built["size"] <= MAX_RESULT_WINDOW


# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "clauses"),
    [
        ({}, []),
        ({"doc_type": " Quyết Định "}, [{"term": {"doc_type_key": "quyết định"}}]),
        ({"issuer": "Sở Nội vụ"}, [{"term": {"issuer_key": "sở nội vụ"}}]),
        ({"year": 2020}, [{"term": {"year": 2020}}]),
        ({"needs_review": False}, [{"term": {"needs_review": False}}]),
        ({"access": ["public", "conditional", "public"]}, [{"terms": {"access": ["conditional", "public"]}}]),
        ({"access": []}, [{"match_none": {}}]),
    ],
)
def test_filters(filters: dict, clauses: list) -> None:
    assert filter_clauses(SearchFilters(**filters)) == clauses


@pytest.mark.parametrize("q", ["", "hồ sơ"])
def test_filters_apply_to_the_record_not_the_page(q: str) -> None:
    built = body(q, filters={"year": 2020, "access": ["public"]})
    assert built["query"]["bool"]["filter"] == [
        {"term": {"year": 2020}},
        {"terms": {"access": ["public"]}},
    ]


# -- responses -----------------------------------------------------------------------------


def response(*hits: dict[str, Any], total: int | None = None) -> dict[str, Any]:
    count = len(hits) if total is None else total
    return {"hits": {"total": {"value": count, "relation": "eq"}, "hits": list(hits)}}


def hit(record_id: str, title: str, page: tuple[int, str] | None, score: float | None) -> dict:
    found: dict[str, Any] = {"_id": record_id, "_score": score, "_source": {"id": record_id, "title": title}}
    inner = [] if page is None else [{"_source": {"number": page[0], "text": page[1]}}]
    found["inner_hits"] = {BEST_PAGE: {"hits": {"total": {"value": len(inner)}, "hits": inner}}}
    return found


def test_response_becomes_hits_with_snippets_of_the_best_page() -> None:
    parsed = parse_query("vinh phuc")
    result = search_result(
        response(
            hit("a", "Quyết định số 1", (3, "Ủy ban nhân dân tỉnh Vĩnh Phúc <b>"), 1.7),
            hit("b", "b.pdf", (1, "Trang đầu"), None),
            total=12,
        ),
        parsed,
    )
    assert result.total == 12
    first, second = result.hits
    assert (first.id, first.title, first.page, first.score) == ("a", "Quyết định số 1", 3, 1.7)
    assert marked(first.snippet) == ["Vĩnh", "Phúc"]
    assert "&lt;b&gt;" in first.snippet
    assert (second.page, second.score, second.snippet) == (1, 0.0, "Trang đầu")


def test_record_without_pages_has_no_page_and_an_empty_snippet() -> None:
    result = search_result(response(hit("blank", "blank.pdf", None, None)), parse_query(""))
    (only,) = result.hits
    assert (only.id, only.page, only.snippet, only.score) == ("blank", None, "", 0.0)
    no_inner = {"_id": "x", "_source": {"id": "x", "title": "x"}}
    assert search_result(response(no_inner), parse_query("")).hits[0].page is None


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


def test_a_masked_query_takes_snippets_from_the_public_form() -> None:
    page = {"number": 1, "text": "ông A, điện thoại 0914 762 305, thôn Đông", "personal": True}
    page["public_text"] = "ông A, điện thoại •••••, thôn Đông"
    found = {"_id": "a", "_score": 1.0, "_source": {"id": "a", "title": "a"}}
    found["inner_hits"] = {BEST_PAGE: {"hits": {"total": {"value": 1}, "hits": [{"_source": page}]}}}
    parsed = parse_query("thôn Đông")
    (masked,) = search_result(response(found), parsed, masked=True).hits
    (full,) = search_result(response(found), parsed).hits
    assert "0914" not in masked.snippet and marked(masked.snippet) == ["thôn", "Đông"]
    assert "0914" in full.snippet
