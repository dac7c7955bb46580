"""A dossier (hồ sơ) scan cut into its documents: each page's role, each boundary's evidence.

`classify.segment.segment_dossier` makes a `Segmentation` from the pages of one scan (dossier
intake, its review and the catalogues, issue 15, are still to be built on it). Page numbers are
the 1-based positions in the scan file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    "attachment",  # 'DỰ THẢO', 'Bản sao', a form attached: stays with its document
    "continuation_text",  # the page goes on with the sentence the page before left open
    "previous_ended",  # the page before closed its document (signature, 'Nơi nhận', './.')
    "previous_open",  # the page before did not close its document
    "after_blank",  # a blank separator sheet stands before the page
    "blank",  # no text on the page
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
