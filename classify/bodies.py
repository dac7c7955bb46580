"""Canonical names of issuing bodies and signers' positions, matched OCR-tolerantly.

The body's kind and field ('Sở Thông tin và Truyêền thông') are matched against the table in
names/bodies.yaml, its place against the gazetteer for the document's date. The name as read
is always kept beside the canonical one (the paper is the evidence); below the acceptance
threshold there is no canonical name and the record is flagged for review with the reason,
in Vietnamese for the web and in English for the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from classify.fuzzy import ACCEPT, Matcher
from classify.gazetteer import AMBIGUOUS, Unit, match_place
from classify.orgname import COMMITTEES, Body
from vntext.syllables import is_syllable

__all__ = ["CanonicalBody", "canonical_body", "canonical_position", "known_heads"]

TABLE = Path(__file__).with_name("names") / "bodies.yaml"
_UNKNOWN_HEAD = 0.8  # a well-spelled kind + field the table does not list: kept, not flagged


@dataclass(frozen=True)
class CanonicalBody:
    read: str  # the name as read, in running-text form
    name: str | None  # the canonical name; None when it could not be established
    unit: Unit | None  # the administrative unit of its place
    confidence: float
    reason: str | None = None  # English, for the log
    review: str | None = None  # Vietnamese, for the record page


@cache
def _table() -> dict:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


@cache
def known_heads() -> Matcher[str]:
    """'Sở Nội vụ', 'Ủy ban nhân dân', ... : every kind + field of the table."""
    table = _table()
    names = [*table["whole"], *(f"{kind} {f}" for kind, fields in table["fields"].items() for f in fields)]
    return Matcher({x: x for x in names})


@cache
def _positions() -> Matcher[str]:
    return Matcher({x: x for x in _table()["positions"]})


def _well_spelled(text: str) -> bool:
    words = [w.strip(",-") for w in text.split()]
    return all(is_syllable(w) for w in words if w)


def canonical_body(body: Body, on: dt.date | None = None, within: str | None = None) -> CanonicalBody:
    """The canonical name of a body read from the header, for a document dated `on`, its place
    looked for first `within` a province (its parent's)."""
    head = known_heads().match(body.head) if body.head else None
    if head is not None and head.name is not None:
        head_name, head_conf = head.name, head.confidence
    elif body.head and _well_spelled(body.head):
        head_name, head_conf = body.head, _UNKNOWN_HEAD
    else:
        why = head.reason if head else "no kind of body"
        return CanonicalBody(
            body.name,
            None,
            None,
            head.confidence if head else 0.0,
            f"body {body.head!r} not recognised ({why})",
            f"Tên cơ quan “{body.head or body.name}” không khớp danh mục cơ quan: giữ nguyên như đọc được",
        )
    if not body.place:
        return CanonicalBody(body.name, head_name, None, head_conf)
    place = match_place(body.place, body.level, on=on, province=within) if within else None
    if place is None or place.unit is None:
        place = match_place(body.place, body.level, on=on)
    committee = head_name in COMMITTEES.values()  # 'Tỉnh ủy Bắc Giang': no level word
    if place.unit is None and place.reason == AMBIGUOUS and place.name:
        # a name several communes bear ('xã Tân Lập'): the spelling is sure, the unit is not
        level = "" if committee else body.level or ""
        name = f"{head_name} {level} {place.name}".replace("  ", " ")
        return CanonicalBody(body.name, name, None, round(head_conf * place.confidence * 0.95, 3))
    if place.unit is None:
        return CanonicalBody(
            body.name,
            None,
            None,
            min(head_conf, place.confidence),
            f"place {body.place!r} not recognised ({place.reason})",
            f"Địa danh “{body.place}” không khớp đơn vị hành chính nào: giữ nguyên như đọc được",
        )
    unit = place.unit
    level = body.level or unit.level  # the printed level: 'huyện' before it became a thị xã
    name = f"{head_name} {unit.name}" if committee else f"{head_name} {level} {unit.name}"
    return CanonicalBody(body.name, name, unit, round(head_conf * place.confidence, 3))


def canonical_position(printed: str | None) -> tuple[str | None, float]:
    """'PHÓ CHỦ TỊCH' / 'HỦ TỊCH' -> ('Phó Chủ tịch' / 'Chủ tịch', confidence); (None, 0) when
    the title is not a known position (e.g. 'ĐẠI DIỆN BÊN GIAO' alone)."""
    if not printed:
        return None, 0.0
    found = _positions().match(printed)
    if found.name is None or found.confidence < ACCEPT:
        return None, found.confidence
    return found.name, found.confidence
