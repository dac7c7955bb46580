"""Page-level OCR results: words with boxes and confidences, page text and quality."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Box(BaseModel):
    """A rectangle in ORIGINAL page pixel coordinates (origin top-left)."""

    model_config = ConfigDict(frozen=True)

    left: int
    top: int
    width: int
    height: int


class Word(BaseModel):
    """One recognised word, with where it stands on the page and how sure the engine is."""

    model_config = ConfigDict(frozen=True)

    text: str
    confidence: float = Field(ge=0, le=100, description="Engine confidence, 0-100")
    box: Box
    block: int = 0
    line: int = 0


class Page(BaseModel):
    """One page of a record after OCR. `number` is 1-based."""

    number: int = Field(ge=1)
    text: str = ""
    words: list[Word] = Field(default_factory=list)
    width: int = 0
    height: int = 0
    dpi: int | None = None
    orientation: int = Field(default=0, description="Clockwise degrees turned to upright")
    orientation_confidence: float | None = None
    skew: float = Field(default=0.0, description="Degrees of skew corrected before OCR")
    confidence: float = Field(default=0.0, ge=0, le=100, description="Mean word confidence")
    quality: float = Field(default=0.0, ge=0, le=1, description="Page quality score, 0-1")
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    unreadable: bool = Field(default=False, description="The page could not be read: text kept is partial")
