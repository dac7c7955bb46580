"""The Elasticsearch engine attacked through the role path: every request body `search_as` sends
for the public, staff and a metrics key, as the real client sends it (ElasticIndex over the
in-memory cluster of tests/indexing/fake_elastic.py), for every parameter the API and the web
page accept. What the cluster does with a body is the conformance suite's part (with
ELASTICSEARCH_URL); what is checked here is what the body asks for.

Guarantees (pass): a masked body names no private or personal field anywhere (query, inner
hits, _source, aggregations, sort, post_filter) and no review state; the scope is a query filter
(so every aggregation is under it), never only a post_filter; no global aggregation, highlight,
stored or docvalue fields, explain or profile; staff bodies name no class staff may not see; a
metrics key's body matches nothing. A hostile answer (private fields sent back to a masked
search) shows the public nothing of them.

Hardening door found here and closed in 9747594: the SQLite engine checked each hit's class
against the scope again before serving it, the Elasticsearch engine served whatever the cluster
returned (one wrong body or alias would have served a secret hit); both check now.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from application.searching import SearchParams, search_as
from indexing.elastic import ElasticIndex, parse_elastic_url
from indexing.elastic_query import BEST_PAGE
from indexing.masking import MASKED
from tests.indexing.fake_elastic import FakeCluster

EMPTY = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}, "aggregations": {}}
FORBIDDEN_KEYS = {
    "highlight", "fields", "docvalue_fields", "stored_fields", "script_fields", "explain", "profile",
    "global", "min_score", "rescore", "collapse", "suggest", "runtime_mappings", "version",
    "seq_no_primary_term", "indices_boost", "knn", "rank", "retriever", "pit", "search_after",
}  # fmt: skip

QUERIES = ["", "Vĩnh Phúc", '"cấp lại" giấy tờ', "0914 762 305 thôn Đông", "Bùi Văn Thắng", "tuyệtmậtxyz"]
FILTERS: list[dict[str, Any]] = [
    {},
    {"doc_type": "Biên bản", "issuer": "UBND XÃ TAM HỢP", "year": 1998},
    {"date_from": dt.date(1998, 12, 24), "date_to": dt.date(1998, 12, 24)},
    {"access": ("undetermined",)},
    {"access": ("not_accessible", "conditional", "public")},
    {"needs_review": True},
    {"needs_review": False, "access": ("public",)},
]
SHAPES: list[dict[str, Any]] = [
    {},
    {"sort": "date", "facet_limit": 5},
    {"facets": False},
    {"facet_limit": 0, "limit": 0, "offset": 99_990},
]


def _all_params() -> Iterator[SearchParams]:
    for q, filters, shape in itertools.product(QUERIES, FILTERS, SHAPES):
        yield SearchParams(q=q, **filters, **shape)


@pytest.fixture
def es() -> Iterator[tuple[FakeCluster, ElasticIndex]]:
    cluster = FakeCluster(search_response=EMPTY)
    with ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node()) as index:
        index.count()  # the template, first index and alias
        yield cluster, index


def _bodies(es: tuple[FakeCluster, ElasticIndex], role: str) -> list[dict[str, Any]]:
    """The _search body of every request `role` can make (searches answered before the index
    is asked — a query masked to nothing, an empty date range — send none)."""
    cluster, index = es
    bodies = []
    for params in _all_params():
        before = len(cluster.requests)
        search_as(index, role, params)  # type: ignore[arg-type]
        sent = [r for r in cluster.requests[before:] if r.path.endswith("/_search")]
        bodies += [r.body for r in sent]
    assert len(bodies) > 100
    return bodies


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def _scope_filter(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["query"]["bool"]["filter"]


def test_contract_elastic_a_public_body_reads_public_fields_alone(es) -> None:  # noqa: ANN001
    for body in _bodies(es, "public"):
        text = json.dumps(body, ensure_ascii=False)
        assert "private" not in text and "personal" not in text, text
        assert "needs_review" not in text, text  # no review state: neither filter nor facet
        assert "undetermined" not in text and "not_accessible" not in text and "conditional" not in text
        assert not set(_keys(body)) & FORBIDDEN_KEYS, text
        dossier = ["dossier", "dossier_order"]  # a document's dossier id and order: no personal data
        assert body["_source"] in (["title", "access", *dossier], ["access", *dossier])
        for inner in (v for k, v in _walk(body) if k == "inner_hits"):
            assert set(inner["_source"]) <= {"pages.number", "pages.text"}
        assert {"terms": {"access": ["public"]}} in _scope_filter(body)  # a query filter: under every agg
        for name, aggregation in body.get("aggs", {}).items():
            assert set(aggregation) == {"filter", "aggs"}, name  # a filter under the query, no global


def test_contract_elastic_a_staff_body_names_no_class_staff_cannot_see(es) -> None:  # noqa: ANN001
    for body in _bodies(es, "staff"):
        text = json.dumps(body, ensure_ascii=False)
        assert "undetermined" not in text and "not_accessible" not in text, text
        assert not set(_keys(body)) & FORBIDDEN_KEYS, text
        assert {"terms": {"access": ["conditional", "public"]}} in _scope_filter(body)


def test_contract_elastic_a_metrics_key_body_matches_nothing(es) -> None:  # noqa: ANN001
    for body in _bodies(es, "metrics"):
        assert {"match_none": {}} in _scope_filter(body)
        assert "private" not in json.dumps(body)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


NAME, PHONE = "Bùi Văn Thắng", "0914 762 305"


def _hit(record_id: str, access: str, source: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": record_id,
        "_score": 3.2,
        "_source": {"access": access, **source},
        "inner_hits": {BEST_PAGE: {"hits": {"hits": [{"_source": {"number": 1, **page}}]}}},
    }


def test_contract_elastic_a_hostile_answer_shows_the_public_no_private_field(es) -> None:  # noqa: ANN001
    """A cluster (or an index of another layout) that sends private fields back to a masked
    search: the public sees the public fields only, masked again, with no score."""
    cluster, index = es
    cluster.search_response = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [
                _hit(
                    "victim",
                    "public",
                    {"title": f"Cấp giấy cho ông {MASKED}", "private_title": f"Cấp giấy cho ông {NAME}"},
                    {
                        "text": f"ông {MASKED}, điện thoại {MASKED}, thôn Đông",
                        "private_text": f"ông {NAME}, điện thoại {PHONE}, thôn Đông",
                    },
                )
            ],
        }
    }
    (hit,) = search_as(index, "public", SearchParams(q="thôn Đông")).result.hits
    shown = hit.title + hit.snippet
    assert "Thắng" not in shown and "762" not in shown and hit.score == 0.0
    assert "thôn" in hit.snippet.lower() or "Đông" in hit.snippet


@pytest.mark.parametrize("role", ["public", "staff"])
def test_contract_elastic_a_hit_outside_the_scope_is_never_served(es, role: str) -> None:  # noqa: ANN001
    """SQLite checks each hit's class against the scope before serving it (indexing/browse.py
    `_hits`); a cluster answering with a secret hit (a wrong alias, a body regression) must not
    get it served either."""
    cluster, index = es
    cluster.search_response = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [_hit("secret", "not_accessible", {"title": "Biên bản họp kín"}, {"text": "kho vũ khí"})],
        }
    }
    found = search_as(index, role, SearchParams(q="kho vũ khí")).result  # type: ignore[arg-type]
    assert [hit.id for hit in found.hits] == []
