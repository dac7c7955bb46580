"""A dossier as its catalogue shows it: the file-level fields read from its documents' records.

Thời gian bắt đầu/kết thúc, thời hạn bảo quản (the longest), chế độ sử dụng (the most
restricted) and the page count come from the documents given: all of them for the catalogues and
`sohoa dossier show`, only those a role may see for the API, so that a dossier never tells a role
of a document it may not see (not by a count, a date, a period or a page number).

What a role other than archivist may be shown of the dossier itself is its form for that
audience (`DossierForm`), computed when the head is written (intake, split) and again when a
document changes it (`refresh_public_form`: a review, a reprocess; `sohoa verify` refreshes every
dossier, healing a refresh a crash cut off: `refresh_all_public_forms`), and stored with the head: an
answer reads that one small file, never dossier.json (which lists every document) nor a hidden
document, so the work it does does not grow with the documents hidden from the caller. The
public form of the dossier's own text (its title, given at intake, and its code, which may be a
file name such as "NguyenVanThang.2019.05") is masked with the personal data listed by EVERY
document of the dossier, hidden ones included, and with what the personal-data detector finds in
the text itself (the classifier's, and a name after "ông", "bà", "họ và tên" ...). Every document
counts whoever asks, so the public form is the dossier's own, the same whichever documents a
caller may see; each piece becomes the one fixed token, which says "personal data was here" and
nothing of whose.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from application.access import Role, class_served, scope_for
from classify.layout import Line
from classify.personal import find_personal_data
from classify.rules import retention_years
from core.errors import NotFound, SohoaError, Transient
from indexing.masking import mask_text, values_of
from schemas import AccessClass, Dossier, Record
from storage import is_held, read_record
from storage.base import ObjectStore
from storage.dossier_package import iter_dossier_ids, read_dossier, read_dossier_form, write_dossier_forms
from storage.jsonfile import json_bytes
from storage.ocfl_inventory import User, VersionInfo
from storage.package import SYSTEM

__all__ = [
    "AUDIENCES",
    "RESTRICTION",
    "DocumentRow",
    "DossierForm",
    "DossierSummary",
    "FormsSweep",
    "load_form",
    "load_summary",
    "most_restricted",
    "public_form_files",
    "public_forms",
    "public_text",
    "refresh_all_public_forms",
    "refresh_public_form",
    "stored_forms",
    "summarise",
    "summarise_form",
]

log = logging.getLogger(__name__)

# The most restricted class first: a dossier's chế độ sử dụng is its most restricted document's.
RESTRICTION: tuple[AccessClass, ...] = ("not_accessible", "undetermined", "conditional", "public")


def most_restricted(classes: Iterable[AccessClass]) -> AccessClass | None:
    """The most restricted of `classes` (a dossier's "chế độ sử dụng"); None when there is none."""
    present = set(classes)
    return next((c for c in RESTRICTION if c in present), None)


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


def _rows(dossier_id: str, records: Iterable[Record]) -> list[DocumentRow]:
    mine = (_row(r) for r in records if r.dossier and r.dossier.dossier == dossier_id)
    return sorted(mine, key=lambda r: r.order)


def _summary(
    head: Dossier | DossierForm, rows: list[DocumentRow], pages: int, review_reasons: list[str]
) -> DossierSummary:
    dates = [r.date for r in rows if r.date]
    periods = [r.retention for r in rows if r.retention]
    return DossierSummary(
        id=head.id,
        code=head.code,
        title=head.title,
        organ_id=head.organ_id,
        fonds_code=head.fonds_code,
        start_date=min(dates, default=None),
        end_date=max(dates, default=None),
        retention=max(periods, key=retention_years, default=None),
        access=most_restricted(r.access for r in rows),
        pages=pages,
        language=head.language,
        reliability=head.reliability,
        documents=rows,
        review_reasons=review_reasons,
    )


def summarise(dossier: Dossier, records: Iterable[Record]) -> DossierSummary:
    """The dossier's fields from `records` (its documents to be shown, in any order). With every
    document the page count is the scan's (blank sheets too); with some, their pages only."""
    rows = _rows(dossier.id, records)
    if len(rows) == len(dossier.documents):
        return _summary(dossier, rows, dossier.page_count, list(dossier.review_reasons))
    return _summary(dossier, rows, sum(r.page_count for r in rows), [])


def summarise_form(form: DossierForm, records: Iterable[Record]) -> DossierSummary:
    """The dossier's fields as its `form`'s audience is shown them, from `records` (the documents
    it may see, any order): the page count theirs, no review notes."""
    rows = _rows(form.id, records)
    return _summary(form, rows, sum(r.page_count for r in rows), [])


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


# ---- the dossier's public form, stored with its head ----

AUDIENCES: tuple[Role, ...] = ("public", "staff")  # who is answered from a form, not dossier.json


class DossierForm(BaseModel):
    """What one audience (a role other than archivist) may be shown of a dossier besides its
    documents' own records: its own fields (title and code in public form for a masked role)
    and the ids of the documents that audience may read, in dossier order. Stored with the
    dossier's head (storage/dossier_package.py forms/<audience>.json) when the head is written
    and whenever a document changes it (`refresh_public_form`), so that an answer reads this
    alone: nothing that grows with the documents hidden from the audience, nothing of them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    audience: Role
    id: str
    code: str | None
    title: str | None
    organ_id: str | None
    fonds_code: str | None
    language: str
    reliability: str
    documents: tuple[str, ...]


def _members(dossier: Dossier, records: Iterable[Record]) -> list[Record]:
    """The records of `dossier`'s listed documents among `records`, in dossier order."""
    listed = {d.id: d.order for d in dossier.documents}
    mine = {r.id: r for r in records if r.id in listed and r.dossier and r.dossier.dossier == dossier.id}
    return sorted(mine.values(), key=lambda r: listed[r.id])


def public_forms(
    dossier: Dossier, records: Iterable[Record], kept: Mapping[str, DossierForm] | None = None
) -> dict[str, DossierForm]:
    """The form of `dossier` for each audience (`AUDIENCES`), from its documents' `records` as
    stored (any order). A masked audience's title and code are in public form (`public_text`),
    masked with the personal data EVERY document lists, hidden ones included, and with what the
    detector finds in them: the same whichever documents it may see. Without every document's
    record, they are not shown (None) to a masked audience: its values are unknown.

    A document whose content went to the secret hold lists no personal data any more (its
    catalogue row keeps no names): with one among `records`, a masked audience's title and code
    are its `kept` form's (the forms stored before), masked again with today's values, so that
    what was masked stays masked."""
    members = _members(dossier, records)
    complete = len(members) == len(dossier.documents)
    values = tuple(dict.fromkeys(v for r in members for v in values_of(r)))
    held = any(is_held(r) for r in members)
    forms = {}
    for audience in AUDIENCES:
        scope = scope_for(audience)
        title, code = dossier.title, dossier.code
        before = (kept or {}).get(audience)
        if scope.masked and held and before is not None:
            title, code = public_text(before.title, values), public_text(before.code, values)
        elif scope.masked and complete:
            title, code = public_text(title, values), public_text(code, values)
        elif scope.masked:
            title, code = None, None
        forms[audience] = DossierForm(
            audience=audience,
            id=dossier.id,
            code=code,
            title=title,
            organ_id=dossier.organ_id,
            fonds_code=dossier.fonds_code,
            language=dossier.language,
            reliability=dossier.reliability,
            documents=tuple(r.id for r in members if class_served(r) in scope.classes),
        )
    return forms


def public_form_files(
    dossier: Dossier, records: Iterable[Record], kept: Mapping[str, DossierForm] | None = None
) -> dict[str, bytes]:
    """`public_forms` as the files the dossier's head keeps (audience -> JSON bytes), to give
    to storage.dossier_package `write_dossier_package` / `update_dossier`."""
    forms = public_forms(dossier, records, kept)
    return {audience: json_bytes(form.model_dump(mode="json")) for audience, form in forms.items()}


REFRESHED = VersionInfo("public form refreshed: a document of the dossier changed", SYSTEM)


def refresh_public_form(store: ObjectStore, dossier_id: str, info: VersionInfo | None = None) -> int | None:
    """Compute the dossier's public forms again from its head and its documents as stored now,
    and write those that changed as the head's next version (`info`: who, when, why; by default
    sohoa, "public form refreshed"). Call it once a document's new version is committed (a
    review, a reprocess) and after converting a dossier. Returns the head's new version number,
    or None when nothing changed (no version written). NotFound unless the dossier is committed."""
    dossier = read_dossier(store, dossier_id)
    records = []
    for document in dossier.documents:
        try:
            records.append(read_record(store, document.id, with_words=False))
        except (NotFound, ValueError):  # withdrawn or unreadable: the masked text is not shown
            log.warning("dossier %s: document %s unreadable for its public form", dossier_id, document.id)
    files = public_form_files(dossier, records, stored_forms(store, dossier_id))
    version = write_dossier_forms(store, dossier_id, files, info or REFRESHED)
    if version is not None:
        log.info("dossier %s: public form refreshed as v%d", dossier_id, version)
    return version


VERIFIER = User("sohoa verify", "urn:sohoa:software")
HEALED = VersionInfo(
    "public form refreshed by verify: a document of the dossier changed without its refresh "
    "(a review or reprocess interrupted between the two commits)",
    VERIFIER,
)


@dataclass
class FormsSweep:
    """What `refresh_all_public_forms` did: dossiers looked at, those whose forms it rewrote
    (id -> the head's new version), those it could not (id -> why), those left alone."""

    dossiers: int = 0
    refreshed: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "dossiers": self.dossiers,
            "refreshed": self.refreshed,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def refresh_all_public_forms(
    store: ObjectStore, info: VersionInfo | None = None, *, skip: Collection[str] = ()
) -> FormsSweep:
    """`refresh_public_form` on every committed dossier: the archive healing itself after a
    process died between a document's commit and its dossier's refresh (a newly listed name in
    a title would otherwise stay unmasked in the public form until the next refresh). `sohoa
    verify` (flows/verify.py) runs it on every scheduled fixity check, not only under
    `--repair`: it is safe to run at any time because a form is computed from the documents as
    committed now and can show nothing their own classes and personal-data lists do not already
    allow (a document listed only if its class is served to that audience, the title masked
    with every document's values; a document unreadable counts as unknown, so a masked title is
    withheld): it can only bring the form to what the records say, never more open than they
    are. Idempotent: a dossier whose forms are current gets no version. Transient store errors
    propagate (the caller retries); any other error on one dossier is noted and the sweep goes on.
    One writer per object: a review refreshing the same dossier at the very same moment is the
    race any two writers of one head have (the store has no compare-and-swap). `skip`: dossier
    ids left alone (verify passes those whose object it found damaged: no version is added to a
    damaged object without a person)."""
    sweep = FormsSweep()
    for dossier_id in iter_dossier_ids(store):
        sweep.dossiers += 1
        if dossier_id in skip:
            sweep.skipped.append(dossier_id)
            continue
        try:
            version = refresh_public_form(store, dossier_id, info or HEALED)
        except Transient:
            raise
        except (SohoaError, ValueError, OSError) as exc:
            log.error("dossier %s: public form not refreshed: %s", dossier_id, exc)
            sweep.failed[dossier_id] = str(exc)
            continue
        if version is not None:
            sweep.refreshed[dossier_id] = version
    return sweep


def stored_forms(store: ObjectStore, dossier_id: str) -> dict[str, DossierForm]:
    """The forms the dossier's head holds now, by audience (none for a head written without
    them: converted from the old layout)."""
    forms = {}
    for audience in AUDIENCES:
        try:
            forms[audience] = load_form(store, dossier_id, audience)
        except NotFound:
            continue
    return forms


def load_form(store: ObjectStore, dossier_id: str, audience: str) -> DossierForm:
    """The dossier's stored form for `audience` (its one file read). NotFound when the dossier is
    not committed, has no such form or holds one that cannot be read."""
    try:
        form = DossierForm.model_validate_json(read_dossier_form(store, dossier_id, audience))
    except ValueError as exc:  # a pydantic ValidationError, or not an audience's name
        raise NotFound(f"dossier {dossier_id}: no readable form for {audience}: {exc}") from None
    if form.id != dossier_id or form.audience != audience:
        raise NotFound(f"dossier {dossier_id}: its {audience} form names {form.id} for {form.audience}")
    return form
