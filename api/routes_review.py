"""Archivists only: the review queue, review decisions, and the list of secret records."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from api.auth import caller_of, client_of, state_of
from api.models import ErrorOut, OverrideIn, OverrideOut, RestrictedItem, RestrictedOut, ReviewItem, ReviewOut
from api.review import REVIEW_RULE, ReviewRefused, apply_review
from api.routes_records import RecordId
from api.state import ApiState
from api.vietnamese import coded_reason, coded_reasons, event_vi
from application.access import ALL_CLASSES, Caller, can_list_restricted, can_review
from application.access_log import review_detail
from application.dossiers import refresh_public_form
from application.secret_docs import (
    catalogue_row,
    erase_traces,
    hold_content,
    is_marked_secret,
    open_hold,
    row_changes,
)
from application.services import services_for
from application.syllable_learning import forget_learned_from, learned_path
from core.errors import ConfigurationError, NotFound
from indexing.masking import mask_text, values_of
from schemas import (
    AccessClass,
    AccessScope,
    Classification,
    Decision,
    Event,
    Record,
    SearchFilters,
    SearchQuery,
)
from storage import is_held, read_record, record_versions, update_record
from storage.ocfl_inventory import VersionInfo
from storage.package import SYSTEM, person

__all__ = ["apply_decision", "list_ids", "log_queue_read", "review_items", "router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["review"])
_ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}}


def _archivist(caller: Annotated[Caller, Depends(caller_of)]) -> Caller:
    if not (can_review(caller.role) and can_list_restricted(caller.role)):
        status = 401 if caller.role == "public" else 403
        raise HTTPException(status, "Chỉ dành cho lưu trữ viên: cần khóa API của lưu trữ viên.")
    return caller


Archivist = Annotated[Caller, Depends(_archivist)]


def list_ids(
    state: ApiState, filters: SearchFilters, visible: tuple[AccessClass, ...], limit: int, offset: int
) -> tuple[int, list[str]]:
    """(total, ids) of the records of the `visible` classes passing `filters`, newest first; no
    content is read."""
    query = SearchQuery(
        q="", limit=limit, offset=offset, filters=filters, scope=AccessScope(classes=visible), content=False
    )
    result = state.index.search(query)
    return result.total, [hit.id for hit in result.hits]


def _reasons(record: Record) -> list[str]:
    reasons = list(record.classification.review_reasons)
    for page in record.pages:
        reasons += [f"trang {page.number}: {reason}" for reason in page.review_reasons]
    if not reasons and record.classification.access == "undetermined":
        reasons.append("access class undetermined")  # shown through api.vietnamese.reason_vi
    return reasons


def _withheld(decisions: list[Decision]) -> list[Decision]:
    """Decisions of a secret record without their evidence (text from the record)."""
    return [d.model_copy(update={"evidence": ""}) for d in decisions]


def _withheld_reasons(classification: Classification, personal: tuple[str, ...]) -> list[str]:
    """A secret record's review reasons without what they quote of it: the classifier writes a
    hit's evidence into its reason ("… — personal data (phone): phone 0912 …"), so each
    decision's evidence is cut out ("…"), and any personal data it lists is masked (red team
    s15: the decisions were shown without their evidence, the reasons with it)."""
    quoted = sorted({d.evidence for d in classification.decisions if d.evidence}, key=len, reverse=True)
    reasons = []
    for reason in classification.review_reasons:
        for evidence in quoted:
            reason = reason.replace(evidence, "…")
        reasons.append(mask_text(reason, personal))
    return reasons


def review_items(state: ApiState, limit: int, offset: int) -> ReviewOut:
    filters = SearchFilters(needs_review=True)
    total, ids = list_ids(state, filters, ALL_CLASSES, limit, offset)
    items = []
    for record_id in ids:
        try:
            record = read_record(state.store, record_id, with_words=False)
        except NotFound:
            continue
        c = record.classification
        secret = c.access == "not_accessible"
        items.append(
            ReviewItem(
                id=record.id,
                title=None if secret else record.title,
                access=c.access,
                retention=c.retention,
                needs_review=c.needs_review or any(p.needs_review for p in record.pages),
                reasons=_reasons(record) if not secret else _withheld_reasons(c, values_of(record)),
                decisions=_withheld(c.decisions) if secret else c.decisions,
            )
        )
    return ReviewOut(total=total, items=items)


def log_queue_read(state: ApiState, caller: Caller, client: str | None, queue: ReviewOut, where: str) -> None:
    """Log a read of the review queue: its evidence may quote personal data of any record."""
    state.audit.append(
        who=caller.who,
        role=caller.role,
        action="review-queue",
        records=[item.id for item in queue.items],
        client=client,
        detail={"via": where, "total": queue.total},
    )


@router.get("/review", response_model=ReviewOut, responses=_ERRORS, summary="The review queue")
def review_queue(
    request: Request,
    caller: Archivist,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ReviewOut:
    """Records waiting for a person, with the reasons (in Vietnamese, each one's kind beside it
    in `reason_codes`); secret records by id and classification. Each read is logged in the
    access log."""
    state = state_of(request)
    queue = review_items(state, limit, offset)
    log_queue_read(state, caller, client_of(request), queue, "api")
    return ReviewOut(total=queue.total, items=[_in_vietnamese(item) for item in queue.items])


def _in_vietnamese(item: ReviewItem) -> ReviewItem:
    """The item as the JSON API gives it: each reason in Vietnamese, its kind beside it (the
    web page's template says them in Vietnamese itself, from `review_items`)."""
    coded = [coded_reason(reason) for reason in item.reasons]
    return item.model_copy(
        update={"reasons": [shown for _, shown in coded], "reason_codes": [code for code, _ in coded]}
    )


def apply_decision(
    state: ApiState, caller: Caller, record_id: str, decision: OverrideIn, client: str | None
) -> tuple[Record, Event]:
    """Apply a review decision: storage first, then the index. A record whose access class
    changes leaves the index before storage changes, so it is never found under its old class.
    A decision that leaves a record marked as a state secret moves its content to the secret
    hold at once (`_hold`). A document of a dossier then refreshes the dossier's public forms
    (application/dossiers.py `refresh_public_form`)."""
    with state.review_lock:
        now = datetime.now(UTC)
        base = _head(state, record_id)  # before the read: a version committed after it is seen
        record = read_record(state.store, record_id, with_words=False)
        new, event = apply_review(record, decision, caller, now)
        changes = event.parameters.get("changes") or {}
        if is_marked_secret(new) and not is_held(new):
            new = _hold(state, read_record(state.store, record_id), decision, caller, now)
            changes = row_changes(changes)
        else:
            if new.classification.access != record.classification.access:
                state.index.delete(record.id)
                if new.classification.access != "public":  # it may no longer teach the OCR
                    forget_learned_from(learned_path(state.settings), [record.id])
            version = update_record(state.store, new)
            if version is not None and base is not None and version != base + 1:
                _undo(state, record, version)  # refused: another process wrote meanwhile
            state.index.add(new)
        if new.dossier is not None:  # what public and staff are shown of its dossier may change
            _refresh_dossier(state, new.dossier.dossier, record.id, caller)
        state.forget(record.id)
    state.audit.append(
        who=caller.who,
        role=caller.role,
        action=f"review:{event.outcome}",
        records=[record.id],
        client=client,
        detail=review_detail(changes, event.at),  # names, not values (application/access_log.py)
    )
    return new, event


def _head(state: ApiState, record_id: str) -> int | None:
    try:
        return record_versions(state.store, record_id)[-1].number
    except NotFound:
        return None


def _undo(state: ApiState, record: Record, version: int) -> None:
    """The decision's version `version` was written over one another process (`sohoa reprocess`)
    committed after the decision's record was read: that state, the version before ours, is
    written again as the next version and indexed, and the decision is refused (409), to be made
    again on what the record says now (red team s14: the review won, a record reprocess had
    closed as secret was served to the public)."""
    theirs = read_record(state.store, record.id, version=version - 1)
    why = f"review undone: version {version - 1} was committed meanwhile (its state again)"
    update_record(state.store, theirs, VersionInfo(why, SYSTEM))
    state.index.delete(record.id)
    state.index.add(theirs)
    state.forget(record.id)
    raise ReviewRefused(
        f"Hồ sơ {record.id} vừa được thay đổi bởi một tiến trình khác trong lúc xem xét; quyết định chưa "
        "được ghi. Hãy mở lại hồ sơ và quyết định lại."
    )


def _refresh_dossier(state: ApiState, dossier_id: str, record_id: str, caller: Caller) -> None:
    """The dossier's public forms after a review of its document `record_id`: a new version of
    its head when they changed, by the reviewer."""
    info = VersionInfo(f"review of document {record_id}", person(caller.who))
    try:
        refresh_public_form(state.store, dossier_id, info)
    except NotFound:  # the dossier was never committed (an intake killed before its commit)
        log.warning("record %s: its dossier %s is not committed, no form refreshed", record_id, dossier_id)


def _hold(state: ApiState, record: Record, decision: OverrideIn, caller: Caller, now: datetime) -> Record:
    """The decision applied to the whole record (words included), its content moved to the
    hold and its near-duplicate fingerprint forgotten (`hold_content`, as `sohoa secret sweep`
    does), the index and the page cache cleared of it; the catalogue row. Refused (409) when no
    hold is configured: nothing is changed then. A document of a dossier goes as at a dossier
    intake: the dossier's original and the document's pages go to the hold with it."""
    try:
        hold = open_hold(state.settings)
    except ConfigurationError as exc:
        log.error("secret hold unusable: %s", exc)
        hold = None
    if hold is None:
        raise ReviewRefused(
            f"Hồ sơ {record.id} mang dấu mật: nội dung phải chuyển sang khu lưu giữ tài liệu mật, "
            "nhưng khu này chưa được cấu hình (SOHOA_SECRET_HOLD, SOHOA_SECRET_KEY_FILE). Chưa "
            "thay đổi gì; hãy báo quản trị hệ thống."
        )
    new, _ = apply_review(record, decision, caller, now)
    similar = services_for(state.settings).similar  # the API's lookup, beside its index
    catalogue = hold_content(state.store, state.index, similar, hold, new, state.page_cache)
    erase_traces(state.index, state.page_cache, [record.id], learned=learned_path(state.settings))
    return catalogue


@router.post(
    "/review/{record_id}",
    response_model=OverrideOut,
    responses={**_ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="Accept or override a record's classification (reason required)",
)
def review_record(
    request: Request, record_id: RecordId, decision: OverrideIn, caller: Archivist
) -> OverrideOut:
    """The record's classification and metadata after the decision, and the decision's event (the
    reasons it resolved in Vietnamese). A record not accessible before or after it is answered as
    GET /restricted and GET /review show it: no decision's evidence but the reason just given,
    the catalogue's fields only, the reasons resolved without what they quote of it and the
    changes without the old and new values of any other field (red team s16: the answer quoted
    the text and the old subject of a record the archivist may list, never read)."""
    state = state_of(request)
    try:
        before: Record | None = read_record(state.store, record_id, with_words=False)
    except (NotFound, ValueError):
        before = None  # apply_decision says not found
    new, event = apply_decision(state, caller, record_id, decision, client_of(request))
    if new.classification.access == "not_accessible" or (
        before is not None and before.classification.access == "not_accessible"
    ):
        return _withheld_answer(new, event, before)
    return OverrideOut(
        id=new.id,
        access=new.classification.access,
        classification=new.classification,
        metadata=new.metadata,
        event=event_vi(event),  # the reasons it resolved, in Vietnamese (the record keeps them as written)
    )


def _withheld_answer(new: Record, event: Event, before: Record | None) -> OverrideOut:
    resolved = _withheld_reasons(before.classification, values_of(before)) if before is not None else []
    shown, codes = coded_reasons(resolved)
    parameters = {
        **event.parameters,
        "changes": row_changes(event.parameters.get("changes") or {}),
        "reasons_resolved": shown,
        "reasons_resolved_codes": codes,
    }
    c = new.classification
    given = event.detail  # the reason the archivist just gave: the one evidence answered
    decisions = [
        d if d.rule.startswith(REVIEW_RULE) and d.evidence == given else d.model_copy(update={"evidence": ""})
        for d in c.decisions
    ]
    return OverrideOut(
        id=new.id,
        access=c.access,
        classification=c.model_copy(update={"decisions": decisions}),
        metadata=catalogue_row(new, hold=None).metadata,
        event=event.model_copy(update={"parameters": parameters}),
    )


@router.get(
    "/restricted",
    response_model=RestrictedOut,
    responses=_ERRORS,
    summary="Secret records, by id and classification only",
)
def restricted(
    request: Request,
    caller: Archivist,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RestrictedOut:
    state = state_of(request)
    secret: tuple[AccessClass, ...] = ("not_accessible",)
    total, ids = list_ids(state, SearchFilters(access=list(secret)), secret, limit, offset)
    items = []
    for record_id in ids:
        try:
            record = read_record(state.store, record_id, with_words=False)
        except NotFound:
            continue
        c = record.classification
        coded = [coded_reason(reason) for reason in _withheld_reasons(c, values_of(record))]
        items.append(
            RestrictedItem(
                id=record_id,
                access=c.access,
                retention=c.retention,
                protect_until=c.protect_until,
                needs_review=c.needs_review,
                review_reasons=[shown for _, shown in coded],
                review_reason_codes=[code for code, _ in coded],
                decisions=_withheld(c.decisions),
            )
        )
    return RestrictedOut(total=total, items=items)
