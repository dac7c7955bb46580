"""Rebuild a search index from storage alone: every committed record package, nothing else.

`reindex(store, index)` reads the records (without their word boxes, which the index does not
need) a few at a time in parallel and hands them to the index's own `rebuild`, which fills a new
index beside the live one and swaps it in only when complete (Elasticsearch: a new index, then
the alias; SQLite: a new file, then one transaction or a rename). The live index is never read
and never emptied first, so a damaged or foreign one is rebuilt too, and a rebuild that fails or
is killed leaves it serving as before. A package that cannot be read is reported, not fatal; a
store or index that cannot be reached is (Transient), so the flow can retry the whole run.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from core.errors import NotFound
from indexing.base import BulkOutcome, SearchIndex
from schemas import Record
from storage import ObjectStore, iter_record_ids, read_record

__all__ = ["BulkOutcome", "ReindexReport", "prefetch", "read_records", "reindex"]

log = logging.getLogger(__name__)

READ_WORKERS = 4  # records read at once: hides S3 latency; harmless on a local disk

# A package that is there but cannot be read as a record: reported, and the run goes on.
_UNREADABLE = (NotFound, ValueError, ValidationError, json.JSONDecodeError, UnicodeDecodeError)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class ReindexReport:
    store: str
    index: str
    records: int = 0  # committed packages found
    indexed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # record id -> why it is not indexed
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "index": self.index,
            "records": self.records,
            "indexed": self.indexed,
            "failed": [{"id": rid, "reason": why} for rid, why in sorted(self.failed.items())],
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.per_second, 1),
        }


def prefetch(function: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """map(function, items) in order, with at most 2 * workers calls running or waiting."""
    if workers <= 1:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reindex-read") as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def read_records(store: ObjectStore, report: ReindexReport, workers: int = READ_WORKERS) -> Iterator[Record]:
    """Every committed record of `store`; unreadable ones are noted in `report.failed`."""

    def read(record_id: str) -> tuple[str, Record | str]:
        try:
            return record_id, read_record(store, record_id, with_words=False)
        except _UNREADABLE as exc:
            return record_id, f"unreadable package: {type(exc).__name__}: {exc}"

    for record_id, result in prefetch(read, iter_record_ids(store), workers):
        report.records += 1
        if isinstance(result, Record):
            yield result
        else:
            log.warning("record %s: not indexed: %s", record_id, result)
            report.failed[record_id] = result


def reindex(store: ObjectStore, index: SearchIndex, *, workers: int = READ_WORKERS) -> ReindexReport:
    """Make `index` hold exactly the committed records of `store`."""
    started = time.monotonic()
    report = ReindexReport(store=store.url, index=index.url)
    outcome = index.rebuild(read_records(store, report, workers))
    report.indexed = outcome.indexed
    report.failed.update(outcome.rejected)
    report.seconds = time.monotonic() - started
    log.info(
        "reindexed %d of %d records from %s into %s in %.1f s",
        report.indexed, report.records, report.store, report.index, report.seconds,
    )  # fmt: skip
    return report
