"""ElasticIndex without a server: the real client talks to an in-memory cluster (fake_elastic).

What is checked here is the backend's own logic (URLs, index life cycle, alias swap, error
translation, the requests it sends); what Elasticsearch does with them is checked by the
conformance suite when ELASTICSEARCH_URL names a cluster (test_elastic_conformance.py).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import IndexUnusable, MissingDependency, SohoaError, Transient
from indexing import SearchIndex, open_index, reindex
from indexing.elastic import ElasticIndex, ElasticOptions, ElasticSetupError, before_swap, parse_elastic_url
from indexing.elastic_mapping import MAPPING_VERSION, record_document
from indexing.elastic_query import BEST_PAGE, search_body, stats_body
from indexing.query import parse_query
from schemas import AccessScope, FacetValue, SearchFilters, SearchQuery
from storage import LocalStore, write_package
from tests.indexing.conformance import make_record
from tests.indexing.fake_elastic import FakeCluster, Request
from tests.indexing.stored import stored_record


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


def connect(cluster: FakeCluster, url: str = "http://elastic:secret@es:9200") -> ElasticIndex:
    return ElasticIndex(parse_elastic_url(url), node_class=cluster.node())


@pytest.fixture
def idx(cluster: FakeCluster) -> Iterator[ElasticIndex]:
    with connect(cluster) as index:
        yield index


# -- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:9200", ElasticOptions(host="http://localhost:9200")),
        ("http://localhost", ElasticOptions(host="http://localhost:9200")),
        ("https://es.local/", ElasticOptions(host="https://es.local:9200")),
        (
            "https://elastic:p%40ss%3Aw0rd@elasticsearch:9200/archive-2025?ca_certs=/certs/ca/ca.crt",
            ElasticOptions(
                host="https://elasticsearch:9200",
                alias="archive-2025",
                username="elastic",
                password="p@ss:w0rd",
                ca_certs="/certs/ca/ca.crt",
            ),
        ),
        (
            "https://[::1]:9201?verify_certs=false",
            ElasticOptions(host="https://[::1]:9201", verify_certs=False),
        ),
    ],
)
def test_index_urls(url: str, expected: ElasticOptions) -> None:
    assert parse_elastic_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host:9200",
        "http://",
        "http://host:99999",
        "http://host:9200/Bad Alias",
        "http://host:9200/a/b",
        "http://host:9200?api_key=x",
        "http://host:9200?verify_certs=maybe",
        "http://host:9200#frag",
    ],
)
def test_bad_index_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_elastic_url(url)


def test_the_password_is_never_shown(cluster: FakeCluster) -> None:
    index = connect(cluster, "https://elastic:hunter2@es:9200")
    assert index.url == "https://elastic:***@es:9200/sohoa-pages"
    assert "hunter2" not in repr(index) and "hunter2" not in repr(index.options)


def test_open_index_picks_elasticsearch_for_http_urls() -> None:
    index = open_index("https://elastic:x@es.example:9200/my-archive")
    assert isinstance(index, ElasticIndex) and isinstance(index, SearchIndex)
    assert (index.options.host, index.alias) == ("https://es.example:9200", "my-archive")
    index.close()


# -- index life cycle ----------------------------------------------------------------------


def test_first_use_creates_template_index_and_alias_once(cluster: FakeCluster, idx: ElasticIndex) -> None:
    first = make_record("a", "một")
    idx.add(first)
    idx.add(make_record("b", "hai"))
    assert cluster.paths() == [
        "HEAD /_alias/sohoa-pages",
        "PUT /_index_template/sohoa-pages",
        f"PUT /sohoa-pages-v{MAPPING_VERSION}",
        "PUT /sohoa-pages/_doc/a",
        "PUT /sohoa-pages/_doc/b",
    ]
    create = cluster.requests[2].body
    assert create == {"aliases": {"sohoa-pages": {"is_write_index": True}}}  # mapping: the template
    assert cluster.templates["sohoa-pages"]["index_patterns"] == ["sohoa-pages-v*"]
    assert cluster.aliases == {"sohoa-pages": {f"sohoa-pages-v{MAPPING_VERSION}"}}
    assert cluster.docs("sohoa-pages")["a"] == record_document(first)


def test_a_second_process_finds_the_alias(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("a", "một"))
    before = len(cluster.requests)
    with connect(cluster) as other:
        assert other.count() == 1
    assert cluster.paths()[before:] == [
        "HEAD /_alias/sohoa-pages",
        "GET /sohoa-pages/_mapping",
        "POST /sohoa-pages/_count",
    ]


def test_a_lost_race_to_create_the_first_index_is_fine(cluster: FakeCluster) -> None:
    # Another process created the index between our alias check and our create.
    connect(cluster).count()
    cluster.aliases.clear()  # and an operator removed the alias by hand
    with connect(cluster) as index:
        assert index.count() == 0
    assert cluster.aliases == {"sohoa-pages": {f"sohoa-pages-v{MAPPING_VERSION}"}}


def test_a_newer_mapping_asks_for_an_upgrade_and_an_older_one_for_a_reindex(cluster: FakeCluster) -> None:
    connect(cluster).count()
    meta = cluster.indexes[f"sohoa-pages-v{MAPPING_VERSION}"]["mappings"]["_meta"]
    meta["sohoa_mapping_version"] = MAPPING_VERSION + 1
    with pytest.raises(MissingDependency, match="newer than this sohoa"):
        connect(cluster).count()
    meta["sohoa_mapping_version"] = MAPPING_VERSION - 1
    older = connect(cluster)
    # An older layout is never served: before v5 a page's `text` was its full text.
    for use in (older.count, lambda: older.search(SearchQuery(scope=AccessScope(masked=True)))):
        with pytest.raises(IndexUnusable, match=f"mapping v{MAPPING_VERSION - 1}, .*: run sohoa reindex$"):
            use()
    assert not any(r.path.endswith("/_search") for r in cluster.requests)
    older.rebuild([make_record("a", "một")])  # reindex builds an index of this version
    assert older.count() == 1 and connect(cluster).count() == 1


def test_writes_and_reads_go_through_the_alias(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("one", "văn bản một"))
    idx.add(make_record("two", "văn bản hai"))
    idx.ping()
    assert (idx.count(), idx.has("one"), idx.has("nope")) == (2, True, False)
    idx.delete("one")
    idx.delete("nope")  # not there: not an error
    assert (idx.count(), idx.has("one")) == (1, False)
    assert (idx.access_of("two"), idx.access_of("one")) == ("public", None)
    lookup = [r for r in cluster.requests if r.method == "GET" and "/_doc/" in r.path][-1]
    assert lookup.params.get("_source_includes") == "access"  # the class only, never the text
    idx.clear()
    assert idx.count() == 0
    writes = [r for r in cluster.requests if r.method in ("PUT", "DELETE") and "/_doc/" in r.path]
    assert all(r.params.get("refresh") == "true" for r in writes)  # searchable at once


def test_refresh_can_be_left_to_the_cluster(cluster: FakeCluster) -> None:
    index = ElasticIndex(parse_elastic_url("http://es:9200"), refresh=False, node_class=cluster.node())
    index.add(make_record("a", "một"))
    assert cluster.requests[-1].params.get("refresh") == "false"


def test_search_sends_the_built_body_and_reads_the_answer(cluster: FakeCluster, idx: ElasticIndex) -> None:
    inner = {"hits": {"hits": [{"_source": {"number": 2, "text": "Ủy ban nhân dân tỉnh Vĩnh Phúc"}}]}}
    cluster.search_response = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [
                {
                    "_id": "a",
                    "_score": 1.5,
                    "_source": {"title": "A", "access": "conditional"},
                    "inner_hits": {BEST_PAGE: inner},
                }
            ],
        },
        "aggregations": {"year": {"doc_count": 1, "values": {"buckets": [{"key": 2019, "doc_count": 1}]}}},
    }
    query = SearchQuery(
        q="vinh phuc",
        limit=5,
        offset=5,
        facets=("year",),
        filters=SearchFilters(doc_type="Công văn"),
        scope=AccessScope(classes=("public", "conditional")),
    )
    result = idx.search(query)
    request = cluster.requests[-1]
    assert request.path == "/sohoa-pages/_search"
    assert request.body == search_body(query, parse_query(query.q))  # the body, as built
    assert (request.body["from"], request.body["size"]) == (5, 5)
    assert result.total == 1 and result.ranked
    assert (result.hits[0].id, result.hits[0].page, result.hits[0].access) == ("a", 2, "conditional")
    assert "<mark>Vĩnh</mark>" in result.hits[0].snippet
    assert result.facets == {"year": [FacetValue(value=2019, count=1)]}
    assert not any("/_doc/" in r.path for r in cluster.requests)  # no read per hit


def test_stats_is_one_aggregation_request(cluster: FakeCluster, idx: ElasticIndex) -> None:
    cluster.search_response = {
        "hits": {"total": {"value": 3, "relation": "eq"}, "max_score": None, "hits": []},
        "aggregations": {
            "access": {
                "buckets": [{"key": "public", "doc_count": 2}, {"key": "conditional", "doc_count": 1}]
            },
            "needs_review": {"doc_count": 1},
            "pages": {"value": 7.0},
        },
    }
    idx.count()  # the index exists
    before = len(cluster.requests)
    stats = idx.stats()
    assert cluster.paths()[before:] == ["POST /sohoa-pages/_search"]
    assert cluster.requests[-1].body == stats_body()
    assert (stats.records, stats.pages, stats.needs_review) == (3, 7, 1)
    assert stats.by_access == {"public": 2, "conditional": 1, "not_accessible": 0, "undetermined": 0}


def test_close_is_idempotent(cluster: FakeCluster) -> None:
    index = connect(cluster)
    index.close()
    index.close()


# -- rebuild and alias swap ----------------------------------------------------------------


def test_rebuild_fills_a_new_index_then_swaps_the_alias_in_one_request(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.add(make_record("old", "bản cũ"))
    before = len(cluster.requests)
    outcome = idx.rebuild(make_record(f"r{n}", f"bản mới {n}") for n in range(1200))
    assert (outcome.indexed, outcome.rejected) == (1200, {})
    (new,) = cluster.aliases["sohoa-pages"]
    # the old one deleted
    assert new.startswith(f"sohoa-pages-v{MAPPING_VERSION}-") and list(cluster.indexes) == [new]
    assert sorted(cluster.docs("sohoa-pages")) == sorted(f"r{n}" for n in range(1200))
    paths = cluster.paths()[before:]
    assert paths[:2] == ["PUT /_index_template/sohoa-pages", f"PUT /{new}"]
    assert paths[2:5] == ["PUT /_bulk"] * 3  # 500 documents a request
    assert paths[5:] == [
        f"PUT /{new}/_settings",
        f"POST /{new}/_refresh",
        "GET /_alias/sohoa-pages",
        "POST /_aliases",
        f"DELETE /sohoa-pages-v{MAPPING_VERSION}",
    ]
    assert cluster.requests[before + 1].body == {"settings": {"refresh_interval": "-1"}}
    swap = cluster.requests[-2].body["actions"]
    assert swap == [
        {"remove": {"index": f"sohoa-pages-v{MAPPING_VERSION}", "alias": "sohoa-pages"}},
        {"add": {"index": new, "alias": "sohoa-pages", "is_write_index": True}},
    ]


def test_a_hook_catches_up_on_the_fresh_index_before_the_swap(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    """reindex's catch-up (indexing.rebuild) writes to the fresh index, filled and not yet swapped."""
    idx.add(make_record("old", "bản cũ"))
    seen: list[str] = []

    def catch_up(fresh: ElasticIndex) -> None:
        seen.append(fresh.alias)
        assert cluster.aliases["sohoa-pages"] == {f"sohoa-pages-v{MAPPING_VERSION}"}  # not swapped yet
        fresh.add(make_record("late", "ghi sau khi đọc"))
        fresh.delete("gone")
        fresh.scrub()
        fresh.close()  # the view: the shared client stays open

    before = len(cluster.requests)
    with before_swap(catch_up):
        idx.rebuild([make_record("kept", "giữ"), make_record("gone", "bị xóa")])
    (new,) = cluster.aliases["sohoa-pages"]
    assert seen == [new]
    assert sorted(cluster.docs("sohoa-pages")) == ["kept", "late"]
    paths = cluster.paths()[before:]
    assert paths.index(f"PUT /{new}/_doc/late") < paths.index("POST /_aliases")
    assert paths.index(f"POST /{new}/_forcemerge") < paths.index("POST /_aliases")
    assert idx.count() == 2  # the client still works
    idx.rebuild([make_record("after", "sau")])  # outside the context: no hook
    assert seen == [new]


def test_a_failing_hook_leaves_the_alias_where_it_was(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("kept", "giữ"))

    def fail(_fresh: ElasticIndex) -> None:
        raise Transient("store unreachable")

    with before_swap(fail), pytest.raises(Transient):
        idx.rebuild([make_record("x", "một")])
    assert cluster.aliases == {"sohoa-pages": {f"sohoa-pages-v{MAPPING_VERSION}"}}
    assert list(cluster.indexes) == [f"sohoa-pages-v{MAPPING_VERSION}"]


def test_rebuild_reports_refused_documents_and_still_swaps(cluster: FakeCluster, idx: ElasticIndex) -> None:
    cluster.reject_ids = {"bad"}
    outcome = idx.rebuild([make_record("good", "tốt"), make_record("bad", "xấu")])
    assert outcome.indexed == 1
    assert list(outcome.rejected) == ["bad"] and "document_parsing_exception" in outcome.rejected["bad"]
    assert idx.has("good") and not idx.has("bad")


def test_a_failed_rebuild_leaves_the_alias_where_it_was(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("kept", "giữ"))

    def records():
        yield make_record("x", "một")
        raise Transient("store unreachable")

    with pytest.raises(Transient):
        idx.rebuild(records())
    assert cluster.aliases == {"sohoa-pages": {f"sohoa-pages-v{MAPPING_VERSION}"}}
    assert list(cluster.indexes) == [f"sohoa-pages-v{MAPPING_VERSION}"]  # the half-built index is gone
    assert idx.has("kept")


def test_indexes_not_made_by_sohoa_are_unaliased_but_kept(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.count()
    cluster.indexes["hand-made"] = {"settings": {}, "mappings": {}, "docs": {}}
    cluster.aliases["sohoa-pages"].add("hand-made")
    idx.rebuild([make_record("a", "một")])
    assert "hand-made" in cluster.indexes and f"sohoa-pages-v{MAPPING_VERSION}" not in cluster.indexes
    assert cluster.aliases["sohoa-pages"] != {"hand-made"}


def test_drop_removes_every_index_of_the_alias_and_the_template(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.rebuild([make_record("a", "một")])
    cluster.indexes["other-v1"] = {"settings": {}, "mappings": {}, "docs": {}}
    idx.drop()
    assert list(cluster.indexes) == ["other-v1"] and cluster.templates == {}
    assert idx.count() == 0  # recreated on next use


def test_reindex_uses_the_rebuild_of_elasticsearch(
    cluster: FakeCluster, idx: ElasticIndex, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "store")
    for n in range(3):
        record, original = stored_record(tmp_path, f"rec{n}", f"trang {n}")
        write_package(store, record, original)
    report = reindex(store, idx)
    assert (report.records, report.indexed, report.failed) == (3, 3, {})
    assert "POST /_aliases" in cluster.paths()
    assert sorted(cluster.docs("sohoa-pages")) == ["rec0", "rec1", "rec2"]


# -- errors --------------------------------------------------------------------------------


def fail_with(status: int, kind: str) -> callable:
    def answer(request: Request) -> tuple[int, dict] | None:
        if "/_doc/" in request.path or request.path.endswith("_count"):
            return status, {"error": {"type": kind, "reason": "injected"}, "status": status}
        return None

    return answer


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (401, "security_exception", ElasticSetupError),
        (403, "security_exception", ElasticSetupError),
        (429, "es_rejected_execution_exception", Transient),
        (503, "unavailable_shards_exception", Transient),
        (400, "mapper_parsing_exception", SohoaError),
    ],
)
def test_errors_are_translated(cluster: FakeCluster, status: int, kind: str, error: type) -> None:
    cluster.fail = fail_with(status, kind)
    index = ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node(), request_timeout=1)
    with pytest.raises(error, match=kind) as raised:
        index.add(make_record("a", "một"))
    assert not isinstance(raised.value, Transient) or error is Transient
    if error is SohoaError:
        assert not isinstance(raised.value, (Transient, MissingDependency))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_cluster_is_transient() -> None:
    # A real connection to a closed port: refused at once, retried by the client, then Transient.
    index = ElasticIndex(parse_elastic_url(f"http://127.0.0.1:{_closed_port()}"), request_timeout=2)
    with pytest.raises(Transient, match="cannot be reached"):
        index.ping()


def test_an_old_index_that_cannot_be_deleted_does_not_fail_the_rebuild(
    cluster: FakeCluster, idx: ElasticIndex, caplog: pytest.LogCaptureFixture
) -> None:
    idx.count()

    def refuse_delete(request: Request) -> tuple[int, dict] | None:
        if request.method == "DELETE" and request.path == f"/sohoa-pages-v{MAPPING_VERSION}":
            return 503, {"error": {"type": "unavailable", "reason": "busy"}}
        return None

    cluster.fail = refuse_delete
    with caplog.at_level(logging.WARNING, logger="indexing.elastic"):
        outcome = idx.rebuild([make_record("a", "một")])
    assert outcome.indexed == 1 and idx.has("a")
    assert f"sohoa-pages-v{MAPPING_VERSION}" in cluster.indexes and "delete it by hand" in caplog.text


def test_a_server_that_is_not_elasticsearch_is_a_set_up_error(cluster: FakeCluster) -> None:
    class NotElastic(cluster.node()):
        def perform_request(self, method, target, body=None, headers=None, request_timeout=None):  # noqa: ANN001, ANN201
            response = super().perform_request(method, target, body, headers, request_timeout)
            response.meta.headers.pop("x-elastic-product")
            return response

    index = ElasticIndex(parse_elastic_url("http://es:9200"), node_class=NotElastic)
    with pytest.raises(ElasticSetupError, match="not Elasticsearch"):
        index.count()
