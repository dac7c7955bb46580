"""Personal-data masking for the public role: ID and phone numbers, dates of birth, e-mails.

Pure and general: it works on raw text (OCR output included), not only on what the
classification step found. `mask_text` gives the public form: each piece of personal data becomes
one fixed token (MASKED), so neither its length nor its shape (12 digits or 10, where the
separators were) is shown. `mask_in_place` keeps the length (each masked letter or digit becomes
MASK) for callers that map offsets, e.g. a snippet's <mark> highlights. The search index keeps the
public form of every page and title that holds personal data (indexing.sqlite,
indexing.elastic_mapping), made at add time with the record's listed values; the public role
searches and is shown that form only, so a masked value can never be found.

What is masked (Decree 13/2023 basic personal data; patterns in vn-archival-rules §7.2):
- any run of 9 or more digits, one separator allowed between digit groups (any character that is
  not a letter or digit: space, NBSP, dot, slash, hyphen, en dash, underscore, plus, middle dot,
  brackets, a line break): CCCD (12), CMND (9 or 12), phones (10-11, +84), tax and insurance
  numbers — except a money amount (a currency word right after it);
- a run of 5 or more digits after a label such as CCCD, CMND, hộ chiếu, điện thoại, ĐT, MST;
- a date (or a bare year) after "sinh", "ngày sinh", "sinh ngày", "năm sinh";
- passport numbers (a capital letter and 7-8 digits) and the local part of e-mail addresses;
- any value the classification step listed as personal data, whatever its length (a very short
  one, e.g. the name "Lò A", where it stands as whole words, with its accents); one cut by a page
  break ("… bà Hoàng Thị" | "Quyxmai, …") on both pages, each piece at its page's edge.
OCR slips inside a number (O or o for 0, l, I or | for 1, between digits) do not stop a run;
at a number's edge too, S for 5 and B for 8 with them, in a word of digits and look-alikes that
holds at least as many digits ("l976", "2S7"; a two-character one such as "O4" only beside a
group of digits, "12/O4/1995", so that "B1 B2 B3 B4 B5" stays a row of codes).
Labels are matched accent-insensitively, so "dien thoai" and "điện thoại" are both labels.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Iterator, Sequence

from indexing.page_keys import folded_view
from schemas import Record
from vntext.normalise import nfc

__all__ = [
    "MASK",
    "MASKED",
    "find_spans",
    "mask_in_place",
    "mask_snippet",
    "mask_text",
    "merge_spans",
    "values_of",
]

MASK = "•"
MASKED = MASK * 5  # what one piece of personal data becomes in the public form
MIN_RUN_DIGITS = 9
MIN_LABELLED_DIGITS = 5
MIN_VALUE_CHARS = 4  # a listed value this short is masked where it stands as whole words only
# A piece of a listed value cut by a page break (`values_of`): masked at the end of its page's
# text, or at its start, only (control characters: never in a listed value's own text).
AT_PAGE_END = "\x00$"
AT_PAGE_START = "\x00^"
BREAK_CHARS = 40  # text read each side of a page break, beyond the longest listed value
# A page's number at its top or foot: "2", "- 2 -", "2/5", "Trang 2", "Trang 1/3", "Trang 2 của 3"
# (the folded view reads "trang", "cua"); lines of it, or of punctuation only (a rule read as "—"
# or "___", a speck as "."), stand between the pieces of a value a page break cuts
# (classify/personal.py PAGE_NUMBER alike). Never followed by a digit or a slash: a run of digits
# and slashes is read one way only (no backtracking blow-up on "1/2/3/…").
_PAGE_NUMBER = r"(?:(?i:trang)\s*)?\d{1,3}(?:\s*(?:/|(?i:của|cua))\s*\d{1,3})?(?!\s*/|\d)"
_EDGE_LINE = rf"(?:[^\w\n]|_)*(?:{_PAGE_NUMBER}(?:[^\w\n]|_)*)?"
_PAGE_HEAD = re.compile(rf"(?:{_EDGE_LINE}\n)+")
_PAGE_FOOT = re.compile(rf"(?:\n{_EDGE_LINE})+\Z")

# Patterns begin with a character class or a literal where they can (a lookbehind comes after
# it): the re module then skips to the next place that can start a match in C, ~5x faster.
_CONFUSABLE = re.compile(r"[OolI|](?<=\d[OolI|])(?=\d)")
_CONFUSABLE_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"})
# A look-alike letter beside a digit ("l976", "O4", "2S7"): the start of a word of digits and
# look-alikes read by OCR (`_digitised`)
_LOOKALIKES = "OolI|SB"
_BESIDE_DIGIT = re.compile(rf"[{_LOOKALIKES}](?:(?=\d)|(?<=\d[{_LOOKALIKES}]))")
# A number: digit groups joined by one separator; groups after the first have 2+ digits (or one
# digit between two such groups: a landline "0277 3 861 245"), so a list of single digits
# ("1 2 3 4") is not a number, and " - " between two dates splits them.
# A separator is one character that is neither a letter nor a digit, in any script ("/", "_",
# "+", "·", NBSP, "–" ...), or a bracket with a space.
_SEP = r"(?:\) | \(|[^\w]|_)"
# (?<!\d)\+?\(?\d+..., its first character taken first
_RUN = re.compile(
    rf"[+(\d](?<!\d[+(\d])(?:(?<=\+)\(?\d+|(?<=\()\d+|(?<=\d)\d*)"
    rf"(?:{_SEP}(?:\d{{2,}}|\d(?={_SEP}\d{{2}})))*(?!\d)"
)
# A number cut by a snippet's window ("…345 678") is too short to be recognised: mask it anyway.
_CUT_START = re.compile(r"…\s?(\d+(?:(?:[^\w…]|_)\d+)*)")
_CUT_END = re.compile(r"(\d+(?:(?:[^\w…]|_)\d+)*)\s?…$")
MIN_CUT_DIGITS = 3
_CURRENCY = re.compile(r"\s{0,2}(?:đồng|đ\b|vnđ|vnd|usd|triệu|tỷ)", re.IGNORECASE)
# Matched on the folded, lower-case view of the text (no diacritics, đ -> d).
_LABELS = (
    r"(?:cccd|cmnd|cmtnd|can cuoc|chung minh|dinh danh|ho chieu|passport|dien thoai|"
    r"sdt|dtdd|dt|di dong|tel|mobile|phone|fax|mst|ma so thue|bhxh|bhyt|so the|tai khoan)"
)
# (?<![a-z]) before it: `_word_start_matches`
# the number may follow on the next line (a line or page break after the label: "điện thoại:" |
# "3861245")
_LABEL = re.compile(rf"{_LABELS}(?![a-z])[^\n\d]{{0,30}}(?:\n[^\n\d]{{0,10}})?")
_FULL_DATE = r"\d{1,2} ?[/.\-] ?\d{1,2} ?[/.\-] ?\d{2,4}|(?:ngay )?\d{1,2},? thang \d{1,2},? nam \d{4}"
_BIRTH_LABELS = r"(?:ngay,? (?:thang,? )?(?:nam )?sinh|sinh (?:ngay|nam|thang)|nam sinh|sn)(?![a-z])"
# (?<![a-z]) before it: `_word_start_matches`
_BIRTH_LABELLED = re.compile(rf"{_BIRTH_LABELS}[\s:,]{{0,3}}(?:vao |la )?({_FULL_DATE}|\d{{4}})(?!\d)")
# A bare "sinh" before a date or a year 19xx/20xx, but not in học sinh, vệ sinh, phát sinh ...
_NOT_BIRTH = frozenset(("hoc", "ve", "phat", "giao", "thi", "cuu", "san", "hy", "ky", "tai", "truong", "ho"))
_SINH = re.compile(r"sinh(?<![a-z]sinh)(?![a-z])")
_BARE_DATE = re.compile(
    r"[\s:,]{0,3}(?:vao |la )?(\d{1,2} ?[/.\-] ?\d{1,2} ?[/.\-] ?\d{2,4}"
    r"|\d{1,2},? thang \d{1,2},? nam \d{4}|(?:19|20)\d\d)(?!\d)"
)
_WORD_BEFORE = re.compile(r"([a-z]+) $")
_ANY_DIGIT = re.compile(r"\d")
_PASSPORT = re.compile(r"[A-Z](?<![^\W\d_][A-Z])\d{7,8}(?!\d)")  # (?<![^\W\d_])[A-Z]\d{7,8}(?!\d)
# An e-mail address's local part, [\w.+-]+(?=@[\w-]+(?:\.[\w-]+)+), found from its "@" (`_emails`)
_EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")

Span = tuple[int, int]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, overlapping or touching spans merged."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def _digits(text: str) -> int:
    return sum(map(str.isdigit, text))


def _is_money(text: str, end: int) -> bool:
    return _CURRENCY.match(text, end) is not None


def _number_spans(digitised: str) -> list[Span]:
    spans = []
    for start, end in (m.span() for m in _RUN.finditer(digitised)):
        if end - start < MIN_RUN_DIGITS:  # too short to hold enough digits
            continue
        if _digits(digitised[start:end]) >= MIN_RUN_DIGITS and not _is_money(digitised, end):
            spans.append((start, end))
    return spans


def _word_start_matches(pattern: re.Pattern[str], folded: str) -> Iterator[re.Match[str]]:
    """The matches re.finditer gives of (?<![a-z]) followed by `pattern`, found with `pattern`
    alone (which begins with literals, so the re module skips to the places it can start at,
    where a leading lookbehind makes it try every place): a match after a letter a-z is
    dropped and looked for again one character further."""
    at = 0
    while found := pattern.search(folded, at):
        start = found.start()
        if start and "a" <= folded[start - 1] <= "z":
            at = start + 1
            continue
        yield found
        at = max(found.end(), start + 1)


def _labelled_spans(digitised: str, folded: str) -> list[Span]:
    spans = []
    for label in _word_start_matches(_LABEL, folded):
        run = _RUN.match(digitised, label.end())
        if run and _digits(run.group()) >= MIN_LABELLED_DIGITS:
            spans.append(run.span())
    return spans


@functools.lru_cache(maxsize=64)
def _value_patterns(values: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """(pattern, matched on the folded view) of each listed value: made once per record, not
    once per field and page. The value is the pattern's group "v"; a piece of a value cut by a
    page break (`AT_PAGE_END`, `AT_PAGE_START`) is looked for at that edge of the text only."""
    patterns = []
    for listed in values:
        value, edge = _edge_of(listed)
        words = folded_view(nfc(value)).split()
        if not words:
            continue
        if sum(len(w) for w in words) >= MIN_VALUE_CHARS:  # a space OCR dropped: "NguyễnVăn X"
            body, flags, on_folded = r"\s*".join(re.escape(w) for w in words), 0, True
        else:
            exact = r"\s+".join(re.escape(w) for w in nfc(value).split())
            body, flags, on_folded = rf"(?<!\w){exact}(?!\w)", re.IGNORECASE, False
        if edge == AT_PAGE_END:  # page numbers and punctuation may follow it at the page's foot
            body = rf"(?P<v>{body})(?=[\W_]*(?:{_PAGE_NUMBER}[\W_]*)*\Z)"
        elif edge == AT_PAGE_START:  # or head the next page
            body = rf"\A[\W_]*(?:{_PAGE_NUMBER}[\W_]+)*(?P<v>{body})"
        else:
            body = rf"(?P<v>{body})"
        patterns.append((re.compile(body, flags), on_folded))
    return tuple(patterns)


def _edge_of(value: str) -> tuple[str, str | None]:
    for edge in (AT_PAGE_END, AT_PAGE_START):
        if value.startswith(edge):
            return value[len(edge) :], edge
    return value, None


def _value_spans(text: str, folded: str, values: Sequence[str]) -> list[Span]:
    """Where known values occur, case- and accent-insensitively, a line break, several spaces or
    none (a space OCR dropped) standing for the space between two of their words ("Hồ\nSỹ Nam",
    "HồSỹ Nam" are "Hồ Sỹ Nam"). A value of
    fewer than MIN_VALUE_CHARS letters ("Lò A") is masked too, but only where it stands as whole
    words with its accents (case aside): folded, "a" would be every à, á, ả in the text."""
    spans = []
    for pattern, on_folded in _value_patterns(tuple(values)):
        spans += [m.span("v") for m in pattern.finditer(folded if on_folded else text)]
    return spans


def _emails(text: str) -> list[Span]:
    r"""The local parts of e-mail addresses: the [\w.+-] characters right before an "@" that a
    domain follows (what [\w.+-]+(?=@[\w-]+(?:\.[\w-]+)+) finds, ~10x faster)."""
    spans = []
    for domain in _EMAIL_DOMAIN.finditer(text):
        end = start = domain.start()
        while start and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _bare_birth_spans(folded: str) -> list[Span]:
    spans = []
    for word in _SINH.finditer(folded):
        before = _WORD_BEFORE.search(folded, max(0, word.start() - 12), word.start())
        date = _BARE_DATE.match(folded, word.end())
        if date and not (before and before.group(1) in _NOT_BIRTH):
            spans.append(date.span(1))
    return spans


def _beside_group(text: Sequence[str], start: int, end: int) -> bool:
    """Is text[start:end] joined by one separator to a group of 2+ digits ("12/O4", "O4/1995")?"""
    before = (
        start >= 3 and _separator(text[start - 1]) and text[start - 2].isdigit() and text[start - 3].isdigit()
    )
    after = (
        end + 2 < len(text) + 0
        and _separator(text[end])
        and text[end + 1].isdigit()
        and text[end + 2].isdigit()
    )
    return before or after


def _separator(char: str) -> bool:
    return not char.isalnum() and char not in _LOOKALIKES


def _digitised(text: str) -> str:
    """`text` with the letters OCR reads for digits read as digits, one character for one (the
    same offsets): between two digits ("1O2"), and in a word of digits and look-alikes that holds
    at least as many digits ("sinh năm l976", "12/O4/1995", "0912 486 2S7"); a word of letters
    ("SOS", "Bộ") is left alone."""
    digitised = _CONFUSABLE.sub(lambda m: m.group().translate(_CONFUSABLE_DIGITS), text)
    out: list[str] | None = None
    end = 0
    for found in _BESIDE_DIGIT.finditer(digitised):
        if found.start() < end:
            continue  # inside the word just handled
        start = end = found.start()
        while start and (digitised[start - 1].isdigit() or digitised[start - 1] in _LOOKALIKES):
            start -= 1
        while end < len(digitised) and (digitised[end].isdigit() or digitised[end] in _LOOKALIKES):
            end += 1
        if (start and digitised[start - 1].isalpha()) or (end < len(digitised) and digitised[end].isalpha()):
            continue  # part of a word of letters
        word = digitised[start:end]
        if len(word) == 2 and not _beside_group(out or digitised, start, end):
            continue  # "B1", "S2" alone: a code, not a digit misread ("B1 B2 B3 B4 B5")
        if 2 * _digits(word) >= len(word):  # at least as many digits as look-alikes
            out = out if out is not None else list(digitised)
            out[start:end] = word.translate(_CONFUSABLE_DIGITS)
    return digitised if out is None else "".join(out)


def _spans(text: str, values: Sequence[str]) -> tuple[list[Span], list[Span], str]:
    """(spans to mask whole, date spans whose digits only are masked, the text as `_digitised`
    reads it) in NFC `text`."""
    folded = folded_view(text)
    whole = _value_spans(text, folded, values) if values else []
    if "@" in text:
        whole += _emails(text)
    if not _ANY_DIGIT.search(text):  # every other kind of personal data holds digits
        return whole, [], text
    digitised = _digitised(text)
    if digitised != text:  # a date or year of birth read with a look-alike letter
        folded = folded_view(digitised)
    whole += _number_spans(digitised) + _labelled_spans(digitised, folded)
    whole += [m.span() for m in _PASSPORT.finditer(text)]
    dates: list[Span] = []
    if "sinh" in folded or "sn" in folded:  # "SN 1976": sinh năm
        dates += [m.span(1) for m in _word_start_matches(_BIRTH_LABELLED, folded)]
        dates += _bare_birth_spans(folded)
    return whole, dates, digitised


def find_spans(text: str, values: Sequence[str] = ()) -> list[Span]:
    """(start, end) of every piece of personal data in NFC `text`, merged and sorted.

    `values` are known personal data (e.g. Metadata.personal_data values), found wherever they
    occur, accent- and case-insensitively.
    """
    if not text:
        return []
    whole, dates, _ = _spans(text, values)
    return merge_spans(whole + dates)


def _blank(piece: str, digitised: str | None = None) -> str:
    """`piece` with its letters and digits masked; with `digitised` (the piece as `_digitised`
    reads it: a date), only what reads as a digit there."""
    if digitised is None:
        return "".join(MASK if c.isalnum() else c for c in piece)
    return "".join(MASK if d.isdigit() else c for c, d in zip(piece, digitised, strict=True))


def mask_in_place(text: str, values: Sequence[str] = ()) -> str:
    """`text` with its personal data masked letter by letter (-> MASK); same length, so offsets
    found before masking still hold. In a date of birth only the digits are masked
    ("ngày •• tháng • năm ••••")."""
    text = nfc(text)
    if not text:
        return text
    whole, dates, digitised = _spans(text, values)
    if not whole and not dates:
        return text
    chars = list(text)
    for start, end in dates:
        chars[start:end] = _blank(text[start:end], digitised[start:end])
    for start, end in merge_spans(whole):
        chars[start:end] = _blank(text[start:end])
    return "".join(chars)


def mask_text(text: str, values: Sequence[str] = ()) -> str:
    """The public form of `text`: each piece of personal data (a number, a date of birth, a known
    value) replaced by the one fixed token MASKED, whatever its length."""
    text = nfc(text)
    if not text:
        return text
    spans = find_spans(text, values)
    out, at = [], 0
    for start, end in spans:
        out += [text[at:start], MASKED]
        at = end
    out.append(text[at:])
    return "".join(out)


def values_of(record: Record) -> tuple[str, ...]:
    """The personal data the classification step listed for `record` (masked wherever found),
    and the pieces of those a page break cuts (each masked at its page's edge only)."""
    values = tuple(item.value for item in record.metadata.personal_data if item.value.strip())
    if len(record.pages) < 2:
        return values
    return values + _break_pieces([page.text for page in record.pages], values)


def _break_pieces(texts: Sequence[str], values: tuple[str, ...]) -> tuple[str, ...]:
    """Where a listed value runs over a page break ("… cho bà Hoàng Thị" | "Quyxmai, sinh ngày
    …"; the pages read as one text, the break a line break, as the classification step reads
    it), its piece at the end of the one page (AT_PAGE_END + "Hoàng Thị") and at the start of the
    next (AT_PAGE_START + "Quyxmai"). Each piece is masked at that edge only: alone it may be a
    common word ("An" of "Nguyễn Văn An") that stays readable elsewhere. So too what the masker
    itself finds only across the break, listed or not: a number whose groups the break shares out
    ("0871 9500" | "3214": 8 digits, then 4, each too few alone), a date of birth after its label."""
    width = BREAK_CHARS + max((len(value) for value in values), default=0)
    pieces: list[str] = []
    for before, after in zip(texts, texts[1:], strict=False):
        tail, head = nfc(before)[-width:].rstrip(), nfc(after)[:width].lstrip()
        tail = tail[: foot.start()] if (foot := _PAGE_FOOT.search(tail)) else tail
        head = head[top.end() :] if (top := _PAGE_HEAD.match(head)) else head
        joined, at = f"{tail}\n{head}", len(tail)
        folded = folded_view(joined)
        spans = [
            found.span("v")
            for pattern, on_folded in _value_patterns(values)
            for found in pattern.finditer(folded if on_folded else joined)
        ]
        own = [(at + 1 + start, at + 1 + end) for start, end in find_spans(head)]
        for start, end in [*spans, *find_spans(joined)]:
            if start < at < end - 1:
                pieces += [
                    AT_PAGE_END + joined[start:at].strip(),
                    AT_PAGE_START + joined[at + 1 : end].strip(),
                ]
            elif start > at and not any(a <= start and end <= b for a, b in own):
                # on the next page whole, found only with what ends this one (a label): that page
                # alone does not show it as personal data, so it is listed as it reads there
                pieces.append(joined[start:end].strip())
    return tuple(dict.fromkeys(piece for piece in pieces if _edge_of(piece)[0]))


_TAG = re.compile(r"</?mark>")


def _mask_cut_edges(text: str) -> str:
    spans = []
    for pattern in (_CUT_START, _CUT_END):
        found = pattern.match(text) if pattern is _CUT_START else pattern.search(text)
        if found and _digits(found.group(1)) >= MIN_CUT_DIGITS:
            spans.append(found.span(1))
    for start, end in spans:
        text = text[:start] + _blank(text[start:end]) + text[end:]
    return text


def mask_snippet(snippet: str, values: Sequence[str] = ()) -> str:
    """Mask an HTML snippet with <mark> highlights (as the index returns them).

    The snippet is read back to plain text with the marks' offsets, masked as a whole (a number
    split by a highlight is still one number), and rendered again with the same highlights; a
    highlight on masked text is dropped, and every masked run becomes the fixed token.
    """
    pieces, marks, plain, at = _TAG.split(snippet), [], [], 0
    for index, piece in enumerate(pieces):
        text = html.unescape(piece)
        if index % 2 == 1:
            marks.append((at, at + len(text)))
        plain.append(text)
        at += len(text)
    masked = _mask_cut_edges(mask_in_place("".join(plain), values))
    out, at = [], 0
    for start, end in marks:
        out.append(_shown(masked[at:start]))
        inside = _shown(masked[start:end])
        out.append(inside if MASK in masked[start:end] else f"<mark>{inside}</mark>")
        at = end
    out.append(_shown(masked[at:]))
    return "".join(out)


_MASK_RUN = re.compile(rf"{MASK}(?:[^\w\n]*{MASK})*")


def _shown(piece: str) -> str:
    """A piece of a masked snippet, escaped, each masked run as the fixed token (no length)."""
    return html.escape(_MASK_RUN.sub(MASKED, piece), quote=False)
