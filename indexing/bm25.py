"""BM25 as SQLite FTS5's bm25() computes it, for the few pages a query ranks, without FTS5.

Part of SqliteIndex's search (indexing/browse.py). FTS5's bm25() first counts, for every phrase
of the query, every row that holds it (the IDF): a full read of the phrase's page list, whatever
the rows ranked. For a word on most of 1,000,000 pages that is ~130 ms, again on every search.
The search therefore has FTS5 score only its rare query parts, and adds the parts on many pages
itself, here: the IDF from a count kept while the index does not change, the term frequency by
counting the phrase in the row's stored key (the FTS5 content table), the row's length from its
docsize record, the average length from the table's averages record. The formula is FTS5's
(sqlite ext/fts5/fts5_aux.c): per phrase, with the column weights,

    idf = ln((N - hits + 0.5) / (hits + 0.5)), 1e-6 where that is not positive
    score += idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)),  k1 = 1.2, b = 0.75

where f is the phrase's instances in the row times the weight of their column, D the row's tokens
in all columns; bm25() returns -score. tests/indexing/test_sqlite_bm25.py holds this equal to
bm25() on generated pages. Every page table (indexing/postings.py: one per access class, and
the private one of each) has its own counts and lengths: a page is scored against the pages of
its own class, as FTS5 scores it in that table.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

from indexing.postings import TABLES
from indexing.query import token_spans, word_spans

__all__ = ["B", "K1", "TableStats", "bm25_term", "idf", "instances", "row_lengths", "table_stats"]

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class TableStats:
    rows: int
    avgdl: float  # tokens per row, all columns


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's varint (as FTS5 writes it): big-endian 7 bits a byte, a ninth byte of 8."""
    value = 0
    for step in range(9):
        byte = data[at + step]
        if step == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + step + 1
    raise AssertionError("unreachable")


def _varints(data: bytes) -> list[int]:
    values, at = [], 0
    while at < len(data):
        value, at = _varint(data, at)
        values.append(value)
    return values


def table_stats(conn: sqlite3.Connection, table: str) -> TableStats:
    """Rows and average row length of an FTS5 table: its averages record (rowid 1 of %_data:
    the number of rows, then the tokens of each column over all rows)."""
    if table not in TABLES:
        raise ValueError(f"not a page table: {table!r}")
    found = conn.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
    values = _varints(found[0]) if found and found[0] else [0]
    rows = values[0]
    return TableStats(rows=rows, avgdl=sum(values[1:]) / rows if rows else 0.0)


def row_lengths(conn: sqlite3.Connection, table: str, rowids: list[int]) -> dict[int, int]:
    """Tokens in all columns of each row (its %_docsize record)."""
    if table not in TABLES:
        raise ValueError(f"not a page table: {table!r}")
    marks = ", ".join("?" * len(rowids))
    sql = f"SELECT id, sz FROM {table}_docsize WHERE id IN ({marks})"
    return {rowid: sum(_varints(size)) for rowid, size in conn.execute(sql, rowids)}


def idf(rows: int, hits: int) -> float:
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else 1e-6


def bm25_term(freq: float, length: int, stats: TableStats, weight_idf: float) -> float:
    """One phrase's share of a row's BM25 score (0 when it is not in the row)."""
    if not freq:
        return 0.0
    norm = K1 * (1.0 - B + B * length / stats.avgdl)
    return weight_idf * ((freq * (K1 + 1.0)) / (freq + norm))


def instances(text: str, tokens: tuple[str, ...]) -> int:
    """How many times the phrase `tokens` stands in `text` as FTS5's unicode61 cuts it (the
    tokens of indexing/query.py), at consecutive token positions."""
    if len(tokens) == 1:
        spans = word_spans(text, tokens[0])
        if spans is not None:
            return len(spans)
    words = [text[start:end] for start, end in token_spans(text)]
    size = len(tokens)
    return sum(1 for at in range(len(words) - size + 1) if tuple(words[at : at + size]) == tokens)
