"""Snippets: pure, on strings."""

from __future__ import annotations

import html

from indexing.query import parse_query
from indexing.snippets import SNIPPET_CHARS, find_matches, snippet


def snip(text: str, q: str) -> str:
    return snippet(text, parse_query(q).parts)


def test_folded_match_marks_original_text() -> None:
    assert snip("Đảng ủy xã Tân Phú", "dang uy") == "<mark>Đảng</mark> <mark>ủy</mark> xã Tân Phú"


def test_phrase_is_one_mark_and_only_adjacent_words_count() -> None:
    text = "nhân viên và người dân; nhân dân tỉnh"
    assert snip(text, '"nhan dan"') == "nhân viên và người dân; <mark>nhân dân</mark> tỉnh"


def test_overlapping_matches_merge() -> None:
    assert snip("Ủy ban nhân dân", '"ban nhân" "nhân dân"') == "Ủy <mark>ban nhân dân</mark>"
    assert snip("Ủy ban nhân dân", '"ban nhân" dân') == "Ủy <mark>ban nhân</mark> <mark>dân</mark>"


def test_word_inside_a_longer_word_is_not_marked() -> None:
    assert snip("phúc khảo, hạnh phúc", "phu") == "phúc khảo, hạnh phúc"


def test_window_is_short_cut_at_spaces_and_centred_on_the_match() -> None:
    text = "mở đầu " * 100 + "Vĩnh Phúc" + " kết thúc" * 100
    out = snip(text, "phuc")
    assert out.startswith("…") and out.endswith("…")
    body = out.strip("…").replace("<mark>", "").replace("</mark>", "")
    assert SNIPPET_CHARS - 10 <= len(body) <= SNIPPET_CHARS
    assert body.split()[0] in {"mở", "đầu"} and body.split()[-1] in {"kết", "thúc"}
    assert "<mark>Phúc</mark>" in out


def test_window_prefers_the_place_with_most_query_words() -> None:
    text = "phúc " + "x " * 200 + "vĩnh " + "y " * 200 + "Vĩnh Phúc cuối"
    out = snip(text, "vinh phuc")
    assert "<mark>Vĩnh</mark> <mark>Phúc</mark> cuối" in out


def test_no_match_or_no_query_gives_the_beginning() -> None:
    text = "Đoạn mở đầu.\n\nTiếp theo " + "nữa " * 100
    assert snip(text, "").startswith("Đoạn mở đầu. Tiếp theo nữa")
    assert snip(text, "không có").startswith("Đoạn mở đầu.")
    assert snip("", "x") == ""


def test_text_is_escaped_and_whitespace_collapsed() -> None:
    out = snip("<b>A & B</b>\n\n  Phúc", "phúc")
    assert out == "&lt;b&gt;A &amp; B&lt;/b&gt; <mark>Phúc</mark>"
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == "<b>A & B</b> Phúc"


def test_offsets_survive_characters_whose_lower_case_is_longer() -> None:
    # "İ".lower() has two characters; the marks must still land on the right words.
    assert snip("İİİ Đảng ủy", "dang") == "İİİ <mark>Đảng</mark> ủy"


def test_decomposed_text_is_shown_as_nfc() -> None:
    out = snip("Vi\u0303nh Phu\u0301c", "vinh")
    assert out == "<mark>Vĩnh</mark> Phúc"


def test_find_matches_names_the_part() -> None:
    matches = find_matches("a b a", parse_query("a b").parts)
    assert [(m.start, m.end, m.part) for m in matches] == [(0, 1, 0), (2, 3, 1), (4, 5, 0)]
