"""A record's near-duplicate fingerprint: first-page image hashes, text MinHash, identity.

Computed once at ingest (after OCR and classification) and stored in the record package as
`fingerprint.json`, so the lookup (dedup/lookup.py) can always be rebuilt from storage.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, Field

from dedup.imagehash import ImageHashes, page_hashes
from dedup.texthash import minhash, shingles, tokens
from ocr import detect_media_type, iter_pages
from schemas import Metadata, Page
from storage.layout import FINGERPRINT_FILE  # its name in the record package, re-exported
from vntext.normalise import folded_key

__all__ = [
    "FINGERPRINT_FILE",
    "FINGERPRINT_VERSION",
    "Fingerprint",
    "fingerprint",
    "fingerprint_file",
    "first_page_image",
]

FINGERPRINT_VERSION = 1
_NOT_ALNUM = re.compile(r"[\W_]+")


class Fingerprint(BaseModel):
    """What two records are compared by. Hashes are hex strings (bit i = bit i of the int)."""

    version: int = FINGERPRINT_VERSION
    phash: str
    dhash: str
    ink: float = Field(ge=0, le=1, description="Dark share of the first page; 0 when blank")
    shingles: int = Field(ge=0, description="Distinct word bigrams in the text")
    minhash: list[int] = Field(default_factory=list)
    code: str | None = Field(default=None, description="Folded number/notation, e.g. '2154/qd-ubnd'")
    date: dt.date | None = None

    @property
    def phash_int(self) -> int:
        return int(self.phash, 16)

    @property
    def dhash_int(self) -> int:
        return int(self.dhash, 16)

    def to_json(self) -> bytes:
        return (self.model_dump_json(indent=None) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Fingerprint:
        return cls.model_validate(json.loads(data))


def _code(metadata: Metadata) -> str | None:
    """'2154' + 'QĐ-UBND' -> '2154/qd-ubnd'; None unless both parts were read."""
    if not metadata.number or not metadata.notation:
        return None
    number = metadata.number.strip().lstrip("0") or "0"
    notation = "-".join(p for p in _NOT_ALNUM.split(folded_key(metadata.notation)) if p)
    return f"{number}/{notation}" if notation else None


def fingerprint(
    pages: Sequence[Page], first_page: Image.Image | ImageHashes, metadata: Metadata
) -> Fingerprint:
    """The fingerprint of a record from its OCR'd pages, its metadata and its first page: the
    image as loaded (before turning upright), or its page_hashes() taken while it was at hand."""
    if not pages:
        raise ValueError("a record without pages has no fingerprint")
    if isinstance(first_page, ImageHashes):
        hashes = first_page
    else:
        hashes = page_hashes(first_page, pages[0].orientation)
    bigrams = shingles(tokens("\n".join(page.text for page in pages)))
    return Fingerprint(
        phash=f"{hashes.phash:x}",
        dhash=f"{hashes.dhash:x}",
        ink=round(hashes.ink, 6),
        shingles=len(bigrams),
        minhash=minhash(bigrams),
        code=_code(metadata),
        date=metadata.date,
    )


def first_page_image(path: Path, *, max_pixels: int) -> Image.Image:
    """The first page of a scan file, loaded again (ocr.load; BadInput if it cannot be)."""
    path = Path(path)
    pages = iter_pages(path, detect_media_type(path), max_pixels=max_pixels)
    try:
        return next(pages).image
    finally:
        pages.close()


def fingerprint_file(
    path: Path, pages: Sequence[Page], metadata: Metadata, *, max_pixels: int
) -> Fingerprint:
    """fingerprint() for a file whose page images are no longer at hand (renders page 1 again)."""
    return fingerprint(pages, first_page_image(path, max_pixels=max_pixels), metadata)
