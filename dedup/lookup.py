"""The near-duplicate lookup: fingerprints of stored records, by default in a SQLite file of
their own (one machine); dedup/elastic_lookup.py keeps them in Elasticsearch (several machines).

Derived data, like the search index: storage holds each record's fingerprint.json, and
rebuild_lookup() refills the lookup from storage at any time (the SQLite file: a fresh file built
beside it and swapped in whole, as the search index is; a damaged or foreign file is left as it
is and every use says "run sohoa reindex"). Candidates are found through
MinHash LSH bands (text-rich records) plus every record with little text (compared on images);
then each candidate is compared in full (dedup/match.py) and `best_match` picks the closest.

check_in() finds the best earlier match and registers the new record in ONE transaction, so
two scans of the same paper ingested at the same moment (two threads, two processes on one
file) still see each other. Re-running it for the same record id replaces its entry and never
matches the record with itself: ingestion stays idempotent.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from core.errors import BadInput, NotFound
from dedup.fingerprint import FINGERPRINT_FILE, Fingerprint, fingerprint_file
from dedup.match import DEFAULT_THRESHOLDS, DuplicateMatch, Thresholds, compare, decide
from dedup.texthash import lsh_bands
from indexing.sqlite_files import check_opened, damage_unusable, file_id, opening, rebuild_beside, unusable
from storage import (
    ObjectStore,
    is_held,
    iter_record_ids,
    original_key,
    read_manifest,
    read_package_bytes,
    read_record,
)
from storage.changes import changes_since

__all__ = [
    "NearDuplicateIndex",
    "RebuildReport",
    "SimilarityLookup",
    "all_matches",
    "best_match",
    "fingerprint_stored",
    "is_rich",
    "read_fingerprint",
    "rebuild_lookup",
]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fingerprints (
    record_id TEXT PRIMARY KEY,
    rich INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL,
    value INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (band, value, record_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bands_by_record ON bands (record_id);
"""
_TABLES = ("fingerprints", "bands")
_VERSION = 0  # user_version of the lookup's file (never set)
_WHAT = "near-duplicate lookup"
REBUILD_BATCH = 500  # fingerprints per transaction in rebuild()


class SimilarityLookup(Protocol):
    """What ingest and reindex need of a near-duplicate lookup, whatever holds it."""

    thresholds: Thresholds

    def check_in(self, record_id: str, fp: Fingerprint) -> DuplicateMatch | None:
        """The best near-duplicate registered before `record_id`; registers it. A check-in
        that runs at the same time as another sees it or is seen by it, never neither."""
        ...

    def find(self, fp: Fingerprint, *, exclude: str | None = None) -> DuplicateMatch | None: ...
    def matches(self, fp: Fingerprint, *, exclude: str | None = None) -> list[DuplicateMatch]:
        """Every registered near-duplicate of `fp` (never `exclude`), closest first."""
        ...

    def add(self, record_id: str, fp: Fingerprint) -> None: ...
    def remove(self, record_id: str) -> None: ...
    def rebuild(self, entries: Iterable[tuple[str, Fingerprint]]) -> None:
        """Hold exactly `entries` (record id, fingerprint) afterwards, whatever it held before."""
        ...

    def close(self) -> None: ...
    def __len__(self) -> int: ...
    def __contains__(self, record_id: object) -> bool: ...


def is_rich(fp: Fingerprint, thresholds: Thresholds) -> bool:
    """Enough text to find candidates by LSH bands; others are compared with every record."""
    return fp.shingles >= thresholds.min_shingles


def all_matches(
    fp: Fingerprint,
    candidates: Iterable[tuple[str, Fingerprint]],
    thresholds: Thresholds,
    exclude: str | None = None,
) -> list[DuplicateMatch]:
    """Every one of `candidates` that is a near-duplicate of `fp` (never `exclude`), closest first."""
    found = []
    for record_id, other in candidates:
        if record_id == exclude:
            continue
        comparison = compare(fp, other, thresholds)
        basis = decide(comparison, thresholds)
        if basis is not None:
            found.append(DuplicateMatch(record_id, basis, comparison.text, comparison.image))
    return sorted(found, key=_rank, reverse=True)


def best_match(
    fp: Fingerprint,
    candidates: Iterable[tuple[str, Fingerprint]],
    thresholds: Thresholds,
    exclude: str | None = None,
) -> DuplicateMatch | None:
    """The closest of `candidates` that is a near-duplicate of `fp` (never `exclude`)."""
    found = all_matches(fp, candidates, thresholds, exclude)
    return found[0] if found else None


class NearDuplicateIndex:
    """The lookup in a SQLite file. Thread-safe; several processes may share the file (SQLite
    locking, WAL), not several machines."""

    def __init__(
        self, path: Path, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, scratch: bool = False
    ) -> None:
        """`scratch`: a file being rebuilt, thrown away if anything fails (no journal)."""
        self.path = Path(path)
        self.thresholds = thresholds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._scratch = scratch
        self._closed = False
        self._open()

    def _open(self) -> None:
        """Connect; a new file gets the tables, a damaged or foreign one is left untouched.
        Inside `opening`: no rebuild renames a new file in meanwhile (indexing.sqlite_files)."""
        self._problem: str | None = None
        with opening(self.path):
            self._file = file_id(self.path)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            try:
                state = check_opened(self._db, _WHAT, self.path, tables=_TABLES, version=_VERSION)
                if state not in ("ready", "empty"):
                    self._problem = state
                    return
                self._db.execute("PRAGMA journal_mode=OFF" if self._scratch else "PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
                self._file = file_id(self.path)
            except BaseException:
                self._db.close()
                raise

    def __repr__(self) -> str:
        return f"NearDuplicateIndex({str(self.path)!r})"

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._closed = True

    @contextlib.contextmanager
    def _usable(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock, on the file now at `path`; a damaged or foreign file: IndexUnusable."""
        with self._lock:
            if not self._closed and file_id(self.path) != self._file:  # replaced by a rebuild
                self._db.close()
                self._open()
            if self._problem is not None:
                raise unusable(_WHAT, self.path, self._problem)
            with damage_unusable(_WHAT, self.path):
                yield self._db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._usable() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ---- queries ----

    def __len__(self) -> int:
        with self._usable() as db:
            return db.execute("SELECT count(*) FROM fingerprints").fetchone()[0]

    def __contains__(self, record_id: object) -> bool:
        with self._usable() as db:
            row = db.execute("SELECT 1 FROM fingerprints WHERE record_id = ?", (record_id,)).fetchone()
        return row is not None

    def _candidates(self, db: sqlite3.Connection, fp: Fingerprint) -> Iterator[tuple[str, Fingerprint]]:
        if not is_rich(fp, self.thresholds):  # compared on images only: every record is a candidate
            rows = db.execute("SELECT record_id, data FROM fingerprints")
        else:
            bands = list(enumerate(lsh_bands(fp.minhash)))
            where = " OR ".join("(band = ? AND value = ?)" for _ in bands)
            params = [x for pair in bands for x in pair]
            rows = db.execute(
                f"SELECT record_id, data FROM fingerprints WHERE rich = 0 OR record_id IN "
                f"(SELECT record_id FROM bands WHERE {where})",
                params,
            )
        for record_id, data in rows:
            yield record_id, Fingerprint.model_validate_json(data)

    def _best(self, db: sqlite3.Connection, fp: Fingerprint, exclude: str | None) -> DuplicateMatch | None:
        return best_match(fp, self._candidates(db, fp), self.thresholds, exclude)

    def find(self, fp: Fingerprint, *, exclude: str | None = None) -> DuplicateMatch | None:
        """The closest earlier near-duplicate of `fp`, without registering anything."""
        with self._usable() as db:
            return self._best(db, fp, exclude)

    def matches(self, fp: Fingerprint, *, exclude: str | None = None) -> list[DuplicateMatch]:
        """Every registered near-duplicate of `fp` (never `exclude`), closest first."""
        with self._usable() as db:
            return all_matches(fp, self._candidates(db, fp), self.thresholds, exclude)

    # ---- changes ----

    def _put(self, db: sqlite3.Connection, record_id: str, fp: Fingerprint) -> None:
        rich = is_rich(fp, self.thresholds)
        db.execute("DELETE FROM bands WHERE record_id = ?", (record_id,))
        db.execute(
            "INSERT OR REPLACE INTO fingerprints (record_id, rich, data) VALUES (?, ?, ?)",
            (record_id, int(rich), fp.model_dump_json()),
        )
        if rich:
            db.executemany(
                "INSERT OR IGNORE INTO bands (band, value, record_id) VALUES (?, ?, ?)",
                [(band, value, record_id) for band, value in enumerate(lsh_bands(fp.minhash))],
            )

    def check_in(self, record_id: str, fp: Fingerprint) -> DuplicateMatch | None:
        """Find the best earlier near-duplicate of `record_id` and register it, atomically."""
        with self._transaction() as db:
            match = self._best(db, fp, exclude=record_id)
            self._put(db, record_id, fp)
        if match is not None:
            log.info("record %s: %s", record_id, match.reason)
        return match

    def add(self, record_id: str, fp: Fingerprint) -> None:
        with self._transaction() as db:
            self._put(db, record_id, fp)

    def remove(self, record_id: str) -> None:
        """Forget a record (e.g. its package was never written after check_in)."""
        with self._transaction() as db:
            db.execute("DELETE FROM bands WHERE record_id = ?", (record_id,))
            db.execute("DELETE FROM fingerprints WHERE record_id = ?", (record_id,))

    def rebuild(self, entries: Iterable[tuple[str, Fingerprint]]) -> None:
        """Fill a fresh file beside this one, then swap it in (indexing.sqlite_files.rebuild_beside):
        the live file, damaged or foreign included, is untouched until the new one is complete."""

        def fill(fresh: Path) -> None:
            building = NearDuplicateIndex(fresh, self.thresholds, scratch=True)
            try:
                remaining = iter(entries)
                while chunk := list(itertools.islice(remaining, REBUILD_BATCH)):
                    with building._transaction() as db:
                        for record_id, fp in chunk:
                            building._put(db, record_id, fp)
            finally:
                building.close()

        rebuild_beside(self.path, fill, self._disconnected)

    @contextlib.contextmanager
    def _disconnected(self) -> Iterator[None]:
        with self._lock:
            self._db.close()
            try:
                yield
            finally:
                self._open()


def _rank(match: DuplicateMatch) -> tuple[float, int]:
    return (match.text if match.text is not None else 0.0, -match.image)


# ---- from storage ----


def read_fingerprint(store: ObjectStore, record_id: str) -> Fingerprint | None:
    """The fingerprint stored in a committed package; None if the package has none.

    NotFound when there is no committed package of that id.
    """
    if FINGERPRINT_FILE not in read_manifest(store, record_id):
        return None
    return Fingerprint.from_json(read_package_bytes(store, record_id, FINGERPRINT_FILE))


def fingerprint_stored(store: ObjectStore, record_id: str, max_pixels: int) -> Fingerprint:
    """Compute a fingerprint from a stored package (its original and page text): a package
    written before fingerprints were stored in it."""
    record = read_record(store, record_id, with_words=False)
    key = original_key(store, record_id)
    with tempfile.TemporaryDirectory(prefix="sohoa-dedup-") as scratch:
        local = Path(scratch) / key.rsplit("/", 1)[-1]
        store.get_file(key, local)
        return fingerprint_file(local, record.pages, record.metadata, max_pixels=max_pixels)


@dataclass
class RebuildReport:
    added: int = 0
    computed: int = 0  # packages without fingerprint.json, fingerprinted from their original
    skipped: list[str] = field(default_factory=list)  # no fingerprint, and none computed
    caught_up: int = 0  # records read again after the swap: committed while the rebuild ran


def rebuild_lookup(
    index: SimilarityLookup,
    store: ObjectStore,
    *,
    compute_missing: bool = False,
    max_pixels: int = 200_000_000,
) -> RebuildReport:
    """Refill `index` from every committed package of `store`.

    Packages written before fingerprints existed are skipped, or fingerprinted from their stored
    original when `compute_missing` (renders each first page once more: slow).
    """
    report = RebuildReport()
    started = datetime.now(UTC)
    index.rebuild(_stored_fingerprints(store, report, compute_missing, max_pixels))
    report.caught_up = catch_up_lookup(index, store, started)
    log.info(
        "near-duplicate lookup rebuilt: %d records (%d computed, %d without fingerprint)",
        report.added,
        report.computed,
        len(report.skipped),
    )
    return report


def catch_up_lookup(index: SimilarityLookup, store: ObjectStore, since: datetime) -> int:
    """Apply to `index` what the store's change journal says was committed since `since`: a
    record held (its content went to the secret hold) or no longer committed is removed, one
    with a stored fingerprint gets it again (others are left as the rebuild made them).
    A rebuild reads each package once, early or late; a review that held a record after its
    package was read would otherwise get the fingerprint back."""
    seen = set()
    for change in changes_since(store, since):
        if change.record_id in seen:
            continue
        seen.add(change.record_id)
        try:
            fp = read_fingerprint(store, change.record_id)
            withdrawn = fp is None and is_held(read_record(store, change.record_id, with_words=False))
        except NotFound:
            fp, withdrawn = None, True
        except ValueError as exc:  # a damaged package (JSON, schema): left as the rebuild made it
            log.warning("record %s: not caught up in the near-duplicate lookup: %s", change.record_id, exc)
            continue
        if withdrawn:
            index.remove(change.record_id)
        elif fp is not None:
            index.add(change.record_id, fp)
    return len(seen)


def _stored_fingerprints(
    store: ObjectStore, report: RebuildReport, compute_missing: bool, max_pixels: int
) -> Iterator[tuple[str, Fingerprint]]:
    """(record id, fingerprint) of every committed package that has or gets one; counted in
    `report`."""
    for record_id in iter_record_ids(store):
        try:
            fp = read_fingerprint(store, record_id)
            if fp is None and compute_missing:
                fp = fingerprint_stored(store, record_id, max_pixels)
                report.computed += 1
        except NotFound:  # deleted while we listed
            continue
        except BadInput as exc:  # the stored original cannot be rendered any more
            log.warning("record %s: no fingerprint computed: %s", record_id, exc)
            fp = None
        if fp is None:
            report.skipped.append(record_id)
            continue
        report.added += 1
        yield record_id, fp
