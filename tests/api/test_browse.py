"""indexing.browse: the same hits as SqliteIndex.search, plus facets, date ranges, sort by date."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from indexing import SqliteIndex
from indexing.browse import Browser, BrowseRequest
from indexing.query import token_spans
from indexing.sqlite import matched_pages_sql
from schemas import Classification, Metadata, Page, PersonalData, Record, SearchFilters, SearchQuery
from vntext.normalise import search_key

WORDS = [
    "quyết",
    "định",
    "số",
    "hóa",
    "tài",
    "liệu",
    "lưu",
    "trữ",
    "Vĩnh",
    "Phúc",
    "Phú",
    "Thọ",
    "ủy",
    "ban",
    "nhân",
    "dân",
    "kế",
    "hoạch",
    "báo",
    "cáo",
    "phục",
    "hồi",
    "hạnh",
    "phúc",
    "đất",
    "đai",
    "giao",
    "thông",
    "thủy",
    "lợi",
    "hòa",
    "bình",
    "hoà",
    "giải",
    "Đà",
    "Nẵng",
    "đường",
    "phố",
]
TYPES = ("Quyết định", "Công văn", "Báo cáo", None)
ISSUERS = ("UBND TỈNH VĨNH PHÚC", "SỞ NỘI VỤ", None)
CLASSES = ("public", "conditional", "undetermined", "not_accessible")
QUERIES = [
    "", "so hoa", "số hóa", "Vĩnh Phúc", "vinh phuc", "phúc", "phuc", "phục", '"tài liệu lưu trữ"',
    "hoà", "hòa", "ủy ban", "uy ban nhan dan", "dat dai", "Đà Nẵng", "da nang", '"ke hoach" bao cao', "zzz",
]  # fmt: skip


def _records(n: int = 60, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        pages = [
            Page(number=p, text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))))
            for p in range(1, rng.randint(1, 3) + 1)
        ]
        date = dt.date(rng.randint(2015, 2022), rng.randint(1, 12), 1) if rng.random() < 0.8 else None
        records.append(
            Record(
                id=f"{i:032x}",
                source=f"r{i}.pdf",
                sha256=f"{i:064x}",
                size=1,
                media_type="application/pdf",
                page_count=len(pages),
                pages=pages,
                metadata=Metadata(
                    doc_type=rng.choice(TYPES), issuer=rng.choice(ISSUERS), date=date, subject=f"hồ sơ {i}"
                ),
                classification=Classification(
                    access=rng.choice(CLASSES),  # type: ignore[arg-type]
                    needs_review=rng.random() < 0.3,
                    retention=rng.choice(("Vĩnh viễn", "10 năm", None)),
                ),
                ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
                + dt.timedelta(minutes=rng.randint(0, 10**5)),
            )
        )
    return records


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[SqliteIndex, list[Record]]:
    index = SqliteIndex(tmp_path_factory.mktemp("browse") / "index.sqlite3")
    records = _records()
    for record in records:
        index.add(record)
    return index, records


def _same(index: SqliteIndex, browser: Browser, query: SearchQuery) -> None:
    expected = index.search(query)
    got = browser.browse(BrowseRequest(query=query)).result
    assert got.total == expected.total, query
    assert [h.id for h in got.hits] == [h.id for h in expected.hits], query
    for mine, theirs in zip(got.hits, expected.hits, strict=True):
        assert (mine.page, mine.snippet, mine.title) == (theirs.page, theirs.snippet, theirs.title)
        assert mine.score == pytest.approx(theirs.score)


@pytest.mark.parametrize("q", QUERIES)
def test_same_hits_as_the_index(filled: tuple[SqliteIndex, list[Record]], q: str) -> None:
    index, _ = filled
    browser = Browser(index.path)
    _same(index, browser, SearchQuery(q=q, limit=200))
    for filters in (
        SearchFilters(access=["public"]),
        SearchFilters(doc_type="quyet dinh", year=2018),
        SearchFilters(issuer="Sở Nội vụ", needs_review=True, access=["public", "conditional"]),
    ):
        _same(index, browser, SearchQuery(q=q, limit=7, offset=2, filters=filters))


@pytest.mark.parametrize("q", [q for q in QUERIES if q and q != "zzz"])
def test_broad_queries_keep_the_set(filled: tuple[SqliteIndex, list[Record]], q: str) -> None:
    index, _ = filled
    found = Browser(index.path, rank_limit=0).browse(BrowseRequest(query=SearchQuery(q=q, limit=200)))
    expected = index.search(SearchQuery(q=q, limit=200))
    assert not found.ranked
    assert found.result.total == expected.total
    assert {h.id for h in found.result.hits} == {h.id for h in expected.hits}
    assert all("<mark>" in h.snippet for h in found.result.hits)


def _tokens(text: str) -> set[str]:
    key = search_key(text)
    return {key[start:end] for start, end in token_spans(key)}


@pytest.mark.parametrize("word", ["phúc", "phục", "hòa", "hoà", "Đà"])
def test_broad_queries_put_exact_spelling_first_then_newest(
    filled: tuple[SqliteIndex, list[Record]], word: str
) -> None:
    index, records = filled
    found = Browser(index.path, rank_limit=0).browse(BrowseRequest(query=SearchQuery(q=word, limit=200)))
    by_id = {r.id: r for r in records}
    exact = search_key(word)
    order = [
        (
            not any(exact in _tokens(p.text) for p in by_id[h.id].pages),
            -(by_id[h.id].metadata.date or dt.date.min).toordinal(),
        )
        for h in found.result.hits
    ]
    assert order == sorted(order) and order[0][0] is False


def _brute(records: list[Record], keep) -> dict:  # noqa: ANN001
    counts: dict[str, dict] = {}
    for r in records:
        if keep(r):
            for name, value in (("access", r.classification.access), ("doc_type", r.metadata.doc_type)):
                if value is not None:
                    counts.setdefault(name, {}).setdefault(value, 0)
                    counts[name][value] += 1
    return counts


def test_facets_count_each_facet_without_its_own_filter(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, records = filled
    request = BrowseRequest(
        query=SearchQuery(q="", filters=SearchFilters(doc_type="Báo cáo", access=["public", "conditional"])),
        visible=("public", "conditional", "undetermined"),
    )
    found = Browser(index.path).browse(request)
    visible = {"public", "conditional", "undetermined"}
    by_type = _brute(records, lambda r: r.classification.access in {"public", "conditional"})["doc_type"]
    by_access = _brute(
        records, lambda r: r.classification.access in visible and r.metadata.doc_type == "Báo cáo"
    )
    assert {v.value: v.count for v in found.facets["doc_type"]} == by_type
    assert {v.value: v.count for v in found.facets["access"]} == by_access["access"]
    assert found.result.total == by_type["Báo cáo"]


def test_visible_classes_are_a_hard_limit(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, records = filled
    request = BrowseRequest(
        query=SearchQuery(q="", limit=200, filters=SearchFilters(access=None)), visible=("public",)
    )
    found = Browser(index.path).browse(request)
    public = {r.id for r in records if r.classification.access == "public"}
    assert {h.id for h in found.result.hits} == public and found.result.total == len(public)
    assert [v.value for v in found.facets["access"]] == ["public"]
    assert set(found.access.values()) == {"public"}


def test_date_range_and_sort_by_date(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, records = filled
    low, high = dt.date(2017, 3, 1), dt.date(2020, 12, 31)
    request = BrowseRequest(
        query=SearchQuery(q="số hóa", limit=200), date_from=low, date_to=high, sort="date"
    )
    found = Browser(index.path).browse(request)
    by_id = {r.id: r for r in records}
    dates = [by_id[h.id].metadata.date for h in found.result.hits]
    assert dates and all(d is not None and low <= d <= high for d in dates)
    assert dates == sorted(dates, reverse=True)
    matching = index.search(SearchQuery(q="số hóa", limit=200))
    assert found.result.total == sum(
        1 for h in matching.hits if by_id[h.id].metadata.date and low <= by_id[h.id].metadata.date <= high
    )


def test_ids_only_and_redaction(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, _ = filled
    browser = Browser(index.path)
    bare = browser.browse(BrowseRequest(query=SearchQuery(q="phúc"), content=False, facets=False))
    assert bare.result.hits and all(h.title == "" and h.snippet == "" for h in bare.result.hits)
    assert bare.facets == {}
    shouted = browser.browse(
        BrowseRequest(query=SearchQuery(q="phúc"), redact=lambda _id, text: text.upper())
    )
    assert all(h.title.isupper() for h in shouted.result.hits)


def test_changes_are_seen_at_once(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite3")
    record = _records(1)[0].model_copy(update={"classification": Classification(access="public")})
    index.add(record)
    browser = Browser(index.path)
    public = BrowseRequest(query=SearchQuery(q=""), visible=("public",))
    assert browser.browse(public).result.total == 1
    index.add(record.model_copy(update={"classification": Classification(access="not_accessible")}))
    assert browser.browse(public).result.total == 0
    index.delete(record.id)
    assert browser.browse(BrowseRequest(query=SearchQuery(q=""))).result.total == 0
    assert browser.stats().records == 0


def _dated(record_id: str, date: dt.date) -> Record:
    return _records(1)[0].model_copy(
        update={
            "id": record_id,
            "metadata": Metadata(date=date),
            "classification": Classification(access="public"),
        }
    )


def test_date_range_includes_both_end_days(tmp_path: Path) -> None:
    """date_from = date_to = the record's date finds it (issue 12: it was one day off)."""
    index = SqliteIndex(tmp_path / "index.sqlite3")
    index.add(_dated("a" * 32, dt.date(2018, 6, 29)))
    browser = Browser(index.path)

    def total(low: dt.date | None, high: dt.date | None) -> int:
        return browser.browse(
            BrowseRequest(query=SearchQuery(q=""), date_from=low, date_to=high)
        ).result.total

    day = dt.date(2018, 6, 29)
    assert total(day, day) == 1 and total(None, day) == 1 and total(day, None) == 1
    assert total(None, dt.date(2018, 6, 28)) == 0 and total(dt.date(2018, 6, 30), None) == 0


def test_facet_limit_zero_gives_no_values(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, _ = filled
    found = Browser(index.path).browse(BrowseRequest(query=SearchQuery(q="số hóa"), facet_limit=0))
    assert found.facets and all(values == [] for values in found.facets.values())
    assert found.result.total > 0


PERSONAL_TEXT = "Ông Bùi Văn Thắng sinh năm 1976, CCCD 001076012345, điện thoại 0914 762 305, số hóa tài liệu"


@pytest.fixture(scope="module")
def personal(tmp_path_factory: pytest.TempPathFactory) -> SqliteIndex:
    index = SqliteIndex(tmp_path_factory.mktemp("personal") / "index.sqlite3")
    for record in _records(40, seed=3):
        index.add(record)
    for i in range(3):
        record = _records(1, seed=i)[0]
        pages = [
            Page(number=1, text=PERSONAL_TEXT),
            *[p.model_copy(update={"number": 2}) for p in record.pages[:1]],
        ]
        metadata = Metadata(personal_data=[PersonalData(kind="name", value="Bùi Văn Thắng")])
        index.add(record.model_copy(update={"id": f"{i:031x}f", "pages": pages, "metadata": metadata}))
    return index


@pytest.mark.parametrize(
    "q", ["số hóa", "so hoa tai lieu", "thang", '"0914 762 305"', "1976", "001076012345", "phúc"]
)
@pytest.mark.parametrize("rank_limit", [0, 3000])
def test_masked_browse_matches_the_index(personal: SqliteIndex, q: str, rank_limit: int) -> None:
    """Ranked and broad, the browser searches the public form exactly as SqliteIndex does."""
    query = SearchQuery(q=q, limit=200, masked=True)
    found = Browser(personal.path, rank_limit=rank_limit).browse(BrowseRequest(query=query)).result
    expected = personal.search(query)
    assert found.total == expected.total and {h.id for h in found.hits} == {h.id for h in expected.hits}
    assert all("Thắng" not in h.snippet and "0914" not in h.snippet for h in found.hits)
    if q in ("thang", '"0914 762 305"', "1976", "001076012345"):
        assert not any(h.id.endswith("f") for h in found.hits)
        assert any(h.id.endswith("f") for h in personal.search(SearchQuery(q=q, limit=200)).hits)


@pytest.mark.parametrize("rank_limit", [0, 3000])
def test_a_masked_search_never_reads_the_private_text(personal: SqliteIndex, rank_limit: int) -> None:
    """The public role's search reads pages_fts alone: a masked value is in no list it reads, so
    neither its answer nor its time can depend on it (staff's search reads private_fts)."""
    browser = Browser(personal.path, rank_limit=rank_limit)
    browser.browse(BrowseRequest(query=SearchQuery(q="")))  # open the connection
    statements: list[str] = []
    browser._conn.set_trace_callback(statements.append)  # type: ignore[union-attr]
    for q in ("thang", '"0914 762 305"', "số hóa tài liệu"):
        browser.browse(BrowseRequest(query=SearchQuery(q=q, masked=True)))
    assert statements and not any("private_fts" in s for s in statements)
    assert "private_fts" not in matched_pages_sql(masked=True, ranked=True, exact=True)
    browser.browse(BrowseRequest(query=SearchQuery(q="thang")))
    assert any("private_fts" in s for s in statements)
