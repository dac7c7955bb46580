"""Review decisions applied to a record (pure): what changes, what is recorded, what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from api.models import OverrideIn
from api.review import ReviewRefused, apply_review
from application.access import Caller
from schemas import Classification, Metadata, Page, Record

NOW = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
ARCHIVIST = Caller(role="archivist", key_id="k1", name="Minh")


def _record(access: str = "undetermined", secrecy: str | None = None) -> Record:
    return Record(
        id="a" * 32,
        source="a.pdf",
        sha256="a" * 64,
        size=1,
        media_type="application/pdf",
        page_count=2,
        pages=[
            Page(number=1, text="x"),
            Page(number=2, text="y", needs_review=True, review_reasons=["low OCR"]),
        ],
        metadata=Metadata(subject="cũ", secrecy=secrecy),
        classification=Classification(access=access, needs_review=True, review_reasons=["weak evidence"]),  # type: ignore[arg-type]
    )


def test_override_records_who_when_old_new_why() -> None:
    decision = OverrideIn(
        action="override",
        access="public",
        retention="Vĩnh viễn",
        fields={"subject": "Về việc mới", "date": "2018-06-29"},  # type: ignore[arg-type]
        reason="Đã đối chiếu bản giấy",
    )
    new, event = apply_review(_record(), decision, ARCHIVIST, NOW)
    assert new.classification.access == "public" and new.classification.retention == "Vĩnh viễn"
    assert new.metadata.subject == "Về việc mới" and new.metadata.date == dt.date(2018, 6, 29)
    assert not new.classification.needs_review and not any(p.needs_review for p in new.pages)
    assert new.classification.decisions[-1].rule == "REVIEW"
    assert new.classification.decisions[-1].evidence == "Đã đối chiếu bản giấy"
    assert new.events[-1] == event and event.step == "review" and event.at == NOW
    assert event.parameters["by"] == "Minh (k1)"
    assert event.parameters["changes"]["access"] == {"old": "undetermined", "new": "public"}
    assert event.parameters["changes"]["metadata.date"] == {"old": None, "new": "2018-06-29"}
    assert event.parameters["pages_resolved"] == [2]
    assert event.detail == "Đã đối chiếu bản giấy" and new.updated_at == NOW


def test_accept_keeps_the_classification() -> None:
    new, event = apply_review(
        _record("conditional"), OverrideIn(action="accept", reason="Đúng rồi"), ARCHIVIST, NOW
    )
    assert new.classification.access == "conditional" and event.outcome == "accepted"
    assert event.parameters["changes"] == {}


@pytest.mark.parametrize(("access", "secrecy"), [("not_accessible", None), ("undetermined", "MẬT")])
def test_declassification_needs_an_explicit_decision(access: str, secrecy: str | None) -> None:
    decision = OverrideIn(action="override", access="public", reason="Theo quyết định 12/QĐ")
    with pytest.raises(ReviewRefused, match="declassif"):
        apply_review(_record(access, secrecy), decision, ARCHIVIST, NOW)
    explicit = decision.model_copy(update={"declassify": True})
    new, event = apply_review(_record(access, secrecy), explicit, ARCHIVIST, NOW)
    assert new.classification.access == "public" and event.outcome == "declassified"
    assert new.classification.decisions[-1].rule == "REVIEW.declassify"


def test_declassify_flag_alone_is_refused() -> None:
    decision = OverrideIn(action="override", retention="10 năm", reason="nhầm cờ", declassify=True)
    with pytest.raises(ReviewRefused):
        apply_review(_record("public"), decision, ARCHIVIST, NOW)


def test_secret_may_stay_secret_without_the_flag() -> None:
    decision = OverrideIn(action="override", retention="Vĩnh viễn", reason="Thời hạn theo danh mục")
    new, _ = apply_review(_record("not_accessible"), decision, ARCHIVIST, NOW)
    assert new.classification.access == "not_accessible"


@pytest.mark.parametrize(
    "body",
    [
        {"action": "override", "access": "public", "reason": "   a   b  "},
        {"action": "override", "access": "public"},
        {"action": "override", "fields": {"signer": "x"}, "reason": "trường lạ"},
        {"action": "override", "fields": {"date": "29/06/2018"}, "reason": "ngày sai dạng"},
        {"action": "delete", "reason": "không có hành động này"},
    ],
)
def test_malformed_decisions_are_rejected(body: dict) -> None:
    with pytest.raises(ValidationError):
        OverrideIn.model_validate(body)


@pytest.mark.parametrize(
    "body",
    [
        {"action": "override", "reason": "không đổi gì"},
        {"action": "override", "retention": "  ", "reason": "chỉ khoảng trắng"},
        {"action": "accept", "access": "public", "reason": "mâu thuẫn"},
    ],
)
def test_contradictory_decisions_are_refused(body: dict) -> None:
    with pytest.raises(ReviewRefused):
        apply_review(_record(), OverrideIn.model_validate(body), ARCHIVIST, NOW)


def test_a_field_sent_as_null_is_cleared() -> None:
    decision = OverrideIn.model_validate(
        {"action": "override", "fields": {"subject": None}, "reason": "sai trích yếu"}
    )
    new, event = apply_review(_record(), decision, ARCHIVIST, NOW)
    assert new.metadata.subject is None and event.parameters["changes"]["metadata.subject"] == {
        "old": "cũ",
        "new": None,
    }
