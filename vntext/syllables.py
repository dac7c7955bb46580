"""Is this a Vietnamese syllable? A validator built from the language's phonotactics, no word list.

A written syllable is an onset (possibly empty), a rhyme (an optional medial o/u, a vowel
nucleus, an optional final consonant or glide) and one of six tones. Spelling adds rules: k, gh,
ngh before front vowels (i, e, ê), c, g, ng elsewhere; q only as "qu"; "gi" swallows a following
i (gì, giếng). A rhyme closed by p, t, c or ch takes only the sắc or nặng tone.

`is_syllable("Nghiêng")` -> True; `is_syllable("ngiêng")`, `is_syllable("Tlie")`, `is_syllable("hoàt")`
-> False. Used for the page quality score and to decide how a hyphen at a line end is joined.
"""

from __future__ import annotations

import functools
import unicodedata

__all__ = ["VOWELS", "is_syllable", "split_tone", "token_kind"]

VOWELS = set("aăâeêioôơuưy")
_LETTERS = set("abcdđeghiklmnopqrstuvxyăâêôơư")
_TONE_MARKS = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng"}


def _table(text: str) -> set[str]:
    return set(text.split())


# Onsets, longest first so that "ngh" is tried before "ng" and "n".
_ONSETS = sorted(
    _table("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x"), key=len, reverse=True
)

# Rhymes without a medial glide: nucleus + optional final (m n ng nh p t c ch, glides i/y o/u).
_PLAIN = _table(
    """
    a ai ao au ay ac ach am an ang anh ap at
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu
    iêc iêm iên iêng iêp iêt iêu
    yêm yên yêng yêt yêu
    o oc oi om on ong op ot ooc oong
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut
    uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu
    ươc ươi ươm ươn ương ươp ươt ươu
    y
    """
)

# Rhymes with the medial glide, written o before a/ă/e and u before â/ê/y/ơ.
_MEDIAL = _table(
    """
    oa oac oach oai oam oan oang oanh oao oap oat oay
    oăc oăm oăn oăng oăt
    oe oen oeo oet
    uân uâng uât uây
    uê uêch uênh
    uy uych uynh uyp uyt uya uyu uyên uyêt
    uơ
    """
)

_FRONT = ("i", "e", "ê", "y")  # vowels after which k / gh / ngh are written
_STOP_FINALS = ("p", "t", "c", "ch")


def split_tone(word: str) -> tuple[str, str]:
    """('Thường') -> ('thương', 'huyền'): the lower-case word without its tone, and the tone
    ('' for none; 'many' when more than one tone mark is written)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [_TONE_MARKS[c] for c in decomposed if c in _TONE_MARKS]
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    if len(tones) > 1:
        return base, "many"
    return base, tones[0] if tones else ""


def _rhyme_ok(onset: str, rhyme: str, tone: str) -> bool:
    if rhyme not in _PLAIN and rhyme not in _MEDIAL:
        return False
    if rhyme.endswith(_STOP_FINALS) and tone not in ("sắc", "nặng"):
        return False
    front = rhyme.startswith(_FRONT)
    if onset in ("c", "g", "ng") and front:
        return False  # written k, gh, ngh
    if onset in ("k", "gh", "ngh") and not front:
        return False
    if onset == "qu":
        return rhyme in _PLAIN and rhyme[0] in "aăâeêiyơô"
    if rhyme.startswith("yê"):
        return not onset  # yên, yêu; after a consonant it is written iê (tiên)
    return bool(onset) or not rhyme.startswith("iê")


def is_syllable(word: str) -> bool:
    """Whether `word` (any case, NFC or not) is a well-formed Vietnamese syllable."""
    base, tone = split_tone(word)
    if not base or tone == "many" or not set(base) <= _LETTERS:
        return False
    if not any(c in VOWELS for c in base):
        return False
    for onset in [*_ONSETS, ""]:
        if not base.startswith(onset):
            continue
        rhyme = base[len(onset) :]
        if onset == "gi" and (
            not rhyme or _rhyme_ok("gi", rhyme, tone) or _rhyme_ok("gi", "i" + rhyme, tone)
        ):
            return True
        if rhyme and onset != "gi" and _rhyme_ok(onset, rhyme, tone):
            return True
    return False


# Each word of a page is judged several times (orientation check, word filter, quality): once.
@functools.lru_cache(maxsize=65536)
def token_kind(token: str) -> str:
    """'syllable', 'invalid', or 'other' (numbers, notations, acronyms: not judged).

    The token is one whitespace-separated word as OCR gives it: punctuation around it is
    ignored; "2154/QĐ-UBND" is split at / and - into parts judged one by one.
    """
    core = token.strip(".,;:!?()[]{}\"'“”‘’«»…*/-–—")
    if not core or "@" in core or core.lower().startswith(("http", "www.")):
        return "other"
    kinds = {_part_kind(part) for part in core.replace("/", "-").split("-") if part}
    if "invalid" in kinds:
        return "invalid"
    return "syllable" if kinds == {"syllable"} else "other"


def _part_kind(part: str) -> str:
    if any(c.isdigit() for c in part):
        return "other" if all(c.isdigit() or c in ".,:%" for c in part) or _is_code(part) else "invalid"
    if not all(c.isalpha() for c in part):
        return "invalid"
    if is_syllable(part):
        return "syllable"
    if len(part) <= 4 and not any(c in VOWELS for c in split_tone(part)[0]):
        return "other"  # an abbreviation without vowels: b/c, V/v, TTr
    if part.isupper() and split_tone(part)[1] == "" and len(part) <= 8:
        return "other"  # an acronym: UBND, HĐND, QĐ, CCVTLT
    return "invalid"


def _is_code(part: str) -> bool:
    """Document numbers and codes mixing digits and capitals: 318TTr, 02a, NĐ2."""
    return all(c.isdigit() or (c.isalpha() and split_tone(c)[1] == "") for c in part)
