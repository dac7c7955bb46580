"""judge_lost: a Số line the first reading lost is taken from the left column's readings only
when two agree surely, or one alone is very sure and carries the issuer's own code."""

from __future__ import annotations

import pytest

from classify.number_reading import LOST, LostNumberGap, judge_lost

_GAP = LostNumberGap(page=1, box=(100, 200, 900, 400), expected=("UBND",), height=50)
SURE = [("Số:", 0.95), ("2622/BC-UBND", 0.91)]


@pytest.mark.parametrize(
    ("readings", "number"),
    [
        ([SURE, SURE], "2622"),
        ([SURE, []], "2622"),  # one alone, very sure, the issuer's code
        ([[("Số:", 0.95), ("2622/BC-UBND", 0.87)], []], None),  # one alone, not sure enough
        ([[("Số:", 0.95), ("2622/BC-STC", 0.95)], []], None),  # one alone, another issuer's code
        ([[("Số:", 0.95), ("2622/BC-STC", 0.95)]] * 2, "2622"),  # two agree
        ([SURE, [("Số:", 0.95), ("3622/BC-UBND", 0.91)]], None),  # two numbers: for a person
        ([[("Số:", 0.95), ("2622/BC-UBND", 0.82)]] * 2, "2622"),  # two agree, sure enough
        ([[("Số:", 0.95), ("3320/KH-UBND", 0.76)], [("Số:", 0.95), ("3320/KH-UBND", 0.48)]], None),  # 2220
        ([[("Số:", 0.95), ("2622/BC-UBND", 0.6)]] * 2, None),  # agreeing, unsure
        ([[("Số:", 0.95), ("2622", 0.95), ("/BC-UBND", 0.95)]] * 2, None),  # apart: a hand's
        ([[], []], None),
    ],
)
def test_judge_lost(readings: list[list[tuple[str, float]]], number: str | None) -> None:
    found = judge_lost(_GAP, readings)
    assert (found.number if found else None) == number
    assert found is None or found.index == LOST
