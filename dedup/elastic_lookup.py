"""The near-duplicate lookup on Elasticsearch: one lookup shared by every machine that ingests.

With SOHOA_INDEX on Elasticsearch, fingerprints live beside the record index in
`<alias>-fingerprints` (one shard), through the ElasticIndex's own client. A rebuild fills a new
index `<alias>-fingerprints-<time>` and points the name at it in one `_aliases` request (the first
rebuild turns the concrete index of earlier versions into that alias), as the record index
does. A document per record: its LSH band keys (`"<band>:<value>"`, keyword) for candidate
search, whether it is text-rich, and the fingerprint itself (kept, not indexed). The request
bodies are pure functions below.

check_in() registers the record first (refreshed at once), then searches: on one shard every
write gets the next sequence number, so of two re-scans checked in at the same moment on two
machines, each sees the other, and only the later (higher `_seq_no`) links itself to the earlier
— the same outcome as the SQLite lookup's one transaction.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from elasticsearch import helpers

from core.errors import SohoaError
from dedup.fingerprint import Fingerprint
from dedup.lookup import all_matches, best_match, is_rich
from dedup.match import DEFAULT_THRESHOLDS, DuplicateMatch, Thresholds
from dedup.texthash import lsh_bands

if TYPE_CHECKING:
    from indexing.elastic import ElasticIndex

__all__ = [
    "ElasticNearDuplicateIndex",
    "candidates_query",
    "fingerprint_document",
    "lookup_index_body",
    "lookup_index_name",
    "lookup_swap_actions",
    "rebuilt_lookup_name",
]

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # candidates per search request (search_after paging)


def lookup_index_name(alias: str) -> str:
    """`sohoa-pages` -> `sohoa-pages-fingerprints` (outside the record indexes' `-v*` pattern)."""
    return f"{alias}-fingerprints"


def rebuilt_lookup_name(name: str, at: datetime) -> str:
    """`sohoa-pages-fingerprints` -> `sohoa-pages-fingerprints-20250102t030405123456z` (UTC)."""
    return f"{name}-{at.astimezone(UTC):%Y%m%dt%H%M%S%fz}"


def lookup_swap_actions(name: str, new: str, old: list[str], *, concrete: bool) -> list[dict[str, Any]]:
    """One atomic `_aliases` request pointing `name` at `new`: from the indexes `old` it names,
    or, when `name` is itself an index (`concrete`), removing that index in the same step."""
    if concrete:
        return [{"remove_index": {"index": name}}, {"add": {"index": new, "alias": name}}]
    return [
        *({"remove": {"index": index, "alias": name}} for index in old),
        {"add": {"index": new, "alias": name}},
    ]


def lookup_index_body() -> dict[str, Any]:
    """Settings and mappings: one shard (a total order of writes), nothing indexed by guess."""
    return {
        "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1", "refresh_interval": "1s"},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "record_id": {"type": "keyword"},
                "rich": {"type": "boolean"},
                "bands": {"type": "keyword"},
                "fingerprint": {"type": "object", "enabled": False},  # kept in _source only
            },
        },
    }


def _band_keys(fp: Fingerprint) -> list[str]:
    return [f"{band}:{value}" for band, value in enumerate(lsh_bands(fp.minhash))]


def fingerprint_document(record_id: str, fp: Fingerprint, thresholds: Thresholds) -> dict[str, Any]:
    rich = is_rich(fp, thresholds)
    return {
        "record_id": record_id,
        "rich": rich,
        "bands": _band_keys(fp) if rich else [],
        "fingerprint": fp.model_dump(mode="json"),
    }


def candidates_query(fp: Fingerprint, thresholds: Thresholds, exclude: str | None) -> dict[str, Any]:
    """Records worth comparing with `fp`: those sharing an LSH band, and every record with little
    text; every record when `fp` itself has little text (compared on images)."""
    query: dict[str, Any] = {"bool": {}}
    if is_rich(fp, thresholds):
        query["bool"]["should"] = [{"term": {"rich": False}}, {"terms": {"bands": _band_keys(fp)}}]
        query["bool"]["minimum_should_match"] = 1
    else:
        query["bool"]["must"] = [{"match_all": {}}]
    if exclude is not None:
        query["bool"]["must_not"] = [{"ids": {"values": [exclude]}}]
    return query


class ElasticNearDuplicateIndex:
    """SimilarityLookup on the cluster of an ElasticIndex. Thread-safe (the client is)."""

    def __init__(self, index: ElasticIndex, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.name = lookup_index_name(index.alias)
        self._index = index
        self._client = index.client
        self._ready = False
        self._ready_lock = threading.Lock()
        self._stale = False  # added without a refresh since the last search

    def __repr__(self) -> str:
        return f"ElasticNearDuplicateIndex({self._index.url!r} -> {self.name!r})"

    def close(self) -> None:
        """The client belongs to the ElasticIndex, which closes it."""

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._ready_lock, self._index.errors(f"open {self.name}"):
            if not self._ready and not self._client.indices.exists(index=self.name):
                # 400 answered, not raised: another machine may have created it meanwhile
                answer = self._client.options(ignore_status=400).indices.create(
                    index=self.name, **lookup_index_body()
                )
                error = answer.body.get("error") if isinstance(answer.body, dict) else None
                if error and error.get("type") != "resource_already_exists_exception":
                    raise SohoaError(f"cannot create {self.name}: {error.get('type')}: {error.get('reason')}")
                if not error:
                    log.info("created the near-duplicate lookup index %s", self.name)
            self._ready = True

    # ---- queries ----

    def _refreshed(self) -> None:
        if self._stale:
            with self._index.errors(f"refresh {self.name}"):
                self._client.indices.refresh(index=self.name)
            self._stale = False

    def _hits(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every hit of `query`, a page at a time (sorted by record id, `search_after`)."""
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after else {}
            with self._index.errors(f"search {self.name}"):
                answer = self._client.search(
                    index=self.name,
                    query=query,
                    size=PAGE_SIZE,
                    sort=[{"record_id": "asc"}],
                    seq_no_primary_term=True,
                    **extra,
                )
            hits = answer["hits"]["hits"]
            yield from hits
            if len(hits) < PAGE_SIZE:
                return
            after = hits[-1]["sort"]

    def _candidates(
        self, fp: Fingerprint, exclude: str | None, before: int | None
    ) -> Iterator[tuple[str, Fingerprint]]:
        """The records that may be near-duplicates of `fp`, written before sequence number
        `before` (all if None)."""
        for hit in self._hits(candidates_query(fp, self.thresholds, exclude)):
            if before is None or hit["_seq_no"] < before:
                yield hit["_id"], Fingerprint.model_validate(hit["_source"]["fingerprint"])

    def _best(self, fp: Fingerprint, exclude: str | None, before: int | None) -> DuplicateMatch | None:
        """The best match among records written before sequence number `before` (all if None)."""
        return best_match(fp, self._candidates(fp, exclude, before), self.thresholds, exclude)

    def matches(self, fp: Fingerprint, *, exclude: str | None = None) -> list[DuplicateMatch]:
        """Every registered near-duplicate of `fp` (never `exclude`), closest first."""
        self._ensure()
        self._refreshed()
        return all_matches(fp, self._candidates(fp, exclude, None), self.thresholds, exclude)

    def find(self, fp: Fingerprint, *, exclude: str | None = None) -> DuplicateMatch | None:
        """The closest near-duplicate of `fp`, without registering anything."""
        self._ensure()
        self._refreshed()
        return self._best(fp, exclude, before=None)

    def __len__(self) -> int:
        self._ensure()
        self._refreshed()
        with self._index.errors(f"count {self.name}"):
            return int(self._client.count(index=self.name)["count"])

    def __contains__(self, record_id: object) -> bool:
        self._ensure()
        with self._index.errors(f"look up {record_id} in {self.name}"):
            return bool(self._client.exists(index=self.name, id=str(record_id)))

    # ---- changes ----

    def _put(self, record_id: str, fp: Fingerprint, *, refresh: bool) -> int:
        self._ensure()
        document = fingerprint_document(record_id, fp, self.thresholds)
        with self._index.errors(f"add {record_id} to {self.name}"):
            answer = self._client.index(index=self.name, id=record_id, document=document, refresh=refresh)
        self._stale = self._stale or not refresh
        return int(answer["_seq_no"])

    def check_in(self, record_id: str, fp: Fingerprint) -> DuplicateMatch | None:
        """Register `record_id`, then find its best near-duplicate among the records registered
        before it (by sequence number): see the module docstring."""
        sequence = self._put(record_id, fp, refresh=True)
        self._refreshed()
        match = self._best(fp, exclude=record_id, before=sequence)
        if match is not None:
            log.info("record %s: %s", record_id, match.reason)
        return match

    def add(self, record_id: str, fp: Fingerprint) -> None:
        """Register without searching and without a refresh (rebuilds add many)."""
        self._put(record_id, fp, refresh=False)

    def remove(self, record_id: str) -> None:
        self._ensure()
        with self._index.errors(f"remove {record_id} from {self.name}"):
            self._client.options(ignore_status=404).delete(index=self.name, id=record_id, refresh=True)

    def rebuild(self, entries: Iterable[tuple[str, Fingerprint]]) -> None:
        """Load `entries` into a new index, then point the lookup's name at it in one step; the
        old index is deleted afterwards. A failure deletes the new index and leaves the lookup
        as it was."""
        self._ensure()
        new = rebuilt_lookup_name(self.name, datetime.now(UTC))
        with self._index.errors(f"create {new}"):
            self._client.indices.create(index=new, **lookup_index_body())
        try:
            actions = (
                {
                    "_index": new,
                    "_id": record_id,
                    "_source": fingerprint_document(record_id, fp, self.thresholds),
                }
                for record_id, fp in entries
            )
            with self._index.errors(f"bulk load {new}"):
                try:
                    helpers.bulk(self._client, actions, chunk_size=PAGE_SIZE, refresh=True)
                except helpers.BulkIndexError as exc:
                    raise SohoaError(
                        f"{new}: {len(exc.errors)} fingerprints refused: {exc.errors[:1]}"
                    ) from exc
            with self._index.errors(f"swap {self.name} to {new}"):
                old, concrete = self._behind_name()
                self._client.indices.update_aliases(
                    actions=lookup_swap_actions(self.name, new, old, concrete=concrete)
                )
        except BaseException:
            with contextlib.suppress(Exception):
                self._client.indices.delete(index=new)
            raise
        self._stale = False
        log.info("near-duplicate lookup %s moved to %s", self.name, new)
        for index in [] if concrete else old:
            try:
                with self._index.errors(f"delete {index}"):
                    self._client.indices.delete(index=index)
            except SohoaError as exc:  # the swap is done; a leftover index costs only disk
                log.warning("old near-duplicate lookup index %s not deleted: %s", index, exc)

    def _behind_name(self) -> tuple[list[str], bool]:
        """The indexes the lookup's name points at, and whether the name is itself an index."""
        if self._client.indices.exists_alias(name=self.name):
            return sorted(self._client.indices.get_alias(name=self.name)), False
        return [self.name], True
