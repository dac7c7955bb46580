"""The test measures themselves: the fast edit distance agrees with the textbook one."""

from __future__ import annotations

import random

import pytest

from tests.ocr.measures import cer, levenshtein


def _textbook(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3), ("Hòa", "Hoà", 2)],
)
def test_levenshtein_known_cases(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance


def test_levenshtein_matches_textbook_on_random_strings() -> None:
    rng = random.Random(7)
    for _ in range(500):
        a = "".join(rng.choice("aăâđ ") for _ in range(rng.randint(0, 80)))
        b = "".join(rng.choice("aăâđ ") for _ in range(rng.randint(0, 80)))
        assert levenshtein(a, b) == _textbook(a, b)


def test_cer_counts_whitespace_runs_as_one_space() -> None:
    assert cer("Số: 12\n\nQuyết  định", "Số: 12 Quyết định") == 0.0
    assert cer("Sô: 12", "Số: 12") == pytest.approx(1 / 6)
