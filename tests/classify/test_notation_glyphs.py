"""Số/ký hiệu through an engine's glyph slips: a digit read as another glyph (§ for 8, ó for 6,
& for 8), a glyph read twice beside its digit, a hyphen read twice, the slash lost."""

from __future__ import annotations

import pytest

from classify.notation import align_code, parse_number_line


@pytest.mark.parametrize(
    ("line", "number", "notation"),
    [
        ("Số: §01/KH-STC", "801", "KH-STC"),
        ("Số: 5§1/KH-VP", "581", "KH-VP"),
        ("Số: 7ó0/BC-UBND", "760", "BC-UBND"),
        ("Sẽ: 1&33⁄/UBND-VP", "1833", "UBND-VP"),  # and a fraction slash beside the slash
        ("Số: 902/TTr--UBND", "902", "TTr-UBND"),
        ("Số: V5 /TTr--UBND", None, "TTr-UBND"),
    ],
)
def test_glyphs_read_for_digits_and_a_doubled_hyphen(line, number, notation):
    found = parse_number_line(line)
    assert found is not None and (found.number, found.notation) == (number, notation)
    assert found.repaired


@pytest.mark.parametrize(("line", "read"), [("Số: 2488§/KH-UBND", "2488§"), ("Số: 796ó/UBND-VP", "796ó")])
def test_a_glyph_beside_the_digit_it_stands_for_is_one_digit_read_twice_not_guessed(line, read):
    found = parse_number_line(line)
    assert found is not None and found.number is None and found.number_read == read


def test_a_number_line_without_its_slash_needs_a_known_type():
    found = parse_number_line("SỐ 1293 BC-UBND")
    assert found is not None and (found.number, found.notation, found.form) == ("1293", "BC-UBND", "typed")
    assert found.slash_lost and found.repaired and found.number_span == (3, 7)
    assert parse_number_line("SỐ; 13237 VXP-EFCCB") is None
    assert parse_number_line("SỞ 12 QĐ-UBND KHÁC") is None
    assert parse_number_line("SỞ NỘI VỤ") is None


def test_an_issuer_code_with_a_stroke_read_as_an_i_of_its_own():
    assert align_code("UBNID", ["UBND"]) == "UBND"
    assert align_code("UBNID", ["UBNDT"]) is None
    assert align_code("IUBND", ["UBND"]) is None  # the first letter is never the one added
