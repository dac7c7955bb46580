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


_DEBRIS = " -_'\"`.,:;|~*"
_VV_LABEL = re.compile(r"^\W{0,3}V\s*[/|]\s*[VvYy]?\s*[:.]?\s*")


def _tidy(parts: list[str]) -> str:
    """Join the abstract's lines; drop the debris an engine leaves at line ends."""
    kept = [p.strip(_DEBRIS) if not p.rstrip().endswith(")") else p.lstrip(_DEBRIS) for p in parts]
    # a comma that ends a line before the next one is the text's own ('văn thư,' / 'lưu trữ')
    kept = [k + "," if p.rstrip().endswith(",") and i < len(parts) - 1 and k else k
            for i, (p, k) in enumerate(zip(parts, kept, strict=True))]  # fmt: skip
    return trim_noise(clean(" ".join(k for k in kept if k)))


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
