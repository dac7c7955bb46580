"""Names that differ only by their accents: a read whose marks are one slip from each is no
one's (a lost hook is as likely as a misread mark); the issuer's province decides instead."""

from __future__ import annotations

from classify.fuzzy import ACCENTS_ONLY
from classify.gazetteer import match_place


def test_a_read_one_mark_from_two_names_is_neither():
    for read in ("Quang Bùnh", "Quang Binh"):
        found = match_place(read)
        assert found.unit is None and found.name is None and found.reason == ACCENTS_ONLY
    assert match_place("Quảng Bình").name == "Quảng Bình"
    assert match_place("Quang Bình").name == "Quang Bình"  # huyện Quang Bình, Hà Giang


def test_within_the_issuers_province_the_name_is_spelled():
    found = match_place("Quang Bùnh", province="Quảng Bình")
    assert found.unit is not None and found.unit.name == "Quảng Bình"
