"""ElasticIndex against the in-memory cluster: what the review of the per-class layout found.

A record leaving a class's index has that index's deleted documents expunged (they count in its
BM25 statistics until merged away), and again later while they remain; a swap whose answer is
lost is never resent nor undone; a class alias on two indexes is a broken layout; a concurrent
writer's copy in another class is deleted after the write. And the fake itself refuses what
Elasticsearch refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from elastic_transport import ConnectionTimeout

from core.errors import IndexUnusable, Transient
from indexing.elastic import EXPUNGE_RETRY_SECONDS, EXPUNGE_TRIES, ElasticIndex, parse_elastic_url
from indexing.elastic_mapping import MAPPING_VERSION
from tests.indexing.conformance import make_record
from tests.indexing.fake_elastic import FakeCluster, Request

CLASSES = ("public", "conditional", "not_accessible", "undetermined")
FIRST = {klass: f"sohoa-pages-v{MAPPING_VERSION}-{klass}" for klass in CLASSES}
FIRST_LAYOUT = {"sohoa-pages": set(FIRST.values()), **{f"sohoa-pages-{k}": {FIRST[k]} for k in CLASSES}}


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def idx(cluster: FakeCluster, clock: Clock) -> Iterator[ElasticIndex]:
    with ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node()) as index:
        index._clock = clock
        yield index


def merges(cluster: FakeCluster, since: int = 0) -> list[Request]:
    return [r for r in cluster.requests[since:] if r.path.endswith("/_forcemerge")]


# -- expunging what a record left behind ---------------------------------------------------------


@pytest.mark.parametrize("new", ["conditional", "not_accessible", "undetermined"])
def test_a_record_moved_out_of_public_is_expunged_from_the_public_index(
    cluster: FakeCluster, idx: ElasticIndex, new: str
) -> None:
    idx.add(make_record("r", "biên bản mật", access="public"))
    idx.add(make_record("o", "công văn"))
    before = len(cluster.requests)
    idx.add(make_record("r", "biên bản mật", access=new))
    (merge,) = merges(cluster, before)
    assert merge.path == "/sohoa-pages-public/_forcemerge"
    assert merge.params == {"only_expunge_deletes": "true", "wait_for_completion": "false"}
    settings = [r for r in cluster.requests[before:] if r.path == "/sohoa-pages-public/_settings"]
    assert settings[0].body == {"index.merge.policy.expunge_deletes_allowed": 0}  # whatever their share
    paths = cluster.paths()[before:]
    assert paths.index("POST /sohoa-pages-public/_flush") < paths.index(
        "POST /sohoa-pages-public/_forcemerge"
    )
    assert cluster.deleted.get(FIRST["public"], 0) == 0
    assert idx.deleted_documents() == dict.fromkeys(CLASSES, 0) and not idx.scrub_pending()


def test_the_threshold_is_why_a_small_share_of_deleted_documents_is_expunged(cluster: FakeCluster) -> None:
    """The fake honours index.merge.policy.expunge_deletes_allowed: without the 0, one record
    deleted among 20 (5%) would stay, as the reviewer showed for Elasticsearch's default 10%."""
    index = ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node())
    for n in range(20):
        index.add(make_record(f"r{n}", "văn bản"))
    index.add(make_record("r0", "văn bản", access="conditional"))
    assert index.deleted_documents()["public"] == 0
    cluster.indexes[FIRST["public"]]["settings"]["index.merge.policy.expunge_deletes_allowed"] = 10
    cluster.deleted[FIRST["public"]] = 1
    cluster.handle("POST", "/sohoa-pages-public/_forcemerge?only_expunge_deletes=true", None)
    assert index.deleted_documents()["public"] == 1


def test_a_merge_that_keeps_them_is_asked_again_on_a_later_write(
    cluster: FakeCluster, idx: ElasticIndex, clock: Clock
) -> None:
    """A retention lease holds a recent operation: the first merge keeps it. A later write, once
    EXPUNGE_RETRY_SECONDS have passed, asks again while the index still holds deleted documents;
    monitoring sees the state (scrub_pending) meanwhile."""
    idx.add(make_record("r", "biên bản", access="public"))
    cluster.retain_deletes = True
    idx.add(make_record("r", "biên bản", access="not_accessible"))
    assert idx.deleted_documents()["public"] == 1
    before = len(cluster.requests)
    idx.add(make_record("x", "khác", access="conditional"))  # too soon: not asked again
    assert merges(cluster, before) == []
    clock.now += EXPUNGE_RETRY_SECONDS
    cluster.retain_deletes = False  # the leases moved past it
    idx.add(make_record("y", "khác nữa", access="conditional"))
    assert [r.path for r in merges(cluster, before)] == ["/sohoa-pages-public/_forcemerge"]
    assert idx.deleted_documents()["public"] == 0 and not idx.scrub_pending()
    clock.now += EXPUNGE_RETRY_SECONDS
    before = len(cluster.requests)
    idx.add(make_record("z", "thêm", access="conditional"))  # nothing left: looked at, not merged
    assert merges(cluster, before) == []


def test_the_retries_stop_after_a_few_and_say_so(
    cluster: FakeCluster, idx: ElasticIndex, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    idx.add(make_record("r", "biên bản"))
    cluster.retain_deletes = True
    idx.add(make_record("r", "biên bản", access="undetermined"))
    before = len(cluster.requests)
    with caplog.at_level(logging.WARNING, logger="indexing.elastic"):
        for n in range(EXPUNGE_TRIES + 2):
            clock.now += EXPUNGE_RETRY_SECONDS
            idx.add(make_record(f"w{n}", "ghi", access="conditional"))
    assert len(merges(cluster, before)) == EXPUNGE_TRIES
    assert "still holds 1 deleted documents" in caplog.text
    assert idx.scrub_pending()  # monitoring still says so


def test_a_failed_expunge_does_not_fail_the_write_and_is_tried_again(
    cluster: FakeCluster, idx: ElasticIndex, clock: Clock
) -> None:
    idx.add(make_record("r", "biên bản"))

    def merge_fails(request: Request) -> tuple[int, dict] | None:
        if request.path.endswith("/_forcemerge"):
            return 503, {"error": {"type": "unavailable_shards_exception", "reason": "injected"}}
        return None

    cluster.fail = merge_fails
    idx.add(make_record("r", "biên bản", access="conditional"))  # written all the same
    assert cluster.holders("r") == [FIRST["conditional"]] and idx.scrub_pending()
    cluster.fail = None
    clock.now += EXPUNGE_RETRY_SECONDS
    idx.delete("nothing")
    assert not idx.scrub_pending()


def test_a_deleted_record_is_expunged_too(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("r", "biên bản", access="conditional"))
    before = len(cluster.requests)
    idx.delete("r")
    assert [r.path for r in merges(cluster, before)] == ["/sohoa-pages-conditional/_forcemerge"]
    before = len(cluster.requests)
    idx.delete("r")  # nowhere: nothing to expunge
    assert merges(cluster, before) == []


def test_scrub_asks_every_class_index_and_keeps_asking_while_some_remain(
    cluster: FakeCluster, idx: ElasticIndex, clock: Clock
) -> None:
    idx.add(make_record("a", "một"))
    idx.add(make_record("a", "một sửa"))  # the older version: a deleted document
    cluster.retain_deletes = True
    before = len(cluster.requests)
    idx.scrub()
    (merge,) = merges(cluster, before)
    assert set(merge.path[1:].split("/")[0].split(",")) == {f"sohoa-pages-{k}" for k in CLASSES}
    assert idx.scrub_pending()
    cluster.retain_deletes = False
    clock.now += EXPUNGE_RETRY_SECONDS
    assert not idx.scrub_pending()  # asked again, by the check itself


# -- a reclassification racing another writer ----------------------------------------------------


def test_a_copy_another_writer_made_in_another_class_is_deleted_after_the_write(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    """Two writers of one record, both finding it nowhere: the other one's write lands between
    this one's look-up and its write. Looked up again after the write, the other class's copy goes
    (and is expunged): the record is in one class's index, never left in two."""
    idx.count()

    def other_writer(request: Request) -> tuple[int, dict] | None:
        if request.method == "PUT" and request.path == "/sohoa-pages-public/_doc/r":
            cluster.indexes[FIRST["conditional"]]["docs"]["r"] = {"access": "conditional"}
        return None

    cluster.fail = other_writer
    before = len(cluster.requests)
    idx.add(make_record("r", "biên bản"))
    paths = cluster.paths()[before:]
    assert paths[:4] == [
        "POST /_mget",
        "PUT /sohoa-pages-public/_doc/r",
        "POST /_mget",  # again: found in conditional too
        "DELETE /sohoa-pages-conditional/_doc/r",
    ]
    assert "POST /sohoa-pages-conditional/_forcemerge" in paths
    assert cluster.holders("r") == [FIRST["public"]] and idx.access_of("r") == "public"


# -- a broken layout -----------------------------------------------------------------------------


def test_a_class_alias_on_two_indexes_is_a_broken_layout_not_a_transient_error(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.add(make_record("r", "một"))
    cluster.indexes["stray"] = {"settings": {}, "mappings": {}, "docs": {}}
    cluster.aliases["sohoa-pages-public"].add("stray")  # by hand: ES answers illegal_argument
    for use in (lambda: idx.access_of("r"), lambda: idx.add(make_record("r", "một")), lambda: idx.has("r")):
        with pytest.raises(IndexUnusable, match="more than one index.*run sohoa reindex$"):
            use()


def test_first_use_refuses_a_class_alias_already_writing_to_another_index(cluster: FakeCluster) -> None:
    """Not a two-index alias built on top of it (Elasticsearch refuses a second write index)."""
    cluster.indexes["elsewhere"] = {"settings": {}, "mappings": {}, "docs": {}}
    cluster.handle("PUT", "/elsewhere/_alias/sohoa-pages-conditional", b'{"is_write_index": true}')
    index = ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node())
    with pytest.raises(IndexUnusable, match="sohoa-pages-conditional .*more than one write index"):
        index.count()
    assert cluster.aliases["sohoa-pages-conditional"] == {"elsewhere"}


# -- the swap of a rebuild -----------------------------------------------------------------------


def test_a_swap_made_though_its_answer_timed_out_is_neither_resent_nor_undone(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    """The cluster moves the aliases, the answer is lost (a client timeout). Resent, the swap's
    `remove`s would fail (404) and the fresh indexes, live by then, would be deleted: every alias
    gone. It is sent once; the aliases are looked up and the rebuild goes on as done."""
    idx.add(make_record("old", "cũ"))

    def swap_then_time_out(request: Request) -> tuple[int, dict] | None:
        if request.path == "/_aliases" and request.method == "POST":
            assert cluster.update_aliases(request)[0] == 200
            raise ConnectionTimeout("injected: the answer was lost")
        return None

    cluster.fail = swap_then_time_out
    before = len(cluster.requests)
    outcome = idx.rebuild([make_record("new", "mới")])
    assert outcome.indexed == 1
    assert cluster.paths()[before:].count("POST /_aliases") == 1  # not resent
    fresh = {klass: next(iter(cluster.aliases[f"sohoa-pages-{klass}"])) for klass in CLASSES}
    assert set(fresh.values()).isdisjoint(FIRST.values()) and set(cluster.indexes) == set(fresh.values())
    cluster.fail = None
    assert idx.has("new") and not idx.has("old")


def test_a_swap_that_failed_unmade_deletes_the_fresh_indexes(cluster: FakeCluster, idx: ElasticIndex) -> None:
    idx.add(make_record("old", "cũ"))

    def swap_fails(request: Request) -> tuple[int, dict] | None:
        if request.path == "/_aliases" and request.method == "POST":
            raise ConnectionTimeout("injected: never reached the cluster")
        return None

    cluster.fail = swap_fails
    before = len(cluster.requests)
    with pytest.raises(Transient):
        idx.rebuild([make_record("new", "mới")])
    assert cluster.paths()[before:].count("POST /_aliases") == 1
    assert cluster.aliases == FIRST_LAYOUT and sorted(cluster.indexes) == sorted(FIRST.values())


def test_fresh_indexes_are_kept_when_it_cannot_be_told_whether_the_swap_was_made(
    cluster: FakeCluster, idx: ElasticIndex
) -> None:
    idx.add(make_record("old", "cũ"))
    swapped = []

    def swap_then_cluster_gone(request: Request) -> tuple[int, dict] | None:
        if request.path == "/_aliases" and request.method == "POST":
            swapped.append(cluster.update_aliases(request))
            raise ConnectionTimeout("injected")
        if swapped:  # every request after it fails too
            raise ConnectionTimeout("injected")
        return None

    cluster.fail = swap_then_cluster_gone
    with pytest.raises(Transient):
        idx.rebuild([make_record("new", "mới")])
    assert len(cluster.indexes) == 8  # nothing deleted: the fresh ones are live
    assert not any(r.method == "DELETE" for r in cluster.requests)


# -- the fake refuses what Elasticsearch refuses -------------------------------------------------


def test_the_fake_refuses_a_second_write_index_for_an_alias(cluster: FakeCluster) -> None:
    cluster.handle("PUT", "/a", b'{"aliases": {"al": {"is_write_index": true}}}')
    status, answer = cluster.handle("PUT", "/b", b'{"aliases": {"al": {"is_write_index": true}}}')
    assert status == 500 and "more than one write index" in answer["error"]["reason"]
    assert "b" not in cluster.indexes and cluster.aliases == {"al": {"a"}}
    cluster.handle("PUT", "/c", None)
    status, _ = cluster.handle("PUT", "/c/_alias/al", b'{"is_write_index": true}')
    assert status == 500 and cluster.aliases == {"al": {"a"}}
    # moved in one request (off a, onto c): allowed, as Elasticsearch checks the final state
    moved = b'{"actions": [{"add": {"index": "c", "alias": "al", "is_write_index": true}}, '
    moved += b'{"remove": {"index": "a", "alias": "al"}}]}'
    assert cluster.handle("POST", "/_aliases", moved)[0] == 200
    assert cluster.write_indexes == {"al": "c"}


def test_the_fake_refuses_single_document_reads_through_an_alias_on_two_indexes(
    cluster: FakeCluster,
) -> None:
    cluster.handle("PUT", "/a", b'{"aliases": {"al": {"is_write_index": true}}}')
    cluster.handle("PUT", "/b", b'{"aliases": {"al": {}}}')
    assert cluster.handle("PUT", "/al/_doc/1", b'{"x": 1}')[0] == 200  # to the write index
    assert cluster.holders("1") == ["a"]
    status, answer = cluster.handle("GET", "/al/_doc/1", None)
    assert status == 400 and "more than one index associated with it" in answer["error"]["reason"]
    _, answer = cluster.handle("POST", "/_mget", b'{"docs": [{"_index": "al", "_id": "1"}]}')
    assert answer["docs"][0]["error"]["type"] == "illegal_argument_exception"
    cluster.handle("POST", "/_aliases", b'{"actions": [{"add": {"index": "b", "alias": "two"}}]}')
    cluster.handle("POST", "/_aliases", b'{"actions": [{"add": {"index": "a", "alias": "two"}}]}')
    status, answer = cluster.handle("PUT", "/two/_doc/2", b'{"x": 2}')
    assert status == 400 and "no write index is defined" in answer["error"]["reason"]


def test_the_fake_refuses_to_delete_indexes_by_wildcard_or_alias(cluster: FakeCluster) -> None:
    cluster.handle("PUT", "/a-1", b'{"aliases": {"al": {}}}')
    for name in ("a-*", "al", "a-1,al"):
        status, answer = cluster.handle("DELETE", f"/{name}", None)
        assert status == 400 and answer["error"]["type"] == "illegal_argument_exception", name
    assert "a-1" in cluster.indexes
    assert cluster.handle("DELETE", "/a-1", None)[0] == 200 and cluster.aliases == {}


def test_the_fake_refuses_removing_an_alias_an_index_does_not_hold_and_changes_nothing(
    cluster: FakeCluster,
) -> None:
    cluster.handle("PUT", "/a", b'{"aliases": {"al": {}}}')
    cluster.handle("PUT", "/b", None)
    actions = (
        b'{"actions": [{"add": {"index": "b", "alias": "al"}}, {"remove": {"index": "b", "alias": "x"}}]}'
    )
    status, answer = cluster.handle("POST", "/_aliases", actions)
    assert status == 404 and answer["error"]["type"] == "aliases_not_found_exception"
    assert cluster.aliases == {"al": {"a"}}  # all or nothing
