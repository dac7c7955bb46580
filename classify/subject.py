"""Trích yếu: the abstract under the title ('Về việc ...'), or after 'V/v' for a công văn.

The abstract is one to four short lines. It ends at a body opening ('Căn cứ', 'Kính gửi',
'Thực hiện' ...), at a line in capitals (the 'CHỦ TỊCH ...' authority line of a quyết
định), or at a full-width body line. A line that begins in lower case continues it. The
first line under the title may be as wide as the body ('Triển khai chuyển đổi số ... năm
2023' under KẾ HOẠCH) unless it ends like a sentence.
"""

from __future__ import annotations

import re

from classify.header import Header, is_body_start, is_motto
from classify.layout import Line, body_width, far_below, full_width
from classify.marks import find_marks
from classify.norm import clean, is_upper_line, key, starts_lower
from vntext.syllables import token_kind

__all__ = ["read_subject"]

_MAX_LINES = 4
_RANGE_END = re.compile(r"\d\s+[-–]\s*$")
_RANGE_START = re.compile(r"^\s*[-–]\s+\d")
# A document cited by its number ('Kế hoạch số 224/KH-UBND', 'Công văn số 15'): a body line.
_CITATION = re.compile(r"\d+\s*/|\bsố\s+\d", re.IGNORECASE)


_DEBRIS = " -_'\"`.,:;|~*"
_VV_LABEL = re.compile(r"^\W{0,3}V\s*[/|]\s*[VvYy]?\s*[:.]?\s*")


def _tidy(parts: list[str]) -> str:
    """Join the abstract's lines; drop the debris an engine leaves at line ends."""
    kept = [p.strip(_DEBRIS) if not p.rstrip().endswith(")") else p.lstrip(_DEBRIS) for p in parts]
    # a comma that ends a line before the next one is the text's own ('văn thư,' / 'lưu trữ')
    kept = [k + "," if (p.rstrip().endswith(",") or _dot_for_comma(p, parts[i + 1:])) and i < len(parts) - 1
            and k else k for i, (p, k) in enumerate(zip(parts, kept, strict=True))]  # fmt: skip
    # a range wrapped after its dash ('giai đoạn 2023 -' / '2025'): the dash is the text's own
    # ... or before it ('giai đoạn 2022' / '- 2024')
    kept = [k + " -" if _RANGE_END.search(p) and i < len(parts) - 1 and parts[i + 1].lstrip()[:1].isdigit()
            else "- " + k if i and _RANGE_START.match(p) and parts[i - 1].rstrip()[-1:].isdigit()
            else k for i, (p, k) in enumerate(zip(parts, kept, strict=True))]  # fmt: skip
    return trim_noise(_commas(clean(" ".join(k for k in kept if k))))


# A dot after a word in lower case before another in lower case: no sentence ends there in an
# abstract, the engine read a comma ('Kiểm tra phòng. chống thiên tai').
_DOT = re.compile(r"\b(\w{2,})\. (?=(\w))")


def _dot_for_comma(part: str, after: list[str]) -> bool:
    """'… kết quả phòng.' / 'chống thiên tai …': a line's dot before a line in lower case."""
    words = part.rstrip().split()
    last = words[-1] if words else ""
    pair = f"{last} {after[0].strip()}" if after else ""
    return last.endswith(".") and bool(pair) and _commas(pair) != pair


def _commas(text: str) -> str:
    def comma(match: re.Match[str]) -> str:
        word, after = match.group(1), match.group(2)
        return f"{word}, " if word.isalpha() and word.islower() and after.islower() else match.group(0)

    return _DOT.sub(comma, text)


def _noise(token: str) -> bool:
    core = token.strip(_DEBRIS)
    return not core or (len(core) == 1 and core.isalpha()) or token_kind(token) == "invalid"


def trim_noise(text: str) -> str:
    """Drop a trailing run of OCR debris ('… Đức Chúa trời S S à S ì' -> '… Đức Chúa trời'):
    stray single letters and words no Vietnamese syllable spells (vntext.syllables). One lone
    letter is kept ('Phụ lục A')."""
    words = text.split()
    end = len(words)
    while end > 0 and _noise(words[end - 1]):
        end -= 1
    run = words[end:]
    if len(run) >= 2 or any(token_kind(w) == "invalid" for w in run):
        return " ".join(words[:end]).rstrip(_DEBRIS)
    return text


def read_subject(lines: list[Line], header: Header) -> tuple[str, list[Line]] | None:
    """The abstract and the lines it was read from; None when the page has none."""
    if header.title is not None:
        _, rest, _title_line = header.title
        picked = _after_title(lines, header.end)
        text = _tidy([rest, *(x.text for x in picked)])
        return (text, picked or [_title_line]) if text else None
    if header.vv_lines:
        first, *more = (x.text for x in header.vv_lines)
        label = _VV_LABEL.match(first)
        if label and not key(first).startswith("VE VIEC"):
            first = "V/v " + first[label.end() :]  # 'V/', 'V/V:' as the engine read 'V/v'
        return _tidy([first, *more]), header.vv_lines
    return None


def _off_centre(line: Line, first: Line) -> bool:
    """The abstract is centred: a line whose middle stands far from its first line's is the
    right-hand part of a justified body line ('… ngày 10 tháng 3 năm 2018 của Ủy ban')."""
    if line.box is None or first.box is None or not first.page_width:
        return False
    middle = (line.box[0] + line.box[2]) / 2
    return abs(middle - (first.box[0] + first.box[2]) / 2) > 0.15 * first.page_width


def _abstract_opening(text: str, wide: bool) -> bool:
    """'Thực hiện quản lý đất đai …' under HƯỚNG DẪN: an abstract opening with words a body may
    open with too. Taken as the abstract when it is no full-width line, cites no document
    ('Thực hiện Kế hoạch số 224/KH-UBND …' opens the body) and does not end like a sentence."""
    return (
        key(text).startswith("THUC HIEN ")
        and not wide
        and not _CITATION.search(text)
        and not text.rstrip().endswith((".", ";", ":", ","))
    )


def _after_title(lines: list[Line], start: int) -> list[Line]:
    width = body_width(lines)
    picked: list[Line] = []
    for line in lines[start:]:
        text = line.text
        if is_motto(text) or find_marks([line]):
            continue
        wide = full_width(line, lines, width)
        if picked and (far_below(line, picked[-1]) or _off_centre(line, picked[0])):
            break
        if picked and starts_lower(text) and not wide:
            picked.append(line)
        elif (
            is_body_start(text)
            and not (not picked and _abstract_opening(text, wide))
            or is_upper_line(text)
            or (wide and (picked or text.rstrip().endswith((".", ";", ":", ","))))
            or picked
            and picked[-1].text.rstrip().endswith((".", ";", ":"))
        ):
            break
        else:
            picked.append(line)
        if len(picked) >= _MAX_LINES:
            break
    return picked
