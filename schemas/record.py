"""The archival record: one original file, its pages, metadata and classification."""

from __future__ import annotations

import datetime as dt
import hashlib
from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

from schemas.page import Page

NO_SUBJECT = "(không có trích yếu)"  # in the title of a record whose subject is not known
AccessClass = Literal["public", "conditional", "not_accessible", "undetermined"]
ACCESS_CLASSES: tuple[AccessClass, ...] = get_args(AccessClass)  # in this order wherever listed


def utcnow() -> datetime:
    return datetime.now(UTC)


class Signer(BaseModel):
    authority: str | None = None  # TM. / KT. / TL. / TUQ. / Q.
    on_behalf_of: str | None = None  # e.g. "CHỦ TỊCH" after "KT."
    position: str | None = None
    position_canonical: str | None = None  # "Phó Chủ tịch" for a printed "PHÓ CHỦ TỊCH" (or "HỦ TỊCH")
    name: str | None = None


class IncomingStamp(BaseModel):
    """The "ĐẾN Số: … Ngày: …" stamp a receiving office puts on an incoming document."""

    number: str | None = None
    date: dt.date | None = None
    page: int | None = None


class PersonalData(BaseModel):
    kind: str  # cccd, cmnd, phone, dob, address, passport ...
    value: str
    page: int | None = None


class Metadata(BaseModel):
    """Metadata read from the document (filled by the classification step)."""

    number: str | None = None  # "2154"
    notation: str | None = None  # "QĐ-UBND"
    doc_type: str | None = None  # "Quyết định"
    # Issuer and parent: the canonical name when it could be established, else the name as
    # read; `*_printed` keeps the name as read from the paper (tên trên văn bản) beside it.
    issuer: str | None = None
    issuer_printed: str | None = None
    parent_issuer: str | None = None
    parent_issuer_printed: str | None = None
    # The issuer's province as named on the document's date, and the province it lies in
    # today (34 provinces from 1 July 2025): "Vĩnh Phúc" / "Phú Thọ".
    province: str | None = None
    province_present: str | None = None
    place: str | None = None
    date: dt.date | None = None
    # "2019-05" when only the month and year are printed (the day written by hand or unreadable).
    date_partial: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2})?$")
    subject: str | None = None
    signer: Signer | None = None
    signers: list[Signer] = Field(default_factory=list)  # every signer (a biên bản has two)
    addressees: list[str] = Field(default_factory=list)  # "Kính gửi" lines
    recipients: list[str] = Field(default_factory=list)  # "Nơi nhận" entries
    incoming: IncomingStamp | None = None
    secrecy: str | None = None
    urgency: str | None = None
    personal_data: list[PersonalData] = Field(default_factory=list)
    confidence: dict[str, float] = Field(default_factory=dict)
    # Why a field was left empty or kept as read (Vietnamese, shown on the record page).
    review: list[str] = Field(default_factory=list)


class Decision(BaseModel):
    """One rule that fired, what it decided and the evidence for it."""

    rule: str
    outcome: str
    tag: Literal["P", "T", "M"] | None = None  # confidence of the legal fact behind the rule
    basis: str = ""  # the legal text the rule encodes
    evidence: str = ""
    page: int | None = None
    confidence: float = 1.0


class Classification(BaseModel):
    """Access class and retention, each decision naming its rule and evidence."""

    access: AccessClass = "undetermined"
    retention: str | None = None
    protect_until: dt.date | None = None
    decisions: list[Decision] = Field(default_factory=list)
    needs_review: bool = True
    review_reasons: list[str] = Field(default_factory=list)
    rules_version: str | None = None


class Event(BaseModel):
    """One processing step in a record's provenance log (the PREMIS idea, kept simple)."""

    step: str  # e.g. "ingest", "ocr", "classify", "store", "index", "review"
    tool: str  # e.g. "tesseract", "sohoa"
    tool_version: str = ""
    parameters: dict[str, object] = Field(default_factory=dict)
    outcome: str = "ok"
    detail: str = ""
    at: datetime = Field(default_factory=utcnow)
    seconds: float = 0.0


class DossierLink(BaseModel):
    """Where a document of a dossier (hồ sơ) sits in it: the dossier's id and mã hồ sơ, the
    document's order (số thứ tự văn bản trong hồ sơ) and the scan pages it was cut from (its own
    pages are numbered 1..n; `pages[n-1]` is page n's page in the dossier scan)."""

    dossier: str
    code: str | None = None
    order: int = Field(ge=1)
    pages: list[int] = Field(min_length=1)

    @property
    def first(self) -> int:
        return self.pages[0]

    @property
    def last(self) -> int:
        return self.pages[-1]


class Record(BaseModel):
    """One ingested original file, or one document cut from a dossier scan (`dossier` set: its
    original is the dossier's, kept once in the dossier package). `id` derives from the sha256
    of the original bytes (for a document: of the dossier's id and its scan pages)."""

    id: str
    source: str = Field(description="Original file name as received")
    sha256: str
    size: int
    media_type: str
    page_count: int
    pages: list[Page] = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=Metadata)
    classification: Classification = Field(default_factory=Classification)
    batch: str | None = None
    dossier: DossierLink | None = None
    events: list[Event] = Field(default_factory=list)
    ingested_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)

    @property
    def title(self) -> str:
        """A human title: the type, number and subject (trích yếu) as far as they are known. Never
        the source file name: the office's name for a scan may name a person, and the title is
        indexed and shown to the public."""
        meta = self.metadata
        head = " ".join(x for x in (meta.doc_type, meta.number and f"số {meta.number}") if x)
        if meta.subject:
            return f"{head}: {meta.subject}" if head else meta.subject
        return f"{head or 'Tài liệu'} {NO_SUBJECT}"


def record_id_for(sha256: str) -> str:
    """The record id for an original file: the first 32 hex digits of its sha256."""
    return sha256[:32]


def document_id_for(dossier_sha256: str, pages: list[int]) -> str:
    """The record id of the document made of these scan pages of a dossier, from the dossier's
    whole content hash (its id shows only the first half: nobody can work out the ids of a
    dossier's other documents from what they are shown). The same pages give the same id (a
    re-run is idempotent); moved boundaries give a new one."""
    text = f"{dossier_sha256}:{','.join(str(n) for n in pages)}"
    return record_id_for(hashlib.sha256(text.encode()).hexdigest())
