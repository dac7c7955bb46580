"""The Elasticsearch near-duplicate lookup is rebuilt beside and swapped in by alias: the first
rebuild turns the concrete index of earlier versions into the alias in one step; a failing
rebuild deletes its new index and leaves the lookup as it was (a fake cluster; the real one runs
the shared conformance suite in test_elastic_lookup.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.errors import Transient
from dedup import Fingerprint
from dedup.elastic_lookup import ElasticNearDuplicateIndex, lookup_swap_actions
from indexing.elastic import ElasticIndex, parse_elastic_url
from tests.dedup.lookup_conformance import LETTER, OTHER
from tests.indexing.fake_elastic import FakeCluster

NAME = "sohoa-pages-fingerprints"


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def lookup(cluster: FakeCluster) -> ElasticNearDuplicateIndex:
    return ElasticNearDuplicateIndex(
        ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node())
    )


def test_swap_actions_move_the_name_in_one_request() -> None:
    assert lookup_swap_actions(NAME, "new", [NAME], concrete=True) == [
        {"remove_index": {"index": NAME}},
        {"add": {"index": "new", "alias": NAME}},
    ]
    assert lookup_swap_actions(NAME, "new", ["a", "b"], concrete=False) == [
        {"remove": {"index": "a", "alias": NAME}},
        {"remove": {"index": "b", "alias": NAME}},
        {"add": {"index": "new", "alias": NAME}},
    ]


def test_rebuilds_fill_a_new_index_and_move_the_name_onto_it(
    cluster: FakeCluster, lookup: ElasticNearDuplicateIndex
) -> None:
    lookup.add("stale", OTHER)
    assert NAME in cluster.indexes and NAME not in cluster.aliases  # as earlier versions made it

    lookup.rebuild([("letter", LETTER)])
    (first,) = cluster.aliases[NAME]
    assert first.startswith(f"{NAME}-") and set(cluster.indexes) & {NAME, first} == {first}
    assert set(cluster.docs(NAME)) == {"letter"}
    assert "letter" in lookup and "stale" not in lookup

    lookup.rebuild([("letter", LETTER), ("other", OTHER)])
    (second,) = cluster.aliases[NAME]
    assert second != first and first not in cluster.indexes  # the old index is deleted
    assert set(cluster.docs(NAME)) == {"letter", "other"}
    lookup.add("later", OTHER)  # writes go through the alias
    assert set(cluster.docs(NAME)) == {"letter", "other", "later"}


def test_a_failing_rebuild_leaves_the_lookup_as_it_was(
    cluster: FakeCluster, lookup: ElasticNearDuplicateIndex
) -> None:
    lookup.rebuild([("letter", LETTER)])
    before = (dict(cluster.aliases), set(cluster.indexes))

    def failing() -> Iterator[tuple[str, Fingerprint]]:
        yield "other", OTHER
        raise Transient("storage went away")

    with pytest.raises(Transient):
        lookup.rebuild(failing())
    assert (dict(cluster.aliases), set(cluster.indexes)) == before
    assert set(cluster.docs(NAME)) == {"letter"}
