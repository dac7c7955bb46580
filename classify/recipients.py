"""Recipients: the 'Nơi nhận:' list (ô 9b) and the 'Kính gửi:' addressees (ô 9a).

'Nơi nhận' entries start with '- ' and end with ';' (the last, 'Lưu: VT, ...', with '.').
In the ground truth they are interleaved with the signer block beside them; lines in
capitals and person names are that block and are skipped. A line that begins in lower case
continues the entry before it.
"""

from __future__ import annotations

import re

from classify.layout import Line
from classify.norm import clean, is_upper_line, key, starts_lower
from classify.signer import is_person_name

__all__ = ["read_recipients", "read_addressees"]

_BULLET = re.compile(r"^\s*[-–—•+*~=_]+\s*")
_NOI_NHAN = re.compile(r"^[^A-Z]{0,3}N[O0]I\s*NHAN\s*[:;.]?\s*")
_KINH_GUI = re.compile(r"^[^A-Z]{0,3}(DONG\s+)?KINH\s*GUI\s*[:;.]?\s*")


def _entry(text: str) -> str:
    return clean(_BULLET.sub("", text)).rstrip(";,. ").strip()


def _is_bulleted(text: str) -> bool:
    return bool(_BULLET.match(text)) and any(c.isalpha() for c in text)


def read_recipients(pages: list[list[Line]]) -> tuple[list[str], list[Line]]:
    """The 'Nơi nhận' entries (bullets and end punctuation removed) and their lines."""
    for lines in reversed(pages):
        start = next((i for i, x in enumerate(lines) if _NOI_NHAN.match(key(x.text))), None)
        if start is None:
            continue
        entries: list[str] = []
        used: list[Line] = []
        head = lines[start].text[_NOI_NHAN.match(key(lines[start].text)).end() :]
        if head.strip() and _is_bulleted(head):
            entries.append(_entry(head))
            used.append(lines[start])
        for line in lines[start + 1 :]:
            text = line.text
            if line.side == "right":
                continue
            if _is_bulleted(text):
                entries.append(_entry(text))
                used.append(line)
                if key(_entry(text)).startswith("LUU"):
                    break  # 'Lưu: VT, ...' closes the list
            elif entries and starts_lower(text) and not entries[-1].endswith("."):
                entries[-1] = f"{entries[-1]} {_entry(text)}"
                used.append(line)
            elif is_upper_line(text) or is_person_name(text) or not text.strip(".,:; "):
                continue  # the signer block beside the list
            elif key(text).startswith("LUU"):
                entries.append(_entry(text))
                used.append(line)
                break
            elif text.rstrip().endswith("/.") or len(entries) == 0:
                continue  # the end of the body, read out of order by the engine
            elif text.rstrip().endswith(";"):
                entries.append(_entry(text))  # a bullet the engine did not read
                used.append(line)
            else:
                break
        return [e for e in entries if e], used
    return [], []


def read_addressees(lines: list[Line]) -> tuple[list[str], list[Line]]:
    """The 'Kính gửi:' addressees of page 1."""
    for i, line in enumerate(lines):
        match = _KINH_GUI.match(key(line.text))
        if not match:
            continue
        first = line.text[match.end() :].strip()
        entries = [_entry(first)] if first else []
        used = [line]
        for nxt in lines[i + 1 : i + 12]:
            text = nxt.text
            if _is_bulleted(text):
                entries.append(_entry(text))
            elif entries and starts_lower(text) and not first.endswith("."):
                entries[-1] = f"{entries[-1]} {_entry(text)}"
            else:
                break
            used.append(nxt)
        return [e for e in entries if e], used
    return [], []
