"""Batch reports for archive staff, kept in storage next to the records they describe.

    batches/<batch>.json                    the report of the batch (rewritten by each run)
    batches/<batch>/outcomes/<key>.json     one document's outcome, written as soon as it is known

Outcomes are stored one by one so that a batch killed midway, resumed, or spread over several
workers still has one complete report: the report is folded from every stored outcome of the
batch. A file that an earlier run of the same batch ingested and a rerun finds as a duplicate
stays `ingested` in the report (it was this batch that stored it), also when the crash came
between storing the record and noting its outcome (the record names its batch).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from application.ingest_metrics import reason_class
from core.errors import NotFound
from schemas import IngestOutcome, Record
from schemas.record import utcnow
from storage import ObjectStore, is_held, package_exists, read_record, safe_name
from storage.audit_chain import check_and_anchor
from storage.jsonfile import json_bytes

__all__ = [
    "BATCHES",
    "BatchReport",
    "FileNote",
    "build_report",
    "finish_report",
    "iter_batches",
    "load_outcomes",
    "load_report",
    "merge_outcome",
    "name_by_id",
    "outcome_digest",
    "record_outcome",
    "report_key",
    "review_reasons",
    "save_report",
]

log = logging.getLogger(__name__)

BATCHES = "batches"
# Always present in `counts`, in this order; any other status an outcome may gain is counted too.
KNOWN_STATUSES = ("ingested", "duplicate", "near_duplicate", "quarantined", "failed")


class FileNote(BaseModel):
    """One file of the batch worth a line in the report."""

    path: str
    id: str | None = None
    reason: str | None = None
    reasons: list[str] = Field(default_factory=list)
    reason_class: str | None = None


class BatchReport(BaseModel):
    """What a batch did: counts, problems with their reasons, and throughput."""

    batch: str
    started_at: datetime
    finished_at: datetime
    files: int
    counts: dict[str, int]
    pages: int = Field(description="Pages of the records the batch ingested (all its runs)")
    run_pages: int = Field(description="Pages OCR'd by the last run")
    run_seconds: float
    pages_per_minute: float | None = Field(description="run_pages per minute of the last run")
    mean_page_quality: float | None
    mean_confidence: float | None
    quarantined: list[FileNote] = Field(default_factory=list)
    quarantine_reasons: dict[str, int] = Field(default_factory=dict)
    needs_review: list[FileNote] = Field(default_factory=list)
    near_duplicates: list[FileNote] = Field(default_factory=list)
    failed: list[FileNote] = Field(default_factory=list)
    access_log: dict[str, object] | None = Field(
        default=None, description="The access log's check and anchor at the end of the batch"
    )


# ---- pure ----


def merge_outcome(earlier: IngestOutcome | None, latest: IngestOutcome) -> IngestOutcome:
    """The outcome that describes a file of a batch after a rerun of that batch."""
    if (
        earlier is not None
        and earlier.status == "ingested"
        and latest.status == "duplicate"
        and earlier.id == latest.id
    ):
        return earlier
    return latest


def review_reasons(record: Record) -> list[str]:
    """Why a person should look at the record: its classification's and its pages' reasons."""
    reasons = list(record.classification.review_reasons)
    for page in record.pages:
        reasons.extend(f"page {page.number}: {reason}" for reason in page.review_reasons)
    if not reasons and (record.classification.needs_review or any(p.needs_review for p in record.pages)):
        reasons.append("flagged for review")
    return reasons


def _note(outcome: IngestOutcome) -> FileNote:
    return FileNote(path=outcome.path, id=outcome.id, reason=outcome.reason)


def build_report(
    batch: str,
    outcomes: Iterable[IngestOutcome],
    records: Iterable[Record],
    *,
    started_at: datetime,
    finished_at: datetime,
    run_pages: int,
) -> BatchReport:
    """Fold the outcomes of a batch and its stored records (pages without words) into a report."""
    outcomes = sorted(outcomes, key=lambda o: o.path)
    by_id = {o.id: o for o in outcomes if o.id}
    counts = dict.fromkeys(KNOWN_STATUSES, 0) | Counter(o.status for o in outcomes)
    quarantined = [
        _note(o).model_copy(update={"reason_class": reason_class(o.reason)})
        for o in outcomes
        if o.status == "quarantined"
    ]
    needs_review, qualities, confidences = [], [], []
    for record in sorted(records, key=lambda r: by_id[r.id].path if r.id in by_id else r.id):
        qualities.extend(p.quality for p in record.pages)
        confidences.extend(p.confidence for p in record.pages)
        if reasons := review_reasons(record):
            path = by_id[record.id].path if record.id in by_id else record.source
            needs_review.append(FileNote(path=path, id=record.id, reasons=reasons))
    seconds = max((finished_at - started_at).total_seconds(), 0.0)
    return BatchReport(
        batch=batch,
        started_at=started_at,
        finished_at=finished_at,
        files=len(outcomes),
        counts=counts,
        pages=sum(o.pages for o in outcomes if o.status == "ingested"),
        run_pages=run_pages,
        run_seconds=round(seconds, 3),
        pages_per_minute=round(run_pages * 60 / seconds, 2) if seconds and run_pages else None,
        mean_page_quality=round(sum(qualities) / len(qualities), 4) if qualities else None,
        mean_confidence=round(sum(confidences) / len(confidences), 2) if confidences else None,
        quarantined=quarantined,
        quarantine_reasons=dict(Counter(q.reason_class for q in quarantined).most_common()),
        needs_review=needs_review,
        near_duplicates=[_note(o) for o in outcomes if o.status == "near_duplicate"],
        failed=[_note(o) for o in outcomes if o.status == "failed"],
    )


# ---- storage ----


def _batch_segment(batch: str) -> str:
    """The batch name as one key segment: '/' and '\\' become '-', tricks are removed."""
    return safe_name(batch.replace("/", "-").replace("\\", "-"), default="batch")


def report_key(batch: str) -> str:
    return f"{BATCHES}/{_batch_segment(batch)}.json"


def _outcomes_prefix(batch: str) -> str:
    return f"{BATCHES}/{_batch_segment(batch)}/outcomes/"


def outcome_digest(path: str) -> str:
    """The name of a document's stored outcome in its batch (a hash of its path)."""
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _outcome_key(batch: str, path: str) -> str:
    return f"{_outcomes_prefix(batch)}{outcome_digest(path)}.json"


def record_outcome(store: ObjectStore, batch: str, outcome: IngestOutcome) -> IngestOutcome:
    """Store one document's outcome in its batch (merged with an earlier run's); return it."""
    key = _outcome_key(batch, outcome.path)
    earlier = None
    if store.exists(key):
        try:
            earlier = IngestOutcome.model_validate_json(store.get_bytes(key))
        except (NotFound, ValueError):
            earlier = None
    if earlier is None and outcome.status == "duplicate" and outcome.id:
        earlier = _stored_by_batch(store, batch, outcome)
    merged = merge_outcome(earlier, outcome)
    store.put_bytes(key, json_bytes(merged.model_dump(mode="json")))
    return merged


def _stored_by_batch(store: ObjectStore, batch: str, outcome: IngestOutcome) -> IngestOutcome | None:
    """The `ingested` outcome of a record this batch stored but did not get to note (a crash)."""
    try:
        record = read_record(store, outcome.id or "", with_words=False)
    except (NotFound, ValueError):
        return None
    if record.batch != batch:
        return None
    return outcome.model_copy(update={"status": "ingested", "pages": record.page_count, "reason": None})


def load_outcomes(store: ObjectStore, batch: str) -> list[IngestOutcome]:
    """Every stored outcome of the batch, by path."""
    outcomes = [
        IngestOutcome.model_validate_json(store.get_bytes(key))
        for key in store.list(_outcomes_prefix(batch))
        if key.endswith(".json")
    ]
    return sorted(outcomes, key=lambda o: o.path)


def _records(store: ObjectStore, outcomes: Iterable[IngestOutcome]) -> Iterator[Record]:
    for outcome in outcomes:
        if outcome.id and outcome.status != "duplicate" and package_exists(store, outcome.id):
            yield read_record(store, outcome.id, with_words=False)


def save_report(
    store: ObjectStore,
    batch: str,
    *,
    started_at: datetime,
    run_pages: int,
    finished_at: datetime | None = None,
    access_log: dict[str, object] | None = None,
) -> BatchReport:
    """Fold the batch's stored outcomes into its report, with `access_log` (the chain's check
    and anchor), store it and return it."""
    outcomes = load_outcomes(store, batch)
    report = build_report(
        batch,
        outcomes,
        _records(store, outcomes),
        started_at=started_at,
        finished_at=finished_at or utcnow(),
        run_pages=run_pages,
    )
    report.access_log = access_log
    store.put_bytes(report_key(batch), json_bytes(report.model_dump(mode="json")))
    return report


def finish_report(
    store: ObjectStore, access_log: Path, batch: str, *, started_at: datetime, run_pages: int
) -> BatchReport:
    """The end of a batch run: the access log's chain at `access_log` checked and its end
    anchored in the store (with each batch), then the report saved with the chain's summary. A
    broken chain is logged (sohoa verify tells more), it never stops the report."""
    chain = check_and_anchor(store, access_log, by=f"ingest batch {batch}")
    if not chain.ok:
        log.error("access log not anchored: %s (see sohoa verify)", "; ".join(w for _, w in chain.problems))
    return save_report(store, batch, started_at=started_at, run_pages=run_pages, access_log=chain.to_dict())


def load_report(store: ObjectStore, batch: str) -> BatchReport:
    """The stored report of `batch`; NotFound if no run of it finished."""
    try:
        data = store.get_bytes(report_key(batch))
    except NotFound:
        raise NotFound(f"no report for batch {batch!r} in {store.url}") from None
    return BatchReport.model_validate(json.loads(data))


def name_by_id(store: ObjectStore, batch: str, record_id: str) -> bool:
    """After a record's content went to the secret hold: its outcome in `batch` named by its id
    only, as ingest names a secret it holds (the file's name may tell its subject), and the
    batch's report patched where it names the record: its path the id, its review reasons those
    of its catalogue row (the reasons a row keeps, none quoting its text). So is every other
    held record of the batch its outcomes name by id (a hold in another process that patched
    the report as it was before this one read it is not undone). Only those records are read (a
    batch of thousands is not read again inside a review; a record of it that cannot be read
    stops nothing); every other line of the report stays as the batch left it. True when
    something changed."""
    changed = False
    by_id = {record_id}
    for key in list(store.list(_outcomes_prefix(batch))):
        if not key.endswith(".json"):
            continue
        try:
            outcome = IngestOutcome.model_validate_json(store.get_bytes(key))
        except NotFound:  # renamed meanwhile (another hold of the same record)
            continue
        if outcome.id and outcome.path == outcome.id:
            by_id.add(outcome.id)
        if outcome.id != record_id or outcome.path == record_id:
            continue
        renamed = outcome.model_copy(update={"path": record_id})
        store.put_bytes(_outcome_key(batch, record_id), json_bytes(renamed.model_dump(mode="json")))
        store.delete(key)  # after the new one is written: a kill between leaves both, not neither
        changed = True
    try:
        report = load_report(store, batch)
    except NotFound:
        return changed
    rows = {record_id: review_reasons(read_record(store, record_id, with_words=False))}
    for other in sorted(by_id - {record_id}):
        try:
            record = read_record(store, other, with_words=False)
        except (NotFound, ValueError):
            continue
        if is_held(record):
            rows[other] = review_reasons(record)

    def patched(notes: list[FileNote], *, review: bool = False) -> list[FileNote]:
        return [
            note.model_copy(update={"path": note.id, **({"reasons": rows[note.id]} if review else {})})
            if note.id in rows
            else note
            for note in notes
        ]

    fixed = report.model_copy(
        update={
            "needs_review": patched(report.needs_review, review=True),
            "near_duplicates": patched(report.near_duplicates),
            "quarantined": patched(report.quarantined),
            "failed": patched(report.failed),
        }
    )
    if fixed != report:
        store.put_bytes(report_key(batch), json_bytes(fixed.model_dump(mode="json")))
        changed = True
    return changed


def iter_batches(store: ObjectStore) -> Iterator[str]:
    """The names of the batches that have a report, in lexical order of their keys."""
    for key in store.list(f"{BATCHES}/"):
        rest = key[len(BATCHES) + 1 :]
        if "/" not in rest and rest.endswith(".json"):
            yield Path(rest).stem
