"""The near-duplicate lookup on Elasticsearch (shared by every machine on one cluster).

Request bodies and the check-in protocol are tested through the real client against the
in-memory FakeCluster; the whole lookup conformance suite runs against a real cluster when
ELASTICSEARCH_URL is set (skipped here: no Elasticsearch server can be installed on this machine).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from application.services import build_services
from core.settings import load_settings
from dedup import Fingerprint, NearDuplicateIndex
from dedup.elastic_lookup import (
    ElasticNearDuplicateIndex,
    candidates_query,
    fingerprint_document,
    lookup_index_body,
    lookup_index_name,
)
from dedup.match import DEFAULT_THRESHOLDS
from indexing.elastic import ElasticIndex, parse_elastic_url
from tests.dedup.lookup_conformance import *  # noqa: F403 (the suite, run on `lookup` below)
from tests.dedup.lookup_conformance import LETTER, OTHER, PHOTO, RESCAN, _fp
from tests.indexing.fake_elastic import FakeCluster

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
NAME = "sohoa-pages-fingerprints"


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def fake_lookup(cluster: FakeCluster) -> ElasticNearDuplicateIndex:
    return ElasticNearDuplicateIndex(
        ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node())
    )


def _hit(record_id: str, fp: Fingerprint, seq_no: int) -> dict:
    source = fingerprint_document(record_id, fp, DEFAULT_THRESHOLDS)
    return {"_id": record_id, "_seq_no": seq_no, "_primary_term": 1, "_source": source, "sort": [record_id]}


def test_the_lookup_index_is_one_shard_strict_and_keeps_fingerprints_unindexed() -> None:
    assert lookup_index_name("sohoa-pages") == NAME  # outside the record indexes' sohoa-pages-v*
    body = lookup_index_body()
    assert body["settings"]["number_of_shards"] == 1  # one sequence of writes: "before" is defined
    assert body["mappings"]["dynamic"] == "strict"
    assert body["mappings"]["properties"]["fingerprint"] == {"type": "object", "enabled": False}
    assert body["mappings"]["properties"]["bands"]["type"] == "keyword"


def test_documents_carry_band_keys_only_when_the_text_is_rich() -> None:
    rich = fingerprint_document("a", LETTER, DEFAULT_THRESHOLDS)
    poor = fingerprint_document("p", PHOTO, DEFAULT_THRESHOLDS)
    assert rich["rich"] and len(rich["bands"]) == len(set(rich["bands"])) > 1
    assert all(key.split(":")[0].isdigit() for key in rich["bands"])
    assert not poor["rich"] and poor["bands"] == []
    assert Fingerprint.model_validate(rich["fingerprint"]) == LETTER


def test_candidates_share_a_band_or_have_little_text() -> None:
    query = candidates_query(RESCAN, DEFAULT_THRESHOLDS, exclude="c")["bool"]
    assert query["minimum_should_match"] == 1
    assert {"term": {"rich": False}} in query["should"]
    (terms,) = [q["terms"]["bands"] for q in query["should"] if "terms" in q]
    assert set(terms) & set(fingerprint_document("a", LETTER, DEFAULT_THRESHOLDS)["bands"])
    assert not set(terms) & set(fingerprint_document("b", OTHER, DEFAULT_THRESHOLDS)["bands"])
    assert query["must_not"] == [{"ids": {"values": ["c"]}}]
    assert candidates_query(PHOTO, DEFAULT_THRESHOLDS, exclude=None) == {
        "bool": {"must": [{"match_all": {}}]}
    }


def test_check_in_registers_first_then_links_only_to_records_written_before(
    cluster: FakeCluster, fake_lookup: ElasticNearDuplicateIndex
) -> None:
    cluster.seq_no = 7  # this check-in's write gets sequence number 7
    cluster.search_response = {
        "hits": {"hits": [_hit("a", LETTER, 3), _hit("later", _fp(range(50, 1050)), 9)]}
    }
    match = fake_lookup.check_in("c", RESCAN)

    assert match is not None and (match.record_id, match.basis) == ("a", "text+image")
    created, written, searched = (r for r in cluster.requests if r.method in ("PUT", "POST"))
    assert (created.path, created.body["settings"]["number_of_shards"]) == (f"/{NAME}", 1)
    assert (written.path, written.params["refresh"]) == (f"/{NAME}/_doc/c", "true")
    assert written.body["bands"] and written.body["record_id"] == "c"
    assert searched.path == f"/{NAME}/_search"
    assert searched.body["seq_no_primary_term"] is True
    assert searched.body["sort"] == [{"record_id": "asc"}]
    assert searched.body["query"] == candidates_query(RESCAN, DEFAULT_THRESHOLDS, exclude="c")


def test_a_record_written_after_is_never_the_match(
    cluster: FakeCluster, fake_lookup: ElasticNearDuplicateIndex
) -> None:
    """Two re-scans checked in at once on two machines: the earlier one sees the later one in
    the index, and must leave the link to it."""
    cluster.search_response = {"hits": {"hits": [_hit("later", LETTER, 5)]}}
    assert fake_lookup.check_in("first", RESCAN) is None  # written with sequence number 0


def test_adds_are_refreshed_once_before_the_next_search(
    cluster: FakeCluster, fake_lookup: ElasticNearDuplicateIndex
) -> None:
    cluster.search_response = {"hits": {"hits": []}}
    fake_lookup.add("a", LETTER)
    fake_lookup.add("b", OTHER)
    assert fake_lookup.find(RESCAN) is None
    assert fake_lookup.find(RESCAN) is None
    assert cluster.paths("POST").count(f"POST /{NAME}/_refresh") == 1
    assert {r.params.get("refresh") for r in cluster.requests if r.path.startswith(f"/{NAME}/_doc")} == {
        "false"
    }


def test_services_keep_the_lookup_beside_an_elasticsearch_index(tmp_path: Path) -> None:
    on_es = build_services(load_settings(home=tmp_path, index="http://es.example:9200/archive"))
    assert (
        isinstance(on_es.similar, ElasticNearDuplicateIndex) and on_es.similar.name == "archive-fingerprints"
    )
    on_sqlite = build_services(load_settings(home=tmp_path))
    assert isinstance(on_sqlite.similar, NearDuplicateIndex)
    on_sqlite.close()


# ---- the conformance suite against a real cluster ----


@pytest.fixture
def lookup() -> Iterator[ElasticNearDuplicateIndex]:
    """A fresh lookup on the real cluster, deleted afterwards."""
    if not ELASTICSEARCH_URL:
        pytest.skip("ELASTICSEARCH_URL is not set: no Elasticsearch server on this machine")
    parts = urlsplit(ELASTICSEARCH_URL)
    alias = f"sohoa-test-{uuid.uuid4().hex[:12]}"
    index = ElasticIndex.from_url(urlunsplit(parts._replace(path=f"/{alias}")))
    made = ElasticNearDuplicateIndex(index)
    yield made
    made_indexes = list(index.client.indices.get(index=f"{made.name}*"))  # the name may be an alias now
    if made_indexes:
        index.client.indices.delete(index=",".join(made_indexes))
    index.close()
