"""Trích yếu: the abstract under the title ('Về việc ...'), or after 'V/v' for a công văn.

The abstract is one to four short lines. It ends at a body opening ('Căn cứ', 'Kính gửi',
'Thực hiện' ...), at a line in capitals (the 'CHỦ TỊCH ...' authority line of a quyết
định), or at a full-width body line. A line that begins in lower case continues it.
"""

from __future__ import annotations

from classify.header import Header, is_body_start, is_motto
from classify.layout import Line, body_width, full_width
from classify.marks import find_marks
from classify.norm import clean, is_upper_line, starts_lower

__all__ = ["read_subject"]

_MAX_LINES = 4


def read_subject(lines: list[Line], header: Header) -> tuple[str, list[Line]] | None:
    """The abstract and the lines it was read from; None when the page has none."""
    if header.title is not None:
        _, rest, _title_line = header.title
        picked = _after_title(lines, header.end)
        text = " ".join(x.text for x in picked)
        if rest:
            text = f"{rest} {text}".strip()
        return (clean(text), picked) if text else None
    if header.vv_lines:
        return clean(" ".join(x.text for x in header.vv_lines)), header.vv_lines
    return None


def _after_title(lines: list[Line], start: int) -> list[Line]:
    width = body_width(lines)
    picked: list[Line] = []
    for line in lines[start:]:
        text = line.text
        if is_motto(text) or find_marks([line]):
            continue
        wide = full_width(line, lines, width)
        if picked and starts_lower(text) and not wide:
            picked.append(line)
        elif is_body_start(text) or is_upper_line(text) or wide:
            break
        elif picked and picked[-1].text.rstrip().endswith((".", ";", ":")):
            break
        else:
            picked.append(line)
        if len(picked) >= _MAX_LINES:
            break
    return picked
