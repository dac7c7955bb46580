"""Metadata extraction and archival classification of Vietnamese administrative documents.

extract_metadata(pages) reads the fixed layout (Decree 30/2020): số/ký hiệu, type, issuer,
place and date, subject, signer, recipients, secrecy/urgency marks, personal data.
classify(metadata, pages, rules) applies the rule book (rules/default.yaml: access under
Law 104/2016, secret protection periods, retention), every decision with its rule and
evidence. Both are pure functions; load_rules() is the only I/O.
"""

from __future__ import annotations

import datetime as dt

from classify.decide import classify
from classify.extract import extract, extract_metadata
from classify.extraction import Extraction
from classify.rules import RuleBook, load_rules
from schemas import Classification, Metadata, Page

__all__ = [
    "Extraction",
    "RuleBook",
    "classify",
    "classify_pages",
    "extract",
    "extract_metadata",
    "load_rules",
]

_DEFAULT: RuleBook | None = None


def _default_rules() -> RuleBook:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rules()
    return _DEFAULT


def classify_pages(
    pages: list[Page], rules: RuleBook | None = None, today: dt.date | None = None
) -> tuple[Metadata, Classification]:
    """Extract the metadata of a document's pages and classify it (default rule book)."""
    metadata = extract_metadata(pages)
    return metadata, classify(metadata, pages, rules or _default_rules(), today=today)
