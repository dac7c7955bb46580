"""The accuracy measures: the fast edit distance agrees with the textbook one; each rate means
what the benchmark says it means."""

from __future__ import annotations

import random

import pytest

from ocr.accuracy import (
    best_match,
    bow_recall,
    cer,
    cer_folded,
    levenshtein,
    normalise_spaces,
    order_free_cer,
    wer,
)


def _textbook(a, b) -> int:
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


def test_levenshtein_matches_textbook_on_random_strings_and_token_lists() -> None:
    rng = random.Random(7)
    for _ in range(300):
        a = "".join(rng.choice("aăâđ ") for _ in range(rng.randint(0, 80)))
        b = "".join(rng.choice("aăâđ ") for _ in range(rng.randint(0, 80)))
        assert levenshtein(a, b) == _textbook(a, b)
        assert levenshtein(a.split(), b.split()) == _textbook(a.split(), b.split())


def test_best_match_finds_the_closest_substring() -> None:
    text = "Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011; Căn cứ Nghị định"
    distance, start, end = best_match("Luật Lưu trũ", text)
    assert (distance, start) == (1, 7) and text[start:end] in ("Luật Lưu tr", "Luật Lưu trữ")
    assert best_match("", text) == (0, 0, 0)
    assert best_match("abc", "") == (3, 0, 0)


def test_rates_normalise_whitespace_and_nfc() -> None:
    assert normalise_spaces(" Số:\t12 \n\n Quyết  định ") == "Số: 12 Quyết định"
    assert cer("Số: 12\n\nQuyết  định", "Số: 12 Quyết định") == 0.0
    assert cer("Sô: 12", "Số: 12") == pytest.approx(1 / 6)
    assert cer_folded("Sô: 12", "Số: 12") == 0.0
    assert wer("Quyết dinh này", "Quyết định này") == pytest.approx(1 / 3)


def test_bag_of_words_recall_ignores_order_and_counts_repeats() -> None:
    assert bow_recall("B A", "A B") == 1.0
    assert bow_recall("A B", "A A B B") == 0.5
    assert bow_recall("", "") == 1.0


def test_order_free_cer_forgives_columns_read_one_after_the_other() -> None:
    truth = "ỦY BAN NHÂN DÂN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH PHÚ THỌ\nĐộc lập - Tự do - Hạnh phúc"
    by_columns = (
        "ỦY BAN NHÂN DÂN\nTỈNH PHÚ THỌ\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    )
    assert cer(by_columns, truth) > 0.2
    assert order_free_cer(by_columns, truth) == 0.0
    truth_chars = sum(len(line) for line in truth.splitlines())
    assert order_free_cer(by_columns + "\nxyz", truth) == pytest.approx(3 / truth_chars)  # extra text counts
    assert order_free_cer("", truth) == 1.0
