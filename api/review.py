"""An archivist's review decision applied to a record (pure): accept, or override with a reason.

The decision is recorded in the record itself: a `Decision` (rule REVIEW, the reason as its
evidence) and an `Event` (step "review": who, when, old -> new, why). Taking a secret record out
of `not_accessible`, or lifting its secrecy mark, is a declassification: it is refused unless the
request says so explicitly, and it lifts the mark. A record left marked MẬT / TỐI MẬT / TUYỆT MẬT
stays `not_accessible`.
"""

from __future__ import annotations

import datetime as dt

from api.models import OverrideIn
from application.access import Caller
from core import __version__
from schemas import Decision, Event, Metadata, Record

__all__ = ["REVIEW_RULE", "ReviewRefused", "apply_review", "is_declassification"]

REVIEW_RULE = "REVIEW"
DECLASSIFY_RULE = "REVIEW.declassify"


class ReviewRefused(ValueError):
    """The decision is not allowed as asked; the message says what is missing."""


def _is_secret(record: Record) -> bool:
    return record.classification.access == "not_accessible" or bool(record.metadata.secrecy)


def _clears_secrecy(record: Record, decision: OverrideIn) -> bool:
    given = decision.fields.given()
    return bool(record.metadata.secrecy) and "secrecy" in given and not str(given["secrecy"] or "").strip()


def is_declassification(record: Record, decision: OverrideIn) -> bool:
    """Does `decision` take a secret (not_accessible or secrecy-marked) record to another class,
    or lift its secrecy mark?"""
    return _is_secret(record) and (
        decision.access not in (None, "not_accessible") or _clears_secrecy(record, decision)
    )


def _fields(record: Record, decision: OverrideIn) -> dict[str, object]:
    """The metadata fields the decision sets: a declassification also lifts the secrecy mark."""
    given = decision.fields.given()
    if is_declassification(record, decision) and "secrecy" not in given:
        return {**given, "secrecy": None}
    return given


def _check_mark(record: Record, access: str, secrecy: str | None) -> None:
    """A record left marked as a state secret has only one access class."""
    if secrecy and access != "not_accessible":
        raise ReviewRefused(
            f"Hồ sơ {record.id} mang dấu «{secrecy}» (bí mật nhà nước): chỉ được để ở mức "
            "«không được tiếp cận» (access=not_accessible). Muốn công bố, phải giải mật "
            "(declassify=true, nêu số, ngày quyết định giải mật trong lý do)."
        )


def _check(record: Record, decision: OverrideIn) -> None:
    if decision.action == "override" and not decision.changes:
        raise ReviewRefused(
            "Sửa phân loại phải thay đổi mức tiếp cận, thời hạn bảo quản, hạn bảo vệ hoặc trường."
        )
    if decision.action == "accept" and decision.changes:
        raise ReviewRefused("«Chấp nhận» giữ nguyên phân loại: muốn thay đổi, hãy chọn «Sửa».")
    if is_declassification(record, decision) and not decision.declassify:
        raise ReviewRefused(
            f"Hồ sơ {record.id} là hồ sơ mật"
            f"{' (dấu ' + record.metadata.secrecy + ')' if record.metadata.secrecy else ''}: "
            "chuyển sang mức tiếp cận khác hoặc bỏ dấu mật là giải mật; cần gửi declassify=true "
            "và nêu số, ngày quyết định giải mật trong lý do."
        )
    if decision.declassify and not is_declassification(record, decision):
        raise ReviewRefused("declassify=true chỉ dùng khi chuyển hồ sơ mật sang mức tiếp cận khác.")


def _metadata(old: Metadata, fields: dict[str, object]) -> Metadata:
    update = {
        name: value.strip() or None if isinstance(value, str) else value for name, value in fields.items()
    }
    return old.model_copy(update=update)


def _changes(old: Record, new: Record, fields: dict[str, object]) -> dict[str, dict[str, object]]:
    changes: dict[str, dict[str, object]] = {}
    pairs = [
        ("access", old.classification.access, new.classification.access),
        ("retention", old.classification.retention, new.classification.retention),
        ("protect_until", old.classification.protect_until, new.classification.protect_until),
    ] + [(f"metadata.{name}", getattr(old.metadata, name), getattr(new.metadata, name)) for name in fields]
    for name, before, after in pairs:
        if before != after:
            changes[name] = {"old": _plain(before), "new": _plain(after)}
    return changes


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def apply_review(
    record: Record, decision: OverrideIn, caller: Caller, now: dt.datetime
) -> tuple[Record, Event]:
    """The record after `decision`, and the event recording it. ReviewRefused when not allowed."""
    _check(record, decision)
    old = record.classification
    classification = old.model_copy(
        update={
            "access": decision.access or old.access,
            "retention": decision.retention.strip() if decision.retention else old.retention,
            "protect_until": decision.protect_until or old.protect_until,
            "needs_review": False,
            "review_reasons": [],
        }
    )
    declassified = is_declassification(record, decision)
    outcome = (
        "declassified" if declassified else ("overridden" if decision.action == "override" else "accepted")
    )
    classification.decisions = [
        *old.decisions,
        Decision(
            rule=DECLASSIFY_RULE if declassified else REVIEW_RULE,
            outcome=f"{outcome}: access {classification.access}",
            evidence=decision.reason.strip(),
        ),
    ]
    flagged = [page.number for page in record.pages if page.needs_review]
    pages = [
        page.model_copy(update={"needs_review": False, "review_reasons": []}) if page.needs_review else page
        for page in record.pages
    ]
    fields = _fields(record, decision)
    metadata = _metadata(record.metadata, fields)
    _check_mark(record, classification.access, metadata.secrecy)
    new = record.model_copy(
        update={
            "classification": classification,
            "metadata": metadata,
            "pages": pages,
            "updated_at": now,
        }
    )
    event = Event(
        step="review",
        tool="sohoa-api",
        tool_version=__version__,
        parameters={
            "by": caller.who,
            "key_id": caller.key_id,
            "role": caller.role,
            "action": decision.action,
            "changes": _changes(record, new, fields),
            "reasons_resolved": list(old.review_reasons),
            "pages_resolved": flagged,
            "declassify": declassified,
        },
        outcome=outcome,
        detail=decision.reason.strip(),
        at=now,
    )
    new.events = [*record.events, event]
    return new, event
