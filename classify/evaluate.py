"""Field-by-field comparison of extracted metadata with a corpus page manifest's "metadata".

Pure: used by bench/classify_fields.py and by the corpus tests. Values are compared exactly
after NFC and white-space collapsing; recipients without their bullets and end punctuation;
personal data as a set of (kind, value with separators removed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from classify.extraction import Extraction
from classify.norm import clean

__all__ = [
    "TARGET_FIELDS",
    "FIELDS",
    "Score",
    "expected_fields",
    "actual_fields",
    "score",
    "hand_errors",
    "wrong_values",
]

# The target fields (>= 98 % exact on the OCR'd corpus).
TARGET_FIELDS = ("number_notation", "doc_type", "date", "issuer", "signer_name", "secrecy", "urgency")
FIELDS = (*TARGET_FIELDS, "notation", "place", "subject", "recipients", "personal_data")


def _norm(value: object) -> object:
    """NFC, white space collapsed; an empty value is none (a petition's or a list's blank
    "doc_number" and signer name are no number and no signer)."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean(value) or None
    return value


def _recipient(text: str) -> str:
    return clean(re.sub(r"^\s*[-–—•+]\s*", "", text)).rstrip(";,. ")


def _pd_key(kind: str, value: str) -> tuple[str, str]:
    if kind in ("cccd", "cmnd", "phone", "passport"):
        return kind, re.sub(r"[\s.\-]", "", value)
    return kind, clean(value)


def expected_fields(meta: dict, *, images: bool = False) -> dict[str, object]:
    """The comparable fields of a manifest's "metadata" block. Read from page `images`, where
    the number or the day was written by hand ("handwritten_fields"), the right reading leaves
    it empty: no number, and the date as its printed month ('2019-05'). Ground-truth text
    gives what was written as text, to be read as such."""
    signer = meta.get("signer")
    if isinstance(signer, list):
        signer = signer[0] if signer else None
    hand = (meta.get("handwritten_fields") or []) if images else []
    number = _norm(meta.get("doc_number"))
    notation = number.split("/", 1)[1] if isinstance(number, str) and "/" in number else None
    date = meta.get("date")
    return {
        "number_notation": None if "number" in hand else number,
        "doc_type": _norm(meta.get("doc_type")),
        "date": date[:7] if date and "day" in hand else date,
        "notation": _norm(meta.get("notation")) or notation,
        "issuer": _norm(meta.get("issuing_body")),
        "signer_name": _norm(signer.get("name")) if signer else None,
        "secrecy": _norm(meta.get("secrecy")),
        "urgency": _norm(meta.get("urgency")),
        "place": _norm(meta.get("place")),
        "subject": _norm(meta.get("subject")),
        "recipients": [_recipient(x) for x in (meta.get("recipients") or [])],
        "personal_data": sorted(
            {_pd_key(x["kind"], x["value"]) for x in meta.get("personal_data_in_document") or []}
        ),
    }


def actual_fields(extraction: Extraction) -> dict[str, object]:
    meta = extraction.metadata
    number = f"{meta.number}/{meta.notation}" if meta.number and meta.notation else None
    return {
        "number_notation": _norm(number),
        "doc_type": _norm(meta.doc_type),
        "date": meta.date.isoformat() if meta.date else meta.date_partial,
        "notation": _norm(meta.notation),
        "issuer": _norm(meta.issuer),
        "signer_name": _norm(meta.signer.name) if meta.signer else None,
        "secrecy": _norm(meta.secrecy),
        "urgency": _norm(meta.urgency),
        "place": _norm(meta.place),
        "subject": _norm(meta.subject),
        "recipients": [_recipient(x) for x in meta.recipients],
        "personal_data": sorted({_pd_key(x.kind, x.value) for x in meta.personal_data}),
    }


@dataclass
class Score:
    """Exact-match counts per field, and the misses for the report."""

    total: dict[str, int] = field(default_factory=dict)
    right: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[str, str, object, object]] = field(default_factory=list)

    def add(self, name: str, expected: dict, actual: dict, fields: Iterable[str] = FIELDS):
        for f in fields:
            self.total[f] = self.total.get(f, 0) + 1
            if expected[f] == actual[f]:
                self.right[f] = self.right.get(f, 0) + 1
            else:
                self.misses.append((name, f, expected[f], actual[f]))

    def accuracy(self, name: str) -> float:
        total = self.total.get(name, 0)
        return self.right.get(name, 0) / total if total else 0.0


def score(cases: Iterable[tuple[str, dict, Extraction]]) -> Score:
    result = Score()
    for name, meta, extraction in cases:
        result.add(name, expected_fields(meta), actual_fields(extraction))
    return result


def hand_errors(meta: dict, extraction: Extraction) -> list[str]:
    """Numbers or days stored although written by hand, and stored WRONG (the target is none).
    A stored value equal to the truth is not an error, only a lucky read."""
    hand = meta.get("handwritten_fields") or []
    return [x for x in wrong_values(meta, extraction) if x.split()[0] in hand]


def wrong_values(meta: dict, extraction: Extraction) -> list[str]:
    """A number or a day stored and different from the truth: worse than one left empty."""
    got = extraction.metadata
    number = meta.get("number") or (meta.get("doc_number") or "").split("/")[0] or None
    errors = []
    if got.number and got.number != number:
        errors.append(f"number {got.number!r} stored for {number!r}")
    if got.date and got.date.isoformat() != meta.get("date"):
        errors.append(f"day {got.date.isoformat()} stored for {meta.get('date')}")
    return errors
