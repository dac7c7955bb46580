"""Reprocess stored records with today's pipeline and rules (`sohoa reprocess`, issue #16 item 3).

One record at a time, from what the store holds:

- `classify` (the default): the metadata is read again from the STORED page text and words and
  the record is classified again under the current rules (no OCR);
- `ocr`: the stored original is read again by the OCR engine first (a record of its own only; a
  document of a dossier is classified again from its stored pages), then classified.

The result is merged with what people and other steps decided (`merge`), compared with the
stored record, and only a record whose metadata, classification or pages changed gets a new
OCFL version (by "sohoa reprocess", saying why); the search index follows, as after a review
decision (a record whose class changes leaves the index before its version is written).

Never more open than confirmed: a change that would serve a record more openly (a more open
access class, a secrecy mark lifted, a shorter protection period) is never applied by a
reprocess. The record keeps what it has, and goes to the review queue with a Vietnamese reason
for the archivist (`OPENING_REASON`); a change toward more closed is applied at once. A record
an archivist has reviewed keeps the classification the person gave it (and the metadata fields
the person set), unless the rules now close it further: then it is closed and sent back to
review (`CLOSING_REASON`).

A record found marked as a state secret (its stored text read again, or page 1 of its original
read again by `ocr`) is treated as ingest treats one (application/secret_docs.py `hold_content`,
the function a review decision and `sohoa secret sweep` use): its original and record go
encrypted to the secret hold, its object is purged down to the catalogue row, the index keeps
the row only and its deleted terms are scrubbed; a document of a dossier takes the dossier's
original and its own pages in the scan with it, as at a dossier intake. Without a configured hold
it is closed and sent to review (the content stays until `sohoa secret sweep`). The report shows
such a record's catalogue fields only.

Resumable: the OCFL commit is the unit. A rerun computes the same result, finds it stored, and
writes nothing; a record killed between its commit and the index is put into the index again
(its newest event is this step's).

Which records: explicit ids, or all; narrowed by `before_version` (the sohoa version of the
record's newest processing event — ingest, classify or reprocess — is older than it; a record
without one counts as older than any) and by `rules_older_than` (the rule book version in
`classification.rules_version`, "2025.06-1" of "2025.06-1:vn-2011/vn-2020", older than it;
none counts as older than any). A record whose result is unchanged keeps its stored versions:
it is selected again by the next run with the same filter (and again writes nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from pydantic import BaseModel, Field

from application.access import class_served
from application.dossier_intake import BOUNDARY_DOUBT, scan_images
from application.dossiers import refresh_public_form
from application.logs import log_context
from application.page_reading import forget_pages, read_pages
from application.second_readings import SecondReadings, read_again, recorded
from application.secret_docs import (
    TWIN_RULE,
    TWIN_STEP,
    erase_traces,
    forget_renders,
    hold_content,
    is_marked_secret,
    open_hold,
)
from application.services import Services
from application.syllable_learning import forget_learned_from, learned_path
from classify import classify
from core import __version__
from core.errors import BadInput, ConfigurationError, NotFound
from core.settings import page_cache_dir
from dedup import fingerprint
from dedup.link import RULE as NEAR_DUPLICATE_RULE
from ocr import write_searchable_pdf
from ocr.load import page_images
from schemas import Classification, Decision, Dossier, Event, Metadata, Page, Record
from schemas.record import utcnow
from storage import (
    ObjectStore,
    is_held,
    iter_record_ids,
    read_record,
    record_versions,
    update_record,
    write_package,
)
from storage.dossier_package import dossier_file_key, read_dossier
from storage.hold import SecretHold
from storage.layout import FINGERPRINT_FILE, SEARCHABLE_PDF, original_name
from storage.ocfl_inventory import User, VersionInfo
from storage.package import finish_package, original_key
from vntext.syllable_lm import active_model

__all__ = [
    "CLOSING_REASON",
    "HOLD_RULE",
    "OPENING_REASON",
    "REPROCESS_STEP",
    "REPROCESSOR",
    "SECRET_REASON",
    "RecordResult",
    "ReprocessOptions",
    "ReprocessReport",
    "Selection",
    "merge",
    "reprocess_record",
    "selected_ids",
    "version_key",
]

log = logging.getLogger(__name__)

REPROCESS_STEP = "reprocess"
REPROCESSOR = User("sohoa reprocess", "urn:sohoa:software")  # who writes a reprocess version
HOLD_RULE = "REPROCESS.hold"  # a more open class proposed by the rules, not applied
CLOSE_RULE = "REPROCESS.close"  # a reviewed record closed further by the rules
OPENING_REASON = "Xử lý lại đề xuất mở rộng quyền truy cập"
CLOSING_REASON = "Xử lý lại thu hẹp quyền truy cập so với quyết định của lưu trữ viên"
SECRET_REASON = (
    "Xử lý lại đọc thấy dấu mật: hồ sơ đã chuyển sang «không được tiếp cận»; nội dung còn trong kho "
    "lưu trữ, lưu trữ viên xem xét để chuyển vào kho mật"
)
HELD_REASON = "marked secret: its content moved to the secret hold, the catalogue row stays (as at ingest)"
NO_HOLD_REASON = (
    "marked secret, but no secret hold is configured (SOHOA_SECRET_HOLD, SOHOA_SECRET_KEY_FILE): "
    "closed, its content stays in the store until `sohoa secret sweep` moves it to the hold"
)
MEANWHILE = "changed by someone else meanwhile: run it again"
WITHHELD = "(withheld)"  # a report's value of a record that may not be read
# what a report may show of a record that may not be read: the catalogue row's fields
_ROW_FIELDS = {
    "access",
    "retention",
    "protect_until",
    "needs_review",
    "decisions",
    *(f"metadata.{n}" for n in ("number", "notation", "doc_type", "issuer", "date", "secrecy", "urgency")),
}
_PROCESSING_STEPS = ("ingest", "classify", REPROCESS_STEP)
# how openly a class is served: the roles that may read it (application/access.py)
_OPENNESS: dict[str, int] = {"not_accessible": 0, "undetermined": 1, "conditional": 2, "public": 3}
_CLASS_VI = {
    "public": "công khai",
    "conditional": "tiếp cận có điều kiện",
    "undetermined": "chưa xác định",
    "not_accessible": "không được tiếp cận",
}
Status = Literal["changed", "unchanged", "skipped", "failed"]


# ---- what to reprocess ----


def version_key(version: str | None) -> tuple:
    """A version string as a key to compare: its numbers as numbers ("2025.06-1" < "2025.10"),
    None before everything."""
    if not version:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[^0-9A-Za-z]+|(?<=\d)(?=\D)", version) if p)


@dataclass(frozen=True)
class Selection:
    """Which records: `ids`, or every record; narrowed by the two version filters."""

    ids: tuple[str, ...] = ()
    before_version: str | None = None
    rules_older_than: str | None = None

    def wants(self, record: Record) -> bool:
        before = self.before_version
        if before is not None and version_key(processed_by(record)) >= version_key(before):
            return False
        if self.rules_older_than is not None:
            book = (record.classification.rules_version or "").split(":", 1)[0]
            if version_key(book) >= version_key(self.rules_older_than):
                return False
        return True


def processed_by(record: Record) -> str | None:
    """The sohoa version of the record's newest processing event (ingest, classify, reprocess)."""
    for event in reversed(record.events):
        if event.step in _PROCESSING_STEPS and event.tool == "sohoa":
            return event.tool_version or None
    return None


def selected_ids(services: Services, selection: Selection) -> list[str]:
    """The ids to look at: those named, or every committed record (the filters are applied per
    record as it is read, so each record is read once)."""
    return list(dict.fromkeys(selection.ids)) if selection.ids else list(iter_record_ids(services.store))


@dataclass(frozen=True)
class ReprocessOptions:
    ocr: bool = False  # read the stored original again (then classify)
    classify: bool = True


# ---- the report ----


class RecordResult(BaseModel):
    """What reprocessing did to one record. `changes`: field -> {"old", "new"}; `held`: the more
    open class the rules proposed and that was not applied (the record went to review)."""

    id: str
    status: Status
    version: int | None = None
    changes: dict[str, dict[str, object]] = Field(default_factory=dict)
    held: str | None = None
    reason: str | None = None
    seconds: float = 0.0


class ReprocessReport(BaseModel):
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    rules_version: str = ""
    ocr: bool = False
    records: list[RecordResult] = Field(default_factory=list)

    def of(self, status: Status) -> list[RecordResult]:
        return [r for r in self.records if r.status == status]

    @property
    def counts(self) -> dict[str, int]:
        counts = {s: len(self.of(s)) for s in ("changed", "unchanged", "skipped", "failed")}
        counts["held_for_review"] = sum(1 for r in self.records if r.held)
        return counts

    @property
    def new_versions(self) -> int:
        return sum(1 for r in self.records if r.version is not None)

    def to_dict(self) -> dict:
        data = self.model_dump(mode="json")
        data.update(counts=self.counts, new_versions=self.new_versions)
        return data


# ---- merging a fresh result with what the record says ----


def _reviews(record: Record) -> list[Event]:
    return [e for e in record.events if e.step == "review"]


def _person_fields(record: Record) -> set[str]:
    """Metadata fields an archivist set in a review decision."""
    fields: set[str] = set()
    for event in _reviews(record):
        changes = event.parameters.get("changes") or {}
        if isinstance(changes, dict):
            fields.update(k.split(".", 1)[1] for k in changes if k.startswith("metadata."))
    return fields


def _metadata(stored: Record, fresh: Metadata) -> Metadata:
    """The fresh metadata, with the fields a person set kept, and personal data found before
    kept too (never unmasked by a re-read)."""
    update = {name: getattr(stored.metadata, name) for name in _person_fields(stored)}
    new_items = list(fresh.personal_data)
    update["personal_data"] = new_items + [p for p in stored.metadata.personal_data if p not in new_items]
    return fresh.model_copy(update=update)


def _kept_from(stored: Record) -> tuple[list[Decision], list[str]]:
    """Decisions and review reasons that other steps than classification added (a near-duplicate
    link, a closing as the twin of a held secret, a dossier boundary doubt): kept as they are."""
    dedup = {e.detail for e in stored.events if e.step in ("dedup", TWIN_STEP)}
    decisions = [d for d in stored.classification.decisions if d.rule in (NEAR_DUPLICATE_RULE, TWIN_RULE)]
    reasons = [r for r in stored.classification.review_reasons if r in dedup or r.startswith(BOUNDARY_DOUBT)]
    return decisions, reasons


def _served(access: str, metadata: Metadata) -> str:
    return "not_accessible" if metadata.secrecy else access


def _opens(stored: Record, access: str, metadata: Metadata, protect_until: dt.date | None) -> bool:
    """Would this serve the record more openly than it is served now?"""
    old = stored.classification
    if _OPENNESS[_served(access, metadata)] > _OPENNESS[class_served(stored)]:
        return True
    if stored.metadata.secrecy and not metadata.secrecy:
        return True
    return old.protect_until is not None and (protect_until is None or protect_until < old.protect_until)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def merge(
    stored: Record, metadata: Metadata, auto: Classification
) -> tuple[Metadata, Classification, str | None]:
    """The metadata and classification the record should have after a fresh reading (`metadata`,
    `auto` straight from extraction and the rules), and the more open class proposed and not
    applied (None if none). Pure; the same inputs give the same output, so a rerun writes
    nothing. A record found marked as a state secret whose content is still here goes to review
    (`_reprocess` then moves its content to the secret hold when one is configured)."""
    meta, cls, held = _merged(stored, metadata, auto)
    found = stored.model_copy(update={"metadata": meta, "classification": cls})
    if is_held(stored) or not is_marked_secret(found):
        return meta, cls, held
    reasons = _unique([*cls.review_reasons, SECRET_REASON])
    return meta, cls.model_copy(update={"needs_review": True, "review_reasons": reasons}), held


def _merged(
    stored: Record, metadata: Metadata, auto: Classification
) -> tuple[Metadata, Classification, str | None]:
    meta = _metadata(stored, metadata)
    if _reviews(stored):
        return meta, _reviewed(stored, meta, auto), None
    decisions, reasons = _kept_from(stored)
    cls = auto.model_copy(
        update={
            "decisions": [*auto.decisions, *decisions],
            "review_reasons": _unique([*auto.review_reasons, *reasons]),
            "needs_review": auto.needs_review or bool(reasons),
        }
    )
    if not _opens(stored, cls.access, meta, cls.protect_until):
        return meta, cls, None
    old = stored.classification
    proposed = _served(cls.access, meta)
    current = class_served(stored)
    if stored.metadata.secrecy and not meta.secrecy:
        meta = meta.model_copy(update={"secrecy": stored.metadata.secrecy})
    reason = (
        f"{OPENING_REASON}: «{_CLASS_VI[current]}» → «{_CLASS_VI[proposed]}» theo bộ quy tắc "
        f"{auto.rules_version}; giữ mức hiện tại cho đến khi lưu trữ viên xác nhận."
    )
    cls = cls.model_copy(
        update={
            "access": old.access,
            "protect_until": max(filter(None, (old.protect_until, cls.protect_until)), default=None),
            "needs_review": True,
            "review_reasons": _unique([*cls.review_reasons, reason]),
            "decisions": [
                *cls.decisions,
                Decision(
                    rule=HOLD_RULE, outcome=f"kept {old.access}: proposed {cls.access}", evidence=reason
                ),
            ],
        }
    )
    return meta, cls, proposed


def _foreign(decision: Decision) -> bool:
    """A decision no rule of the rule book made (a person's, a link's, a reprocess's)."""
    return decision.rule in (NEAR_DUPLICATE_RULE, TWIN_RULE) or decision.rule.startswith(
        ("REVIEW", "REPROCESS")
    )


def _reviewed(stored: Record, meta: Metadata, auto: Classification) -> Classification:
    """A record a person reviewed keeps the person's classification, unless the rules now decide
    otherwise than when the person decided and firmly close it further (a restrictive class, or
    a secrecy mark read now): then it is closed at once and goes back to review. `undetermined`
    (no rule could decide) never overrides a person."""
    old = stored.classification
    new = _served(auto.access, meta)
    judged_then = [d for d in old.decisions if not _foreign(d)]
    firm = new in ("conditional", "not_accessible")
    if auto.decisions == judged_then or not firm or _OPENNESS[new] >= _OPENNESS[class_served(stored)]:
        return old
    reason = (
        f"{CLOSING_REASON}: «{_CLASS_VI[old.access]}» → «{_CLASS_VI[new]}» theo bộ quy tắc "
        f"{auto.rules_version}; đã áp dụng, cần lưu trữ viên xem lại."
    )
    return old.model_copy(
        update={
            "access": new,
            "needs_review": True,
            "review_reasons": _unique([*old.review_reasons, reason]),
            "decisions": [
                *old.decisions,
                Decision(rule=CLOSE_RULE, outcome=f"closed {old.access} -> {new}", evidence=reason),
            ],
            "rules_version": auto.rules_version,
        }
    )


# ---- comparing ----


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def changes_between(old: Record, new: Record) -> dict[str, dict[str, object]]:
    """Field -> {"old", "new"} for what differs (the rules version alone is not a change)."""
    changes: dict[str, dict[str, object]] = {}
    a, b = old.classification, new.classification
    for name in ("access", "retention", "protect_until", "needs_review", "review_reasons"):
        if getattr(a, name) != getattr(b, name):
            changes[name] = {"old": _plain(getattr(a, name)), "new": _plain(getattr(b, name))}
    if a.decisions != b.decisions:
        changes["decisions"] = {"old": [d.rule for d in a.decisions], "new": [d.rule for d in b.decisions]}
    for name in Metadata.model_fields:
        before, after = getattr(old.metadata, name), getattr(new.metadata, name)
        if before != after:
            changes[f"metadata.{name}"] = {"old": _plain(before), "new": _plain(after)}
    if [p.model_dump() for p in old.pages] != [p.model_dump() for p in new.pages]:
        differ = [p.number for p, q in zip(old.pages, new.pages, strict=False) if p != q]
        changes["pages"] = {"old": len(old.pages), "new": len(new.pages), "differ": differ}
    return changes


def _why(old: Record, new: Record, changes: dict, held: str | None) -> str:
    """The version's message: "reprocess: rules A→B, classification changed (access x→y)"."""
    a, b = old.classification.rules_version, new.classification.rules_version
    rules = f"rules {a}→{b}" if a != b else f"rules {b}"
    parts = []
    if "access" in changes:
        parts.append(f"access {changes['access']['old']}→{changes['access']['new']}")
    if held:
        parts.append(f"{held} proposed, held for review")
    meta = sorted(k.split(".", 1)[1] for k in changes if k.startswith("metadata."))
    if meta:
        parts.append("metadata " + ", ".join(meta))
    if "pages" in changes:
        parts.append("pages read again")
    judged = [k for k in changes if k != "pages" and not k.startswith("metadata.")]
    what = "classification changed" if judged else "metadata changed" if meta else "pages changed"
    return f"reprocess: {rules}, {what}" + (f" ({'; '.join(parts)})" if parts else "")


# ---- one record ----


# the dossier head's public-form refresh: store, dossier id, who/why -> the head's new version
RefreshDossier = Callable[[ObjectStore, str, VersionInfo | None], int | None]


def reprocess_record(
    record_id: str,
    services: Services,
    options: ReprocessOptions,
    selection: Selection = Selection(),  # noqa: B008 (frozen)
    *,
    refresh_dossier: RefreshDossier | None = None,
) -> RecordResult | None:
    """Reprocess one record; None when `selection`'s filters leave it out. Commit first, then the
    index, then (a document of a dossier) the dossier's public form (`refresh_dossier`, by default
    application.dossiers.refresh_public_form)."""
    t0 = time.monotonic()
    refresh_dossier = refresh_dossier or refresh_public_form
    with log_context(record=record_id):
        try:
            result = _reprocess(record_id, services, options, selection, refresh_dossier)
        except NotFound as exc:
            result = RecordResult(id=record_id, status="failed", reason=f"not found: {exc}")
        except BadInput as exc:
            result = RecordResult(id=record_id, status="failed", reason=str(exc))
    if result is not None:
        result.seconds = round(time.monotonic() - t0, 3)
        log.info("record %s: reprocess %s %s", record_id, result.status, ", ".join(result.changes))
    return result


def _reprocess(
    record_id: str,
    services: Services,
    options: ReprocessOptions,
    selection: Selection,
    refresh_dossier: RefreshDossier | None,
) -> RecordResult | None:
    store = services.store
    finish_package(store, record_id)  # a commit killed at its commit point
    stored = read_record(store, record_id)
    if not selection.wants(stored):
        return None
    if is_held(stored) or not stored.pages:
        return RecordResult(id=record_id, status="skipped", reason="held: its content is not in the store")
    pages, first_page, note, read = stored.pages, None, None, None
    # no image read (--classify): the second readings its provenance log holds, while the stored
    # text still lacks their fields (a name or a day they gave is not lost by reading it again)
    readings = recorded(stored.pages, stored.events)
    if options.ocr and stored.dossier is None:
        read, first_page, marked, readings = _read_again(services, stored)
        # reading stopped at a secrecy mark on page 1 (as at ingest): the mark is judged from
        # what was read, the stored pages kept (they go to the hold with the record)
        pages = stored.pages if marked else read
    elif options.ocr:
        readings, note = _read_dossier_regions(services, stored, readings)
    fresh = readings.metadata(read or pages)
    auto = classify(fresh, pages, services.rules)
    metadata, classification, held = merge(stored, fresh, auto)
    new = stored.model_copy(update={"pages": pages, "metadata": metadata, "classification": classification})
    changes = changes_between(stored, new)
    if not changes:
        _heal(services, stored, refresh_dossier)
        return RecordResult(id=record_id, status="unchanged", reason=note)
    why = _why(stored, new, changes, held)
    new = new.model_copy(
        update={
            "classification": classification,
            "updated_at": utcnow(),
            # the second readings made now (none when replayed from the log), then this step
            "events": [
                *stored.events,
                *readings.events(services.engine),
                _event(stored, new, changes, options, why),
            ],
        }
    )
    base = record_versions(store, record_id)[-1].number  # the head this run judges (or a newer one)
    if _changed_meanwhile(services, stored):
        return RecordResult(id=record_id, status="skipped", reason=MEANWHILE)
    secret = is_marked_secret(new)
    if secret:
        changes = _row_report(changes)
    if secret and (hold := _hold_of(services)) is not None:
        try:
            return _to_hold(services, new, hold, changes)
        except BadInput as exc:  # the stored original (a dossier's) is damaged: nothing moved; closed below
            log.error("record %s: marked secret, not moved to the hold: %s", record_id, exc)
            note = f"marked secret, not moved to the hold ({exc}): closed, its content stays in the store"
    elif secret:
        note = NO_HOLD_REASON
    elif class_served(stored) == "not_accessible" or class_served(new) == "not_accessible":
        changes = _row_report(changes)
    version = _commit(services, stored, new, VersionInfo(why, REPROCESSOR), first_page, "pages" in changes)
    if version is not None and version != base + 1:  # another writer committed after the check
        return _undo(services, stored, version, refresh_dossier)
    services.index.add(new)
    forget_renders(page_cache_dir(services.settings), [record_id])  # redacted by the old record
    if new.dossier is not None and refresh_dossier is not None:
        refresh_dossier(
            services.store, new.dossier.dossier, VersionInfo(f"{why} (document {new.id})", REPROCESSOR)
        )
    return RecordResult(
        id=record_id, status="changed", version=version, changes=changes, held=held, reason=note
    )


def _hold_of(services: Services) -> SecretHold | None:
    """The secret hold the settings name; None when none is configured (or it is unusable)."""
    try:
        return open_hold(services.settings)
    except ConfigurationError as exc:
        log.error("secret hold unusable: %s", exc)
        return None


def _to_hold(services: Services, new: Record, hold: SecretHold, changes: dict) -> RecordResult:
    """A record found marked as a state secret goes where ingest, a review decision and
    `sohoa secret sweep` send one (application/secret_docs.py `hold_content`): its original and
    record encrypted into the hold, every version of its object purged down to the catalogue
    row, its index entry replaced by the row and its near-duplicate fingerprint forgotten; then
    the index's deleted terms and rendered page images are erased (`erase_traces`)."""
    page_cache = page_cache_dir(services.settings)
    hold_content(services.store, services.index, services.similar, hold, new, page_cache)
    erase_traces(services.index, page_cache, [new.id], learned=learned_path(services.settings))
    version = len(record_versions(services.store, new.id))  # 1: the purged object's only version
    return RecordResult(id=new.id, status="changed", version=version, changes=changes, reason=HELD_REASON)


def _row_report(changes: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """A report's changes of a record that may not be read: the values of the catalogue row's
    fields; of any other field only that it changed (the report goes to a terminal, a log, a
    Prefect artifact: never the subject, the names, the text or its evidence)."""
    return {
        name: change if name in _ROW_FIELDS else {"old": WITHHELD, "new": WITHHELD}
        for name, change in changes.items()
    }


def _undo(
    services: Services, stored: Record, version: int, refresh_dossier: RefreshDossier | None
) -> RecordResult:
    """Reprocess's version `version` was written over one another writer (an archivist's review
    from the API process) committed after the check: that writer's state, the version before
    ours, is written again as the next version and the index follows it, so that a person's
    decision is never undone by a reprocess judging an older state (red team s14: the check
    alone left the review overwritten, the record served as before the decision)."""
    theirs = read_record(services.store, stored.id, version=version - 1)
    why = f"reprocess: undone, version {version - 1} was committed meanwhile (its state again)"
    update_record(services.store, theirs, VersionInfo(why, REPROCESSOR))
    if theirs.classification.access != stored.classification.access:
        services.index.delete(stored.id)
    services.index.add(read_record(services.store, stored.id, with_words=False))
    if theirs.dossier is not None and refresh_dossier is not None:
        refresh_dossier(services.store, theirs.dossier.dossier, VersionInfo(why, REPROCESSOR))
    log.warning("record %s: %s", stored.id, why)
    return RecordResult(id=stored.id, status="skipped", reason=MEANWHILE)


def _changed_meanwhile(services: Services, stored: Record) -> bool:
    """Did a review (or another writer) commit a version since `stored` was read? Checked just
    before the commit, so that a decision made meanwhile is not written over (a narrow window
    remains: one writer per object is the store's rule, storage/ocfl_store.py)."""
    now = read_record(services.store, stored.id, with_words=False)
    return (now.updated_at, len(now.events)) != (stored.updated_at, len(stored.events))


def _event(stored: Record, new: Record, changes: dict, options: ReprocessOptions, why: str) -> Event:
    return Event(
        step=REPROCESS_STEP,
        tool="sohoa",
        tool_version=__version__,
        parameters={
            "ocr": options.ocr,
            "rules_version": new.classification.rules_version,
            "previous_rules_version": stored.classification.rules_version,
            "changes": sorted(changes),
            **({"syllables": active_model().name} if options.ocr else {}),  # the diacritic model
        },
        outcome=new.classification.access,
        detail=why,
    )


def _commit(
    services: Services, stored: Record, new: Record, info: VersionInfo, first_page, pages_changed: bool
) -> int | None:
    """The new version, the record leaving the index first when its class changes (never found
    under its old class), and from the learned syllable counts when it is no longer public."""
    if new.classification.access != stored.classification.access:
        services.index.delete(stored.id)
        if new.classification.access != "public":
            forget_learned_from(learned_path(services.settings), [stored.id])
    if not pages_changed:
        return update_record(services.store, new, info)
    with tempfile.TemporaryDirectory(prefix="sohoa-reprocess-") as work:
        original = Path(work) / Path(original_name(stored.source)).name
        services.store.get_file(original_key(services.store, stored.id), original)
        pdf = Path(work) / SEARCHABLE_PDF
        write_searchable_pdf(original, stored.media_type, new.pages, pdf)
        fprint = fingerprint(new.pages, first_page, new.metadata)
        extra = {SEARCHABLE_PDF: pdf, FINGERPRINT_FILE: fprint.to_json()}
        return write_package(services.store, new, original, extra, info=info)


def _read_again(services: Services, stored: Record) -> tuple[list[Page], object, bool, SecondReadings]:
    """The pages of the stored original read again by the OCR engine (only page 1 when it bears
    a secrecy mark: reading stops there, as at ingest), page 1's image hashes, whether it bears
    the mark, and the second readings of the signature and date regions (as at ingest: only
    when the new reading lacks their field; none after a secrecy mark)."""
    with tempfile.TemporaryDirectory(prefix="sohoa-reprocess-") as work:
        original = Path(work) / Path(original_name(stored.source)).name
        services.store.get_file(original_key(services.store, stored.id), original)
        forget_pages(services, stored.id)  # a spool of earlier pages must not stand in for a reading
        try:
            pages, first_page, marked, first_image = read_pages(
                original, services, stored.id, sweep_first=False
            )
        finally:
            forget_pages(services, stored.id)
        readings = SecondReadings()
        if not marked:
            max_pixels = services.settings.max_image_pixels
            image_of = page_images(original, stored.media_type, max_pixels=max_pixels, first=first_image)
            readings = read_again(pages, image_of, services.engine)
    return pages, first_page, marked, readings


class _Fetched(Sequence[Path]):
    """The dossier's original files, each fetched from the store into `work` when first asked for
    (a document's second reading wants the page of one file, often none)."""

    def __init__(self, services: Services, dossier: Dossier, work: Path) -> None:
        self._services, self._dossier, self._work = services, dossier, work
        self._paths: dict[int, Path] = {}

    def __len__(self) -> int:
        return len(self._dossier.files)

    @overload
    def __getitem__(self, index: int) -> Path: ...
    @overload
    def __getitem__(self, index: slice) -> list[Path]: ...
    def __getitem__(self, index: int | slice) -> Path | list[Path]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        index = range(len(self))[index]
        if index not in self._paths:
            file = self._dossier.files[index]
            local = self._work / f"original-{index + 1:04d}{Path(file.name).suffix.lower()}"
            self._services.store.get_file(dossier_file_key(self._services.store, self._dossier, index), local)
            self._paths[index] = local
        return self._paths[index]


def _read_dossier_regions(
    services: Services, stored: Record, recorded_readings: SecondReadings
) -> tuple[SecondReadings, str]:
    """`--ocr` of a document of a dossier: its stored pages stay (the scan is read again by
    re-reading the dossier), its signature and date regions are read again from the dossier's
    stored original when the stored text lacks their field (as at intake); the readings its log
    holds when the original is not in the store (the secret hold) or cannot be read. And the
    note for the report."""
    assert stored.dossier is not None
    note = "a document of a dossier: classified from its stored pages (re-read the dossier to OCR it)"
    link = stored.dossier
    try:
        dossier = read_dossier(services.store, link.dossier)
        if dossier.held:
            return recorded_readings, f"{note}; its original is in the secret hold: no region read again"
        with tempfile.TemporaryDirectory(prefix="sohoa-reprocess-") as work:
            max_pixels = services.settings.max_image_pixels
            image_of = scan_images(
                dossier.files, _Fetched(services, dossier, Path(work)), max_pixels=max_pixels
            )
            readings = read_again(
                stored.pages, lambda number: image_of(link.pages[number - 1]), services.engine
            )
    except (BadInput, NotFound, OSError) as exc:  # a bonus reading: the log's readings stand
        log.warning("record %s: regions not read again from dossier %s: %s", stored.id, link.dossier, exc)
        return recorded_readings, f"{note}; its regions not read again: {exc}"
    return readings, f"{note}; signature and date regions read again from its original when unread"


def _heal(services: Services, stored: Record, refresh_dossier: RefreshDossier | None) -> None:
    """A record already at its new state: when a reprocess wrote its newest version, the run may
    have been killed before the index (and the dossier) followed; they follow now."""
    if stored.events and stored.events[-1].step == REPROCESS_STEP:
        services.index.add(stored)
        if stored.dossier is not None and refresh_dossier is not None:
            why = f"reprocess: public form refreshed (document {stored.id})"
            refresh_dossier(services.store, stored.dossier.dossier, VersionInfo(why, REPROCESSOR))
