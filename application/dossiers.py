"""A dossier as its catalogue shows it: the file-level fields read from its documents' records.

Thời gian bắt đầu/kết thúc, thời hạn bảo quản (the longest), chế độ sử dụng (the most
restricted) and the page count come from the documents given: all of them for the catalogues and
`sohoa dossier show`, only those a role may see for the API, so that a dossier never tells a role
of a document it may not see (not by a count, a date, a period or a page number).

The dossier's own text (its title, given at intake, and its code, which may be a file name such
as "NguyenVanThang.2019.05") is shown to the public in its public form (`public_summary`): masked
with the personal data listed by EVERY document of the dossier, hidden ones included
(`listed_values`), and with what the personal-data detector finds in the text itself (the
classifier's, and a name after "ông", "bà", "họ và tên" ...). Every document counts whoever asks,
so the public form is the dossier's own, the same whichever documents a caller may see; each piece
becomes the one fixed token, which says "personal data was here" and nothing of whose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from application.access import class_served
from classify.layout import Line
from classify.personal import find_personal_data
from classify.rules import retention_years
from core.errors import NotFound
from indexing.masking import mask_text, values_of
from schemas import AccessClass, Dossier, Metadata, Record
from storage import read_package_bytes, read_record
from storage.base import ObjectStore
from storage.dossier_package import read_dossier
from storage.layout import METADATA_FILE

__all__ = [
    "RESTRICTION",
    "DocumentRow",
    "DossierSummary",
    "listed_values",
    "load_summary",
    "public_summary",
    "public_text",
    "summarise",
]

# The most restricted class first: a dossier's chế độ sử dụng is its most restricted document's.
RESTRICTION: tuple[AccessClass, ...] = ("not_accessible", "undetermined", "conditional", "public")


@dataclass(frozen=True)
class DocumentRow:
    """One document in the dossier's list (mục lục văn bản)."""

    id: str
    order: int
    pages: tuple[int, int]  # first and last page in the dossier scan
    page_count: int
    number: str | None
    notation: str | None
    doc_type: str | None
    date: dt.date | None
    issuer: str | None
    subject: str | None
    access: AccessClass
    retention: str | None
    needs_review: bool

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "order": self.order,
            "pages": list(self.pages),
            "number": self.number,
            "notation": self.notation,
            "doc_type": self.doc_type,
            "date": self.date.isoformat() if self.date else None,
            "issuer": self.issuer,
            "subject": self.subject,
            "access": self.access,
        }


@dataclass(frozen=True)
class DossierSummary:
    """The dossier record (hồ sơ) with the fields the digitisation standard asks for."""

    id: str
    code: str | None
    title: str | None
    organ_id: str | None
    fonds_code: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    retention: str | None
    access: AccessClass | None
    pages: int
    language: str
    reliability: str
    documents: list[DocumentRow] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The `sohoa dossier show --json` contract."""
        return {
            "id": self.id,
            "code": self.code,
            "title": self.title,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "retention": self.retention,
            "access": self.access,
            "pages": self.pages,
            "language": self.language,
            "reliability": self.reliability,
            "documents": [d.to_json() for d in self.documents],
        }


def _row(record: Record) -> DocumentRow:
    assert record.dossier is not None, f"record {record.id} is not a document of a dossier"
    meta = record.metadata
    access = class_served(record)
    return DocumentRow(
        id=record.id,
        order=record.dossier.order,
        pages=(record.dossier.first, record.dossier.last),
        page_count=len(record.dossier.pages),
        number=meta.number,
        notation=meta.notation,
        doc_type=meta.doc_type,
        date=meta.date,
        issuer=meta.issuer,
        subject=meta.subject,
        access=access,
        retention=record.classification.retention,
        needs_review=record.classification.needs_review,
    )


def summarise(dossier: Dossier, records: Iterable[Record]) -> DossierSummary:
    """The dossier's fields from `records` (its documents to be shown, in any order). With every
    document the page count is the scan's (blank sheets too); with some, their pages only."""
    mine = (_row(r) for r in records if r.dossier and r.dossier.dossier == dossier.id)
    rows = sorted(mine, key=lambda r: r.order)
    dates = [r.date for r in rows if r.date]
    periods = [r.retention for r in rows if r.retention]
    complete = len(rows) == len(dossier.documents)
    return DossierSummary(
        id=dossier.id,
        code=dossier.code,
        title=dossier.title,
        organ_id=dossier.organ_id,
        fonds_code=dossier.fonds_code,
        start_date=min(dates, default=None),
        end_date=max(dates, default=None),
        retention=max(periods, key=retention_years, default=None),
        access=next((c for c in RESTRICTION if any(r.access == c for r in rows)), None),
        pages=dossier.page_count if complete else sum(r.page_count for r in rows),
        language=dossier.language,
        reliability=dossier.reliability,
        documents=rows,
        review_reasons=list(dossier.review_reasons) if complete else [],
    )


def load_summary(store: ObjectStore, dossier_id: str) -> DossierSummary:
    """The whole dossier from the store, every document (for the catalogues and the CLI, which
    the archive's operators run). NotFound when the dossier is not committed."""
    dossier = read_dossier(store, dossier_id)
    return summarise(dossier, (read_record(store, d.id, with_words=False) for d in dossier.documents))


# ---- the dossier's own text, as the public is shown it ----

# A word that introduces a person: what follows, in capitals, is a name ("cho ông Bùi Văn Thắng").
# Capitalised inside a sentence it is most often a place's first word (Bà Rịa, Bà Chiểu): not a lead.
_PERSON_LEAD = re.compile(
    r"(?<!\w)(?:ông|bà|anh|chị|cụ|cháu|em|công dân|họ và tên|họ tên)(?!\w)\s*:?\s+", re.IGNORECASE
)
_OPENS = re.compile(r"(?:^|[.:;(\-–—\n])\s*$")  # what may stand before a capitalised lead
_MAX_NAME_WORDS = 6


def _name_after(text: str, start: int, upper: bool) -> str | None:
    """The capitalised words at `start` (all-capital ones after an all-capital lead), up to a
    punctuation mark: a person's name."""
    words: list[str] = []
    for raw in text[start:].split()[:_MAX_NAME_WORDS]:
        word = raw.rstrip(",;:.)")
        rest = word[1:]
        capitalised = word[:1].isupper() and (not rest or rest.islower() or (upper and rest.isupper()))
        if not word.isalpha() or not capitalised:
            break
        words.append(word)
        if raw != word:
            break
    return " ".join(words) or None


def _detected(text: str) -> list[str]:
    """The personal data the detector finds in `text` itself: what the classifier finds in a
    document (classify/personal.py: numbers, dates of birth, addresses, a name tied to them), and
    any name after a word that introduces a person (a dossier's title names the person it is about
    without another datum beside it)."""
    found = [x.value for x in find_personal_data([[Line(text=text, page=1, index=0)]])]
    for lead in _PERSON_LEAD.finditer(text):
        word = lead.group().strip(" :\t\n")
        if not (word.islower() or word.isupper() or _OPENS.search(text, 0, lead.start())):
            continue
        name = _name_after(text, lead.end(), word.isupper())
        if name:
            found.append(name)
    return found


def public_text(text: str | None, values: Sequence[str]) -> str | None:
    """`text` (a dossier's title or code) in its public form: masked (indexing.masking `mask_text`,
    each piece the one fixed token) with `values` (the personal data its documents list), each
    also without its spaces (a code made from a file name: "NguyenVanThang"), and with what the
    detector finds in the text itself."""
    if not text:
        return text
    joined = [v.replace(" ", "") for v in values if " " in v.strip()]
    return mask_text(text, (*values, *joined, *_detected(text)))


def listed_values(store: ObjectStore, dossier: Dossier, read: Iterable[Record]) -> tuple[str, ...] | None:
    """The personal data listed by every document of `dossier`: of the records `read`, and of the
    others their metadata alone (the public may see none of them: their text is not read). None
    when a document's metadata cannot be read (the dossier's text is then not shown)."""
    records = {r.id: r for r in read}
    values: list[str] = []
    for document in dossier.documents:
        record = records.get(document.id)
        if record is not None:
            values += values_of(record)
            continue
        try:
            meta = Metadata.model_validate_json(read_package_bytes(store, document.id, METADATA_FILE))
        except (NotFound, ValueError):
            return None
        values += [item.value for item in meta.personal_data if item.value.strip()]
    return tuple(dict.fromkeys(values))


def public_summary(summary: DossierSummary, values: Sequence[str] | None) -> DossierSummary:
    """`summary` with its own text (title, code) in public form (`public_text`); without it when
    the values are unknown (None: `listed_values`)."""
    if values is None:
        return replace(summary, title=None, code=None)
    return replace(summary, title=public_text(summary.title, values), code=public_text(summary.code, values))
