"""Số, ký hiệu: '15/QĐ-UBND' (typed), '1234/UBND-VX' (công văn), '30/2020/NĐ-CP' (normative),
'12-NQ/TU' (a Party committee's: number, hyphen, type, slash, committee; Hướng dẫn 36-HD/VPTW).

OCR-tolerant: 'Số' read as 'S6'/'Sô'/'So', stray spaces around '/' and '-', 0/O and 1/l/I
slips, a lost stroke on Đ. The line must START with the Số label (after stray marks), which
keeps out body citations ('Văn bản số 3120/UBND-TCD') and the incoming stamp ('ĐẾN Số: 45').
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from classify.doctypes import CONG_VAN, TYPES, DocType, by_abbreviation
from classify.norm import BLANK, as_digits, as_letters, key

__all__ = ["GLYPH_DIGITS", "Notation", "align_code", "is_party_notation", "joined", "parse_number_line"]

Form = Literal["typed", "cong_van", "normative", "party"]

# On the folded upper-case key: label, number, then segments joined by '/' or '-'.
# The number may be missing: left blank or dotted for a hand to fill in ('Số: ……/KH-UBND'),
# or written by hand and read as letters.
_LINE = re.compile(
    r"^[^A-Z0-9]{0,4}S\s?[O068QE]\s*[:;.,]?\s*"
    r"(?P<num>[^/]{0,14}?)\s*/\s*"
    r"(?P<rest>[A-Z0-9|][A-Z0-9.|]*(?:\s*(?:[-/]|--)\s*[A-Z0-9|][A-Z0-9.|]*)*)"
)
# A Party document's 'Số 1630-BC/TU', 'Số: 45-CV/HU', 'Số 12-QĐ/ĐU' (the label often without
# its colon): the number, a hyphen, the type's abbreviation, a slash and the committee's code.
_PARTY = re.compile(
    r"^[^A-Z0-9]{0,4}S\s?[O068QE]\s*[:;.,]?\s*"
    r"(?P<num>[0-9OIL|]{1,6}(?:\s[0-9]{1,3})?)?\s*-\s*"
    r"(?P<type>[A-Z][A-Za-z]{0,3})\s*/\s*"
    r"(?P<org>[A-Z][A-Z0-9]{0,5}(?:\s*-\s*[A-Z][A-Z0-9]{0,5})?)(?![A-Za-z0-9/])"
)
# 'SỐ 1293 BC-UBND': the slash between number and ký hiệu lost. Taken only with a known type's
# abbreviation, and kept by classify.header only when the issuer code is the issuer's own
# (`slash_lost`): otherwise the line is a số line read too badly to use ('SỐ; 13237 VXP-EFCCB').
_NO_SLASH = re.compile(
    r"^[^A-Z0-9]{0,4}S\s?[O0Q]\s*[:;.,]?\s*(?P<num>\d{1,5})\s+"
    r"(?P<rest>[A-Z][A-Za-z]{0,3}\s*-\s*[A-Z][A-Z0-9]{0,9}(?:\s*-\s*[A-Z][A-Z0-9]{0,9})*)\.?\s*$"
)
# Glyphs an engine reads for a digit of a printed number ('§01' for 801, '7ó0' for 760, '1&33'
# for 1833): the digit they stand for. Beside that same digit ('2488§', '796ó') the glyph is one
# digit read twice, which of the two readings is unknown: the number is not taken.
GLYPH_DIGITS = {"§": "8", "&": "8", "ó": "6"}
_SEGMENT_SPLIT = re.compile(r"\s*(--|[-/])\s*")  # 'TTr--UBND': a hyphen read twice
_YEAR = re.compile(r"^(19|20)\d\d$")


_PARTY_NOTATION = re.compile(r"^[A-ZĐ][A-Za-zĐđ]{0,3}/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ][A-ZĐ0-9]*)?$")


def is_party_notation(notation: str | None) -> bool:
    """'NQ/TU', 'BC/HU', 'CV/ĐU': a Party document's ký hiệu (type/committee, no hyphen)."""
    return bool(notation and _PARTY_NOTATION.match(notation))


def joined(number: str | None, notation: str | None) -> str:
    """Số and ký hiệu as printed together: '15/QĐ-UBND', and a Party document's '12-NQ/TU'; either
    alone when the other is blank ('' when both are)."""
    if not (number and notation):
        return number or notation or ""
    return f"{number}-{notation}" if is_party_notation(notation) else f"{number}/{notation}"


@dataclass(frozen=True)
class Notation:
    number: str | None  # "2154", leading zero kept ("05"); None when blank or not digits
    notation: str  # "QĐ-UBND", "SNV-CCVTLT", "2020/NĐ-CP"
    form: Form
    doc_type: DocType | None  # from the abbreviation; None for công văn / unknown
    type_abbr: str | None  # the abbreviation as officially spelled
    evidence: str  # the line it was read from
    repaired: bool  # OCR slips were repaired to read it
    number_span: tuple[int, int] | None = None  # where the number stands in the line read
    number_read: str | None = None  # what stood in the number's place, when not a number
    slash_lost: bool = False  # read from 'Số 1293 BC-UBND': to be checked against the issuer

    @property
    def full(self) -> str:
        return joined(self.number, self.notation)

    @property
    def type_name(self) -> str | None:
        if self.form == "cong_van" or (self.form == "party" and key(self.type_abbr or "") == "CV"):
            return CONG_VAN
        return self.doc_type.name if self.doc_type else None


def parse_number_line(text: str) -> Notation | None:
    """Read a 'Số: 15/QĐ-UBND' line; None when the line is not one."""
    folded = key(text)
    if re.match(r"^[^A-Z]{0,4}DEN\b", folded):
        return None
    party = _PARTY.match(folded)
    if party:
        return _party(text, party)
    match = _LINE.match(folded)
    if not match:
        return _without_slash(text, folded)
    raw_num = text[match.start("num") : match.end("num")].strip(BLANK + "\u2044")
    if re.search(r"[^\W\d_]{3}", raw_num):
        return None  # a word where the number goes: 'Số lượng: 12/15' is not a number line
    number: str | None = as_digits(_glyph_digits(re.sub(r"(?<=\w) (?=\w)", "", raw_num)))  # '2 154' split
    if not number or not number.isdigit() or len(number) > 6:
        number = None  # a blank, or a hand's strokes ('\\527', '+7 3'): never guessed
    raw_rest = text[match.start("rest") : match.end("rest")]
    parts = _SEGMENT_SPLIT.split(raw_rest.strip().rstrip("."))
    segments, seps = parts[::2], parts[1::2]
    segments = [s.strip(".") for s in segments if s.strip(".")]
    if not segments:
        return None
    spaced = text[match.end("num") : match.start("rest")] != "/" or bool(
        re.search(r"\s[-/]|[-/]\s", raw_rest)
    )
    label = key(text[: match.start("num")]).strip(" :;.,")
    repaired = raw_num != number or spaced or not label.endswith("SO") or "--" in raw_rest
    result = _read_segments(segments, seps)
    if result is None:
        return None
    notation, form, doc_type, abbr, fixed = result
    return Notation(
        number=number,
        notation=notation,
        form=form,
        doc_type=doc_type,
        type_abbr=abbr,
        evidence=text.strip(),
        repaired=repaired or fixed,
        number_span=_span(text, match, raw_num),
        number_read=raw_num if raw_num and number is None else None,
    )


def _glyph_digits(raw: str) -> str:
    """'§01' -> '801', '7ó0' -> '760'; a glyph beside the digit it stands for left as it is."""
    chars = list(raw)
    for i, char in enumerate(chars):
        digit = GLYPH_DIGITS.get(char)
        if digit is None:
            continue
        if digit in raw[max(0, i - 1) : i] or digit in raw[i + 1 : i + 2]:
            return raw
        chars[i] = digit
    return "".join(chars)


def _without_slash(text: str, folded: str) -> Notation | None:
    """'SỐ 1293 BC-UBND' -> 1293, BC-UBND (typed form only), flagged `slash_lost`."""
    match = _NO_SLASH.match(folded)
    if not match:
        return None
    raw_rest = text[match.start("rest") : match.end("rest")]
    parts = _SEGMENT_SPLIT.split(raw_rest.strip())
    result = _read_segments(parts[::2], parts[1::2])
    if result is None or result[1] != "typed":
        return None
    notation, form, doc_type, abbr, _ = result
    number = text[match.start("num") : match.end("num")]
    return Notation(
        number=number,
        notation=notation,
        form=form,
        doc_type=doc_type,
        type_abbr=abbr,
        evidence=text.strip(),
        repaired=True,
        number_span=(match.start("num"), match.end("num")),
        slash_lost=True,
    )


def _party(text: str, match: re.Match[str]) -> Notation | None:
    """'Số 1630-BC/TU' -> number '1630', notation 'BC/TU' (the folded key keeps every offset)."""
    raw_num = text[match.start("num") : match.end("num")].strip(BLANK) if match.group("num") else ""
    number: str | None = as_digits(raw_num.replace(" ", ""))
    if not number or not number.isdigit():
        number = None
    raw_type = text[match.start("type") : match.end("type")]
    org = _fix_code(re.sub(r"\s+", "", text[match.start("org") : match.end("org")]))
    found = by_abbreviation(raw_type)
    official = found[1] if found else _fix_code(raw_type)
    doc_type = found[0] if found else None
    if key(official) == "CV":
        doc_type = None  # the Party's công văn: CV/TU (the state's has no type code)
    after_label = match.end("num") if raw_num else match.start("type")
    spaced = bool(re.search(r"\s[-/]|[-/]\s", text[after_label : match.end("org")]))
    return Notation(
        number=number,
        notation=f"{official}/{org}",
        form="party",
        doc_type=doc_type,
        type_abbr=official,
        evidence=text.strip(),
        repaired=raw_num != number or spaced or official != raw_type,
        number_span=_span(text, match, raw_num),
        number_read=raw_num if raw_num and number is None else None,
    )


def _span(text: str, match: re.Match[str], raw: str) -> tuple[int, int] | None:
    """Where the number's characters stand in the line (the blank around them left out)."""
    if not raw:
        return None
    start = text.index(raw, match.start("num"))
    return start, start + len(raw)


def _read_segments(segments: list[str], seps: list[str]):
    first = as_digits(segments[0])
    if len(segments) >= 2 and _YEAR.match(first) and seps and seps[0] == "/":
        return _normative(first, segments[1:], segments[0] != first)
    head = segments[0]
    found = by_abbreviation(head) or by_abbreviation(_undouble(head))
    if found is None and len(segments) >= 2:
        found = _confusable_type(head)
    rest = [_fix_code(s) for s in segments[1:]]
    if found and rest:
        doc_type, official = found
        fixed = official != head.upper() and official != head
        return "-".join([official, *rest]), "typed", doc_type, official, fixed
    codes = [_fix_code(s) for s in segments]
    if len(codes) == 1:
        return codes[0], "cong_van", None, None, codes[0] != segments[0]
    return "-".join(codes), "cong_van", None, None, codes != segments


def _normative(year: str, segments: list[str], fixed_year: bool):
    head = segments[0]
    found = by_abbreviation(head, normative=True) if len(segments) >= 2 else None
    if found:
        doc_type, official = found
        rest = [_fix_code(s) for s in segments[1:]]
        notation = f"{year}/" + "-".join([official, *rest])
        return notation, "normative", doc_type, official, fixed_year or official != head
    codes = [_fix_code(s) for s in segments]  # '104/2016/QH13': the issuer only (a law)
    return f"{year}/" + "-".join(codes), "normative", None, None, fixed_year


def _confusable_type(head: str) -> tuple[DocType, str] | None:
    """'TIr' -> Tờ trình 'TTr': the one type abbreviation (two letters or more) the code is when
    the letters it differs by are letters an engine confuses."""
    abbreviations = [a for t in TYPES for a in t.abbreviations if len(a) >= 2]
    hits = {a for a in abbreviations if align_code(head, [a]) == a}
    if len(hits) != 1:
        return None
    return by_abbreviation(hits.pop())


def _undouble(code: str) -> str:
    """'QĐĐ' -> 'QĐ': a letter an engine read twice (tried only when the code is unknown)."""
    return re.sub(r"(.)\1+", r"\1", code)


def _fix_code(segment: str) -> str:
    """A code in capitals: a 0/1 between letters, or closing a code with no other digit, was
    an O/I ('UB0ND', 'UBN0'); a lower-case l beside capitals was an I. 'QH13' keeps its digits."""
    chars = list(segment)
    for i, char in enumerate(chars):
        before = chars[i - 1] if i > 0 else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        closing = not after and not any(c.isdigit() for c in chars[:i])
        if char in "01|" and before.isalpha() and (after.isalpha() or closing):
            chars[i] = as_letters(char)
        elif char == "l" and (before.isupper() or after.isupper()):
            chars[i] = "I"
    return "".join(chars)


# Characters an engine confuses in capitals; a code is repaired only within one group.
_CONFUSABLE = ("ITL1|J", "O0DQĐ", "B8", "S5", "GC6", "UV", "Z2")


def _same_group(a: str, b: str) -> bool:
    return any(a in group and b in group for group in _CONFUSABLE)


def align_code(code: str, expected: list[str]) -> str | None:
    """`code` as one of the `expected` codes (an issuer's initials) when they differ only by
    characters an engine confuses: 'SIIIT' with 'STTTT' -> 'STTTT'. None otherwise."""
    for want in expected:
        if "H" in want and "II" in code and code.replace("II", "H") == want:
            return want  # 'SVIITTDL' for 'SVHTTDL': an H read as two I's
        small = want[-1:].islower() and len(want) >= 3
        if small and code != want and code in (want[:-1], want[:-1] + want[-1].upper(), want[:-1] + "T"):
            return want  # 'TT', 'TTR', 'TTT' for 'TTr': the small letter of a code dropped or misread
        if (
            code not in expected
            and len(code) == len(want) + 1 >= 4
            and any(code[i] in "Il|1" and code[:i] + code[i + 1 :] == want for i in range(1, len(code)))
        ):
            return want  # 'UBNID' for 'UBND': a stroke of a letter read as an I of its own
        if len(want) != len(code) or want == code or len(want) < 2:
            continue
        diffs = [(a, b) for a, b in zip(code, want, strict=True) if a != b]
        close = len(diffs) <= len(code) // 2 + 1 and code[0] == want[0]
        if close and all(_same_group(a, b) for a, b in diffs):
            return want
    return None
