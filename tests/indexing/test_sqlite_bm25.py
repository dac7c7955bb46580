"""indexing/bm25.py scores the common parts of a ranked query as FTS5's bm25() would: the same
hits, order, scores and exact-spelling tiers either way, on generated administrative pages; and
the fast text scans (word_spans, folded_view) find what cutting every token finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.searching import SearchParams, search_as
from bench.api_records import generate_records
from indexing import SqliteIndex, browse
from indexing.bm25 import instances
from indexing.page_keys import _LOWER_FOLD, folded_view
from indexing.postings import TABLES
from indexing.query import parse_query, token_spans
from indexing.snippets import _cut_matches, find_matches

QUERIES = [
    "quyết định",
    "quyet dinh",
    "Ủy ban nhân dân",
    "kế hoạch thủy lợi",
    '"thủ tục hành chính"',
    "hồ sơ, tài liệu",
    "Nguyễn Văn",
    "du lich cong dong",
    "số hóa tài liệu lưu trữ",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SqliteIndex:
    path = Path(tmp_path_factory.mktemp("bm25")) / "index.sqlite3"
    built = SqliteIndex(path, rank_limit=100_000)  # every query ranked
    built.rebuild(generate_records(300, seed=7))
    yield built
    built.close()


def _answer(index: SqliteIndex, role: str, q: str, own: int, patch: pytest.MonkeyPatch, *, exact_kept=False):
    """`exact_kept`: the exact-spelling page lists of the query's parts in memory beforehand (they
    then tell which pages to search for the exact spelling); else they are not read for BM25."""
    patch.setattr(browse, "OWN_SCORED", own)
    index._browser.forget()
    search_as(index, role, SearchParams(q=q, limit=40))
    if exact_kept:
        with index._read("warm") as conn:
            for part in parse_query(q).parts:
                index._browser._postings.mask(conn, "exact", part.exact, TABLES)  # every table's list
    found = search_as(index, role, SearchParams(q=q, limit=40)).result
    return found.total, found.ranked, [(h.id, h.page, h.score) for h in found.hits]


@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
@pytest.mark.parametrize("q", QUERIES)
def test_common_parts_scored_here_rank_as_fts5_ranks(
    index: SqliteIndex, role: str, q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_fts5 = _answer(index, role, q, 10**12, monkeypatch)  # no part is common: bm25() alone
    for exact_kept in (False, True):  # every part is common: indexing/bm25.py
        here = _answer(index, role, q, 0, monkeypatch, exact_kept=exact_kept)
        assert by_fts5[0] > 0 and by_fts5[1] and here[:2] == by_fts5[:2]
        assert [(i, p) for i, p, _ in here[2]] == [(i, p) for i, p, _ in by_fts5[2]]
        assert [s for _, _, s in here[2]] == pytest.approx([s for _, _, s in by_fts5[2]], rel=1e-9)


def test_mixed_rare_and_common_parts_rank_as_fts5_ranks(
    index: SqliteIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rare word (a number) scored by bm25() in SQL, common ones here: one sum, one order."""
    number = next(r for r in generate_records(300, seed=7) if r.metadata.number).metadata.number
    for q in (f"{number} quyết định", f"{number} ủy ban"):
        by_fts5 = _answer(index, "archivist", q, 10**12, monkeypatch)
        mixed = _answer(index, "archivist", q, 2, monkeypatch)
        assert by_fts5[0] > 0 and mixed[:2] == by_fts5[:2]
        assert [(i, p) for i, p, _ in mixed[2]] == [(i, p) for i, p, _ in by_fts5[2]]
        assert [s for _, _, s in mixed[2]] == pytest.approx([s for _, _, s in by_fts5[2]], rel=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "an an, an-an\nan.an xan anx _an an_ 1an an1",
        "a a a a b a a",
        "số: 12/qđ-ubnd số 12 số",
        "ab\u0301 ab \u0301ab ab\ue001 \ue001ab ab",
        "",
    ],
)
@pytest.mark.parametrize("tokens", [("an",), ("a", "a"), ("số",), ("ab",), ("12", "qđ"), ("x",)])
def test_instances_count_the_tokens_fts5_cuts(text: str, tokens: tuple[str, ...]) -> None:
    words = [text[start:end] for start, end in token_spans(text)]
    expected = sum(1 for at in range(len(words)) if tuple(words[at : at + len(tokens)]) == tokens)
    assert instances(text, tokens) == expected


@pytest.mark.parametrize("q", [*QUERIES, "an", "1/QĐ-UBND", "ab\u0301", "Ông/bà"])
def test_snippet_matches_found_by_search_are_those_found_by_cutting(q: str) -> None:
    """snippets.find_matches looks for each part's first token by substring search: the same
    matches as cutting every page into tokens, and folded_view maps as str.translate does."""
    parts = parse_query(q).parts
    texts = [page.text for record in generate_records(120, seed=11) for page in record.pages]
    texts += ["an\u0301 an \u0301an Ab\u0301 ab", "ÔNG/BÀ ông bà", "İstanbul ẞ ǅ"]
    for text in texts:
        assert folded_view(text) == text.translate(_LOWER_FOLD)
        assert find_matches(text, parts) == _cut_matches(folded_view(text), parts)


@pytest.fixture(scope="module")
def broad(tmp_path_factory: pytest.TempPathFactory) -> SqliteIndex:
    """Every query here is broad: ordered by exact spelling, then newest (not ranked)."""
    path = Path(tmp_path_factory.mktemp("broad")) / "index.sqlite3"
    built = SqliteIndex(path, rank_limit=4)
    built.rebuild(generate_records(300, seed=5))
    yield built
    built.close()


def _broad_answer(index: SqliteIndex, role: str, params: SearchParams, *, exact_kept: bool):
    index._browser.forget()
    search_as(index, "archivist", SearchParams(q="zzz"))  # the arrays loaded, no list kept
    if exact_kept:
        with index._read("warm") as conn:
            for part in parse_query(params.q).parts:
                index._browser._postings.mask(conn, "exact", part.exact, TABLES)  # every table's list
    found = search_as(index, role, params).result
    return found.total, found.ranked, found.facets, [(h.id, h.page, h.snippet, h.title) for h in found.hits]


@pytest.mark.parametrize("settle_records", [32, 100_000])
@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("q", ["quyết định", "Ủy ban nhân dân", "kế hoạch", "ngân sách nhà nước", "Hà Nội"])
def test_exact_tiers_settled_from_keys_order_as_page_lists_do(
    broad: SqliteIndex, role: str, sort: str, q: str, settle_records: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broad query whose exact-spelling page lists are not in memory settles the tiers of the
    records it shows from their pages' keys (or, past SETTLE_RECORDS, reads the lists): the
    same hits, pages, snippets, totals and facets as with the lists, on every page of hits."""
    monkeypatch.setattr(browse, "SETTLE_RECORDS", settle_records)
    for offset in (0, 10, 40):
        params = SearchParams(q=q, sort=sort, offset=offset, limit=10)
        with_lists = _broad_answer(broad, role, params, exact_kept=True)
        settled = _broad_answer(broad, role, params, exact_kept=False)
        assert with_lists[0] > 0 and not with_lists[1]
        assert settled == with_lists
