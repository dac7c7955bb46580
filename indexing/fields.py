"""What one record puts in a search index, for every engine: each field in full and in its
public form, the way the public may see and search it.

SqliteIndex (indexing/sqlite.py `_record_row`, `_page_rows`) and ElasticIndex
(indexing/elastic_mapping.py `record_document`) both store what `indexed(record)` returns, so the
two engines hold the same values, keys and public forms by construction:

- the title, doc_type, issuer, the province as named on the document's date, the province it
  lies in today and the retention, each in full (NFC) and in its public form
  (indexing.masking.mask_text with the record's listed personal data): a masked scope (the
  public role) searches, filters, counts and labels the public forms only;
- each page's text in full and in public form (`personal`: they differ);
- the plain fields: access class, review flag, date, ingestion time, and, for a document cut
  from a dossier (hồ sơ), the dossier's id and the document's order in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime

from indexing.masking import mask_text, values_of
from schemas import Record
from vntext.normalise import key_or_none, nfc

__all__ = ["IndexedPage", "IndexedRecord", "TwoForms", "indexed", "two_forms", "utc_text"]


@dataclass(frozen=True)
class TwoForms:
    """A value in full (NFC) and in its public form (personal data masked; the full value itself
    when nothing in it is masked). Both None: no value."""

    full: str | None
    public: str | None

    @property
    def masked(self) -> bool:
        """The public form differs from the full value."""
        return self.full != self.public

    @property
    def full_key(self) -> str | None:
        return key_or_none(self.full)

    @property
    def public_key(self) -> str | None:
        return key_or_none(self.public)

    @property
    def public_if_masked(self) -> str | None:
        """The public form where it differs from the full value, else None (SQLite's columns)."""
        return self.public if self.masked else None


def two_forms(value: str | None, values: tuple[str, ...]) -> TwoForms:
    """`value` in full and in public form, `values` being the record's listed personal data."""
    if not value:
        return TwoForms(None, None)
    full = nfc(value)
    return TwoForms(full, mask_text(full, values))


@dataclass(frozen=True)
class IndexedPage:
    number: int
    text: str  # in full, NFC
    public: str  # the public form: `text` itself when the page holds no personal data

    @property
    def personal(self) -> bool:
        return self.public != self.text


@dataclass(frozen=True)
class IndexedRecord:
    id: str
    source: str
    title: TwoForms
    doc_type: TwoForms
    issuer: TwoForms
    province_then: TwoForms  # the issuer's province as named on the document's date
    province: TwoForms  # the province it lies in today (the facet)
    retention: TwoForms
    access: str
    needs_review: bool
    date: dt.date | None
    ingested_at: str  # UTC, ISO 8601 with microseconds
    batch: str | None
    dossier: str | None  # the id of the dossier it is a document of
    dossier_order: int | None  # its order in that dossier
    pages: tuple[IndexedPage, ...]

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


def utc_text(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def indexed(record: Record) -> IndexedRecord:
    """Every field of `record` an index stores, in full and in public form (pure CPU work)."""
    meta, classification = record.metadata, record.classification
    values = values_of(record)
    pages = []
    for page in record.pages:
        text = nfc(page.text)
        pages.append(IndexedPage(number=page.number, text=text, public=mask_text(text, values)))
    title = nfc(record.title)
    link = record.dossier
    return IndexedRecord(
        id=record.id,
        source=nfc(record.source),
        title=TwoForms(title, mask_text(title, values)),
        doc_type=two_forms(meta.doc_type, values),
        issuer=two_forms(meta.issuer, values),
        province_then=two_forms(meta.province, values),
        province=two_forms(meta.province_present, values),
        retention=two_forms(classification.retention, values),
        access=classification.access,
        needs_review=bool(classification.needs_review or any(page.needs_review for page in record.pages)),
        date=meta.date,
        ingested_at=utc_text(record.ingested_at),
        batch=record.batch,
        dossier=link.dossier if link else None,
        dossier_order=link.order if link else None,
        pages=tuple(pages),
    )
