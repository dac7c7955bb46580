"""What `classify.extract.extract` returns beside schemas.Metadata: the evidence behind each
field, the header as printed, every signer with its title lines and page, the marks found."""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas import IncomingStamp, Metadata

__all__ = ["Evidence", "Extraction", "MarkFound", "SignerFound"]


class Evidence(BaseModel):
    text: str
    page: int | None = None


class SignerFound(BaseModel):
    name: str
    authority: str | None = None
    position: str | None = None
    on_behalf_of: str | None = None
    title_lines: list[str] = Field(default_factory=list)
    page: int | None = None


class MarkFound(BaseModel):
    kind: str  # secrecy, urgency, circulation, declassified
    value: str
    page: int
    evidence: str
    confidence: float
    standalone: bool = True


class Extraction(BaseModel):
    metadata: Metadata
    notation_form: str | None = None  # typed, cong_van, normative
    title: str | None = None  # the title line as printed ("QUYẾT ĐỊNH")
    header_left: list[str] = Field(default_factory=list)
    addressees: list[str] = Field(default_factory=list)
    signers: list[SignerFound] = Field(default_factory=list)
    incoming: IncomingStamp | None = None
    marks: list[MarkFound] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(default_factory=dict)
