"""Rebuild a search index from storage alone: every committed record package, nothing else.

`reindex(store, index)` reads the records (without their word boxes, which the index does not
need) — as many at once as the store's `reads_at_once` says: one from a local directory, a few
from S3 — and hands them to the index's own `rebuild`, which fills a new
index beside the live one and swaps it in only when complete (Elasticsearch: a new index, then
the alias; SQLite: a new file, then a rename over the old). The live index is never read
and never emptied first, so a damaged or foreign one is rebuilt too, and a rebuild that fails or
is killed leaves it serving as before. A package that cannot be read is reported, not fatal; a
store or index that cannot be reached is (Transient), so the flow can retry the whole run.

Changes committed while the rebuild runs (a review decision, a secret moved to the hold, a
`sohoa secret sweep`, an ingest — in the API, a worker, another machine) are not lost by the
swap. Every commit of a package is noted in the store's change journal (storage/changes.py);
`reindex` notes the time it starts and, once the fresh index is filled and before it is swapped
in, reads again every package the journal names since then and applies it to the fresh index
(`catch_up`: the package as committed now; a record no longer committed is deleted; a record
whose content went to the secret hold is replaced by its catalogue row and the fresh index
scrubbed, so no byte of the secret reaches the live one). After the swap it catches up once
more, on the live index, with the entries it had not yet applied. Every writer commits to
storage (which notes the journal) before it writes to the index, so a write that went to the
index being replaced has its entry in the journal before the swap, and this second pass, which
lists the journal after the swap, applies it: no window is left and no lock is needed (a write
after the swap goes to the new index itself; a SqliteIndex connected to a file renamed over
follows the new one on its next call). Both passes go through
the public SearchIndex methods, so they hold for every engine, across processes and machines
(the store is shared; the journal is read with a margin for clocks). The first pass runs in the
engine's hook before its swap: indexing.sqlite_files.before_swap (the fresh file) and
indexing.elastic.before_swap (the fresh concrete index, before the alias moves).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from core.errors import NotFound
from indexing.base import BulkOutcome, SearchIndex
from indexing.sqlite import SqliteIndex
from indexing.sqlite_files import before_swap
from schemas import Record
from storage import ObjectStore, is_held, read_record
from storage.changes import changes_since, prune_changes
from storage.package import listed_record_ids, read_committed_record

__all__ = ["BulkOutcome", "CatchUp", "ReindexReport", "catch_up", "prefetch", "read_records", "reindex"]

log = logging.getLogger(__name__)

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
    caught_up: int = 0  # records read again before the swap: they changed while the fill ran
    caught_up_after_swap: int = 0  # ... after it: committed while the swap was being made

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
            "caught_up": self.caught_up,
            "caught_up_after_swap": self.caught_up_after_swap,
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


def read_records(store: ObjectStore, report: ReindexReport, workers: int | None = None) -> Iterator[Record]:
    """Every committed record of `store`, `workers` (default: the store's `reads_at_once`) read at
    once; unreadable ones are noted in `report.failed`."""

    def read(record_id: str) -> tuple[str, Record | str | None]:
        try:
            return record_id, read_committed_record(store, record_id, with_words=False)
        except _UNREADABLE as exc:
            return record_id, f"unreadable package: {type(exc).__name__}: {exc}"

    # listed, then each inventory read once (iter_record_ids would read it twice)
    for record_id, result in prefetch(read, listed_record_ids(store), workers or store.reads_at_once):
        if result is None:  # withdrawn, or gone since it was listed
            continue
        report.records += 1
        if isinstance(result, Record):
            yield result
        else:
            log.warning("record %s: not indexed: %s", record_id, result)
            report.failed[record_id] = result


JOURNAL_KEPT = timedelta(days=7)  # journal entries older than any rebuild can need


@dataclass
class CatchUp:
    """What the catch-up passes of one rebuild have applied, by journal entry."""

    since: datetime
    applied: set[str] = field(default_factory=set)  # journal keys


def catch_up(store: ObjectStore, index: SearchIndex, state: CatchUp, report: ReindexReport) -> list[str]:
    """Apply to `index` every package the journal names since `state.since` and `state` has not
    applied yet, as committed now: re-added; deleted when no longer committed; a record held in
    the secret hold re-added as its catalogue row. The index is scrubbed when a record left it
    or was held (its old text must not stay in the index's files). Returns the ids applied."""
    fresh = [change for change in changes_since(store, state.since) if change.key not in state.applied]
    ids = sorted({change.record_id for change in fresh})
    erased = False
    for record_id in ids:
        try:
            record = read_record(store, record_id, with_words=False)
        except NotFound:
            index.delete(record_id)
            erased = True
            continue
        except _UNREADABLE as exc:
            index.delete(record_id)  # not served as it was read earlier; reported like the fill does
            erased = True
            report.failed[record_id] = f"unreadable package: {type(exc).__name__}: {exc}"
            continue
        if is_held(record):
            index.delete(record_id)
            erased = True
        index.add(record)
        report.failed.pop(record_id, None)
    if erased:
        index.scrub()
    state.applied.update(change.key for change in fresh)
    if ids:
        log.info("caught up with %d records changed during the rebuild of %s", len(ids), index.url)
    return ids


def reindex(store: ObjectStore, index: SearchIndex, *, workers: int | None = None) -> ReindexReport:
    """Make `index` hold exactly the committed records of `store`, those committed while it ran
    included (module docstring)."""
    started = time.monotonic()
    report = ReindexReport(store=store.url, index=index.url)
    state = CatchUp(since=datetime.now(UTC))

    def on_fresh_index(fresh: SearchIndex) -> None:
        report.caught_up += len(catch_up(store, fresh, state, report))

    def on_fresh_sqlite(fresh: Path) -> None:
        with SqliteIndex(fresh, scratch=True) as building:
            on_fresh_index(building)

    with contextlib.ExitStack() as hooks:
        hooks.enter_context(before_swap(on_fresh_sqlite))
        if not isinstance(index, SqliteIndex):  # Elasticsearch: its client is imported only then
            from indexing.elastic import before_swap as elastic_before_swap

            hooks.enter_context(elastic_before_swap(on_fresh_index))
        outcome = index.rebuild(read_records(store, report, workers))
    report.indexed = outcome.indexed
    report.failed.update(outcome.rejected)
    # committed before the swap, after the first pass read the journal: written to the index replaced
    report.caught_up_after_swap += len(catch_up(store, index, state, report))
    report.seconds = time.monotonic() - started
    log.info(
        "reindexed %d of %d records from %s into %s in %.1f s",
        report.indexed, report.records, report.store, report.index, report.seconds,
    )  # fmt: skip
    pruned = prune_changes(store, state.since - JOURNAL_KEPT)
    if pruned:
        log.info("change journal: %d entries older than %s dropped", pruned, JOURNAL_KEPT)
    return report
