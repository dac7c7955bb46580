"""A dossier (hồ sơ): its scan cut into documents, each page's role, each boundary's evidence,
and the dossier record kept beside its documents' records.

`classify.segment.segment_dossier` makes a `Segmentation` from the pages of one scan;
application/dossier_intake.py makes the `Dossier` and one `Record` per document from it. Page
numbers are 1-based positions in the dossier scan (all its files, in order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.page import Page
from schemas.record import Event, utcnow

PageRole = Literal["start", "continuation", "blank"]

CueName = Literal[
    "motto",  # CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc
    "issuer",  # the issuing body's header lines, top left
    "number",  # the Số/ký hiệu line
    "title",  # the document-type title (QUYẾT ĐỊNH, BÁO CÁO, ...)
    "place_date",  # 'Hà Nội, ngày ... tháng ... năm ...' in the header
    "page_number",  # '2', '- 2 -', 'Trang 2/5' at the top or foot of the page
    "first_page_number",  # '1', 'Trang 1/5': the page opens a numbered document
    "appendix",  # 'PHỤ LỤC', '(Kèm theo ...)': stays with its document
    "attachment",  # 'DỰ THẢO', 'Mẫu số 02' at the top: an attached draft or form, part of its document
    "form_fields",  # fields left to fill ('Họ và tên: .....'): a blank form, attached
    "unissued",  # 'Số:' with no number and a date with no day: a draft not issued yet, attached
    "attached_to",  # the document before comes with an attachment: it says so, or a tờ trình
    "list_title",  # the page opens with a list's title (DANH SÁCH, DANH MỤC), no header
    "continuation_text",  # the page goes on with the sentence the page before left open
    "previous_ended",  # the page before closed its document (signature, 'Nơi nhận', './.')
    "previous_open",  # the page before did not close its document
    "after_blank",  # a blank separator sheet stands before the page
    "blank",  # no text on the page
    "blank_back",  # nothing read, and its document's text runs across it: the back of a sheet
    "unreadable",  # the page's lettering was partly not read: its role is unsure
    "reviewed",  # a person set the role (the cue's text says which)
]


class BoundaryCue(BaseModel):
    """One piece of evidence about a page: what was seen, where, and how much it weighs toward
    'this page starts a document' (log-odds; negative: toward 'it continues the one before')."""

    model_config = ConfigDict(frozen=True)

    cue: CueName
    weight: float
    text: str = ""
    page: int = Field(ge=1)


class PageSegment(BaseModel):
    """What one page of the scan is: the start of a document, a continuation, or a blank sheet."""

    number: int = Field(ge=1)
    role: PageRole
    confidence: float = Field(ge=0, le=1, description="How sure the role is, 0-1")
    review: bool = Field(default=False, description="Below the review threshold: a person decides")
    document: int | None = Field(default=None, description="Order of its document; None for a blank")
    cues: list[BoundaryCue] = Field(default_factory=list)


class DocumentSpan(BaseModel):
    """One document of the dossier: its order and its pages (blank sheets left out)."""

    order: int = Field(ge=1)
    pages: list[int]
    confidence: float = Field(ge=0, le=1, description="Of its first page being a start")
    review: bool = False

    @property
    def first(self) -> int:
        return self.pages[0]

    @property
    def last(self) -> int:
        return self.pages[-1]


class Segmentation(BaseModel):
    """A dossier scan cut into documents. `threshold`: confidences below it went to review."""

    pages: list[PageSegment]
    documents: list[DocumentSpan]
    threshold: float = Field(ge=0, le=1)

    @property
    def blank_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.role == "blank"]

    @property
    def review_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.review]


# Mức độ tin cậy (Circular 02/2019 §2.2): what a scanned paper dossier is.
Reliability = Literal["Số hóa", "Gốc điện tử", "Hỗn hợp"]


class DossierFile(BaseModel):
    """One file of a dossier's original, kept byte for byte in the dossier package."""

    name: str = Field(description="The file name as received (NFC)")
    sha256: str
    size: int = Field(ge=0)
    media_type: str
    first_page: int = Field(ge=1, description="The dossier scan page that is this file's page 1")
    page_count: int = Field(ge=0)
    order: int | None = Field(
        default=None, description="Số thứ tự văn bản from a per-document file name (<mã>.<0000001>.pdf)"
    )


class DossierDocument(DocumentSpan):
    """One document of the dossier: its record id, with its order and scan pages."""

    id: str


class Dossier(BaseModel):
    """The dossier record (hồ sơ): what the digitisation standard asks of a file, and how its scan
    was cut. Dates, retention, access and counts of its documents are read from their records
    (application/dossiers.py), for the role asking: a dossier never counts what a role may not see.
    """

    id: str
    code: str | None = Field(default=None, description="Mã hồ sơ")
    title: str | None = Field(default=None, description="Tiêu đề hồ sơ, as given at intake")
    organ_id: str | None = Field(default=None, description="Mã định danh cơ quan (SOHOA_ORGAN_ID)")
    fonds_code: str | None = Field(default=None, description="Mã phông (SOHOA_FONDS_CODE)")
    source: str = Field(description="The file or folder name as received (NFC)")
    sha256: str = Field(description="Of the files' sha256s in order: the dossier's content")
    files: list[DossierFile]
    page_count: int = Field(ge=0, description="Số lượng trang of the scan")
    pages: list[Page] = Field(default_factory=list, description="Every scan page as read (with its scan)")
    segmentation: Segmentation = Field(
        default_factory=lambda: Segmentation(pages=[], documents=[], threshold=0.0),
        description="How the scan was cut (with its scan; empty in a dossier read without it)",
    )
    documents: list[DossierDocument] = Field(default_factory=list)
    language: str = "Tiếng Việt"
    reliability: Reliability = "Số hóa"
    held: bool = Field(default=False, description="The original is in the secret hold, not the store")
    review_reasons: list[str] = Field(default_factory=list, description="Vietnamese, for the archivist")
    batch: str | None = None
    events: list[Event] = Field(default_factory=list)
    ingested_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
