"""How far to trust one page's OCR: a score from 0 to 1 and the reasons to have a person look.

Three signals: the engine's mean word confidence, the share of words that are well-formed
Vietnamese syllables (`ocr.syllables`: garbage from stains, seals, signatures or a page read
upside down is not), and how sure the orientation was. Also which words are noise to drop:
low-confidence tokens that are neither syllables, numbers nor notations (Tesseract's reading of
a signature scribble or a rule line).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ocr.syllables import token_kind
from schemas import Word

__all__ = [
    "MIN_SYLLABLE_SHARE",
    "REVIEW_CONFIDENCE",
    "PageQuality",
    "assess_page",
    "is_noise_word",
    "syllable_share",
]

# Mean word confidence under which a page is sent to a person for review.
REVIEW_CONFIDENCE = 60.0
# Share of judged words that must be Vietnamese syllables (clean pages here: 0.98-1.0).
MIN_SYLLABLE_SHARE = 0.85
# Fewer judged words than this and the share says nothing (a page with a signature block only).
_MIN_JUDGED = 8
# Noise words: below these confidences, a token that is no syllable / only symbols is dropped.
_NOISE_CONFIDENCE = 40.0
_SYMBOL_CONFIDENCE = 60.0
_PUNCTUATION = {"-", "–", "—", "+", "*", "•", ".", ",", ";", ":", "(", ")", "/.", "./.", "...", "…"}


@dataclass(frozen=True)
class PageQuality:
    score: float  # 0-1: the weaker of mean confidence / 100 and the syllable share
    confidence: float  # mean word confidence, 0-100
    syllable_share: float | None  # None when too few words to judge
    reasons: list[str] = field(default_factory=list)  # empty: no review needed


def is_noise_word(word: Word) -> bool:
    """A word that is most likely not text: symbols only, or an unreadable token, read with low
    confidence (never a syllable, a number or a notation)."""
    text = word.text.strip()
    if not any(c.isalnum() for c in text):
        return text not in _PUNCTUATION and word.confidence < _SYMBOL_CONFIDENCE
    return word.confidence < _NOISE_CONFIDENCE and token_kind(text) == "invalid"


def syllable_share(words: Iterable[Word]) -> tuple[float | None, int]:
    """(share of judged tokens that are syllables, number judged); share None under 8 judged."""
    kinds = [token_kind(word.text) for word in words]
    judged = sum(1 for kind in kinds if kind != "other")
    if judged < _MIN_JUDGED:
        return None, judged
    return sum(1 for kind in kinds if kind == "syllable") / judged, judged


def assess_page(words: list[Word], text: str, orientation_doubts: Iterable[str] = ()) -> PageQuality:
    """Score a page and list what a reviewer should know (pure)."""
    confidence = sum(word.confidence for word in words) / len(words) if words else 0.0
    share, _ = syllable_share(words)
    reasons = list(orientation_doubts)
    if not text.strip():
        reasons.append("no text recognised")
    else:
        if confidence < REVIEW_CONFIDENCE:
            reasons.append(f"low OCR confidence ({confidence:.0f} < {REVIEW_CONFIDENCE:.0f})")
        if share is not None and share < MIN_SYLLABLE_SHARE:
            reasons.append(f"only {share:.0%} of words are Vietnamese syllables (< {MIN_SYLLABLE_SHARE:.0%})")
    score = min(confidence / 100, share if share is not None else 1.0)
    return PageQuality(round(min(max(score, 0.0), 1.0), 4), confidence, share, reasons)
