"""The signature block (bottom right of the last page): authority, position, full name.

'KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Nguyễn Thanh Bình' -> authority 'KT.', position 'PHÓ CHỦ
TỊCH', on behalf of 'CHỦ TỊCH', name 'Nguyễn Thanh Bình'. The 'Nơi nhận' list that stands
beside it (and which the ground truth interleaves with it row by row) is skipped by its
'- ' bullets. Two signers side by side (a biên bản) are told apart by their columns when
boxes exist, else by the interleaving of their title lines.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace

from rapidfuzz.distance import Levenshtein

from classify.layout import Line
from classify.norm import is_upper_line, key, split_words, strip_frame
from vntext.syllables import is_syllable

__all__ = [
    "SecondReading",
    "SignatureGap",
    "SignerBlock",
    "canonical_name",
    "is_incomplete_name",
    "is_person_name",
    "name_checked",
    "name_from_second",
    "read_signers",
    "signature_gap",
]

log = logging.getLogger(__name__)

_AUTHORITY = re.compile(r"^[^A-Z]{0,3}(?P<p>TM|KT|TL|TUQ|Q)\s*[.,:;]\s*(?=[A-Z])")
_AUTHORITIES = {"TM": "TM.", "KT": "KT.", "TL": "TL.", "TUQ": "TUQ.", "Q": "Q."}
# Common Vietnamese family names (folded): a name that starts with one is surely a name.
_SURNAME_FORMS = {
    key(name): name
    for name in split_words(
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn "
        "Trương Lâm Mai Trịnh Lương Cao Hà Tạ Tống Thái Vương Lưu Phùng Kiều Quách Tiêu Chu "
        "Lại Thân Khúc Mạc Nông Ninh Cù Lục Khổng Tô Triệu Ứng Diệp Hứa Âu Giang Châu Thạch"
    )
}
_MAX_GAP = 16  # lines between a title line and its name (recipients and debris between)
# A word of a name whose Q the engine read as a digit or brackets ('2uang', '()uốc', '0uang').
_LOST_Q = re.compile(r"^(?:2|0|O|\(\)|\()(?=u)")


@dataclass(frozen=True)
class SignerBlock:
    name: str
    authority: str | None  # innermost prefix: "KT."
    position: str | None  # the signer's own title, as printed
    on_behalf_of: str | None  # what follows the prefix: "CHỦ TỊCH", "ỦY BAN NHÂN DÂN"
    title_lines: tuple[str, ...]
    page: int
    confidence: float
    evidence: tuple[str, ...] = field(default=())
    box: tuple[int, int, int, int] | None = None  # the name's line, upright, when boxes exist
    least: float | None = None  # the engine's confidence (0-1) in the name's least sure word
    review: str | None = None  # why the name was left empty for a person (Vietnamese)


def name_text(text: str) -> str:
    """The line without the debris an engine adds around a name ('__ Nguyễn Thanh Bình |'), a
    Q the engine read as a digit or brackets restored ('Nguyễn 2uang Hiếu')."""
    words = strip_frame(text).strip().split()
    return " ".join(_with_q(w) for w in words)


def _with_q(word: str) -> str:
    fixed = _LOST_Q.sub("Q", word)
    return fixed if fixed != word and is_syllable(fixed) else word


def canonical_name(name: str) -> str:
    """Restore the accents of a common family name read without or with wrong ones:
    'Nguyen Van A' -> 'Nguyễn Van A', 'Đô Quang Vinh' -> 'Đỗ Quang Vinh'; and a family name
    no Vietnamese syllable spells, one letter away from exactly one common family name:
    'Lươnz Xuân Thắng' -> 'Lương Xuân Thắng'."""
    first, _, rest = name.partition(" ")
    fixed = _SURNAME_FORMS.get(key(first))
    if fixed is None and rest and not is_syllable(first):
        near = [
            s for k, s in _SURNAME_FORMS.items() if len(k) >= 3 and Levenshtein.distance(k, key(first)) == 1
        ]
        fixed = near[0] if len(near) == 1 else None
    return f"{fixed} {rest}" if fixed and rest else name


# Words that open a given name far more often than they are a family name: a two-word name
# starting with one lost its family name to the engine ('Hữu Khánh' for 'Bùi Hữu Khánh').
_MIDDLE_NAMES = {
    key(w)
    for w in split_words(
        "Văn Thị Hữu Đức Công Quang Xuân Minh Ngọc Thanh Hồng Thu Kim Quốc Đình Trọng Bá Duy "
        "Thế Tiến Mạnh Việt Hoài Bảo Gia Khánh Phương Thúy Hải Huy Trung Tuấn Anh Nhật Như"
    )
} - set(_SURNAME_FORMS)


def is_incomplete_name(name: str) -> bool:
    """'Hữu Khánh': two words, the first a usual middle name and no common family name."""
    words = name.split()
    return len(words) == 2 and key(words[0]) in _MIDDLE_NAMES


def is_person_name(text: str) -> bool:
    """'Nguyễn Thanh Bình': 2-6 words, each a capital then lower-case letters, no digits."""
    words = name_text(text).split()
    if not 2 <= len(words) <= 6:
        return False
    for word in words:
        capitalised = word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())
        if not capitalised:
            return False
    return True


def _name_confidence(text: str) -> float:
    first = key(text.split()[0])
    return 0.95 if first in _SURNAME_FORMS else 0.75


def _is_recipient(text: str) -> bool:
    stripped = text.lstrip()
    return stripped[:1] in "-–—•+*~" or key(stripped).startswith(("NOI NHAN", "LUU:", "LUU "))


def _title_part(text: str) -> str | None:
    """The title a line carries: the whole line in capitals, or its trailing run of words in
    capitals when debris (a seal, a signature) was read in front of it."""
    cleaned = " ".join(re.sub(r"[^\w\s.-]", " ", text.strip().rstrip(":;,. ")).split())
    if is_upper_line(cleaned) and len(cleaned.split()) <= 9:
        return cleaned
    run: list[str] = []
    for word in reversed(cleaned.split()):
        if len(word) >= 2 and is_upper_line(word, minimum=2):
            run.insert(0, word)
        else:
            break
    return " ".join(run) if len(run) >= 2 else None


def _is_title_line(text: str) -> bool:
    return _title_part(text) is not None


def read_signers(pages: list[list[Line]], second: SecondReading | None = None) -> list[SignerBlock]:
    """The signer block(s) of the document, from its last page that has one (a text-poor last
    page holding only the block included); each name checked against its repeats in the text.
    `second`: a second reading of the region under the position line (`signature_gap`), which
    gives the name the first reading lacked, or completed, when it reads one surely; or of
    the name's own line, which must not read another name. A name that is still not sure
    after that is left empty, with the reason for a person (`SignerBlock.review`)."""
    return [_settled(block) for block in _read_signers(pages, second)]


# A bold i's dot read as a hook ('Chinh' read 'Chỉnh', 'Đinh' 'Đỉnh'): the engine does it as
# surely as it reads the hook, and a given name with an i under a hook is rare.
_HOOKED_I = "ỉ"


def _settled(block: SignerBlock) -> SignerBlock:
    """The name left empty, with a Vietnamese reason, when it cannot be stored as fact: a word
    no Vietnamese syllable spells ('Võ Nưọc Hằng'), or an i under a hook that may be its dot."""
    name = block.name
    if not name or block.review or is_incomplete_name(name):
        return block
    if _misspelled(name):
        why = f"Họ tên người ký đọc không rõ (“{name}”): cần nhập"
    elif any(_HOOKED_I in w and is_syllable(w.replace(_HOOKED_I, "i")) for w in name.split()):
        why = f"Họ tên người ký: dấu hỏi trên chữ i có thể là dấu chấm (“{name}”): cần kiểm tra"
    else:
        return block
    log.info("signer name left empty: %r", name)
    return replace(block, name="", confidence=0.0, evidence=(*block.evidence, name), review=why)


def _read_signers(pages: list[list[Line]], second: SecondReading | None = None) -> list[SignerBlock]:
    for lines in reversed(pages):
        blocks = _blocks_on_page(lines)
        if blocks:
            found = [_checked(block, pages) for block in blocks]
            return _with_second(found, second) if second else found
    return _from_second(pages, second) if second else []


def _misspelled(name: str) -> list[str]:
    return [w for w in name.split() if not is_syllable(w)]


def _checked(block: SignerBlock, pages: list[list[Line]]) -> SignerBlock:
    """A name with a word no Vietnamese syllable spells ('Lươnz Xuân Thắng') takes the spelling
    of a well-spelled repeat of it one or two edits away elsewhere in the text, if there is one."""
    if is_incomplete_name(block.name):
        whole = _with_family_name(block.name, pages)
        return replace(block, name=whole, evidence=(*block.evidence, whole)) if whole else block
    if not _misspelled(block.name):
        return block
    words = len(block.name.split())
    target = key(block.name)
    for lines in pages:
        for line in lines:
            tokens = [t.strip(",.;:()") for t in line.text.split()]
            for i in range(len(tokens) - words + 1):
                candidate = " ".join(tokens[i : i + words])
                if candidate == block.name or not is_person_name(candidate) or _misspelled(candidate):
                    continue
                if Levenshtein.distance(key(candidate), target) <= 2:
                    return replace(block, name=candidate, evidence=(*block.evidence, candidate))
    return replace(block, confidence=round(block.confidence * 0.7, 3))


def _with_family_name(name: str, pages: list[list[Line]]) -> str | None:
    """'Hữu Khánh' -> 'Bùi Hữu Khánh' when the text names exactly one such person elsewhere."""
    pattern = re.compile(rf"(?<!\w)(\w+)\s+{re.escape(name)}(?!\w)")
    found = {
        f"{_SURNAME_FORMS[key(m.group(1))]} {name}"
        for lines in pages
        for line in lines
        for m in pattern.finditer(line.text)
        if key(m.group(1)) in _SURNAME_FORMS
    }
    return found.pop() if len(found) == 1 else None


def _name_beside(line: Line) -> tuple[Line, Line] | None:
    """'- Lưu: VT, CCVTLT. Nguyễn 2uang Hiếu': a signer's name the engine read on the row of
    the recipient beside it. Split off when the last words, a lost Q restored, are a person's
    name that opens with a common family name (nothing less sure is taken)."""
    words = line.text.split()
    for size in (4, 3, 2):
        if len(words) <= size:
            continue
        before, tail = words[:-size], [_with_q(w) for w in words[-size:]]
        name = " ".join(tail)
        if not before[-1].endswith((".", ";", ",", ":")) or not is_person_name(name) or _misspelled(name):
            continue
        if key(tail[0]) not in _SURNAME_FORMS:
            continue
        recipient = replace(line, text=" ".join(before))
        # the name's own box is unknown (the line's holds the recipient too)
        return recipient, replace(line, text=name, box=None, confidence=(line.confidence or 0.9) * 0.9)
    return None


def _split_names(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        pair = _name_beside(line) if _is_recipient(line.text) else None
        out.extend(pair or (line,))
    return out


def _blocks_on_page(lines: list[Line]) -> list[SignerBlock]:
    if not any(_is_name_line(x) for x in lines):
        lines = _split_names(lines)
    names = [i for i, x in enumerate(lines) if _is_name_line(x)]
    for end in reversed(names):
        row = _name_row(lines, end)
        titles = _titles_before(lines, row[0])
        if not titles:
            continue
        if len(row) > 1:
            if all(lines[n].box for n in row):
                row.sort(key=lambda n: lines[n].box[0])  # type: ignore[index]
            groups = _by_column([lines[t] for t in titles], [lines[n] for n in row])
            return [_block(group, lines[n]) for group, n in zip(groups, row, strict=True)]
        blocks = [_block([lines[t] for t in titles], lines[end])]
        # Column order: an earlier signer's name sits right above this signer's titles.
        above = titles[0] - 1
        while above >= 0 and _is_name_line(lines[above]):
            earlier = _titles_before(lines, above)
            if not earlier:
                break
            blocks.insert(0, _block([lines[t] for t in earlier], lines[above]))
            above = earlier[0] - 1
        return blocks
    return []


def _is_name_line(line: Line) -> bool:
    if not is_person_name(line.text) or _is_recipient(line.text):
        return False
    name = name_text(line.text)
    # a name read only with its Q restored must open with a common family name ('Vã ()uốc An': no)
    return name == strip_frame(line.text).strip() or key(name.split()[0]) in _SURNAME_FORMS


def _name_row(lines: list[Line], end: int) -> list[int]:
    """The names printed side by side on the last row (the ground truth lists them in turn)."""
    row = [end]
    while row[0] > 0 and _is_name_line(lines[row[0] - 1]):
        row.insert(0, row[0] - 1)
    return row


def _titles_before(lines: list[Line], start: int) -> list[int]:
    """Title lines above line `start`, skipping the recipient lines beside them."""
    found: list[int] = []
    for i in range(start - 1, max(-1, start - _MAX_GAP - 1), -1):
        text = lines[i].text
        if _is_recipient(text) or not text.strip(".,;: "):
            continue
        if is_person_name(text):
            break  # another signer's name: its block ends here
        if _is_title_line(text):
            found.append(i)
            continue
        if text.rstrip().endswith(("./.", "/.")) or len(text) > 60:
            break  # the end of the body
    return sorted(found)


def _by_column(titles: list[Line], names: list[Line]) -> list[list[Line]]:
    """Share title lines among side-by-side signers: by x when boxes exist, else in turn."""
    if all(x.box for x in (*titles, *names)):
        centers = [(n.box[0] + n.box[2]) / 2 for n in names]  # type: ignore[index]
        groups: list[list[Line]] = [[] for _ in names]
        for title in titles:
            mid = (title.box[0] + title.box[2]) / 2  # type: ignore[index]
            groups[min(range(len(names)), key=lambda k: abs(centers[k] - mid))].append(title)
        return groups
    return [titles[k :: len(names)] for k in range(len(names))]


def _block(titles: list[Line], name_line: Line) -> SignerBlock:
    texts = [_title_part(t.text) or t.text.strip(" :;,") for t in titles]
    authority = on_behalf = None
    for text in texts:
        match = _AUTHORITY.match(key(text))
        if match:
            authority = _AUTHORITIES[match.group("p")]
            on_behalf = text[match.end() :].strip() or None
    position = texts[-1] if texts else None
    if position and _AUTHORITY.match(key(position)):
        # 'Q. GIÁM ĐỐC' alone: the acting head's position is the one named after the prefix;
        # 'KT. CHỦ TỊCH' alone leaves the deputy's own title unknown.
        position = on_behalf if authority == "Q." else None
    read = name_text(name_line.text)
    name = canonical_name(read)
    repaired = 0.85 if not is_syllable(read.split()[0]) and name != read else 1.0  # 'Lươnz' -> 'Lương'
    confidence = name_line.weight(_name_confidence(name) * (1.0 if titles else 0.7) * repaired)
    return SignerBlock(
        name=name,
        authority=authority,
        position=position,
        on_behalf_of=on_behalf,
        title_lines=tuple(texts),
        page=name_line.page,
        confidence=confidence,
        evidence=(*texts, name),
        box=name_line.box,
        least=min(t.confidence for t in name_line.words) if name_line.words else None,
    )


# Words that make a title line a signer's position ('PHÓ CHỦ TỊCH', 'KT. GIÁM ĐỐC', 'TM. ỦY BAN').
_POSITION_WORDS = re.compile(
    r"\b(?:CHU TICH|GIAM DOC|TRUONG|CHANH|BI THU|TONG BIEN TAP|THU KY|UY BAN|HOI DONG|"
    r"NGUOI LAM DON|NGUOI KY)\b|^(?:TM|KT|TL|TUQ|Q)\s*[.,:]"
)
_REGION_LINES = 11  # how far below the position line a name is looked for, in line heights


@dataclass(frozen=True)
class SignatureGap:
    """Where a second reading may find the signer's name: the region under the position line
    (upright coordinates, as `Line.box`) of `page`, and why it is wanted."""

    page: int
    box: tuple[int, int, int, int] | None  # None: the whole page (its first reading was empty)
    letter_height: float | None
    # "no name" | "incomplete name" | "misspelled name" | "page read empty" | "no block" | "check name"
    reason: str


def signature_gap(doc: list[list[Line]], numbers: list[int] | None = None) -> SignatureGap | None:
    """The region worth a second reading when the signer's name was not read whole: no name
    under the position line, a name without its family name, or one a syllable fails. The
    region: under the lowest position line of the last page that has one below its body
    text; without a block, around a given name read alone, else the whole of the last page
    the first reading found no text on (`numbers`: the pages' numbers, in `doc` order, when
    they are not 1, 2, ...)."""
    signers = _read_signers(doc)
    name = ""
    if signers:
        main = signers[-1] if len(signers) == 1 else signers[0]
        name = main.name
        reason = "incomplete name" if is_incomplete_name(name) else ""
        reason = reason or ("misspelled name" if _misspelled(name) else "")
        if not reason:
            return None if _settled(main).review else _name_check(main)
    else:
        reason = "no name"
    for lines in reversed(doc):
        part = None if signers else _lone_given_name(lines)
        if part is not None:
            return _region_around(part, "incomplete name")
        positions = [i for i, x in enumerate(lines) if x.box and _is_position_line(x)]
        if positions and not any(len(x.text) > 50 for x in lines[positions[-1] + 1 :]):
            return _region_below(lines[positions[-1]], reason)
    numbers = numbers or list(range(1, len(doc) + 1))
    empty = [n for n, lines in zip(numbers, doc, strict=True) if not lines]
    if not signers and empty:
        return SignatureGap(page=empty[-1], box=None, letter_height=None, reason="page read empty")
    if not signers:  # no title read either (a seal over it): the right half under the body
        return next((gap for lines in reversed(doc) if (gap := _after_body(lines))), None)
    return None


def _after_body(lines: list[Line]) -> SignatureGap | None:
    """The right half of the page under the body's last line ('... thi hành./.'), where the
    signature block stands, when nothing long follows that line on the page."""
    ends = [i for i, x in enumerate(lines) if x.box and x.text.rstrip().endswith("/.")]
    if not ends or any(len(x.text) > 50 for x in lines[ends[-1] + 1 :]):
        return None
    end = lines[ends[-1]]
    x0, y0, x1, y1 = end.box  # type: ignore[misc]
    height = max(8, y1 - y0)
    width = max(end.page_width, x1)
    box = (int(width * 0.45), y1 + height // 4, width, y1 + 14 * height)
    return SignatureGap(page=end.page, box=box, letter_height=height * 0.75, reason="no block")


# A name whose every word the engine read at least this surely is stored as read; a less sure
# one only when a second reading of its line reads it alike (measured on the generated tuning
# split: about one right name in ten is read less surely, and every wrong name but the i's
# dot read as a hook, which `_settled` leaves for a person).
_SURE_NAME = 0.9


def _name_check(block: SignerBlock) -> SignatureGap | None:
    """The band of the name's own line, for a reading that checks a name read whole but not
    surely: the engine adds tone marks to given names ('Tâm' read 'Tầm') and misreads letters
    under noise ('Ngô Minh' read 'Nó Xinh'), so such a name is stored only when a second look
    reads it alike."""
    if block.box is None or block.least is None or block.least >= _SURE_NAME:
        return None
    x0, y0, x1, y1 = block.box
    height = max(8, y1 - y0)
    box = (x0 - 2 * height, y0 - height // 3, x1 + 2 * height, y1 + height // 3)
    return SignatureGap(page=block.page, box=box, letter_height=height * 0.75, reason="check name")


def _lone_given_name(lines: list[Line]) -> Line | None:
    """A given name read alone on the right half with no title above it ('Xuân Hương'):
    the family name, and perhaps the titles, were lost around it."""
    for line in reversed(lines):
        if not line.box or line.side == "left" or _is_recipient(line.text):
            continue
        read = name_text(line.text)
        if is_person_name(read) and is_incomplete_name(read) and not _misspelled(read):
            return line
    return None


def _is_position_line(line: Line) -> bool:
    """A title line of a signature block: a position, on the right half (the issuer's name
    in the header stands on the left)."""
    title = _title_part(line.text)
    if not title or _is_recipient(line.text) or line.side == "left":
        return False
    return bool(_POSITION_WORDS.search(key(title)))


def _region_around(line: Line, reason: str) -> SignatureGap:
    """The name's line with room on either side for the words the first reading lost."""
    x0, y0, x1, y1 = line.box  # type: ignore[misc]
    height = max(8, y1 - y0)
    box = (x0 - 6 * height, y0 - 2 * height, x1 + 3 * height, y1 + 2 * height)
    return SignatureGap(page=line.page, box=box, letter_height=height * 0.75, reason=reason)


def _region_below(line: Line, reason: str) -> SignatureGap:
    x0, y0, x1, y1 = line.box  # type: ignore[misc]
    height = max(8, y1 - y0)
    middle, half = (x0 + x1) / 2, max(x1 - x0, 10 * height) / 2 + 2 * height
    box = (int(middle - half), y1 + height // 4, int(middle + half), y1 + _REGION_LINES * height)
    return SignatureGap(page=line.page, box=box, letter_height=height * 0.75, reason=reason)


@dataclass(frozen=True)
class SecondReading:
    """What a second reading of a `SignatureGap` gave: its lines with their confidence (0-1)."""

    page: int
    lines: tuple[tuple[str, float], ...]


_SECOND = 0.9  # a name from the second reading weighs a little less than one read the first time
_SURE_WORDS = 0.8  # a name is taken from the second reading only when each word is read this surely
# ... or this surely when it gives the given names read the first time their family name
_COMPLETING_WORDS = 0.7


def _second_names(second: SecondReading, floor: float = _SURE_WORDS) -> list[tuple[str, float]]:
    """Names among the second reading's lines read surely (each word's confidence at least
    `floor`): a person's name, every word a syllable (debris before and after dropped)."""
    found = []
    for text, confidence in second.lines:
        if confidence < floor:
            continue
        words = [w for w in text.split() if any(c.isalpha() for c in w)]
        while words and not (words[0][:1].isupper() and words[0].isalpha()):
            words.pop(0)
        while words and not words[-1].isalpha():
            words.pop()
        name = name_text(" ".join(words))
        if is_person_name(name) and not _misspelled(name):
            found.append((name, confidence))
    return found


def _sure(name: str) -> bool:
    return key(name.split()[0]) in _SURNAME_FORMS


def _named(block: SignerBlock, name: str, confidence: float, how: str) -> SignerBlock:
    weight = round((0.6 + 0.4 * confidence) * _SECOND, 3)
    return replace(
        block,
        name=name,
        confidence=round(min(block.confidence, 0.95) * weight, 3) if block.name else round(0.95 * weight, 3),
        evidence=(*block.evidence, f"{how}: {name}"),
    )


def _with_second(blocks: list[SignerBlock], second: SecondReading) -> list[SignerBlock]:
    """The main block's incomplete or misspelled name replaced by the second reading's: the
    given names as read the first time (accents too) with a common family name before them;
    for a name no syllable spells, the one well-spelled name read surely under the position."""
    index = len(blocks) - 1 if len(blocks) == 1 else 0
    block = blocks[index]
    if block.page != second.page:
        return blocks
    if _whole(block.name):  # read whole the first time: the second reading checks it
        if block.least is None or block.least >= _SURE_NAME:
            return blocks  # read surely: no check was asked for
        return [*blocks[:index], _verified(block, second), *blocks[index + 1 :]]
    incomplete = is_incomplete_name(block.name)
    floor = _COMPLETING_WORDS if incomplete else _SURE_WORDS
    names = [(canonical_name(n), c) for n, c in _second_names(second, floor) if _sure(n)]
    if len({n for n, _ in names}) > 1:
        return blocks  # two readings disagree (an accent too): no name from them
    for name, confidence in names:
        completes = incomplete and name == f"{name.split()[0]} {block.name}"
        corrects = _misspelled(block.name)  # what was read first spells no name: the sure one read again
        if completes or corrects:
            return [*blocks[:index], _named(block, name, confidence, "đọc lại"), *blocks[index + 1 :]]
    return blocks


def _whole(name: str) -> bool:
    return bool(name) and not is_incomplete_name(name) and not _misspelled(name)


def _name_in(text: str, words: int) -> str | None:
    """The name of `words` words that ends a line read again ('ẢX Phạm Quang Chinh |' ->
    'Phạm Quang Chinh'), accents of a common family name restored; None when the line's last
    words are no well-spelled person's name."""
    tokens = [t.strip(".,;:|!_-—~'\"“”") for t in text.split()]
    while tokens and not tokens[-1].isalpha():
        tokens.pop()
    if len(tokens) < words:
        return None
    name = canonical_name(name_text(" ".join(tokens[-words:])))
    return name if is_person_name(name) and not _misspelled(name) else None


def _readings_of(name: str, second: SecondReading) -> tuple[bool, list[str]]:
    """Whether a line of `second` reads `name`, and the other names its lines read."""
    others: list[str] = []
    agree = False
    for text, _ in second.lines:
        read = _name_in(text, len(name.split()))
        if read is None:
            continue
        if read == name:
            agree = True
        elif read not in others:
            others.append(read)
    return agree, others


def name_checked(doc: list[list[Line]], second: SecondReading) -> bool | None:
    """For a reading asked for by a "check name" gap: False once a line reads another name,
    True when one reads the name and none another, None while none reads a name."""
    signers = _read_signers(doc)
    if not signers:
        return None
    agree, others = _readings_of(signers[-1].name if len(signers) == 1 else signers[0].name, second)
    return False if others else (True if agree else None)


def _verified(block: SignerBlock, second: SecondReading) -> SignerBlock:
    """A name read whole but not surely, checked against the readings of its line again: it
    stays when one reads it alike and none reads another well-spelled name of as many words
    (an accent, a letter); else it is left empty for a person, the readings in the reason."""
    agree, others = _readings_of(block.name, second)
    if others:
        shown = " / ".join(others)
        return replace(
            block,
            name="",
            confidence=0.0,
            evidence=(*block.evidence, f"đọc lại: {shown}"),
            review=f"Họ tên người ký đọc không chắc (“{block.name}” hay “{shown}”): cần kiểm tra",
        )
    if agree:
        return replace(block, evidence=(*block.evidence, f"đọc lại khớp: {block.name}"))
    return replace(
        block,
        name="",
        confidence=0.0,
        evidence=(*block.evidence, "đọc lại: không đọc ra họ tên"),
        review=f"Họ tên người ký đọc chưa chắc (“{block.name}”), đọc lại không ra: cần kiểm tra",
    )


def _from_second(pages: list[list[Line]], second: SecondReading) -> list[SignerBlock]:
    """A block for the position line the first reading found no name under, named by the
    second reading when it read a sure name (one that opens with a common family name); on a
    page the first reading found empty, the block as the second reading gives it."""
    lines = next((x for x in pages if x and x[0].page == second.page), [])
    if not lines:  # the page the first reading found empty
        read = [
            Line(text=_beside_recipients(t), page=second.page, index=i, confidence=c)
            for i, (t, c) in enumerate(second.lines)
        ]
        sure = [x for x in read if x.confidence is not None and x.confidence >= _SURE_WORDS]
        blocks = [b for b in _blocks_on_page(read) if _sure(b.name) and not _misspelled(b.name)]
        blocks = [b for b in blocks if any(b.name in x.text for x in sure)]
        if not blocks or len({b.name for b in blocks}) > 1:
            return []
        block = blocks[-1]
        return [_named(replace(block, name=""), block.name, _line_confidence(second, block.name), "đọc lại")]
    positions = [i for i, x in enumerate(lines) if x.box and _is_position_line(x)]
    # a name read less surely again stands when the first reading read it too (its title lost)
    first = {canonical_name(name_text(x.text)) for x in lines if x.side != "left"}
    names = [
        (canonical_name(n), c)
        for n, c in _second_names(second, _COMPLETING_WORDS)
        if _sure(n) and (c >= _SURE_WORDS or canonical_name(n) in first)
    ]
    if not names or len({n for n, _ in names}) > 1:
        return []
    name, confidence = names[-1]
    # no position line: the block under the body, its titles lost with the name (a seal)
    titles = _titles_before(lines, positions[-1] + 1) if positions else []
    line = Line(text=name, page=second.page, index=len(lines), confidence=confidence)
    block = _block([lines[t] for t in titles], line)
    return [_named(replace(block, name=""), canonical_name(name), confidence, "đọc lại")]


_RECIPIENTS_HEAD = re.compile(r"^\s*N[oơ]i\s+nh[aậ]n\s*[:;.]?\s*", re.IGNORECASE)


def _beside_recipients(text: str) -> str:
    """'Nơi nhận: CHÁNH VĂN PHÒNG' (both columns on one line, read without boxes) -> the title."""
    rest = _RECIPIENTS_HEAD.sub("", text, count=1)
    return rest if rest != text and _is_title_line(rest) else text


def _line_confidence(second: SecondReading, name: str) -> float:
    return next((c for t, c in second.lines if name in t), 0.0)


def name_from_second(doc: list[list[Line]], second: SecondReading) -> str | None:
    """The signer's whole name once `second` is offered (None: still none, or incomplete)."""
    signers = read_signers(doc, second)
    if not signers:
        return None
    name = signers[-1].name if len(signers) == 1 else signers[0].name
    return None if is_incomplete_name(name) or not name else name
