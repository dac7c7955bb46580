"""The link written into a near-duplicate record, and read back."""

from __future__ import annotations

import pytest

from dedup import DuplicateMatch, link_near_duplicate, near_duplicate_of
from schemas import Classification, Record


def _record(record_id: str = "b" * 32) -> Record:
    return Record(
        id=record_id, source="lần 2.pdf", sha256="0" * 64, size=1, media_type="application/pdf",
        page_count=1,
        classification=Classification(access="public", needs_review=False, review_reasons=[]),
    )  # fmt: skip


def test_link_flags_the_record_for_review_and_names_the_earlier_one() -> None:
    match = DuplicateMatch(record_id="a" * 32, basis="text+image", text=0.91, image=40)
    linked = link_near_duplicate(_record(), match)

    assert near_duplicate_of(linked) == "a" * 32
    assert linked.classification.needs_review
    assert linked.classification.access == "public", "the access decision is left alone"
    reason = linked.classification.review_reasons[-1]
    assert reason.startswith(f"near-duplicate of record {'a' * 32} (text similarity 0.91")
    decision = linked.classification.decisions[-1]
    assert (decision.rule, decision.outcome) == ("DUP.near", "near_duplicate")
    event = linked.events[-1]
    assert event.parameters == {
        "of": "a" * 32, "basis": "text+image", "text_similarity": 0.91, "image_distance": 40,
    }  # fmt: skip
    assert Record.model_validate_json(linked.model_dump_json()) == linked


def test_an_unlinked_record_is_nobodys_near_duplicate() -> None:
    assert near_duplicate_of(_record()) is None


def test_a_record_is_never_linked_to_itself() -> None:
    with pytest.raises(ValueError, match="itself"):
        link_near_duplicate(_record("a" * 32), DuplicateMatch("a" * 32, "image", None, 3))
