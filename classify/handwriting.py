"""Was a field of the printed form filled in by hand? Then it is not read as fact.

The số and the day are often written by hand into 'Số: …/KH-UBND' and 'ngày … tháng 5 năm
2019' when the document is registered. A hand's digits come out of the engine as a low-
confidence word, or as a word taller than the print around it; a guess from them ('115'
stored as 445) is worse than an empty field flagged for review. Plain text without word
boxes (ground truth, a born-digital PDF) carries no such evidence and is trusted.
"""

from __future__ import annotations

from classify.layout import Line, Token

__all__ = [
    "DAY_MIN_CONFIDENCE",
    "GLUED_MIN_CONFIDENCE",
    "GLUED_OTHERS",
    "MIN_CONFIDENCE",
    "MAX_DROP",
    "MAX_HEIGHT",
    "hand_filled",
]

# Tuned on the tuning split of the corpus generator and ../shared/corpus (word confidence of the
# number's word, number right/wrong): printed numbers misread as other numbers came at 0.30 and
# 0.45, right ones from 0.18 up (three below 0.5); a hand's digits at 1.5-1.9x the median word
# height, most often with strokes that are no digit at all ('\\527', '+7 3', 'o'), which the parsers
# refuse anyway; printed digits-only words at 0.8-1.3x. A wrong number is worse than an empty one,
# so the confidence floor stands above both wrong reads. Printed days (72 pages) were all right
# from 0.43 up; a hand's days stood at 1.5-1.7x the print or were no digits at all.
MIN_CONFIDENCE = 0.5  # engine word confidence (0-1) below which a number is not trusted
# ... a number glued to a ký hiệu read without repair, on a line otherwise read surely (see
# classify.extract._sure_notation): tuning split, singles and dossiers.
GLUED_MIN_CONFIDENCE = 0.25
GLUED_OTHERS = 0.9
DAY_MIN_CONFIDENCE = 0.4  # ... and a day
MAX_HEIGHT = 1.45  # height of a digits-only word / the page's median word height: above, not print
# Printed digits of one line share their baseline; a hand's digits written into the line do not
# (tuning split dossiers: a hand's day 0.8 word heights below the printed month and year).
MAX_DROP = 0.35  # word heights between a digits-only word's foot and the line's printed digits'


def _tokens(line: Line, span: tuple[int, int]) -> list[Token]:
    found: list[Token] = []
    for offset in (span[0], span[1] - 1):
        token = line.token_at(offset)
        if token is not None and token not in found:
            found.append(token)
    return found


def hand_filled(line: Line, span: tuple[int, int] | None, floor: float = MIN_CONFIDENCE) -> str | None:
    """Why the characters at `span` of `line.text` look hand-written (English), or None."""
    if span is None or not line.words:
        return None
    for token in _tokens(line, span):
        if token.confidence < floor:
            return f"engine confidence {token.confidence:.2f} on {token.text!r}"
        digits_only = token.text.strip(".,;:").isdigit()
        if digits_only and token.height > MAX_HEIGHT:
            return f"{token.text!r} is {token.height:.1f}x the height of the print"
        drop = _off_baseline(line, token) if digits_only else None
        if drop is not None:
            return f"{token.text!r} stands {drop:+.1f} word heights off the line's printed digits"
    return None


def _off_baseline(line: Line, token: Token) -> float | None:
    """How far `token` stands from the baseline the line's other digits-only words share, when
    they share one (two or more of them within MAX_DROP of each other) and it is off it."""
    if token.base is None:
        return None
    others = [t.base for t in line.words if t is not token and t.base is not None and _digits(t.text)]
    if len(others) < 2 or max(others) - min(others) > MAX_DROP:
        return None
    drop = token.base - sum(others) / len(others)
    return drop if abs(drop) > MAX_DROP else None


def _digits(text: str) -> bool:
    return text.strip(".,;:").isdigit()
