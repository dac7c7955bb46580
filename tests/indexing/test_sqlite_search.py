"""SqliteIndex.search against a brute-force reading of the records: the whole search contract
(scope, filters, date range, sort, paging, facets, content), ranked and broad.

SQLite only, whatever ELASTICSEARCH_URL says: these read the engine's inside (its rank limit, the
statements it sends); the contract itself is held on every engine by tests/indexing/conformance.py.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from indexing import SqliteIndex
from indexing.masking import MASKED as MASK_TOKEN
from indexing.query import parse_query, token_spans
from indexing.snippets import find_matches
from schemas import (
    AccessScope,
    Classification,
    Metadata,
    Page,
    PersonalData,
    Record,
    SearchFilters,
    SearchQuery,
)
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


def _found(record: Record, q: str) -> bool:
    """Brute force: some page of the record holds every part of `q` (all records for none)."""
    parts = parse_query(q).parts
    if not parts:
        return True
    return any(len({m.part for m in find_matches(p.text, parts)}) == len(parts) for p in record.pages)


def _key(value: str | None) -> str | None:
    return search_key(value.strip()) if value else None


def _passes(record: Record, filters: SearchFilters) -> bool:
    meta, c = record.metadata, record.classification
    needs_review = c.needs_review or any(p.needs_review for p in record.pages)
    checks = (
        filters.access is None or c.access in filters.access,
        filters.doc_type is None or _key(filters.doc_type) == _key(meta.doc_type),
        filters.issuer is None or _key(filters.issuer) == _key(meta.issuer),
        filters.year is None or (meta.date is not None and meta.date.year == filters.year),
        filters.needs_review is None or needs_review == filters.needs_review,
        filters.date_from is None or (meta.date is not None and meta.date >= filters.date_from),
        filters.date_to is None or (meta.date is not None and meta.date <= filters.date_to),
    )
    return all(checks)


def _expected(records: list[Record], query: SearchQuery) -> set[str]:
    classes = query.scope.classes
    return {
        r.id
        for r in records
        if (classes is None or r.classification.access in classes)
        and _passes(r, query.filters)
        and _found(r, query.q)
    }


FILTERS = (
    SearchFilters(),
    SearchFilters(access=["public"]),
    SearchFilters(doc_type="quyet dinh", year=2018),
    SearchFilters(issuer="Sở Nội vụ", needs_review=True, access=["public", "conditional"]),
    SearchFilters(date_from=dt.date(2017, 3, 1), date_to=dt.date(2020, 12, 31)),
)
SCOPES = (AccessScope(), AccessScope(classes=("public", "conditional")))


@pytest.mark.parametrize("rank_limit", [0, 3000])
@pytest.mark.parametrize("q", QUERIES)
def test_hits_and_totals_are_those_of_a_brute_force_reading(
    filled: tuple[SqliteIndex, list[Record]], q: str, rank_limit: int
) -> None:
    index, records = filled
    searched = SqliteIndex(index.path, rank_limit=rank_limit)
    try:
        for filters in FILTERS:
            for scope in SCOPES:
                query = SearchQuery(q=q, limit=200, filters=filters, scope=scope)
                result = searched.search(query)
                expected = _expected(records, query)
                assert {h.id for h in result.hits} == expected, query
                assert result.total == len(expected), query
                by_id = {r.id: r for r in records}
                assert all(h.access == by_id[h.id].classification.access for h in result.hits)
                assert all("<mark>" in h.snippet for h in result.hits if q and q != "zzz")
    finally:
        searched.close()


@pytest.mark.parametrize("q", [q for q in QUERIES if q and q != "zzz"])
def test_broad_queries_are_not_ranked_and_keep_the_set(
    filled: tuple[SqliteIndex, list[Record]], q: str
) -> None:
    index, _ = filled
    with SqliteIndex(index.path, rank_limit=0) as broad:
        found = broad.search(SearchQuery(q=q, limit=200))
    ranked = index.search(SearchQuery(q=q, limit=200))
    assert not found.ranked and ranked.ranked
    assert found.total == ranked.total
    assert {h.id for h in found.hits} == {h.id for h in ranked.hits}


def test_paging_cuts_one_order(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, _ = filled
    for q, sort in (("số hóa", "relevance"), ("so hoa", "date"), ("", "relevance")):
        whole = [h.id for h in index.search(SearchQuery(q=q, limit=200, sort=sort)).hits]
        pages = [index.search(SearchQuery(q=q, limit=7, offset=o, sort=sort)).hits for o in range(0, 70, 7)]
        assert [h.id for page in pages for h in page] == whole


def _tokens(text: str) -> set[str]:
    key = search_key(text)
    return {key[start:end] for start, end in token_spans(key)}


@pytest.mark.parametrize("word", ["phúc", "phục", "hòa", "hoà", "Đà"])
def test_broad_queries_put_exact_spelling_first_then_newest(
    filled: tuple[SqliteIndex, list[Record]], word: str
) -> None:
    index, records = filled
    with SqliteIndex(index.path, rank_limit=0) as broad:
        found = broad.search(SearchQuery(q=word, limit=200))
    by_id = {r.id: r for r in records}
    exact = search_key(word)
    order = [
        (
            not any(exact in _tokens(p.text) for p in by_id[h.id].pages),
            -(by_id[h.id].metadata.date or dt.date.min).toordinal(),
        )
        for h in found.hits
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
    found = index.search(
        SearchQuery(
            q="",
            filters=SearchFilters(doc_type="Báo cáo", access=["public", "conditional"]),
            scope=AccessScope(classes=("public", "conditional", "undetermined")),
            facets=("doc_type", "access"),
        )
    )
    visible = {"public", "conditional", "undetermined"}
    by_type = _brute(records, lambda r: r.classification.access in {"public", "conditional"})["doc_type"]
    by_access = _brute(
        records, lambda r: r.classification.access in visible and r.metadata.doc_type == "Báo cáo"
    )
    assert list(found.facets) == ["doc_type", "access"]  # the facets asked for, no others
    assert {v.value: v.count for v in found.facets["doc_type"]} == by_type
    assert {v.value: v.count for v in found.facets["access"]} == by_access["access"]
    assert found.total == by_type["Báo cáo"]


def test_the_scope_is_a_hard_limit(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, records = filled
    found = index.search(
        SearchQuery(q="", limit=200, scope=AccessScope(classes=("public",)), facets=("access",))
    )
    public = {r.id for r in records if r.classification.access == "public"}
    assert {h.id for h in found.hits} == public and found.total == len(public)
    assert [v.value for v in found.facets["access"]] == ["public"]
    assert {h.access for h in found.hits} == {"public"}
    asked_more = SearchQuery(
        q="", limit=200, filters=SearchFilters(access=["conditional"]), scope=AccessScope(classes=("public",))
    )
    assert index.search(asked_more).total == 0


def test_date_range_and_sort_by_date(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, records = filled
    low, high = dt.date(2017, 3, 1), dt.date(2020, 12, 31)
    query = SearchQuery(
        q="số hóa", limit=200, filters=SearchFilters(date_from=low, date_to=high), sort="date"
    )
    found = index.search(query)
    by_id = {r.id: r for r in records}
    dates = [by_id[h.id].metadata.date for h in found.hits]
    assert dates and all(d is not None and low <= d <= high for d in dates)
    assert dates == sorted(dates, reverse=True)
    assert found.total == len(_expected(records, query))


def test_ids_only(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, records = filled
    bare = index.search(SearchQuery(q="phúc", content=False))
    assert bare.hits and all(h.title == "" and h.snippet == "" and h.page is None for h in bare.hits)
    by_id = {r.id: r for r in records}
    assert all(h.access == by_id[h.id].classification.access for h in bare.hits)
    assert bare.facets == {}
    full = index.search(SearchQuery(q="phúc"))
    assert [h.id for h in full.hits] == [h.id for h in bare.hits]


def test_changes_are_seen_at_once(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite3")
    other = SqliteIndex(tmp_path / "index.sqlite3")  # another connection (another process)
    record = _records(1)[0].model_copy(update={"classification": Classification(access="public")})
    public = SearchQuery(q="", scope=AccessScope(classes=("public",)))
    for writer, reader in ((index, index), (other, index), (index, other)):
        writer.add(record)
        assert reader.search(public).total == 1
        writer.add(record.model_copy(update={"classification": Classification(access="not_accessible")}))
        assert reader.search(public).total == 0
        assert reader.stats().by_access["not_accessible"] == 1
        writer.delete(record.id)
        assert reader.search(SearchQuery(q="")).total == 0
        assert reader.stats().records == 0
    index.close()
    other.close()


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

    def total(low: dt.date | None, high: dt.date | None) -> int:
        filters = SearchFilters(date_from=low, date_to=high)
        return index.search(SearchQuery(q="", filters=filters)).total

    day = dt.date(2018, 6, 29)
    assert total(day, day) == 1 and total(None, day) == 1 and total(day, None) == 1
    assert total(None, dt.date(2018, 6, 28)) == 0 and total(dt.date(2018, 6, 30), None) == 0
    index.close()


def test_facet_limit_zero_gives_no_values(filled: tuple[SqliteIndex, list[Record]]) -> None:
    index, _ = filled
    found = index.search(SearchQuery(q="số hóa", facets=("doc_type", "year"), facet_limit=0))
    assert found.facets == {"doc_type": [], "year": []}
    assert found.total > 0


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
        metadata = Metadata(
            subject="Cấp lại giấy tờ cho ông Bùi Văn Thắng",
            personal_data=[PersonalData(kind="name", value="Bùi Văn Thắng")],
        )
        index.add(record.model_copy(update={"id": f"{i:031x}f", "pages": pages, "metadata": metadata}))
    return index


MASKED = AccessScope(masked=True)


@pytest.mark.parametrize(
    "q", ["số hóa", "so hoa tai lieu", "thang", '"0914 762 305"', "1976", "001076012345", "phúc", "cap lai"]
)
@pytest.mark.parametrize("rank_limit", [0, 3000])
def test_a_masked_scope_searches_and_shows_the_public_form(
    personal: SqliteIndex, q: str, rank_limit: int
) -> None:
    """Ranked and broad, a masked scope finds only what the public form holds and shows the public
    form of pages and titles (no storage read: the index keeps both)."""
    with SqliteIndex(personal.path, rank_limit=rank_limit) as index:
        found = index.search(SearchQuery(q=q, limit=200, scope=MASKED))
        full = index.search(SearchQuery(q=q, limit=200))
    assert all("Thắng" not in h.snippet and "0914" not in h.snippet for h in found.hits)
    assert all("Thắng" not in h.title for h in found.hits)
    if q in ("thang", '"0914 762 305"', "1976", "001076012345"):
        assert not any(h.id.endswith("f") for h in found.hits) and found.total == len(found.hits)
        assert any(h.id.endswith("f") for h in full.hits)
    if q == "cap lai":  # the title is not searched: its words on no page find nothing
        assert found.total == full.total == 0
    titles = {h.id: h.title for h in full.hits if h.id.endswith("f")}
    assert all("Bùi Văn Thắng" in title for title in titles.values())


def test_a_masked_scope_shows_the_public_title(personal: SqliteIndex) -> None:
    found = personal.search(SearchQuery(q="số hóa", limit=200, scope=MASKED))
    (title,) = {h.title for h in found.hits if h.id.endswith("f")}
    assert "Thắng" not in title and "•" in title
    full = personal.search(SearchQuery(q="số hóa", limit=200))
    assert {h.title for h in full.hits if h.id.endswith("f")} == {title.replace(MASK_TOKEN, "Bùi Văn Thắng")}


@pytest.mark.parametrize("rank_limit", [0, 3000])
def test_a_masked_search_never_reads_the_private_text(personal: SqliteIndex, rank_limit: int) -> None:
    """The public role's search reads pages_fts alone: a masked value is in no list it reads, so
    neither its answer nor its time can depend on it (staff's search reads private_fts)."""
    with SqliteIndex(personal.path, rank_limit=rank_limit) as index:
        index.search(SearchQuery(q=""))  # load the arrays
        statements: list[str] = []
        index._conn.set_trace_callback(statements.append)
        for q in ("thang", '"0914 762 305"', "số hóa tài liệu"):
            index.search(SearchQuery(q=q, scope=MASKED))
        assert statements and not any("private_fts" in s for s in statements)
        index.search(SearchQuery(q="thang"))
        assert any("private_fts" in s for s in statements)
