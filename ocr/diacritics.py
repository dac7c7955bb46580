"""Contextual diacritic correction: a word the engine is unsure of, read with the wrong marks
(khẩn -> khân, chống -> chông, vấn -> vân at low resolution), is replaced by the variant of the
same letters that the syllable model (vntext/syllable_lm.py) finds far likelier in its context.

Only words the engine is unsure of are looked at (confidence under UNSURE_BELOW); a variant
replaces the reading only when its score beats the reading's by MARGIN. A syllable's score is
log10 P(syllable | word before) + log10 P(word after | syllable) under the model's bigram estimate
(`SyllableModel.log_prob`): "khẩn cấp" is a known pair, "khân cấp" is not. The neighbours are the
words before and after in reading order, in the same block, unless punctuation stands between.
The thresholds were tuned on the tuning split of the generated corpus (its first 250 pages and
60 70-dpi variants, each correction counted right or wrong against the ground truth: 417 right,
12 wrong; 341 right, 4 wrong at 70 dpi; the next 251 pages held out: 344 right, 3 wrong).
How the neighbours are written decides which known pairs count (`_context`): between two
capitalised words (a person's or a place's name) only place names' pairs, so that "Đỗ Thị" is not
read "Đô Thị".
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Word
from vntext.syllable_lm import SyllableModel, active_model, syllable_key
from vntext.syllables import is_syllable

__all__ = ["LEARN_FROM", "Correction", "correct_diacritics", "learn_from_words"]

UNSURE_BELOW = 95.0  # engine confidence (0-100) under which a word may be replaced
MARGIN = 3.0  # log10 units the best variant must beat the reading by

LEARN_FROM = 95.0  # engine confidence from which a page's words teach the model their pairs

_OPENING = "([{\"'“‘«"
_CLOSING = ".,;:!?)]}\"'”’»…/"
_BREAK = ".,;:!?)]}…"  # punctuation after a word that ends its phrase


@dataclass(frozen=True)
class Correction:
    """One word replaced: where, what was read, what it became, and the score margin."""

    index: int
    read: str
    corrected: str
    confidence: float
    margin: float


def _core(text: str) -> tuple[str, str, str]:
    """('(khân,') -> ('(', 'khân', ','): leading punctuation, the letters, trailing punctuation."""
    start, end = 0, len(text)
    while start < end and text[start] in _OPENING:
        start += 1
    while end > start and text[end - 1] in _CLOSING:
        end -= 1
    return text[:start], text[start:end], text[end:]


def _with_case(model_form: str, read: str) -> str:
    """The variant written in the case the engine read: KHÂN -> KHẨN, Khân -> Khẩn."""
    if read.isupper() and len(read) > 1:
        return model_form.upper()
    if read[:1].isupper():
        return model_form[:1].upper() + model_form[1:]
    return model_form


@dataclass(frozen=True)
class _Slot:
    """A word as context: the syllable it reads as and how it is written (lower, title, upper)."""

    syllable: str
    case: str


def _case(core: str) -> str:
    if core.isupper() and len(core) > 1:
        return "upper"
    return "title" if core[:1].isupper() else "lower"


def _slot(core: str) -> _Slot | None:
    if not core or not is_syllable(core):
        return None
    return _Slot(syllable_key(core), _case(core))


def _neighbours(
    words: list[Word], cores: list[tuple[str, str, str]], index: int
) -> tuple[_Slot | None, _Slot | None]:
    """The words before and after a word in its phrase (same block, no punctuation between)."""
    lead, _, trail = cores[index]
    block = words[index].block
    before = after = None
    if index > 0 and not lead and words[index - 1].block == block:
        _, core, previous_trail = cores[index - 1]
        if not previous_trail:
            before = _slot(core)
    if index + 1 < len(cores) and not any(c in _BREAK for c in trail) and words[index + 1].block == block:
        next_lead, core, _ = cores[index + 1]
        if not next_lead:
            after = _slot(core)
    return before, after


def _score(model: SyllableModel, word: _Slot, before: _Slot | None, after: _Slot | None) -> float:
    """log10 P(word | before) + log10 P(after | word), a pair counted only when written as a pair
    may be (see `_context`)."""
    previous, kind = _context(before, word)
    score = model.log_prob(word.syllable, previous, kind=kind)
    if after is not None:
        previous, kind = _context(word, after)
        score += model.log_prob(after.syllable, previous, kind=kind)
    return score


def _context(first: _Slot | None, second: _Slot) -> tuple[str | None, str]:
    """The syllable `second` is conditioned on, and which known pairs count, by how the two are
    written: a word does not run from a lower-case syllable into a capitalised one; two
    capitalised ones (Đỗ Thị, Thanh Hóa) are a name, a place name's pairs count, not the words'
    ("đô thị"); a heading in capitals may hold either."""
    if first is None or (first.case == "lower" and second.case != "lower"):
        return None, "words"
    if first.case == "upper" and second.case == "upper":
        return first.syllable, "any"
    if first.case != "lower" and second.case == "title":
        return first.syllable, "names"
    return first.syllable, "words"


def correct_diacritics(
    words: list[Word], model: SyllableModel | None = None
) -> tuple[list[Word], list[Correction]]:
    """The words (reading order) with the unsure ones the model is confident about corrected,
    and the corrections made. Pure: the words given are not changed. `model` None: the process's
    `vntext.syllable_lm.active_model()` (the shipped model, grown by the archive's learned
    counts when the application set them)."""
    model = model or active_model()
    cores = [_core(word.text) for word in words]
    out = list(words)
    corrections: list[Correction] = []
    for index, word in enumerate(words):
        if word.confidence >= UNSURE_BELOW:
            continue
        core = cores[index][1]
        slot = _slot(core)
        if slot is None:
            continue
        variants = [v for v in model.variants(slot.syllable) if v != slot.syllable]
        if not variants:
            continue
        before, after = _neighbours(words, cores, index)
        reading = _score(model, slot, before, after)
        scores = {v: _score(model, _Slot(v, slot.case), before, after) for v in variants}
        best = max(variants, key=lambda v: (scores[v], v))
        margin = scores[best] - reading
        if margin < MARGIN:
            continue
        lead, _, trail = cores[index]
        corrected = _with_case(best, core)
        out[index] = word.model_copy(update={"text": lead + corrected + trail})
        corrections.append(Correction(index, word.text, out[index].text, word.confidence, round(margin, 2)))
    return out, corrections


def learn_from_words(words: list[Word], model: SyllableModel, min_confidence: float = LEARN_FROM) -> int:
    """Grow `model` from a page read with high confidence: the syllable pairs of its words
    (reading order, one block at a time) whose confidences are both at least `min_confidence`;
    a word under it breaks the chain. Returns the pairs counted."""
    lines: list[list[str]] = []
    current: list[str] = []
    block = None
    for word in words:
        if word.confidence < min_confidence or word.block != block:
            if current:
                lines.append(current)
            current = []
            block = word.block
        if word.confidence >= min_confidence:
            current.append(word.text)
    if current:
        lines.append(current)
    return model.learn(lines)
