"""Which Elasticsearch indexes each role's search addresses (the per-class layout, mapping v8),
without a server: the real client over the in-memory cluster of fake_elastic, every request
`search_as` sends for every parameter the API and the web page accept.

Red team D3/D5 on Elasticsearch: with every class in one index, BM25's statistics (a word's
document frequency, the mean page length) and the work of a search counted records the caller
may not see. With one index per class, a search names only its scope's class indexes and
Elasticsearch scores each record on its own index's statistics (query_then_fetch, never dfs);
what is checked here is that the public's request never names a non-public index, whatever it
asks (an access filter naming hidden classes included), and that no role's names an index of a
class outside its scope. What the cluster then does with it is the conformance suite's part
(with ELASTICSEARCH_URL: tests/redteam/test_contract_ranking.py runs on the cluster too).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.access import search_scope
from application.searching import SearchParams, search_as
from indexing.elastic import ElasticIndex, parse_elastic_url
from indexing.elastic_mapping import class_aliases, first_index_name
from schemas.record import ACCESS_CLASSES
from tests.indexing.conformance import make_record
from tests.indexing.fake_elastic import FakeCluster

EMPTY = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}, "aggregations": {}}
QUERIES = ["", "Vĩnh Phúc", '"cấp lại" giấy tờ', "tuyệtmậtxyz"]
FILTERS: list[dict[str, Any]] = [
    {},
    {"access": ("undetermined",)},
    {"access": ("not_accessible", "conditional", "public")},
    {"doc_type": "Biên bản", "year": 1998, "dossier": "hs-1"},
    {"date_from": dt.date(1998, 12, 24), "date_to": dt.date(1998, 12, 24)},
]
SHAPES: list[dict[str, Any]] = [
    {},
    {"sort": "date", "facet_limit": 5},
    {"facets": False, "sort": "dossier_order"},
]
ROLES = {
    "public": "/sohoa-pages-public/_search",
    "staff": "/sohoa-pages-public,sohoa-pages-conditional/_search",
    "archivist": "/sohoa-pages-public,sohoa-pages-conditional,sohoa-pages-undetermined/_search",
    "metrics": "/sohoa-pages-public/_search",  # its body matches nothing
}


@pytest.fixture
def es() -> Iterator[tuple[FakeCluster, ElasticIndex]]:
    cluster = FakeCluster(search_response=EMPTY)
    with ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node()) as index:
        index.count()  # the template, the class indexes and their aliases
        yield cluster, index


def _searches(es: tuple[FakeCluster, ElasticIndex], role: str) -> list[tuple[str, dict[str, str]]]:
    """(path, parameters) of every _search request `role` can make."""
    cluster, index = es
    sent = []
    for q, filters, shape in itertools.product(QUERIES, FILTERS, SHAPES):
        before = len(cluster.requests)
        search_as(index, role, SearchParams(q=q, **filters, **shape))  # type: ignore[arg-type]
        sent += [(r.path, r.params) for r in cluster.requests[before:] if r.path.endswith("/_search")]
    assert len(sent) > 30
    return sent


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_searches_the_class_indexes_of_its_scope_alone(es, role: str) -> None:  # noqa: ANN001
    for path, params in _searches(es, role):
        assert path == ROLES[role]
        assert params == {"search_type": "query_then_fetch"}  # never dfs: no pooled statistics


def test_the_public_request_never_names_a_non_public_index(es) -> None:  # noqa: ANN001
    hidden = [alias for klass, alias in class_aliases("sohoa-pages").items() if klass != "public"]
    for path, _params in _searches(es, "public"):
        names = path.removeprefix("/").removesuffix("/_search").split(",")
        assert names == ["sohoa-pages-public"]
        assert not set(names) & set(hidden) and not any("*" in name for name in names)


@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
def test_the_indexes_named_are_those_of_the_roles_scope(role: str) -> None:
    """The path follows the scope of application.access, not a list of its own."""
    classes = search_scope(role).classes  # type: ignore[arg-type]
    aliases = class_aliases("sohoa-pages")
    assert ROLES[role] == "/" + ",".join(aliases[klass] for klass in classes) + "/_search"


def test_records_land_in_their_class_index_and_each_scope_reads_its_own(es) -> None:  # noqa: ANN001
    cluster, index = es
    for n, klass in enumerate(ACCESS_CLASSES):
        index.add(make_record(f"r{n}", "văn bản", access=klass))
    holders = {doc_id: cluster.holders(doc_id) for doc_id in ("r0", "r1", "r2", "r3")}
    assert holders == {f"r{n}": [first_index_name("sohoa-pages", k)] for n, k in enumerate(ACCESS_CLASSES)}
    # the public's alias resolves to the public index alone
    assert cluster.aliases["sohoa-pages-public"] == {first_index_name("sohoa-pages", "public")}


def test_the_sohoa_user_may_use_every_class_alias() -> None:
    """Elasticsearch checks privileges on the names a request uses: the restricted user's role in
    deploy/es-setup.sh names each class alias."""
    script = (Path(__file__).parents[2] / "deploy" / "es-setup.sh").read_text(encoding="utf-8")
    (names,) = re.findall(r'"names": \[([^\]]*)\]', script)
    granted = {name.strip().strip('"') for name in names.split(",")}
    assert set(class_aliases("${SOHOA_ES_ALIAS}").values()) <= granted
