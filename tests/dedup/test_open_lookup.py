"""dedup.open_lookup: the near-duplicate lookup goes with the search index, chosen by its URL
(as indexing.open_index chooses the index), so no caller names an engine."""

from __future__ import annotations

from pathlib import Path

from dedup import NearDuplicateIndex, open_lookup
from dedup.elastic_lookup import ElasticNearDuplicateIndex
from indexing import open_index


def test_a_sqlite_index_gets_a_lookup_file_of_this_machine(tmp_path: Path) -> None:
    index = open_index(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    lookup = open_lookup(index, tmp_path / "similarity.sqlite3")
    try:
        assert isinstance(lookup, NearDuplicateIndex) and len(lookup) == 0
        assert (tmp_path / "similarity.sqlite3").exists()
    finally:
        lookup.close()
        index.close()


def test_an_elasticsearch_index_gets_the_lookup_on_its_cluster(tmp_path: Path) -> None:
    index = open_index("http://localhost:9200/sohoa-archive")  # no request is sent
    lookup = open_lookup(index, tmp_path / "similarity.sqlite3")
    try:
        assert isinstance(lookup, ElasticNearDuplicateIndex)
        assert lookup.name.startswith("sohoa-archive")
        assert not (tmp_path / "similarity.sqlite3").exists()
    finally:
        lookup.close()
        index.close()
