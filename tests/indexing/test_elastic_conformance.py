"""The backend conformance suite against a real Elasticsearch, plus what only a cluster can show.

Runs when ELASTICSEARCH_URL names a cluster (an index URL as SOHOA_INDEX takes it, e.g.
https://elastic:PASSWORD@localhost:9200?ca_certs=/path/ca.crt); each test gets its own alias and
indexes, deleted afterwards. No Elasticsearch server can be installed on the development
machines, so there these tests are skipped and the ES path is covered by the mapping, request
body and client tests (test_elastic_mapping.py, test_elastic_query.py, test_elastic_index.py).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from indexing.elastic import ElasticIndex
from indexing.elastic_mapping import FOLDED_ANALYZER, class_aliases, first_index_name
from indexing.elastic_query import search_body
from indexing.query import parse_query
from schemas import AccessScope, SearchQuery
from tests.indexing.conformance import *  # noqa: F403 (the suite's test functions)
from tests.indexing.conformance import (
    CATALOGUE,
    IndexFactory,
    filled,
    ids,
    make_record,
    settled,
    titled_personal_record,
)

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not ELASTICSEARCH_URL,
        reason="ELASTICSEARCH_URL is not set: no Elasticsearch server on this machine",
    ),
]


def _url_with_alias(alias: str) -> str:
    parts = urlsplit(ELASTICSEARCH_URL)
    return urlunsplit(parts._replace(path=f"/{alias}"))


def fresh_index() -> ElasticIndex:
    return ElasticIndex.from_url(_url_with_alias(f"sohoa-test-{uuid.uuid4().hex[:12]}"))


@pytest.fixture
def index() -> Iterator[IndexFactory]:
    made: list[ElasticIndex] = []

    def fresh() -> ElasticIndex:
        made.append(fresh_index())
        return made[-1]

    yield fresh
    for idx in made:
        idx.drop()
        idx.close()


def test_the_folded_analyzer_folds_d_with_stroke_and_keeps_the_original(index: IndexFactory) -> None:
    idx = index()
    idx.count()  # creates the index
    client = idx._client  # the analysis API is not part of SearchIndex
    answer = client.indices.analyze(
        index=first_index_name(idx.alias, "public"), analyzer=FOLDED_ANALYZER, text="ĐẢNG ủy Đồng"
    )
    tokens = {(t["token"], t["position"]) for t in answer["tokens"]}
    assert {("dang", 0), ("đảng", 0), ("uy", 1), ("ủy", 1), ("dong", 2), ("đồng", 2)} <= tokens


def test_rebuild_swaps_the_aliases_while_searches_go_on(index: IndexFactory) -> None:
    idx = index()
    idx.add(make_record("old", "bản cũ của hồ sơ"))
    before = set(idx._client.indices.get_alias(name=idx.alias).body)
    outcome = idx.rebuild(make_record(f"r{n}", f"bản mới số {n}") for n in range(50))
    after = set(idx._client.indices.get_alias(name=idx.alias).body)
    assert outcome.indexed == 50 and not outcome.rejected
    assert len(before) == len(after) == 4 and not before & after  # one index per access class
    for klass, alias in class_aliases(idx.alias).items():
        (behind,) = idx._client.indices.get_alias(name=alias).body
        assert behind in after and f"-{klass}-" in behind
    assert not idx._client.indices.exists(index=",".join(before))
    assert idx.count() == 50
    assert ids(idx, "ban cu") == []
    assert len(ids(idx, '"bản mới"')) == 50


def test_a_masked_scope_gets_no_private_field_back_from_the_cluster(index: IndexFactory) -> None:
    """The raw answer to a masked search (inner hits' source filtering on nested pages included)
    holds no private field and no personal data: it never leaves the cluster."""
    idx = filled(index, titled_personal_record("pd"), *CATALOGUE)
    for q in ("", "thôn Đông", "quyết định"):
        query = SearchQuery(q=q, limit=50, scope=AccessScope(masked=True), facets=("doc_type",))
        raw = idx._client.search(index=idx.alias, body=search_body(query, parse_query(q))).body
        text = json.dumps(raw, ensure_ascii=False)
        assert "pd" in [hit["_id"] for hit in raw["hits"]["hits"]]
        assert "private" not in text and "Thắng" not in text and "0914" not in text, q


def test_the_publics_scores_are_those_of_an_index_holding_only_public_records(index: IndexFactory) -> None:
    """Red team D3 on the cluster: each class index is scored on its own statistics, so a public
    hit's score (which the API never shows, but which orders the hits) is the same whether
    hidden records hold the words or not; a single index scored them all together."""
    visible = [make_record(f"p{n}", f"alpha văn bản số {n}" + " chữ" * n) for n in range(5)]
    hidden = [
        make_record(f"h{n}", "alpha " * 5 + "mật " * 300, access=klass)
        for n, klass in enumerate(["conditional", "not_accessible", "undetermined"] * 3)
    ]
    plain, spied = filled(index, *visible), filled(index, *visible, *hidden)
    query = SearchQuery(q="alpha", limit=50, scope=AccessScope(classes=("public",), masked=True))
    assert [(h.id, h.score) for h in spied.search(query).hits] == [
        (h.id, h.score) for h in plain.search(query).hits
    ]


def test_a_reclassified_record_is_in_its_new_class_index_alone(index: IndexFactory) -> None:
    idx = index()
    idx.add(make_record("r", "biên bản", access="public"))
    idx.add(make_record("r", "biên bản", access="not_accessible"))
    found = {
        klass: idx._client.exists(index=alias, id="r").body
        for klass, alias in class_aliases(idx.alias).items()
    }
    assert found == {"public": False, "conditional": False, "not_accessible": True, "undetermined": False}


def _public_scores(idx: ElasticIndex, word: str) -> list[tuple[str, float]]:
    """The public index's BM25 scores for `word` (the best page's), straight from the cluster."""
    body = {
        "query": {
            "nested": {"path": "pages", "score_mode": "max", "query": {"match": {"pages.exact": word}}}
        },
        "size": 50,
    }
    raw = idx._client.search(index=class_aliases(idx.alias)["public"], body=body).body
    return sorted((hit["_id"], hit["_score"]) for hit in raw["hits"]["hits"])


def test_once_merged_the_publics_scores_forget_the_records_moved_out_of_it(index: IndexFactory) -> None:
    """Red team D3/D5 after a move out of public: once the deleted documents are merged away
    (scrub_pending false), the public index's scores are those of an index that never held the
    records; before, they may not be (Lucene counts deleted documents in its statistics)."""
    visible = [make_record(f"p{n}", f"alpha văn bản số {n}" + " chữ" * n) for n in range(5)]
    movers = [make_record(f"m{n}", "alpha " * 5 + "mật " * 300) for n in range(6)]
    plain, moved = filled(index, *visible), filled(index, *visible, *movers)
    for mover in movers:
        moved.add(make_record(mover.id, "alpha " * 5 + "mật " * 300, access="not_accessible"))
    assert not settled(moved).scrub_pending()
    assert moved.deleted_documents()["public"] == 0
    assert _public_scores(moved, "alpha") == _public_scores(plain, "alpha")
