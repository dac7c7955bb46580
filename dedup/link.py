"""Link a new record to the earlier one it re-scans, and send it to a person for review.

Without a schema field for it, the link lives where every record already keeps evidence: a
`dedup` event (parameters: of, basis, text_similarity, image_distance), a DUP.near decision in
the classification, and a review reason. near_duplicate_of() reads it back.
"""

from __future__ import annotations

from core import __version__
from dedup.match import DuplicateMatch
from schemas import Decision, Event, Record

__all__ = ["NEAR_DUPLICATE", "RULE", "link_near_duplicate", "near_duplicate_of"]

NEAR_DUPLICATE = "near_duplicate"
RULE = "DUP.near"


def link_near_duplicate(record: Record, match: DuplicateMatch) -> Record:
    """A copy of `record` linked to `match.record_id` and flagged for review."""
    if match.record_id == record.id:
        raise ValueError(f"record {record.id} cannot be a near-duplicate of itself")
    reason = match.reason
    classification = record.classification.model_copy(
        update={
            "needs_review": True,
            "review_reasons": [*record.classification.review_reasons, reason],
            "decisions": [
                *record.classification.decisions,
                Decision(
                    rule=RULE,
                    outcome=NEAR_DUPLICATE,
                    evidence=f"record {match.record_id}",
                    confidence=match.text if match.text is not None else 0.5,
                ),
            ],
        }
    )
    event = Event(
        step="dedup",
        tool="sohoa",
        tool_version=__version__,
        parameters={
            "of": match.record_id,
            "basis": match.basis,
            "text_similarity": match.text,
            "image_distance": match.image,
        },
        outcome=NEAR_DUPLICATE,
        detail=reason,
    )
    return record.model_copy(update={"classification": classification, "events": [*record.events, event]})


def near_duplicate_of(record: Record) -> str | None:
    """The id of the earlier record this one was linked to at ingest, if any."""
    for event in reversed(record.events):
        if event.step == "dedup" and event.outcome == NEAR_DUPLICATE:
            of = event.parameters.get("of")
            return of if isinstance(of, str) else None
    return None
