"""Reading one record as a caller may see it: the access check, masking, and the access log.

Every read of record content goes through `readable_record`, which checks the class stored in
the record package (the source of truth). A record outside the caller's classes is "not found"
for public and staff (its existence is not disclosed); archivists get 403 for a secret record,
which they may only list. For public and staff, an unknown id and a hidden record take the very
same path (one index lookup of the access class, then "not found", no storage read), so the
answer's timing does not tell them apart either.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.review import REVIEW_RULE
from api.state import ApiState
from api.vietnamese import ACCESS_LABELS
from application.access import Caller, can_list_restricted, can_read, class_served, scope_for
from core.errors import NotFound
from dedup.link import RULE as NEAR_DUPLICATE_RULE
from export.public_form import PUBLIC_METADATA, public_file_name, public_metadata
from indexing.masking import mask_text, values_of
from schemas import AccessClass, Decision, Record
from storage import read_record

__all__ = [
    "PUBLIC_METADATA",
    "Forbidden",
    "audit_reads",
    "masked_record",
    "not_found",
    "public_file_name",
    "readable_record",
]


class Forbidden(Exception):
    """The caller knows the record exists but may not be served its content."""


def not_found(record_id: str) -> NotFound:
    """The one answer for an unknown record and for one the caller may not know of."""
    return NotFound(f"Không có hồ sơ {record_id}, hoặc hồ sơ không thuộc phạm vi bạn được xem.")


def readable_record(
    state: ApiState, caller: Caller, record_id: str, *, with_words: bool = False, version: int | None = None
) -> Record:
    """The stored record (its newest version, or `version`: archivists only) if `caller` may
    read it, and may read its newest version too; NotFound or Forbidden otherwise."""
    record = _readable(state, caller, record_id, with_words=with_words)
    if version is None:
        return record
    if caller.role != "archivist":
        raise Forbidden("Chỉ cán bộ lưu trữ được xem các phiên bản trước của hồ sơ.")
    try:
        older = read_record(state.store, record_id, with_words=with_words, version=version)
    except (NotFound, ValueError):
        raise NotFound(f"Hồ sơ {record_id} không có phiên bản {version}.") from None
    if not can_read(caller.role, class_served(older)):
        raise Forbidden(f"Phiên bản {version} của hồ sơ {record_id} không được cung cấp nội dung.")
    return older


def _readable(state: ApiState, caller: Caller, record_id: str, *, with_words: bool) -> Record:
    if not can_list_restricted(caller.role):
        indexed = state.index.access_of(record_id)
        if indexed is None or not can_read(caller.role, indexed):  # type: ignore[arg-type]
            raise not_found(record_id)
    try:
        record = read_record(state.store, record_id, with_words=with_words)
    except (NotFound, ValueError):
        raise not_found(record_id) from None
    access = class_served(record)
    if can_read(caller.role, access):
        return record
    if can_list_restricted(caller.role):
        raise Forbidden(
            f"Hồ sơ {record_id} thuộc loại «{ACCESS_LABELS.get(access, access)}»: chỉ được liệt kê "
            "(GET /restricted), "
            "không bao giờ được cung cấp nội dung."
        )
    raise not_found(record_id)


def masked_record(record: Record) -> Record:
    """The record as the public sees it: personal data masked in text, metadata and evidence;
    the public metadata fields only (PUBLIC_METADATA); no review state (the archivists' review
    decisions, whether and why a record or page awaits review, provenance)."""
    values = values_of(record)
    classification = record.classification.model_copy(
        update={
            "decisions": [
                Decision(**{**d.model_dump(), "evidence": mask_text(d.evidence, values)})
                for d in record.classification.decisions
                # a near-duplicate link names the other record, which may be one the public may not
                # know of (a hidden document of the same dossier): review state, not served
                if not d.rule.startswith(REVIEW_RULE) and d.rule != NEAR_DUPLICATE_RULE
            ],
            "needs_review": False,
            "review_reasons": [],
            # free text an archivist may type in a review: masked as the public's facets mask it
            "retention": mask_text(record.classification.retention, values)
            if record.classification.retention
            else record.classification.retention,
        }
    )
    pages = [
        p.model_copy(
            update={
                "text": mask_text(p.text, values),
                "words": [],
                "needs_review": False,
                "review_reasons": [],
            }
        )
        for p in record.pages
    ]
    return record.model_copy(
        update={
            "source": public_file_name(record),
            "metadata": public_metadata(record),
            "classification": classification,
            "pages": pages,
            "events": [],
        }
    )


def audit_reads(
    state: ApiState,
    caller: Caller,
    client: str | None,
    action: str,
    records: Mapping[str, AccessClass],
    detail: dict[str, object] | None = None,
) -> None:
    """Log the reads of records whose class the caller's role is audited for (e.g. conditional)."""
    audited = scope_for(caller.role).audited
    logged = [record_id for record_id, access in records.items() if access in audited]
    if logged:
        state.audit.append(
            who=caller.who, role=caller.role, action=action, records=logged, client=client, detail=detail
        )
