"""parse_query and token_spans: pure, no index."""

from __future__ import annotations

import sqlite3
import unicodedata
from contextlib import closing

import pytest

from indexing.query import parse_query, token_spans


def shape(q: str) -> list[tuple[tuple[str, ...], tuple[str, ...], bool]]:
    return [(part.exact, part.folded, part.phrase) for part in parse_query(q).parts]


PARSE_ROWS = [
    ("Đảng ủy", [(("đảng",), ("dang",), False), (("ủy",), ("uy",), False)]),
    ('"Vĩnh Phúc" 2019', [(("vĩnh", "phúc"), ("vinh", "phuc"), True), (("2019",), ("2019",), False)]),
    ("hoà", [(("hòa",), ("hoa",), False)]),  # one tone convention
    ("THUỶ", [(("thủy",), ("thuy",), False)]),
    ("QĐ-UBND", [(("qđ", "ubnd"), ("qd", "ubnd"), False)]),  # one word, two tokens
    ('"unbalanced phrase', [(("unbalanced",), ("unbalanced",), False), (("phrase",), ("phrase",), False)]),
    ('a "b c" "d', [(("a",), ("a",), False), (("b", "c"), ("b", "c"), True), (("d",), ("d",), False)]),
    ("\u201cVĩnh Phúc\u201d", [(("vĩnh", "phúc"), ("vinh", "phuc"), True)]),  # typographic quotes
    ("AND OR", [(("and",), ("and",), False), (("or",), ("or",), False)]),
    ("a* -b", [(("a",), ("a",), False), (("b",), ("b",), False)]),
    ("NEAR(x", [(("near", "x"), ("near", "x"), False)]),
    ("col:val", [(("col", "val"), ("col", "val"), False)]),
    ("x x X", [(("x",), ("x",), False)]),  # repeats dropped
    ('x "x"', [(("x",), ("x",), False)]),
]


@pytest.mark.parametrize(("q", "expected"), PARSE_ROWS)
def test_parse_query(q: str, expected: list) -> None:
    assert shape(q) == expected


@pytest.mark.parametrize("q", ["", "   ", '"', '""', '" "', "( ) * - ^ :", "\x00", "🙂"])
def test_queries_without_words_are_empty(q: str) -> None:
    parsed = parse_query(q)
    assert parsed.is_empty
    assert parsed.parts == parsed.terms == parsed.phrases == ()


def test_terms_and_phrases_keep_typed_order_and_text() -> None:
    parsed = parse_query('quyết "Ủy ban" định')
    assert [part.text for part in parsed.parts] == ["quyết", "Ủy ban", "định"]
    assert [part.text for part in parsed.terms] == ["quyết", "định"]
    assert [part.text for part in parsed.phrases] == ["Ủy ban"]


def test_decomposed_input_parses_like_nfc() -> None:
    text = "Đảng ủy Vĩnh Phúc"
    assert shape(unicodedata.normalize("NFD", text)) == shape(text)


# Strings whose tokens SQLite's own unicode61 tokenizer must agree with.
TOKEN_SAMPLES = [
    "Số: 2154/QĐ-UBND ngày 05/9/2019 của Ủy ban nhân dân tỉnh Vĩnh Phúc.",
    "Điều 1. Phê duyệt (kèm theo) \u201cKế hoạch\u201d; a_b a'b 3.5 x-y [z] {w} <v> e-mail@xa.vn",
    "hoà thuỷ khoẻ Nguyễn Thị Ánh — ĐẢNG CỘNG SẢN VIỆT NAM… 50% ½ ²",
]


@pytest.mark.parametrize("text", TOKEN_SAMPLES)
def test_token_spans_cut_like_fts5_unicode61(text: str) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        conn.execute("INSERT INTO t VALUES (?)", (text,))
        fts5 = [term for term, _ in conn.execute("SELECT term, offset FROM v ORDER BY offset")]
    ours = [text[start:end].lower() for start, end in token_spans(text)]
    assert ours == fts5
