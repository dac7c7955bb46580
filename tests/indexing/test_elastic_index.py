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
from indexing.elastic_mapping import MAPPING_VERSION, first_index_name, record_document
from indexing.elastic_query import BEST_PAGE, search_body, stats_body
from indexing.query import parse_query
from schemas import AccessScope, FacetValue, SearchFilters, SearchQuery
from storage import LocalStore, write_package
from tests.indexing.conformance import make_record
from tests.indexing.fake_elastic import FakeCluster, Request
from tests.indexing.stored import stored_record

V = MAPPING_VERSION
CLASSES = ("public", "conditional", "not_accessible", "undetermined")
CLASS_ALIASES = [f"sohoa-pages-{klass}" for klass in CLASSES]
FIRST = {klass: f"sohoa-pages-v{V}-{klass}" for klass in CLASSES}
EVERY_CLASS = ",".join(CLASS_ALIASES)
FIRST_LAYOUT = {"sohoa-pages": set(FIRST.values()), **{f"sohoa-pages-{k}": {FIRST[k]} for k in CLASSES}}


def layout(indexes: dict[str, str]) -> dict[str, set[str]]:
    """The aliases of the per-class layout on `indexes` (class -> index)."""
    return {"sohoa-pages": set(indexes.values()), **{f"sohoa-pages-{k}": {indexes[k]} for k in CLASSES}}


def fresh_indexes(cluster: FakeCluster) -> dict[str, str]:
    """The class -> index the class aliases name now."""
    return {klass: next(iter(cluster.aliases[f"sohoa-pages-{klass}"])) for klass in CLASSES}


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


def test_first_use_creates_template_class_indexes_and_aliases_once(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    first = make_record("a", "một")
    idx.add(first)
    idx.add(make_record("b", "hai", access="not_accessible"))
    creates = [f"PUT /{FIRST[klass]}" for klass in CLASSES]
    assert cluster.paths()[:7] == [
        "HEAD /_alias/sohoa-pages",
        "PUT /_index_template/sohoa-pages",
        *creates,
        "POST /_aliases",  # the alias of the whole, last
    ]
    for n, klass in enumerate(CLASSES):
        create = cluster.requests[2 + n].body
        assert create == {
            "aliases": {f"sohoa-pages-{klass}": {"is_write_index": True}}
        }  # mapping: the template
    assert cluster.requests[6].body == {
        "actions": [{"add": {"index": FIRST[klass], "alias": "sohoa-pages"}} for klass in CLASSES]
    }
    assert cluster.templates["sohoa-pages"]["index_patterns"] == ["sohoa-pages-v*"]
    assert cluster.aliases == FIRST_LAYOUT
    assert cluster.docs("sohoa-pages-public") == {"a": record_document(first)}
    assert list(cluster.docs("sohoa-pages-not_accessible")) == ["b"]
    assert [first_index_name("sohoa-pages", klass) for klass in CLASSES] == list(FIRST.values())


def test_a_second_process_finds_the_layout(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("a", "một"))
    before = len(cluster.requests)
    with connect(cluster) as other:
        assert other.count() == 1
    assert cluster.paths()[before:] == [
        "HEAD /_alias/sohoa-pages",
        "GET /sohoa-pages",  # the indexes behind it: their mapping versions and aliases
        f"POST /{EVERY_CLASS}/_count",
    ]
    assert cluster.requests[before + 1].params == {"features": "aliases,mappings"}


def test_a_lost_race_to_create_the_first_indexes_is_fine(cluster: FakeCluster) -> None:
    # Another process created the indexes between our alias check and our create.
    connect(cluster).count()
    cluster.aliases.clear()  # and an operator removed the aliases by hand
    with connect(cluster) as index:
        assert index.count() == 0
    assert cluster.aliases == FIRST_LAYOUT


def test_a_process_killed_while_creating_the_layout_is_finished_by_the_next(cluster: FakeCluster) -> None:
    """Killed after two class indexes: no alias of the whole yet, so the next use creates the rest."""

    def killed(request: Request) -> tuple[int, dict] | None:
        if request.path == f"/{FIRST['not_accessible']}" and request.method == "PUT":
            return 503, {"error": {"type": "node_closed_exception", "reason": "killed"}}
        return None

    cluster.fail = killed
    with pytest.raises(Transient):
        connect(cluster).count()
    assert "sohoa-pages" not in cluster.aliases and sorted(cluster.indexes) == [
        FIRST["conditional"],
        FIRST["public"],
    ]
    cluster.fail = None
    with connect(cluster) as index:
        index.add(make_record("a", "một", access="undetermined"))
        assert index.count() == 1
    assert cluster.aliases == FIRST_LAYOUT


def test_a_layout_missing_a_class_alias_is_not_used(cluster: FakeCluster) -> None:
    connect(cluster).count()
    del cluster.aliases["sohoa-pages-conditional"]
    index = connect(cluster)
    with pytest.raises(
        IndexUnusable, match="sohoa-pages-conditional of class conditional .*run sohoa reindex$"
    ):
        index.search(SearchQuery(scope=AccessScope(classes=("public",), masked=True)))
    assert not any(r.path.endswith("/_search") for r in cluster.requests)
    index.rebuild([make_record("a", "một", access="conditional")])
    assert cluster.aliases == layout(fresh_indexes(cluster)) and index.access_of("a") == "conditional"


def test_a_newer_mapping_asks_for_an_upgrade_and_an_older_one_for_a_reindex(cluster: FakeCluster) -> None:
    connect(cluster).count()
    meta = cluster.indexes[FIRST["conditional"]]["mappings"]["_meta"]
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
    older.rebuild([make_record("a", "một")])  # reindex builds the indexes of this version
    assert older.count() == 1 and connect(cluster).count() == 1


def test_the_single_index_of_mapping_v7_is_migrated_by_a_reindex(
    cluster: FakeCluster, tmp_path: Path
) -> None:
    """The layout before v8: one index `<alias>-v7` behind the alias, every class in it. It is not
    served (every class scored together); `sohoa reindex` (the rebuild) moves the alias of the
    whole off it onto the four class indexes in one request, then deletes it."""
    old = {
        "public": make_record("p", "công khai"),
        "not_accessible": make_record("s", "mật", access="not_accessible"),
    }
    cluster.templates["sohoa-pages"] = {"index_patterns": ["sohoa-pages-v*"], "template": {}}
    mappings = {"_meta": {"sohoa_mapping_version": 7}, "properties": {}}
    docs = {r.id: {**record_document(r), "access": klass} for klass, r in old.items()}
    cluster.indexes["sohoa-pages-v7"] = {"settings": {}, "mappings": mappings, "docs": docs}
    cluster.aliases["sohoa-pages"] = {"sohoa-pages-v7"}
    with connect(cluster) as index:
        with pytest.raises(IndexUnusable, match="mapping v7, this sohoa needs v8: run sohoa reindex$"):
            index.search(SearchQuery(q="công khai", scope=AccessScope(classes=("public",), masked=True)))
        store = LocalStore(tmp_path / "store")
        for record_id, access in (("p", "public"), ("s", "not_accessible")):
            record, original = stored_record(tmp_path, record_id, f"trang {record_id}")
            record = record.model_copy(
                update={"classification": record.classification.model_copy(update={"access": access})}
            )
            write_package(store, record, original)
        before = len(cluster.requests)
        report = reindex(store, index)
        assert (report.records, report.indexed) == (2, 2)
        new = fresh_indexes(cluster)
        assert cluster.aliases == layout(new) and "sohoa-pages-v7" not in cluster.indexes
        swaps = [r.body["actions"] for r in cluster.requests[before:] if r.path == "/_aliases"]
        assert swaps[0][0] == {"remove": {"index": "sohoa-pages-v7", "alias": "sohoa-pages"}}
        assert (list(cluster.docs(new["public"])), list(cluster.docs(new["not_accessible"]))) == (
            ["p"],
            ["s"],
        )
        assert index.access_of("s") == "not_accessible" and index.count() == 2


def test_writes_and_reads_go_through_the_class_aliases(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("one", "văn bản một"))
    idx.add(make_record("two", "văn bản hai", access="conditional"))
    idx.ping()
    assert (idx.count(), idx.has("one"), idx.has("nope")) == (2, True, False)
    assert cluster.holders("one") == [FIRST["public"]] and cluster.holders("two") == [FIRST["conditional"]]
    idx.delete("one")
    idx.delete("nope")  # not there: not an error
    assert (idx.count(), idx.has("one")) == (1, False)
    assert (idx.access_of("two"), idx.access_of("one")) == ("conditional", None)
    lookup = [r for r in cluster.requests if r.path == "/_mget"][-1]
    assert lookup.params.get("_source") == "false"  # where it is, never its text
    assert lookup.body == {"docs": [{"_index": alias, "_id": "one"} for alias in CLASS_ALIASES]}
    idx.clear()
    assert idx.count() == 0
    writes = [r for r in cluster.requests if r.method in ("PUT", "DELETE") and "/_doc/" in r.path]
    assert writes and all(r.params.get("refresh") == "true" for r in writes)  # searchable at once


def test_a_new_record_is_looked_up_then_written_to_its_class_alone(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.count()
    before = len(cluster.requests)
    idx.add(make_record("r", "văn bản", access="undetermined"))
    write = ["POST /_mget", "PUT /sohoa-pages-undetermined/_doc/r", "POST /_mget"]  # looked up again
    assert cluster.paths()[before:] == write
    idx.add(make_record("r", "văn bản sửa", access="undetermined"))  # the same class: replaced in place
    assert cluster.paths()[before + 3 :] == write  # no class left: nothing to expunge
    assert cluster.holders("r") == [FIRST["undetermined"]]


@pytest.mark.parametrize(
    ("old", "new"),
    [("public", "not_accessible"), ("not_accessible", "public"), ("undetermined", "conditional")],
)
def test_a_reclassification_deletes_from_the_old_class_before_writing_the_new(
    cluster: FakeCluster, idx: ElasticIndex, old: str, new: str
) -> None:
    idx.add(make_record("r", "hồ sơ đất đai", access=old))
    before = len(cluster.requests)
    idx.add(make_record("r", "hồ sơ đất đai", access=new))
    assert cluster.paths()[before:] == [
        "POST /_mget",  # where it is: the old class
        f"DELETE /sohoa-pages-{old}/_doc/r",  # out of it first
        f"PUT /sohoa-pages-{new}/_doc/r",  # then into the new
        "POST /_mget",  # looked up again: no other writer put it elsewhere meanwhile
        f"PUT /sohoa-pages-{old}/_settings",  # the old class's deleted documents expunged
        f"POST /sohoa-pages-{old}/_flush",
        f"POST /sohoa-pages-{old}/_forcemerge",
    ]
    assert cluster.requests[before + 1].params.get("refresh") == "true"  # gone from searches at once
    assert cluster.holders("r") == [FIRST[new]] and idx.access_of("r") == new


@pytest.mark.parametrize("old", ["public", "conditional"])
def test_a_reclassification_that_fails_halfway_leaves_the_record_hidden_not_exposed(
    cluster: FakeCluster, idx: ElasticIndex, old: str
) -> None:
    """Declassified or classified, a write of the new class that fails after the old class's
    delete leaves the record in no index: found by no scope until the next write (a retry, a
    reindex), never by the scope of its old class nor twice."""
    idx.add(make_record("r", "biên bản họp", access=old))

    def write_fails(request: Request) -> tuple[int, dict] | None:
        if request.method == "PUT" and request.path.endswith("/_doc/r"):
            return 503, {"error": {"type": "unavailable_shards_exception", "reason": "injected"}}
        return None

    cluster.fail = write_fails
    with pytest.raises(Transient):
        idx.add(make_record("r", "biên bản họp", access="not_accessible"))
    assert cluster.holders("r") == [] and idx.access_of("r") is None
    cluster.fail = None
    idx.add(make_record("r", "biên bản họp", access="not_accessible"))  # the retry
    assert cluster.holders("r") == [FIRST["not_accessible"]]


def test_a_failed_delete_from_the_old_class_writes_nothing_new(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.add(make_record("r", "biên bản", access="public"))

    def delete_fails(request: Request) -> tuple[int, dict] | None:
        if request.method == "DELETE" and "/_doc/" in request.path:
            return 503, {"error": {"type": "unavailable_shards_exception", "reason": "injected"}}
        return None

    cluster.fail = delete_fails
    with pytest.raises(Transient, match="add r"):
        idx.add(make_record("r", "biên bản", access="not_accessible"))
    assert cluster.holders("r") == [FIRST["public"]]  # as it was: the store's commit will be retried
    assert not any(
        r.method == "PUT" and r.path == "/sohoa-pages-not_accessible/_doc/r" for r in cluster.requests
    )


def test_a_class_index_gone_makes_writes_and_lookups_stop(cluster: FakeCluster, idx: ElasticIndex) -> None:
    """Not written where the record's other copy cannot be looked for (the layout is broken)."""
    idx.add(make_record("r", "một", access="conditional"))
    del cluster.aliases["sohoa-pages-undetermined"]
    for use in (lambda: idx.add(make_record("r", "một", access="public")), lambda: idx.access_of("r")):
        with pytest.raises(IndexUnusable, match="index_not_found_exception.*run sohoa reindex$"):
            use()
    assert cluster.holders("r") == [FIRST["conditional"]]


def test_a_record_found_in_two_class_indexes_answers_as_not_accessible(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    """Not by `add`; a copy made by hand: the most closed class answers, and `add` repairs it."""
    idx.add(make_record("r", "một", access="public"))
    cluster.indexes[FIRST["conditional"]]["docs"]["r"] = {}
    assert idx.access_of("r") == "not_accessible"
    idx.add(make_record("r", "một", access="conditional"))
    assert cluster.holders("r") == [FIRST["conditional"]]


def test_refresh_can_be_left_to_the_cluster(cluster: FakeCluster) -> None:
    index = ElasticIndex(parse_elastic_url("http://es:9200"), refresh=False, node_class=cluster.node())
    index.add(make_record("a", "một"))
    (write,) = [r for r in cluster.requests if r.method == "PUT" and "/_doc/" in r.path]
    assert write.params.get("refresh") == "false"


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
    assert request.path == "/sohoa-pages-public,sohoa-pages-conditional/_search"  # the scope's classes
    assert request.params == {"search_type": "query_then_fetch"}  # each index scored on its own
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
    assert cluster.paths()[before:] == [f"POST /{EVERY_CLASS}/_search"]
    assert cluster.requests[-1].body == stats_body()
    assert (stats.records, stats.pages, stats.needs_review) == (3, 7, 1)
    assert stats.by_access == {"public": 2, "conditional": 1, "not_accessible": 0, "undetermined": 0}


def test_close_is_idempotent(cluster: FakeCluster) -> None:
    index = connect(cluster)
    index.close()
    index.close()


# -- rebuild and alias swap ----------------------------------------------------------------


def test_rebuild_fills_new_class_indexes_then_swaps_the_aliases_in_one_request(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.add(make_record("old", "bản cũ"))
    before = len(cluster.requests)
    records = [make_record(f"r{n}", f"bản mới {n}", access=CLASSES[n % 4]) for n in range(1200)]
    outcome = idx.rebuild(iter(records))
    assert (outcome.indexed, outcome.rejected) == (1200, {})
    new = fresh_indexes(cluster)
    assert cluster.aliases == layout(new)
    # the old ones deleted
    assert sorted(cluster.indexes) == sorted(new.values())
    for n, klass in enumerate(CLASSES):
        assert new[klass].startswith(f"sohoa-pages-v{MAPPING_VERSION}-{klass}-")
        assert sorted(cluster.docs(f"sohoa-pages-{klass}")) == sorted(f"r{m}" for m in range(n, 1200, 4))
    fresh = ",".join(new.values())
    paths = cluster.paths()[before:]
    assert paths[:5] == ["PUT /_index_template/sohoa-pages", *(f"PUT /{new[k]}" for k in CLASSES)]
    assert paths[5:8] == ["PUT /_bulk"] * 3  # 500 documents a request
    assert paths[8:] == [
        f"PUT /{fresh}/_settings",
        f"POST /{fresh}/_refresh",
        "GET /sohoa-pages,sohoa-pages-v*/_alias",
        "POST /_aliases",
        f"DELETE /{','.join(sorted(FIRST.values()))}",
    ]
    assert cluster.requests[before + 1].body == {"settings": {"refresh_interval": "-1"}}
    swap = cluster.requests[-2].body["actions"]
    removes = [a for a in swap if "remove" in a]
    assert sorted(removes, key=str) == sorted(
        [{"remove": {"index": FIRST[k], "alias": "sohoa-pages"}} for k in CLASSES]
        + [{"remove": {"index": FIRST[k], "alias": f"sohoa-pages-{k}"}} for k in CLASSES],
        key=str,
    )
    assert swap[len(removes) :] == [
        action
        for k in CLASSES
        for action in (
            {"add": {"index": new[k], "alias": f"sohoa-pages-{k}", "is_write_index": True}},
            {"add": {"index": new[k], "alias": "sohoa-pages"}},
        )
    ]


def test_a_rebuild_does_not_touch_the_indexes_of_another_rebuild_being_filled(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.count()
    filling = f"sohoa-pages-v{MAPPING_VERSION}-public-20990101t000000000000z"  # no alias yet
    cluster.indexes[filling] = {"settings": {}, "mappings": {}, "docs": {}}
    idx.rebuild([make_record("a", "một")])
    assert filling in cluster.indexes


def test_a_hook_catches_up_on_the_fresh_indexes_before_the_swap(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    """reindex's catch-up (indexing.rebuild) writes to the fresh indexes, filled and not yet swapped."""
    idx.add(make_record("old", "bản cũ"))
    seen: list[ElasticIndex] = []

    def catch_up(fresh: ElasticIndex) -> None:
        seen.append(fresh)
        assert cluster.aliases == FIRST_LAYOUT  # not swapped yet
        fresh.add(make_record("late", "ghi sau khi đọc"))
        fresh.add(make_record("moved", "đổi lớp", access="not_accessible"))  # was public in the fill
        fresh.delete("gone")
        fresh.scrub()
        fresh.close()  # the view: the shared client stays open

    before = len(cluster.requests)
    with before_swap(catch_up):
        idx.rebuild([make_record("kept", "giữ"), make_record("gone", "bị xóa"), make_record("moved", "đổi")])
    new = fresh_indexes(cluster)
    assert len(seen) == 1 and seen[0].url.endswith(f"({', '.join(new.values())})")
    assert sorted(cluster.docs("sohoa-pages-public")) == ["kept", "late"]
    assert sorted(cluster.docs("sohoa-pages-not_accessible")) == ["moved"]
    paths = cluster.paths()[before:]
    fresh = ",".join(new.values())
    assert paths.index(f"PUT /{new['public']}/_doc/late") < paths.index("POST /_aliases")
    assert paths.index(f"POST /{fresh}/_forcemerge") < paths.index("POST /_aliases")
    assert idx.count() == 3  # the client still works
    idx.rebuild([make_record("after", "sau")])  # outside the context: no hook
    assert len(seen) == 1


def test_a_failing_hook_leaves_the_aliases_where_they_were(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("kept", "giữ"))

    def fail(_fresh: ElasticIndex) -> None:
        raise Transient("store unreachable")

    with before_swap(fail), pytest.raises(Transient):
        idx.rebuild([make_record("x", "một")])
    assert cluster.aliases == FIRST_LAYOUT
    assert sorted(cluster.indexes) == sorted(FIRST.values())


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
    assert cluster.aliases == FIRST_LAYOUT
    assert sorted(cluster.indexes) == sorted(FIRST.values())  # the half-built indexes are gone
    assert idx.has("kept")


def test_a_rebuild_that_cannot_create_its_indexes_deletes_those_it_made(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.count()

    def third_create_fails(request: Request) -> tuple[int, dict] | None:
        if request.method == "PUT" and "-not_accessible-" in request.path:
            return 400, {"error": {"type": "validation_exception", "reason": "too many shards"}}
        return None

    cluster.fail = third_create_fails
    with pytest.raises(SohoaError, match="too many shards"):
        idx.rebuild([make_record("x", "một")])
    assert cluster.aliases == FIRST_LAYOUT and sorted(cluster.indexes) == sorted(FIRST.values())


def test_indexes_not_made_by_sohoa_are_unaliased_but_kept(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.count()
    cluster.indexes["hand-made"] = {"settings": {}, "mappings": {}, "docs": {}}
    cluster.aliases["sohoa-pages"].add("hand-made")
    idx.rebuild([make_record("a", "một")])
    assert "hand-made" in cluster.indexes and not set(FIRST.values()) & set(cluster.indexes)
    assert cluster.aliases == layout(fresh_indexes(cluster))


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
    assert sorted(cluster.docs("sohoa-pages")) == ["rec0", "rec1", "rec2"]  # the alias of the whole


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
        if request.method == "DELETE" and request.path.startswith(f"/sohoa-pages-v{MAPPING_VERSION}-"):
            return 503, {"error": {"type": "unavailable", "reason": "busy"}}
        return None

    cluster.fail = refuse_delete
    with caplog.at_level(logging.WARNING, logger="indexing.elastic"):
        outcome = idx.rebuild([make_record("a", "một")])
    assert outcome.indexed == 1 and idx.has("a")
    assert set(FIRST.values()) <= set(cluster.indexes) and "delete it by hand" in caplog.text


def test_a_server_that_is_not_elasticsearch_is_a_set_up_error(cluster: FakeCluster) -> None:
    class NotElastic(cluster.node()):
        def perform_request(self, method, target, body=None, headers=None, request_timeout=None):  # noqa: ANN001, ANN201
            response = super().perform_request(method, target, body, headers, request_timeout)
            response.meta.headers.pop("x-elastic-product")
            return response

    index = ElasticIndex(parse_elastic_url("http://es:9200"), node_class=NotElastic)
    with pytest.raises(ElasticSetupError, match="not Elasticsearch"):
        index.count()


# -- warm-up and monitoring (indexing.base) ----------------------------------------------------------


def test_the_warm_up_sends_nothing_and_scrub_pending_asks_each_class_index(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    """Elasticsearch keeps no search arrays or page lists in this process: pre_read, warm and
    lists_used are honest no-ops, no request sent. scrub_pending reads each class index's
    deleted documents (the _stats of docs), what /metrics shows."""
    idx.add(make_record("r", "biên bản"))
    before = len(cluster.requests)
    assert idx.pre_read() == 0
    assert idx.warm([AccessScope(), AccessScope(classes=("public",), masked=True)], [("t", "c", ("x",))]) == 0
    assert idx.lists_used() == []
    assert cluster.requests[before:] == []
    assert idx.scrub_pending() is False
    asked = [(r.method, r.path) for r in cluster.requests[before:]]
    assert asked == [("GET", f"/{alias}/_stats/docs") for alias in CLASS_ALIASES]
    idx.add(make_record("r", "biên bản", access="conditional"))  # its public copy deleted
    cluster.retain_deletes = True
    idx.add(make_record("r", "biên bản", access="public"))
    assert idx.scrub_pending() is True
