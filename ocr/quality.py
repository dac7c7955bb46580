"""How far to trust one page's OCR: a score from 0 to 1 and the reasons to have a person look.

Signals: the engine's mean word confidence, the share of words that are well-formed
Vietnamese syllables (`vntext.syllables`: garbage from stains, seals, signatures or a page read
upside down is not), the share of the text in unsure or malformed words, the share of the
engine's tokens dropped as noise (`ocr.wordfilter`: where specks were read, letters were lost),
and how sure the orientation was. A page mostly unsure and mostly noise is unreadable: it is
flagged with the Vietnamese reason `UNREADABLE_REASON`, and keeps only the words that passed
the filter (no invented text). Last, the share of the page's lettering that no kept word
holds (`ocr.coverage`): text the engine skipped leaves no trace in the words. It is measured on
the page as cleaned and on the page as scanned: what the clean-up itself erased shows only on
the latter. A page with print on it and no word read is unreadable too (`INK_WITHOUT_WORDS`),
not a blank sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas import Word
from vntext.syllables import token_kind

__all__ = [
    "MIN_SYLLABLE_SHARE",
    "REVIEW_CONFIDENCE",
    "INK_WITHOUT_WORDS",
    "UNREADABLE_REASON",
    "PageQuality",
    "assess_page",
    "syllable_share",
]

# Mean word confidence under which a page is sent to a person for review.
REVIEW_CONFIDENCE = 60.0
# Share of judged words that must be Vietnamese syllables (clean pages here: 0.98-1.0).
MIN_SYLLABLE_SHARE = 0.85
# Fewer judged words than this and the share says nothing (a page with a signature block only).
_MIN_JUDGED = 8
# A word is suspect when it is no syllable/number/notation or read less sure than this.
_SUSPECT_CONFIDENCE = 60.0
# A page is flagged when this share of its text is suspect, or this share of what the engine
# gave was noise (with at least _MIN_DROPPED tokens dropped): where specks were read, letters
# were lost. Measured on pages of known text: every page over 10 % CER is above one of them.
MAX_SUSPECT_SHARE = 0.15
MAX_NOISE_SHARE = 0.15
# Share of the page's letter-sized ink outside every kept word over which a page is flagged.
MAX_UNREAD_SHARE = 0.15
# The three shares together over which a page is flagged when none alone is over its limit
# (tuning pages: every page over 10 % CER at 0.24 or more, pages under it at 0.16 or less).
MAX_DOUBT = 0.2
_MIN_DROPPED = 8
# Unreadable: this much of the text suspect and this much of the reading noise.
_UNREADABLE_SUSPECT = 0.3
_UNREADABLE_NOISE = 0.5
# The review reason of a page that cannot be read (Vietnamese: shown to archive staff).
UNREADABLE_REASON = "trang không đọc được"
# ... and why, when the page has print on it but not one word was read (shown after it).
INK_WITHOUT_WORDS = "trang có chữ in nhưng không nhận dạng được từ nào"
# The share of the print on the page as scanned that no word holds counts from this share on:
# under it the page's seals, stamps and specks may account for it (tuning pages read well: at
# most 0.21 as scanned; a page whose text the clean-up erased: 1.0).
MIN_SCANNED_UNREAD = 0.5


@dataclass(frozen=True)
class PageQuality:
    score: float  # 0-1: the weaker of mean confidence / 100 and the syllable share
    confidence: float  # mean word confidence, 0-100
    syllable_share: float | None  # None when too few words to judge
    reasons: list[str] = field(default_factory=list)  # empty: no review needed
    unreadable: bool = False  # the page could not be read (reason UNREADABLE_REASON)
    noise_share: float = 0.0  # tokens dropped as noise / tokens the engine gave
    suspect_share: float = 0.0  # characters in suspect words / characters in words


def syllable_share(words: Iterable[Word]) -> tuple[float | None, int]:
    """(share of judged tokens that are syllables, number judged); share None under 8 judged."""
    kinds = [token_kind(word.text) for word in words]
    judged = sum(1 for kind in kinds if kind != "other")
    if judged < _MIN_JUDGED:
        return None, judged
    return sum(1 for kind in kinds if kind == "syllable") / judged, judged


def suspect_share(words: list[Word]) -> float:
    """Share of the characters of `words` in words that are invalid or read unsure (pure)."""
    total = sum(len(w.text) for w in words)
    suspect = sum(
        len(w.text) for w in words if w.confidence < _SUSPECT_CONFIDENCE or token_kind(w.text) == "invalid"
    )
    return suspect / total if total else 0.0


def assess_page(
    words: list[Word],
    text: str,
    orientation_doubts: Iterable[str] = (),
    *,
    dropped: int = 0,
    unread: float = 0.0,
    scanned_unread: float = 0.0,
) -> PageQuality:
    """Score a page and list what a reviewer should know (pure). `dropped`: tokens the engine
    gave that were dropped as noise; `unread`: share of the page's lettering outside every kept
    word (`ocr.coverage.unread_share`), `scanned_unread` the same on the page as scanned
    (`scanned_unread_share`; counted from MIN_SCANNED_UNREAD)."""
    if scanned_unread >= MIN_SCANNED_UNREAD:
        unread = max(unread, scanned_unread)
    noise = dropped / (dropped + len(words)) if dropped else 0.0
    suspect = suspect_share(words)
    confidence = sum(word.confidence for word in words) / len(words) if words else 0.0
    share, _ = syllable_share(words)
    doubts = list(orientation_doubts)
    reasons = list(doubts)
    ink_without_words = not text.strip() and unread >= MIN_SCANNED_UNREAD
    if ink_without_words:
        reasons += [UNREADABLE_REASON, INK_WITHOUT_WORDS]
    elif not text.strip():
        reasons.append("no text recognised")
    else:
        if confidence < REVIEW_CONFIDENCE:
            reasons.append(f"low OCR confidence ({confidence:.0f} < {REVIEW_CONFIDENCE:.0f})")
        elif share is not None and share < MIN_SYLLABLE_SHARE:
            reasons.append(f"only {share:.0%} of words are Vietnamese syllables (< {MIN_SYLLABLE_SHARE:.0%})")
        elif suspect >= MAX_SUSPECT_SHARE:
            reasons.append(f"{suspect:.0%} of the text read unsure (>= {MAX_SUSPECT_SHARE:.0%})")
        if noise >= MAX_NOISE_SHARE and dropped >= _MIN_DROPPED:
            reasons.append(f"{noise:.0%} of what was read was noise (>= {MAX_NOISE_SHARE:.0%})")
    if unread >= MAX_UNREAD_SHARE and not ink_without_words:
        reasons.append(f"{unread:.0%} of the lettering was not read (>= {MAX_UNREAD_SHARE:.0%})")
    doubt = suspect + noise + unread
    if text.strip() and len(reasons) == len(doubts) and doubt >= MAX_DOUBT:
        reasons.append(
            f"{doubt:.0%} of the page in doubt (unsure {suspect:.0%}, noise {noise:.0%}, "
            f"unread {unread:.0%}; >= {MAX_DOUBT:.0%})"
        )
    unreadable = bool(text.strip()) and suspect >= _UNREADABLE_SUSPECT and noise >= _UNREADABLE_NOISE
    if unreadable:
        reasons.insert(0, UNREADABLE_REASON)
    unreadable = unreadable or ink_without_words
    score = min(confidence / 100, share if share is not None else 1.0, 1 - noise, 1 - unread)
    return PageQuality(
        round(min(max(score, 0.0), 1.0), 4),
        confidence,
        share,
        reasons,
        unreadable,
        round(noise, 4),
        round(suspect, 4),
    )
