"""Finding a secret's phrases in files, in every form an index or a file name may keep them:
NFC, NFD, folded (no diacritics) and lower case, matched against the bytes and their lower case."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from vntext.normalise import fold

__all__ = ["forms", "leaks"]


def forms(phrase: str) -> set[bytes]:
    nfc = unicodedata.normalize("NFC", phrase)
    kept = {nfc, unicodedata.normalize("NFD", phrase), fold(nfc), fold(nfc).lower(), nfc.lower()}
    return {form.encode() for form in kept}


def leaks(folder: Path, phrases: Iterable[str]) -> list[tuple[str, str]]:
    """(file, phrase) for every file under `folder` holding a form of one of `phrases`."""
    wanted = [(phrase, forms(phrase)) for phrase in phrases]
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        data = path.read_bytes()
        lower = data.lower()
        found += [(str(path), phrase) for phrase, fs in wanted if any(f in data or f in lower for f in fs)]
    return found
