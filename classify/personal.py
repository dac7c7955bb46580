"""Personal data in the text (Decree 13/2023 basic data): CCCD, CMND, passport, phone,
e-mail, date of birth, residence address, and the full name they belong to.

CCCD = 12 digits: province-of-registration code (001-096, the published list) + a
century/sex digit + the last two digits of the birth year + 6 digits. The birth-year digits
are checked against a date of birth printed beside the number. A name is personal data only
when it is tied to one of the other items in the same sentence or table row (an official
named in the text by office is not). A sentence may run over a page break: the last lines of a
page and the first of the next are read together too, for what is cut by the break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from classify.dates import NUMERIC_DATE, valid_date
from classify.layout import Line
from classify.norm import key, split_words

__all__ = ["Found", "find_personal_data", "cccd_structure"]

# Province codes of the 12-digit personal identification number (Circular 07/2016/TT-BCA).
PROVINCE_CODES = frozenset(
    split_words(
        "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
        "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
        "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
    )
)
_ID_WORDS = r"(CCCD|CAN\s*CUOC|CMND|CMTND|CHUNG\s*MINH|DINH\s*DANH|HO\s*CHIEU|ID)"
_CCCD = re.compile(r"(?<![\d.,/-])((?:\d[ .]?){11}\d)(?![\d/])")
# An identity-number keyword followed by 9-13 digits (possibly misread by the engine).
_ID_AFTER_WORD = re.compile(
    r"(?P<w>CCCD|CC\w{0,3}D|CAN\s*CUOC(\s*CONG\s*DAN)?|CMND|CMTND|CHUNG\s*MINH(\s*NHAN\s*DAN)?"
    r"|DINH\s*DANH(\s*CA\s*NHAN)?)\s*(SO)?\s*[:.]?\s*(?P<n>\d[\d .]{7,15}\d)(?![\d/])"
)
_CMND9 = re.compile(r"(?<![\d.,/-])(\d{9})(?![\d/])")
_PASSPORT = re.compile(r"(?<![A-Z0-9])([A-Z]\d{7,8})(?![\d])")
_PHONE = re.compile(r"(?<![\d/,])((?:\+84|84|0)(?:[\s.\-]?\d){8,10})(?![\d/])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DOB_LEAD = re.compile(
    r"(SINH\s*NGAY|NGAY\s*SINH|SINH\s*NAM|NAM\s*SINH|NGAY,?\s*THANG,?\s*NAM\s*SINH)"
    r"\s*[:]?\s*$"
)
_ADDRESS_LEAD = re.compile(
    r"\b(DIA\s*CHI\s*(THUONG\s*TRU|TAM\s*TRU|CU\s*TRU|LIEN\s*HE|NOI\s*O)?|NOI\s*(THUONG\s*TRU|"
    r"TAM\s*TRU|O\s*HIEN\s*NAY|O|CU\s*TRU)|HO\s*KHAU\s*THUONG\s*TRU|THUONG\s*TRU\s*TAI|"
    r"TRU\s*TAI|QUE\s*QUAN|NGUYEN\s*QUAN)\b\s*[:]?\s*"
)
_PERSON_LEAD = re.compile(
    r"(?<!\w)(Ông|ông|ÔNG|Bà|bà|BÀ|Anh|anh|Chị|chị|Họ và tên|họ và tên|HỌ VÀ TÊN|Họ tên|họ tên|HỌ TÊN)"
    r"\s*:?\s+"
)
# The end of a sentence, or of a table row / list item (the next line starts '2 ', '3| ', '- ').
_SENTENCE_END = re.compile(
    r"\.(?=\s+[A-ZĐÀ-Ỹ\d-])|\n(?=(?:[^\w\n]|_)*(?:\d{1,3}(?:[^\w/.,]|_)|[SIlO][_|]|-\s))"
)
# The head of a table row: its number, then cell borders or spaces the engine read ('1_ |').
_ROW_HEAD = re.compile(r"(?m)^(?:[^\w\n]|_)*(?:\d{1,3}|[SIlO](?=[_|]))(?:[^\w\n/.,]|_)+(?=[^\W\d_])")


@dataclass(frozen=True)
class Found:
    kind: str  # cccd, cmnd, passport, phone, email, date_of_birth, address, full_name
    value: str
    page: int
    confidence: float
    start: int  # offset in the page text
    evidence: str


def cccd_structure(digits: str) -> tuple[bool, int | None]:
    """(province code valid, birth year) of a 12-digit number; year None when unreadable."""
    if len(digits) != 12 or not digits.isdigit():
        return False, None
    century = 1900 + 100 * (int(digits[3]) // 2)
    return digits[:3] in PROVINCE_CODES, century + int(digits[4:6])


def _page_text(lines: list[Line]) -> str:
    return "\n".join(x.text for x in lines)


def _context(folded: str, start: int, width: int = 40) -> str:
    return folded[max(0, start - width) : start]


def find_personal_data(pages: list[list[Line]]) -> list[Found]:
    found: list[Found] = []
    read: list[list[Line]] = []
    for lines in pages:
        if not lines:
            continue
        text = _page_text(lines)
        page = lines[0].page
        found.extend(_on_page(text, page))
        read.append(lines)
    alone = {_ident(x) for x in found}
    for before, after in zip(read, read[1:], strict=False):
        found.extend(x for x in _across_break(before, after) if _ident(x) not in alone)
    return _dedupe(found)


BREAK_LINES = 4  # lines each side of a page break read together


def _across_break(before: list[Line], after: list[Line]) -> list[Found]:
    """What only shows when a page's last lines and the next page's first lines are read as one
    text, the break a line break: a name cut by it ("… cho bà Hoàng Thị" | "Quyxmai, sinh ngày
    …"), a number, a date after its label. Each is listed on the page where it starts."""
    before, after = _without_page_numbers(before), _without_page_numbers(after)
    if not before or not after:
        return []
    tail = _page_text(before[-BREAK_LINES:])
    text = tail + "\n" + _page_text(after[:BREAK_LINES])
    page, next_page = before[0].page, after[0].page
    return [
        x if x.start < len(tail) else replace(x, page=next_page, start=x.start - len(tail) - 1)
        for x in _on_page(text, page)
    ]


def _on_page(text: str, page: int) -> list[Found]:
    folded = key(text)
    items: list[Found] = []
    dobs = _dates_of_birth(text, folded, page)
    items.extend(dobs)
    ids = _identity_numbers(text, folded, page, dobs)
    items.extend(ids)
    taken = [(x.start, x.start + len(x.value)) for x in ids]
    items.extend(_addresses(text, folded, page))
    contacts = _phones(text, folded, page, taken)
    contacts += [Found("email", m.group(0), page, 0.95, m.start(), m.group(0)) for m in _EMAIL.finditer(text)]
    items.extend(c for c in contacts if _about_a_person(text, c.start, items))
    items.extend(_names(text, page, items))
    return items


def _about_a_person(text: str, start: int, items: list[Found]) -> bool:
    """A phone number or e-mail is personal when its sentence is about a person: it names
    one ('ông', 'bà', 'Họ và tên') or carries their identity, birth date or address. The
    number of an office ('liên hệ Phòng Nội vụ, điện thoại ...') is not."""
    begin, end = _sentence_bounds(text, start)
    if _PERSON_LEAD.search(text.replace("\n", " ")[begin:end]):
        return True
    return any(begin <= x.start < end for x in items)


def _identity_numbers(text: str, folded: str, page: int, dobs: list[Found]) -> list[Found]:
    out: list[Found] = []
    for match in _CCCD.finditer(text):
        digits = re.sub(r"\D", "", match.group(1))
        before = _context(folded, match.start())
        ctx = re.search(_ID_WORDS, before)
        if digits != match.group(1) and not ctx:
            continue  # digits in groups are an identity number only when named as one
        valid, year = cccd_structure(digits)
        if re.search(r"(CMND|CMTND|CHUNG\s*MINH)", before) and not re.search(r"CCCD|CAN\s*CUOC", before):
            kind = "cmnd"
        else:
            kind = "cccd"
        if not valid and not ctx:
            continue
        confidence = 0.97 if (valid and ctx) else 0.85 if valid else 0.7
        if valid and year and _dob_year_near(dobs, match.start()) == year:
            confidence = 0.99
        out.append(Found(kind, digits, page, confidence, match.start(), match.group(0)))
    for match in _ID_AFTER_WORD.finditer(folded):
        digits = re.sub(r"\D", "", match.group("n"))
        if any(x.start <= match.start("n") < x.start + len(x.evidence) for x in out):
            continue
        kind = "cmnd" if re.search(r"CMND|CMTND|CHUNG", match.group("w")) else "cccd"
        # the number the engine misread (a digit added or lost): still an identity number
        out.append(
            Found(
                kind,
                text[match.start("n") : match.end("n")],
                page,
                0.6,
                match.start("n"),
                text[match.start(0) : match.end(0)],
            )
        )
    for match in _CMND9.finditer(text):
        if re.search(r"(CMND|CMTND|CHUNG\s*MINH)", _context(folded, match.start())):
            out.append(Found("cmnd", match.group(1), page, 0.9, match.start(), match.group(0)))
    for match in _PASSPORT.finditer(text):
        if re.search(r"HO\s*CHIEU|PASSPORT", _context(folded, match.start())):
            out.append(Found("passport", match.group(1), page, 0.9, match.start(), match.group(0)))
    return out


def _dob_year_near(dobs: list[Found], start: int) -> int | None:
    near = [d for d in dobs if abs(d.start - start) < 120]
    if not near:
        return None
    closest = min(near, key=lambda d: abs(d.start - start))
    match = NUMERIC_DATE.search(closest.value)
    return int(match.group(3)) if match else None


def _dates_of_birth(text: str, folded: str, page: int) -> list[Found]:
    """Dates after 'sinh ngày'/'ngày sinh', and dates in the rows of a table whose head
    names a 'Ngày sinh' column or whose row carries a CCCD with the same birth year."""
    out: list[Found] = []
    table_has_dob = bool(re.search(r"NGAY\s*SINH|NAM\s*SINH", folded))
    for match in NUMERIC_DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        if valid_date(year, month, day) is None:
            continue
        lead = folded[max(0, match.start() - 25) : match.start()]
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        row = text[line_start : line_end if line_end >= 0 else len(text)]
        if _DOB_LEAD.search(lead):
            confidence = 0.95
        elif (
            table_has_dob
            and _ROW_HEAD.match(row)
            or any(cccd_structure(d)[1] == year for d in re.findall(r"(?<!\d)\d{12}(?!\d)", row))
        ):
            confidence = 0.85
        else:
            continue
        out.append(Found("date_of_birth", match.group(0), page, confidence, match.start(), match.group(0)))
    return out


def _phones(text: str, folded: str, page: int, taken: list[tuple[int, int]]) -> list[Found]:
    out: list[Found] = []
    for match in _PHONE.finditer(text):
        start, end = match.span(1)
        if any(a <= start < b for a, b in taken):
            continue
        raw = match.group(1).strip()
        digits = re.sub(r"\D", "", raw)
        if digits.startswith("84"):
            digits = "0" + digits[2:]
        mobile = len(digits) == 10 and digits[1] in "35789"
        landline = len(digits) == 11 and digits.startswith("02")
        old_mobile = len(digits) == 11 and digits.startswith("01")
        if not (mobile or landline or old_mobile):
            continue
        ctx = re.search(
            r"(DIEN\s*THOAI|\bD\s*T\b|SDT|\bTEL|DI\s*DONG|\bFAX|HOTLINE|LIEN\s*HE)",
            _context(folded, start, 50),
        )
        if not ctx and not mobile:
            continue
        out.append(Found("phone", raw, page, 0.95 if ctx else 0.75, start, raw))
    return out


def _addresses(text: str, folded: str, page: int) -> list[Found]:
    out: list[Found] = []
    flat = text.replace("\n", " ")
    for match in _ADDRESS_LEAD.finditer(folded.replace("\n", " ")):
        lead = match.group(1)
        personal = not lead.startswith("DIA") or match.group(2)
        if not personal and not _PERSON_LEAD.search(flat[max(0, match.start() - 150) : match.start()]):
            continue  # a bare 'Địa chỉ:' is an agency's unless a person is being described
        rest = flat[match.end() : match.end() + 200]
        value = re.split(r";|\.(?=\s|$)|\s-\s|,?\s+(?:số\s+)?(?:điện\s+thoại|ĐT|SĐT)\b", rest)[0]
        value = value.strip(" ,")
        if len(value) < 5 or not any(c.isalpha() for c in value):
            continue
        out.append(Found("address", value, page, 0.9 if personal else 0.75, match.start(), value))
    return out


def _names(text: str, page: int, items: list[Found]) -> list[Found]:
    """Names after 'Ông/Bà/Họ và tên' or at the head of a table row, kept only when the same
    sentence (or row) holds another personal datum."""
    flat = text.replace("\n", " ")
    anchors = [x.start for x in items]
    out: list[Found] = []
    candidates: list[tuple[int, str]] = []
    for match in _PERSON_LEAD.finditer(flat):
        name = _name_at(flat, match.end())
        if name:
            candidates.append((match.end(), name))
    for match in _ROW_HEAD.finditer(text):
        name = _name_at(flat, match.end())
        if name:
            candidates.append((match.end(), name))
    for start, name in candidates:
        end = _sentence_end(text, start)
        if any(start < a < end for a in anchors):
            out.append(Found("full_name", name, page, 0.85, start, name))
    return out


def _name_at(flat: str, start: int) -> str | None:
    """The name opening at `start`: 2-5 words written alike, each capitalised ('Nguyễn Văn An') or
    all in capitals ('NGUYỄN VĂN AN', as a decision's heading or a form's field may print it)."""
    words: list[str] = []
    for raw in flat[start : start + 80].split(" "):
        word = raw.rstrip(",;:.")
        if not word or not word.isalpha() or not word[0].isupper():
            break
        capitals = word.isupper() and (len(word) > 1 or bool(words) and words[0].isupper())
        if not (word[1:].islower() or capitals) or (words and words[0].isupper() != capitals):
            break
        words.append(word)
        if raw != word or len(words) == 5:
            break
    return " ".join(words) if len(words) >= 2 else None


def _sentence_bounds(text: str, start: int) -> tuple[int, int]:
    begin = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        begin = match.end()
    return begin, _sentence_end(text, start)


def _sentence_end(text: str, start: int) -> int:
    match = _SENTENCE_END.search(text, start)
    return match.start() if match else len(text)


# A page's number printed on its own line at its top or foot ("2", "- 2 -", "2/5", "Trang 2",
# "Trang 1/3" as a word processor prints it, "Trang 2 của 3"), or a line with no letter or digit
# (a rule read as "—" or "___", a speck as "."): the sentence cut by the break goes on past it
# (indexing/masking.py passes over the same lines when it masks the pieces of a value so cut)
PAGE_NUMBER = re.compile(
    r"[\W_]*(?:(?:trang\s*)?\d{1,3}(?:\s*(?:/|của|cua)\s*\d{1,3})?[\W_]*)?", re.IGNORECASE
)


def _without_page_numbers(lines: list[Line]) -> list[Line]:
    """The page's lines without a page number (or a line of punctuation) heading or ending it:
    the sentence cut by the break goes on after it."""
    start, end = 0, len(lines)
    while start < end and PAGE_NUMBER.fullmatch(lines[start].text.strip()):
        start += 1
    while end > start and PAGE_NUMBER.fullmatch(lines[end - 1].text.strip()):
        end -= 1
    return lines[start:end]


def _ident(item: Found) -> tuple[str, str]:
    return item.kind, re.sub(r"\s", "", item.value)


def _dedupe(items: list[Found]) -> list[Found]:
    seen: set[tuple[str, str]] = set()
    out: list[Found] = []
    for item in sorted(items, key=lambda x: (x.page, x.start)):
        ident = _ident(item)
        if ident in seen:
            continue
        seen.add(ident)
        out.append(item)
    return out
