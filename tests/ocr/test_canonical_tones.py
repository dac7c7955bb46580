"""canonical_tones finds open oa/oe/uy syllables in the text itself; it must give exactly what the
earlier version gave, which searched a toneless copy of the text (kept here as the reference)."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vntext.normalise import _split_tone, _toneless, canonical_tones, nfc
from vntext.normalise import _tone_on_first as tone_on_first

GT = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "gt"

_SKELETON_SYLLABLE = re.compile(r"(?<![\wq])([^\W\d_]*?)(o[ae]|uy)(?!\w)", re.IGNORECASE)


class _ToneTable(dict[int, str]):
    def __missing__(self, code: int) -> str:
        value = self[code] = _toneless(chr(code))
        return value


_TONELESS = _ToneTable()


def reference_canonical_tones(text: str) -> str:
    """The earlier canonical_tones: match the syllables in a toneless skeleton of the text."""
    text = nfc(text)
    skeleton = text.translate(_TONELESS)
    out: list[str] | None = None
    for match in _SKELETON_SYLLABLE.finditer(skeleton):
        start, end = match.span()
        split = start + len(match.group(1))
        rewritten = tone_on_first(text[start:split], text[split:end])
        if rewritten != text[start:end]:
            out = out or list(text)
            out[start:end] = rewritten
    return text if out is None else "".join(out)


@functools.cache
def _changed_by_toneless() -> list[str]:
    return [chr(code) for code in range(sys.maxunicode + 1) if _toneless(chr(code)) != chr(code)]


def test_a_character_and_its_toneless_form_match_the_same_classes() -> None:
    """What makes matching on the text the same as matching on its skeleton, over all Unicode."""
    for pattern in (r"\w", r"[^\W\d_]", r"(?i)[oaeuyq]"):
        for char in _changed_by_toneless():
            if pattern == r"(?i)[oaeuyq]" and re.fullmatch(pattern, _toneless(char)):
                continue  # a toned vowel: the new character classes list it (checked below)
            assert bool(re.fullmatch(pattern, char)) == bool(re.fullmatch(pattern, _toneless(char))), (
                pattern,
                char,
            )


def test_every_toned_vowel_is_rewritten_like_before() -> None:
    vowels = [c for c in _changed_by_toneless() if re.fullmatch(r"(?i)[oaeuy]", _toneless(c))]
    assert len(vowels) > 50  # à á ã ả ạ ... in both cases
    for first in [*vowels, *"oaeuyOAEUY"]:
        for second in [*vowels, *"oaeuyOAEUY"]:
            pair = first + second
            for word in (f"h{pair}", pair, f"qu{pair}", f"th{pair}n", f"g{pair}"):
                assert canonical_tones(word) == reference_canonical_tones(word), word


_LETTERS = "hoaeuyqgtnkhòóõỏọàáãảạèéẽẻẹùúũủụỳýỹỷỵôơâăêưđÒÓÕỎỌÀÁÃẢẠÈÉẼẺẸÙÚŨỦỤỲÝỸỶỴQHOAUY"
_vietnamese_ish = st.text(alphabet=st.sampled_from([*_LETTERS, " ", "-", "1", "_", "\n", "\u0300", "\u0309"]))


@settings(max_examples=500, deadline=None)
@given(_vietnamese_ish)
def test_same_output_as_reference_on_vietnamese_ish_text(text: str) -> None:
    assert canonical_tones(text) == reference_canonical_tones(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_same_output_as_reference_on_any_text(text: str) -> None:
    assert canonical_tones(text) == reference_canonical_tones(text)


def _tone_on_second(text: str) -> str:
    """hòa -> hoà, thủy -> thuỷ: the other convention, which canonical_tones undoes."""

    def move(match: re.Match[str]) -> str:
        (base1, tone), (base2, _) = _split_tone(match.group(0)[0]), _split_tone(match.group(0)[1])
        return base1 + unicodedata.normalize("NFC", base2 + tone)

    return re.sub(r"(?:[òóõỏọ][ae]|[ùúũủụ]y)(?!\w)", move, text)


def test_same_output_as_reference_on_the_corpus_lines() -> None:
    lines = [line for path in sorted(GT.glob("*.gt.txt")) for line in path.read_text("utf-8").splitlines()]
    assert len(lines) > 100
    changed = 0
    for line in lines:
        other = _tone_on_second(line)
        for text in (line, other, line.upper(), other.upper(), unicodedata.normalize("NFD", other)):
            assert canonical_tones(text) == reference_canonical_tones(text)
        changed += canonical_tones(other) != other
    assert changed >= 5  # the lines written the other way were rewritten
