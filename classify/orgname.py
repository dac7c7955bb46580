"""Issuing-body names: header lines in capitals -> the name as written in running text.

Decree 30/2020 Phụ lục II: capitalise the first letter of the words naming the KIND of body
and of each field of activity ('Sở Tài nguyên và Môi trường', 'Trung tâm Lưu trữ lịch sử');
the level of an administrative unit stays lower case and the place name is in title case
('Ủy ban nhân dân tỉnh Phú Thọ'). A body without a place of its own takes its parent's
('SỞ NỘI VỤ' under 'UBND TỈNH BẮC NINH' -> 'Sở Nội vụ tỉnh Bắc Ninh').
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classify.gazetteer import match_place
from classify.norm import key, split_words
from vntext.syllables import is_syllable

__all__ = ["COMMITTEES", "Body", "clean_header_line", "initials", "read_bodies"]

_ABBREVIATIONS = {
    "UBND": "ỦY BAN NHÂN DÂN",
    "HĐND": "HỘI ĐỒNG NHÂN DÂN",
    "TP.": "THÀNH PHỐ",
    "TP": "THÀNH PHỐ",
    "TX.": "THỊ XÃ",
    "TT.": "THỊ TRẤN",
}
# Administrative levels (folded) -> lower-case form. Longest first.
_LEVELS = {
    "THANH PHO": "thành phố",
    "THI XA": "thị xã",
    "THI TRAN": "thị trấn",
    "TINH": "tỉnh",
    "HUYEN": "huyện",
    "QUAN": "quận",
    "PHUONG": "phường",
    "XA": "xã",
}
# Kinds of body whose usual spelling is not 'first letter only'.
_KINDS = {
    "UY BAN NHAN DAN": "Ủy ban nhân dân",
    "HOI DONG NHAN DAN": "Hội đồng nhân dân",
    "TOA AN NHAN DAN": "Tòa án nhân dân",
    "VIEN KIEM SAT NHAN DAN": "Viện kiểm sát nhân dân",
    "KHO BAC NHA NUOC": "Kho bạc Nhà nước",
    "BAO HIEM XA HOI": "Bảo hiểm xã hội",
    "CONG AN": "Công an",
    "DANG BO": "Đảng bộ",
    "DANG UY": "Đảng ủy",
}
# A Party committee ('TỈNH ỦY', 'HUYỆN ỦY ĐÔNG HÒA'): its place follows without a level word
# ('Tỉnh ủy Bắc Giang'), taken from the line above ('ĐẢNG BỘ TỈNH BẮC GIANG') when not printed.
COMMITTEES = {
    "TINH UY": "Tỉnh ủy",
    "THANH UY": "Thành ủy",
    "HUYEN UY": "Huyện ủy",
    "QUAN UY": "Quận ủy",
    "THI UY": "Thị ủy",
}
_COMMITTEE = re.compile(r"^(TINH|THANH|HUYEN|QUAN|THI) UY\b")
# Proper nouns that keep their capitals wherever they appear.
_PROPER = {
    "VIET NAM": "Việt Nam",
    "CHINH PHU": "Chính phủ",
    "QUOC HOI": "Quốc hội",
    "TRUNG UONG": "Trung ương",
    "TO QUOC": "Tổ quốc",
}
# Kinds made of one leading word: the rest of the name is its field of activity.
_SPLIT = re.compile(r"\s+(VÀ|và)\s+|\s+-\s+|,\s*")


@dataclass(frozen=True)
class Body:
    name: str  # as written in running text
    printed: str  # the header lines joined, as printed
    level: str | None  # "tỉnh"
    place: str | None  # "Phú Thọ"
    head: str = ""  # the kind of body and its field: "Sở Nội vụ"


def clean_header_line(text: str) -> str:
    """Drop OCR debris from a header line in capitals: stray lower-case letters, dots, rules."""
    tokens = []
    raws = text.split()
    for n, raw in enumerate(raws):
        token = raw.strip(".,:;'\"`_~|!¬*")
        if raw.rstrip(".:;").endswith(",") and n < len(raws) - 1 and token:
            token += ","  # 'SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH': the comma belongs to the name
        if token == "-":
            tokens.append(token)
            continue
        token = token.strip("-")
        if not token or not any(c.isalpha() for c in token):
            continue
        if any(c.islower() for c in token):
            continue
        tokens.append(token)
    while tokens and tokens[0] == "-":
        tokens.pop(0)
    while tokens and tokens[-1] == "-":
        tokens.pop()
    return " ".join(tokens)


# Single-word kinds of body, by folded key: restores accents the engine lost on the first
# word of a header line ('SƠ NỘI VỤ' -> 'SỞ NỘI VỤ').
_KIND_WORDS = {
    key(w): w
    for w in split_words(
        "SỞ BỘ CỤC VỤ VIỆN BAN PHÒNG TRƯỜNG ĐOÀN ĐẢNG TỔNG CHI TRUNG THANH VĂN HỘI ỦY KHO TÒA CÔNG BỆNH ĐÀI"
    )
}


# Level words an engine glues to the place after them ('TỈNHLẠNGSƠN'), as printed.
_GLUED_LEVELS = ("TỈNH", "HUYỆN", "QUẬN", "PHƯỜNG")


def _unglued(word: str) -> list[str]:
    """'TỈNHLẠNGSƠN' -> ['TỈNH', 'LẠNGSƠN']: a level glued to its place (a word no syllable
    spells, starting with the level as printed, accents and all); any other word alone."""
    for level in _GLUED_LEVELS:
        rest = word[len(level) :]
        if word.startswith(level) and len(rest) >= 2 and rest.isalpha() and not is_syllable(word):
            return [level, rest]
    return [word]


def _expand(text: str) -> str:
    words = [part for word in text.split() for part in _unglued(_ABBREVIATIONS.get(word, word))]
    if words and key(words[0]) in _KIND_WORDS:
        words[0] = _KIND_WORDS[key(words[0])]
    return " ".join(words)


# Issuer codes that are not plain initials (Decree 30/2020, Phụ lục III: 'TTr' for Thanh tra).
_CODES = {"THANH TRA": "TTr"}


def initials(printed: str) -> str:
    """'SỞ THÔNG TIN VÀ TRUYỀN THÔNG' -> 'STTTT': the usual issuer code of a body, from the
    words naming its kind and field (not its level and place)."""
    words = _expand(printed).split()
    at = _find_level(words)
    head = words[:at] if at is not None else words
    if key(" ".join(head)) in _CODES:
        return _CODES[key(" ".join(head))]
    head = [w.rstrip(",") for w in head]
    folded = key(" ".join(head))
    for kind_key, kind in _KINDS.items():
        if folded == kind_key or folded.startswith(kind_key + " "):
            # a kind's letters as the kind is spelled: 'ỦY BAN NHÂN ĐẦN' (a D read as Đ) is UBND
            head = [w.upper() for w in kind.split()] + head[len(kind_key.split()) :]
            break
    return "".join(w[0] if w[0] == "Đ" else key(w[0]) for w in head if w.isalpha() and key(w) != "VA")


def _starts_with_level(text: str) -> bool:
    folded = key(text)
    return any(folded == lvl or folded.startswith(lvl + " ") for lvl in _LEVELS) and not (
        folded.startswith("XA HOI")
    )


def merge_lines(lines: list[str]) -> list[str]:
    """Join wrapped lines: a line that starts with a level ('TỈNH PHÚ THỌ') or with 'VÀ', or
    follows a line ending in 'VÀ', a comma or a dash, continues the one before it."""
    merged: list[str] = []
    for line in lines:
        folded = key(line)
        committee = _COMMITTEE.match(folded)
        if merged and (
            _starts_with_level(line)
            and not committee
            or folded.startswith(("VA ", "- "))
            or key(merged[-1]).endswith((" VA", ",", " -"))  # 'SỞ VĂN HÓA, THỂ THAO VÀ' / 'DU LỊCH'
            or _place_wrapped(merged[-1], line)
        ):
            merged[-1] = f"{merged[-1]} {line}"
        else:
            merged.append(line)
    return merged


def _place_wrapped(above: str, line: str) -> bool:
    """'UBND TỈNH BÀ RỊA - VŨNG' / 'TÀU': the end of a place name wrapped onto a line of one or
    two words that name no body (a body's line starts with its kind: 'SỞ', 'VĂN PHÒNG' ...)."""
    words = _expand(above).split()
    first = key(line.split()[0]) if line.split() else ""
    at = _find_level(words, first=True)
    if (
        len(line.split()) > 2
        or at is None
        or first in _KIND_WORDS
        or any(key(line).startswith(k) for k in (*_KINDS, *COMMITTEES))
    ):
        return False
    level = next(lvl for lvl in _LEVELS if [key(w) for w in words[at : at + len(lvl.split())]] == lvl.split())
    place = " ".join(words[at + len(level.split()) :])
    return _known_place(f"{place} {line}") and not _known_place(place)


def _known_place(name: str) -> bool:
    found = match_place(name)
    return found.unit is not None and found.distance == 0


def _find_level(words: list[str], first: bool = False) -> int | None:
    """Index of the first word of an administrative level followed by a place (or at the end);
    at the very start only when `first` (a top line whose kind the engine lost: 'TỈNH TRÀ VINH')."""
    folded = [key(w) for w in words]
    for i in range(len(words)):
        for lvl in _LEVELS:
            parts = lvl.split()
            if folded[i : i + len(parts)] != parts:
                continue
            if lvl == "XA" and i + 1 < len(words) and folded[i + 1] == "HOI":
                continue  # 'XÃ HỘI' is a field, not a commune
            if i == 0 and not first:
                continue  # a name starts with its kind, not a level ('TỈNH ĐOÀN', 'HUYỆN ỦY')
            return i
    return None


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _sentence(words: list[str]) -> str:
    return " ".join([_title(words[0]), *(w.lower() for w in words[1:])]) if words else ""


def _case_kind_and_fields(words: list[str]) -> str:
    text = " ".join(words)
    folded = key(text)
    for kind_key, kind in sorted(_KINDS.items(), key=lambda kv: -len(kv[0])):
        if folded == kind_key or folded.startswith(kind_key + " "):
            rest = text[len(kind_key) :].strip()
            return f"{kind} {_case_fields(rest)}".strip() if rest else kind
    # Kind = the first word ('Sở', 'Bộ', 'Cục') or two ('Trung tâm', 'Thanh tra', 'Văn phòng').
    first = words[0]
    two_word_kinds = {
        "TRUNG TAM",
        "THANH TRA",
        "VAN PHONG",
        "HOI DONG",
        "CHI CUC",
        "TONG CUC",
        "BAN QUAN",
        "CHI NHANH",
        "BENH VIEN",
        "DAI PHAT",
        "BO CHI",
    }
    if len(words) > 1 and key(" ".join(words[:2])) in two_word_kinds:
        kind = _sentence(words[:2])
        rest = words[2:]
    else:
        kind = _title(first)
        rest = words[1:]
    return f"{kind} {_case_fields(' '.join(rest))}".strip()


def _case_fields(text: str) -> str:
    """'THÔNG TIN VÀ TRUYỀN THÔNG' -> 'Thông tin và Truyền thông'."""
    if not text:
        return ""
    out: list[str] = []
    pos = 0
    for match in _SPLIT.finditer(text):
        out.append(_sentence(text[pos : match.start()].split()))
        out.append(match.group(0).lower())
        pos = match.end()
    out.append(_sentence(text[pos:].split()))
    return "".join(out)


def _proper(text: str) -> str:
    folded = key(text)
    for proper_key, proper in _PROPER.items():
        for match in re.finditer(rf"\b{proper_key}\b", folded):
            text = text[: match.start()] + proper + text[match.end() :]
    return text


def _read_one(printed: str, first: bool = False) -> Body:
    words = _expand(printed).split()
    if not words:
        return Body(name="", printed=printed, level=None, place=None)
    committee = _COMMITTEE.match(key(" ".join(words)))
    if committee:
        kind = COMMITTEES[committee.group(0)]
        place = " ".join(_title(w) for w in words[2:]) or None
        return Body(name=f"{kind} {place or ''}".strip(), printed=printed, level=None, place=place, head=kind)
    at = _find_level(words, first)
    head, level, place = words, None, None
    if at is not None:
        head = words[:at]
        level_len = next(
            len(lvl.split())
            for lvl in _LEVELS
            if [key(w) for w in words[at : at + len(lvl.split())]] == lvl.split()
        )
        level = _LEVELS[key(" ".join(words[at : at + level_len]))]
        place_words = words[at + level_len :]
        place = " ".join(_title(w) for w in place_words) or None
    kind = _proper(_case_kind_and_fields(head)) if head else ""
    tail = " ".join(x for x in (level, place) if x)
    name = _proper(f"{kind} {tail}".strip())
    return Body(name=name, printed=printed, level=level, place=place, head=kind)


# A province's bodies are dated with the province's name (Decree 30/2020, Phụ lục I): the date
# line's place completes only a place of these levels.
_PROVINCE_LEVELS = ("tỉnh", "thành phố")


def _completed(body: Body, place: str | None) -> Body:
    """`body` with the place of issue for its place, when its level is a province's, the place
    it shows is none or the first words of the place of issue, and that names a province."""
    if not place or body.level not in _PROVINCE_LEVELS or body.place and _known_place(body.place):
        return body
    shown = key(body.place or "").split()
    if shown != key(place).split()[: len(shown)]:
        return body
    found = match_place(place, body.level)
    if found.unit is None or found.unit.tier != "province" or found.distance != 0:
        return body
    name = f"{body.name.removesuffix(body.place or '').rstrip()} {found.unit.name}"
    return Body(name=name, printed=body.printed, level=body.level, place=found.unit.name, head=body.head)


def read_bodies(lines: list[str], place: str | None = None) -> tuple[Body | None, Body | None]:
    """(issuer, parent) from the issuer lines of the header, top to bottom. `place`: the place
    of issue on the date line, which completes a top line whose place the engine lost or cut
    ('UBND TỈNH' / 'UBND TỈNH QUẢNG' over 'SỞ NỘI VỤ', dated 'Quảng Ngãi, ngày ...')."""
    cleaned = [c for c in (clean_header_line(x) for x in lines) if c]
    if not cleaned:
        return None, None
    merged = merge_lines(cleaned)
    if len(merged) == 1:
        return _completed(_read_one(merged[0]), place), None
    parent = _completed(_read_one(merged[0]), place)
    second = key(merged[0]).split()[1:2]
    if parent.place is None and len(merged[0].split()) >= 3 and second != ["UY"] and second != ["DOAN"]:
        parent = _read_one(merged[0], first=True)  # 'TỈNH TRÀ VINH' over 'SỞ NỘI VỤ': UBND lost
    issuer = _read_one(" ".join(merged[1:]))
    if key(issuer.head) == "VAN PHONG" and parent.head:
        # 'VĂN PHÒNG' under 'UBND TỈNH X' is the Văn phòng of that body (Văn phòng Ủy ban nhân dân)
        head = f"{issuer.head} {parent.head}"
        issuer = Body(name=issuer.name.replace(issuer.head, head, 1), printed=issuer.printed,
                      level=issuer.level, place=issuer.place, head=head)  # fmt: skip
    if issuer.place is None and parent.place and key(issuer.head).upper() in COMMITTEES:
        name = f"{issuer.name} {parent.place}"  # 'TỈNH ỦY' under 'ĐẢNG BỘ TỈNH BẮC GIANG'
        committee = Body(name=name, printed=issuer.printed, level=None, place=parent.place, head=issuer.head)
        return committee, parent
    if issuer.place is None and parent.place:
        level = issuer.level or parent.level
        suffix = parent.place if issuer.level else f"{level} {parent.place}"
        name = f"{issuer.name} {suffix}"
        issuer = Body(name=name, printed=issuer.printed, level=level, place=parent.place, head=issuer.head)
    return issuer, parent
