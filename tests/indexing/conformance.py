"""The conformance suite every SearchIndex backend must pass: SQLite FTS5 and Elasticsearch.

It holds each engine to the whole search contract (schemas/search.py): matching and ranking,
phrases, snippets, filters, facets, date ranges, sort, paging, the access scope and the masked
(public) form, ids-only results, per-hit access classes, stats and maintenance. The cases are
engine-neutral: they speak only the SearchIndex protocol (indexing/base.py).

Each test takes an `index` fixture: a factory returning a fresh, empty index. A backend's test
module defines that fixture and imports these tests: test_sqlite_conformance.py (always run) and
test_elastic_conformance.py (run when ELASTICSEARCH_URL names a cluster).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from indexing.base import SearchIndex
from indexing.masking import MASKED
from schemas import (
    AccessScope,
    Classification,
    DossierLink,
    FacetValue,
    IndexStats,
    Metadata,
    Page,
    PersonalData,
    Record,
    SearchFilters,
    SearchQuery,
    SearchResult,
)
from vntext.normalise import fold

IndexFactory = Callable[[], SearchIndex]

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def make_record(
    record_id: str,
    *texts: str,
    subject: str | None = None,
    doc_type: str | None = None,
    issuer: str | None = None,
    date: dt.date | None = None,
    access: str = "public",
    needs_review: bool = False,
    review_pages: tuple[int, ...] = (),
    ingested_at: dt.datetime | None = None,
    retention: str | None = None,
    province: str | None = None,
    province_present: str | None = None,
    dossier: tuple[str, int] | None = None,
) -> Record:
    """A record whose page n+1 holds texts[n]; `province` as named on its date, `province_present`
    the province it lies in today; `dossier`: (the dossier's id, its order in it) for a document
    of a dossier."""
    pages = [
        Page(number=n, text=text, needs_review=n in review_pages) for n, text in enumerate(texts, start=1)
    ]
    extra: dict[str, object] = {"ingested_at": ingested_at} if ingested_at else {}
    if dossier is not None:
        dossier_id, order = dossier
        scan_pages = [10 * order + n for n in range(max(len(pages), 1))]
        extra["dossier"] = DossierLink(
            dossier=dossier_id, code=f"{dossier_id}-code", order=order, pages=scan_pages
        )
    return Record(
        id=record_id,
        source=f"{record_id}.pdf",
        sha256=record_id.ljust(64, "0"),
        size=1000,
        media_type="application/pdf",
        page_count=len(pages),
        pages=pages,
        metadata=Metadata(
            subject=subject,
            doc_type=doc_type,
            issuer=issuer,
            date=date,
            province=province,
            province_present=province_present,
        ),
        classification=Classification(access=access, needs_review=needs_review, retention=retention),
        **extra,
    )


def filled(index: IndexFactory, *records: Record) -> SearchIndex:
    fresh = index()
    for record in records:
        fresh.add(record)
    return fresh


def search(idx: SearchIndex, q: str, **kwargs: object) -> SearchResult:
    """`filters` as a dict; the scope as `classes` (None: every class) and `masked`."""
    filters = kwargs.pop("filters", None) or {}
    scope = AccessScope(classes=kwargs.pop("classes", None), masked=kwargs.pop("masked", False))
    return idx.search(SearchQuery(q=q, filters=SearchFilters(**filters), scope=scope, **kwargs))


def ids(idx: SearchIndex, q: str, **kwargs: object) -> list[str]:
    return [hit.id for hit in search(idx, q, limit=200, **kwargs).hits]


def marked(snippet: str) -> list[str]:
    """The words inside <mark>…</mark>, unescaped, in order."""
    return [word for span in _MARK.findall(snippet) for word in html.unescape(span).split()]


def plain(snippet: str) -> str:
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))


# Unrelated pages, so that BM25's document frequencies are not degenerate in tiny indexes.
FILLER = [
    make_record(f"filler-{n}", f"Biên bản họp thường kỳ lần {n} của hội đồng về công tác văn thư")
    for n in range(4)
]

# -- accent-insensitive matching: folding, đ, tone placement -----------------------------------

# (text in the document, query as typed): every row must find the document.
FOLDING_ROWS = [
    ("Đảng ủy xã", "dang uy"),
    ("ĐẢNG ỦY XÃ", "đảng ủy"),
    ("đường giao thông", "DUONG"),
    ("Ủy ban nhân dân tỉnh Vĩnh Phúc", "vinh phuc"),
    ("QUYẾT ĐỊNH", "quyet dinh"),
    ("đảng uỷ", "Đảng ủy"),  # tone written on the other vowel
    ("hoà bình", "hòa bình"),
    ("hòa bình", "hoà bình"),
    ("thuỷ lợi", "thủy lợi"),
    ("sức khoẻ", "sức khỏe"),
    ("Nguyễn Văn Đức", "nguyen van duc"),
    ("Số: 2154/QĐ-UBND", "qd-ubnd"),
]


@pytest.mark.parametrize(("text", "query"), FOLDING_ROWS)
def test_folded_and_respelled_queries_find_the_text(index: IndexFactory, text: str, query: str) -> None:
    idx = filled(index, make_record("target", text), *FILLER)
    assert ids(idx, query) == ["target"]


# Each base letter with its marked forms (huyền, sắc, hỏi, ngã, nặng; đ for d).
TONE_ROWS = {
    "a": "àáảãạ",
    "ă": "ằắẳẵặ",
    "â": "ầấẩẫậ",
    "e": "èéẻẽẹ",
    "ê": "ềếểễệ",
    "i": "ìíỉĩị",
    "o": "òóỏõọ",
    "ô": "ồốổỗộ",
    "ơ": "ờớởỡợ",
    "u": "ùúủũụ",
    "ư": "ừứửữự",
    "y": "ỳýỷỹỵ",
    "d": "đ",
}


@pytest.mark.parametrize(("base", "marked_forms"), TONE_ROWS.items())
def test_every_tone_mark_folds_and_the_exact_spelling_ranks_first(
    index: IndexFactory, base: str, marked_forms: str
) -> None:
    words = {f"x{letter}n" if base != "d" else f"{letter}ao" for letter in base + marked_forms}
    idx = filled(index, *(make_record(word, f"chữ {word} ở đây") for word in words), *FILLER)
    plain_word = fold(next(iter(words)))
    assert sorted(ids(idx, plain_word)) == sorted(words)
    for word in words:
        assert ids(idx, word.upper())[0] == word, word


# -- phrases ---------------------------------------------------------------------------------


@pytest.fixture
def phrase_index(index: IndexFactory) -> SearchIndex:
    return filled(
        index,
        make_record("together", "Ủy ban nhân dân tỉnh Vĩnh Phúc ban hành quyết định"),
        make_record("apart", "nhân viên văn phòng và người dân trong tỉnh"),
        *FILLER,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"nhân dân"', ["together"]),  # exact form
        ('"nhan dan"', ["together"]),  # folded form
        ('"NHÂN DÂN TỈNH"', ["together"]),
        ('"Vinh Phúc"', ["together"]),  # mixed: folded match
        ('"dân nhân"', []),  # order matters
        ('"nhân tỉnh"', []),  # words apart
        ("nhân dân", ["apart", "together"]),  # bare words: anywhere on the page
    ],
)
def test_phrases_match_adjacent_words_in_order(
    phrase_index: SearchIndex, query: str, expected: list[str]
) -> None:
    assert sorted(ids(phrase_index, query)) == expected


# -- ranking, grouping, paging ---------------------------------------------------------------


def test_exact_spelling_ranks_above_folded_only_match(index: IndexFactory) -> None:
    idx = filled(
        index,
        make_record("phuc-dot", "Lễ hội làng Phục năm nay"),
        make_record("phuc-acute", "Lễ hội làng Phúc năm nay"),
        *FILLER,
    )
    assert ids(idx, "Phúc") == ["phuc-acute", "phuc-dot"]
    assert ids(idx, "phục") == ["phuc-dot", "phuc-acute"]
    assert sorted(ids(idx, "phuc")) == ["phuc-acute", "phuc-dot"]


def test_exact_spelling_ranks_first_even_when_the_word_is_common(index: IndexFactory) -> None:
    # "Phúc" is on most pages, so BM25 gives it almost no weight; "lợi" decides the score.
    common = [make_record(f"common-{n}", f"Vĩnh Phúc công văn số {n}") for n in range(6)]
    idx = filled(
        index,
        make_record("a-dot", "Phục lợi"),
        make_record("b-acute", "Phúc lợi năm nay của toàn thể cán bộ công chức trong cơ quan"),
        *common,
    )
    assert ids(idx, "Phúc lợi") == ["b-acute", "a-dot"]
    assert ids(idx, "Phục lợi") == ["a-dot", "b-acute"]


def test_hits_are_grouped_per_record_and_name_the_best_page(index: IndexFactory) -> None:
    book = make_record(
        "book",
        "Lời giới thiệu về kho lưu trữ tỉnh",
        "Mục lục hồ sơ",
        "Kho lưu trữ chuyên dụng, kho lưu trữ tạm, kho lưu trữ điện tử",
        "Phụ lục bảng biểu",
    )
    idx = filled(index, book, make_record("other", "Danh mục tài liệu"), *FILLER)
    result = search(idx, "kho lưu trữ")
    assert result.total == 1
    assert [(hit.id, hit.page) for hit in result.hits] == [("book", 3)]
    assert [(hit.id, hit.page) for hit in search(idx, "mục lục").hits] == [("book", 2)]


def test_hit_carries_the_record_title(index: IndexFactory) -> None:
    record = make_record("qd", "nội dung", subject="Về việc số hóa", doc_type="Quyết định")
    idx = filled(index, record, make_record("bare", "nội dung khác"))
    titles = {hit.id: hit.title for hit in search(idx, "nội dung").hits}
    assert titles == {"qd": record.title, "bare": "Tài liệu (không có trích yếu)"}  # never the file name


@pytest.mark.parametrize("q", ["báo cáo", ""])
def test_paging_walks_every_record_once(index: IndexFactory, q: str) -> None:
    idx = filled(index, *(make_record(f"r{n:02}", f"Báo cáo tổng kết số {n}") for n in range(25)))
    pages = [search(idx, q, limit=10, offset=offset) for offset in (0, 10, 20, 30)]
    assert [page.total for page in pages] == [25] * 4
    assert [len(page.hits) for page in pages] == [10, 10, 5, 0]
    seen = [hit.id for page in pages for hit in page.hits]
    assert sorted(seen) == [f"r{n:02}" for n in range(25)]


def test_empty_query_lists_newest_documents_first(index: IndexFactory) -> None:
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    idx = filled(
        index,
        make_record("y2018", "a", date=dt.date(2018, 5, 1), ingested_at=at),
        make_record("undated-old", "b", ingested_at=at),
        make_record("y2021", "c", date=dt.date(2021, 1, 2), ingested_at=at),
        make_record("undated-new", "d", ingested_at=at + dt.timedelta(days=1)),
        make_record("y2020", "e", date=dt.date(2020, 12, 31), ingested_at=at),
    )
    assert ids(idx, "") == ["y2021", "y2020", "y2018", "undated-new", "undated-old"]


def test_record_without_pages_is_listed_but_never_matched(index: IndexFactory) -> None:
    idx = filled(index, make_record("blank"))
    result = search(idx, "")
    assert [(hit.id, hit.page, hit.snippet) for hit in result.hits] == [("blank", None, "")]
    assert search(idx, "bất kỳ").total == 0


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
def filter_index(index: IndexFactory) -> SearchIndex:
    return filled(
        index,
        make_record(
            "a", "hồ sơ a", doc_type="Quyết định", issuer="UBND tỉnh Vĩnh Phúc",
            date=dt.date(2019, 5, 2), access="public",
        ),
        make_record(
            "b", "hồ sơ b", doc_type="Công văn", issuer="Sở Nội vụ",
            date=dt.date(2020, 1, 1), access="conditional", needs_review=True,
        ),
        make_record(
            "c", "hồ sơ c", "trang hai", doc_type="Quyết định", issuer="Sở Nội vụ",
            date=dt.date(2020, 3, 3), access="not_accessible", review_pages=(2,),
        ),
        make_record("d", "hồ sơ d", access="undetermined", needs_review=True),
    )  # fmt: skip


FILTER_ROWS = [
    ({}, "abcd"),
    ({"doc_type": "Quyết định"}, "ac"),
    ({"year": 2020}, "bc"),
    ({"issuer": "Sở Nội vụ"}, "bc"),
    ({"access": ["public", "conditional"]}, "ab"),
    ({"access": ["undetermined"]}, "d"),
    ({"access": []}, ""),
    ({"needs_review": True}, "bcd"),  # c: one of its pages needs review
    ({"needs_review": False}, "a"),
    ({"doc_type": "Quyết định", "year": 2020}, "c"),
    ({"doc_type": "Quyết định", "access": ["public"], "year": 2020}, ""),
    ({"doc_type": "Chỉ thị"}, ""),
]


@pytest.mark.parametrize("q", ["hồ sơ", "ho so", ""])
@pytest.mark.parametrize(("filters", "expected"), FILTER_ROWS)
def test_filters_restrict_hits_and_total(
    filter_index: SearchIndex, q: str, filters: dict, expected: str
) -> None:
    result = search(filter_index, q, filters=filters, limit=200)
    assert sorted(hit.id for hit in result.hits) == list(expected)
    assert result.total == len(expected)


def _in_province(record_id: str, issuer: str, then: str, now: str, date: dt.date) -> Record:
    record = make_record(record_id, f"hồ sơ {record_id}", issuer=issuer, date=date)
    meta = record.metadata.model_copy(update={"province": then, "province_present": now})
    return record.model_copy(update={"metadata": meta})


@pytest.mark.parametrize(
    ("province", "expected"),
    [("Phú Thọ", "ab"), ("Vĩnh Phúc", "a"), ("  phú thọ ", "ab"), ("Bắc Ninh", "c"), ("Hà Nội", "")],
)
def test_province_filter_finds_records_under_the_name_then_or_now(
    index: IndexFactory, province: str, expected: str
) -> None:
    """A 2018 record of tỉnh Vĩnh Phúc is found under today's Phú Thọ and under its own name."""
    idx = filled(
        index,
        _in_province("a", "Ủy ban nhân dân tỉnh Vĩnh Phúc", "Vĩnh Phúc", "Phú Thọ", dt.date(2018, 6, 29)),
        _in_province("b", "Ủy ban nhân dân tỉnh Phú Thọ", "Phú Thọ", "Phú Thọ", dt.date(2019, 9, 12)),
        _in_province("c", "Sở Nội vụ tỉnh Bắc Ninh", "Bắc Ninh", "Bắc Ninh", dt.date(2021, 4, 8)),
    )
    result = search(idx, "", filters={"province": province}, limit=200)
    assert sorted(hit.id for hit in result.hits) == list(expected)


# -- snippets --------------------------------------------------------------------------------

LONG_PAGE = (
    "Căn cứ Luật Lưu trữ và các văn bản hướng dẫn thi hành. " * 40
    + "Giao Ủy ban nhân dân tỉnh Vĩnh Phúc chủ trì thực hiện. "
    + "Các sở, ngành phối hợp triển khai theo kế hoạch. " * 40
)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("vinh phuc", ["Vĩnh", "Phúc"]),  # folded query: original spelling is marked
        ("Vĩnh Phúc", ["Vĩnh", "Phúc"]),
        ('"ủy ban nhân dân"', ["Ủy", "ban", "nhân", "dân"]),
    ],
)
def test_snippet_marks_the_matched_original_words(index: IndexFactory, query: str, words: list[str]) -> None:
    idx = filled(index, make_record("long", LONG_PAGE), *FILLER)
    (hit,) = search(idx, query).hits
    assert marked(hit.snippet) == words
    text = plain(hit.snippet)
    assert "Vĩnh Phúc" in text
    assert 100 <= len(text) <= 300


def test_snippet_shows_the_original_tone_placement(index: IndexFactory) -> None:
    idx = filled(index, make_record("uy", "Ban thường vụ đảng uỷ xã"), *FILLER)
    (hit,) = search(idx, "Đảng ủy").hits
    assert marked(hit.snippet) == ["đảng", "uỷ"]


def test_snippet_is_html_escaped(index: IndexFactory) -> None:
    page = "<script>alert('x')</script> Công ty A & B tại Vĩnh Phúc"
    idx = filled(index, make_record("xss", page), *FILLER)
    for query, words in [("vinh phuc", ["Vĩnh", "Phúc"]), ("script", ["script", "script"])]:
        (hit,) = search(idx, query).hits
        assert "<script>" not in hit.snippet and "</script>" not in hit.snippet
        assert "&lt;" in hit.snippet and "&amp;" in hit.snippet
        assert marked(hit.snippet) == words
        assert _MARK.sub("", hit.snippet).count("<") == 0  # only our <mark> tags are markup


# -- user input that looks like syntax -------------------------------------------------------

JUNK_QUERIES = [
    '"',
    '""',
    '"unbalanced phrase',
    "AND",
    "OR NOT",
    "a*",
    "*",
    "(",
    ")",
    "-x",
    "NEAR(",
    "NEAR(a b, 2)",
    "^start",
    "col:value",
    "exact:phrase",
    "{exact folded}: x",
    "a + b",
    "'; DROP TABLE records; --",
    "\\",
    "\x00",
    "🙂",
]


@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_queries_are_plain_text(index: IndexFactory, query: str) -> None:
    idx = filled(index, make_record("words", "AND or not NEAR a x start col value"), *FILLER)
    result = search(idx, query)
    assert result.total == len(result.hits)  # well-formed, and small enough for one page
    assert idx.count() == 5


def test_operator_words_are_searched_as_words(index: IndexFactory) -> None:
    idx = filled(index, make_record("words", "rock and roll, near the sea"), *FILLER)
    assert ids(idx, "AND") == ["words"]
    assert ids(idx, "NEAR(") == ["words"]
    assert ids(idx, "-roll") == ["words"]
    assert ids(idx, '"rock AND') == ["words"]
    assert ids(idx, "OR") == []
    assert search(idx, "(").total == 5  # nothing searchable: everything, as for ""


# -- maintenance: replace, delete, clear, concurrency ----------------------------------------


def test_add_replaces_an_earlier_version(index: IndexFactory) -> None:
    idx = index()
    idx.add(make_record("doc", "nội dung bản cũ", "trang hai bản cũ", doc_type="Công văn"))
    idx.add(make_record("doc", "nội dung bản mới", doc_type="Quyết định"))
    assert idx.count() == 1
    assert ids(idx, "bản mới") == ["doc"]
    assert ids(idx, "bản cũ") == []
    assert ids(idx, "trang hai") == []
    assert ids(idx, "", filters={"doc_type": "Công văn"}) == []
    assert ids(idx, "", filters={"doc_type": "Quyết định"}) == ["doc"]


def test_delete_has_count_clear_ping(index: IndexFactory) -> None:
    idx = filled(index, make_record("one", "văn bản một"), make_record("two", "văn bản hai"))
    idx.ping()
    assert (idx.count(), idx.has("one"), idx.has("nope")) == (2, True, False)
    idx.delete("one")
    idx.delete("nope")  # deleting what is not there is not an error
    assert (idx.count(), idx.has("one")) == (1, False)
    assert ids(idx, "văn bản") == ["two"]
    assert (idx.access_of("two"), idx.access_of("one"), idx.access_of("nope")) == ("public", None, None)
    idx.add(make_record("two", "văn bản hai", access="conditional"))
    assert idx.access_of("two") == "conditional"
    idx.clear()
    assert idx.count() == 0
    assert search(idx, "").total == 0
    idx.add(make_record("one", "văn bản một"))
    assert ids(idx, "một") == ["one"]


def test_concurrent_adds_from_threads(index: IndexFactory) -> None:
    idx = index()
    records = [make_record(f"t{n:02}", f"tài liệu chung mã{n:02}", f"trang {n}") for n in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(idx.add, records + records[:10]))  # some twice, at the same time
    assert idx.count() == 40
    assert search(idx, "tài liệu chung").total == 40
    assert all(ids(idx, f"mã{n:02}") == [f"t{n:02}"] for n in range(0, 40, 7))


# -- the public form (AccessScope.masked) -----------------------------------------------------

PERSONAL_PAGE = (
    "Quyết định cấp lại giấy tờ cho ông Bùi Văn Thắng, sinh năm 1976, CCCD số 001076012345, "
    "điện thoại 0914 762 305, trú tại thôn Đông."
)
PLAIN_PAGE = "Quyết định cấp lại giấy tờ cho các hộ dân trú tại thôn Đông."


def _personal_record(record_id: str) -> Record:
    record = make_record(record_id, PERSONAL_PAGE)
    record.metadata.personal_data = [
        PersonalData(kind="name", value="Bùi Văn Thắng", page=1),
        PersonalData(kind="cccd", value="001076012345", page=1),
    ]
    return record


@pytest.fixture
def public_form_index(index: IndexFactory) -> SearchIndex:
    return filled(index, _personal_record("pd"), make_record("plain", PLAIN_PAGE), *FILLER)


@pytest.mark.parametrize(
    ("q", "in_full_text"),
    [
        ("001076012345", True),
        ('"001 076 012 345"', False),
        ("0914762305", False),
        ('"0914 762 305"', True),
        ("762", True),
        ("0914", True),
        ('"bui van thang"', True),
        ("Thắng", True),
        ("thang", True),
        ('"sinh nam 1976"', True),
        ("1976", True),
    ],
)
def test_masked_query_never_matches_personal_data(
    public_form_index: SearchIndex, q: str, in_full_text: bool
) -> None:
    """The public form of a page holds no personal data: no query finds it there, while the full
    text (staff) still finds what it holds."""
    assert ids(public_form_index, q, masked=True) == []
    assert search(public_form_index, q, masked=True).total == 0
    assert ids(public_form_index, q) == (["pd"] if in_full_text else [])


def test_masked_query_finds_the_rest_of_the_page_with_a_masked_snippet(
    public_form_index: SearchIndex,
) -> None:
    result = search(public_form_index, "thôn Đông", masked=True, limit=200)
    assert sorted(hit.id for hit in result.hits) == ["pd", "plain"] and result.total == 2
    (hit,) = [h for h in result.hits if h.id == "pd"]
    text = plain(hit.snippet)
    assert "Thắng" not in text and "0914" not in text and "1976" not in text and "•" in text
    assert marked(hit.snippet) == ["thôn", "Đông"]


def test_masked_and_full_searches_agree_on_pages_without_personal_data(index: IndexFactory) -> None:
    idx = filled(
        index, make_record("a", PLAIN_PAGE), make_record("b", "Kế hoạch phòng chống lụt bão"), *FILLER
    )
    for q in ("thôn Đông", "ke hoach", '"phòng chống"', ""):
        assert ids(idx, q, masked=True) == ids(idx, q)


# -- the search contract: facets, date range, sort, paging, scope, ids only, stats -------------

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ALL_FACETS = ("doc_type", "issuer", "province", "year", "access", "retention", "needs_review")


def _catalogued(
    record_id: str,
    doc_type: str | None,
    issuer: str | None,
    provinces: tuple[str, str] | None,
    date: dt.date | None,
    access: str,
    retention: str | None,
    **kwargs: object,
) -> Record:
    texts = kwargs.pop("texts", (f"Hồ sơ lưu trữ {record_id}",))
    then, now = provinces or (None, None)
    return make_record(
        record_id,
        *texts,
        doc_type=doc_type,
        issuer=issuer,
        date=date,
        access=access,
        retention=retention,
        province=then,
        province_present=now,
        ingested_at=AT,
        **kwargs,
    )


VP, PT, BN = ("Vĩnh Phúc", "Phú Thọ"), ("Phú Thọ", "Phú Thọ"), ("Bắc Ninh", "Bắc Ninh")
# Six records hold "hồ sơ lưu trữ"; z does not.
CATALOGUE = [
    _catalogued("a", "Quyết định", "UBND tỉnh Vĩnh Phúc", VP, dt.date(2019, 5, 2), "public", "Vĩnh viễn"),
    _catalogued(
        "b", "Công văn", "Sở Nội vụ", PT, dt.date(2020, 1, 1), "conditional", "20 năm", needs_review=True
    ),
    _catalogued(
        "c", "Quyết định", "Sở Nội vụ", PT, dt.date(2020, 3, 3), "not_accessible", "Vĩnh viễn",
        texts=("Hồ sơ lưu trữ c", "trang hai về mật mã"), review_pages=(2,),
    ),
    _catalogued("d", None, None, None, None, "undetermined", None, needs_review=True),
    _catalogued("e", "Quyết định", "Sở Nội vụ", BN, dt.date(2021, 7, 1), "public", "Vĩnh viễn"),
    _catalogued("f", "Báo cáo", "UBND tỉnh Vĩnh Phúc", VP, dt.date(2018, 12, 31), "public", "20 năm"),
    _catalogued(
        "z", "Công văn", "Sở Tài chính", BN, dt.date(2022, 2, 2), "public", "20 năm",
        texts=("Kế hoạch phòng chống lụt bão",),
    ),
]  # fmt: skip
Q = "hồ sơ lưu trữ"


def fv(*pairs: tuple[str | int | bool, int]) -> list[FacetValue]:
    return [FacetValue(value=value, count=count) for value, count in pairs]


@pytest.fixture
def catalogue(index: IndexFactory) -> SearchIndex:
    return filled(index, *CATALOGUE)


def test_facets_count_the_records_the_query_matched(catalogue: SearchIndex) -> None:
    result = search(catalogue, Q, facets=ALL_FACETS)
    assert result.total == 6
    assert result.facets == {
        "doc_type": fv(("Quyết định", 3), ("Báo cáo", 1), ("Công văn", 1)),  # z not matched
        "issuer": fv(("Sở Nội vụ", 3), ("UBND tỉnh Vĩnh Phúc", 2)),
        "province": fv(("Phú Thọ", 4), ("Bắc Ninh", 1)),  # the province it lies in today
        "year": fv((2021, 1), (2020, 2), (2019, 1), (2018, 1)),  # latest first, undated not counted
        "access": fv(("public", 3), ("conditional", 1), ("not_accessible", 1), ("undetermined", 1)),
        "retention": fv(("Vĩnh viễn", 3), ("20 năm", 2)),
        "needs_review": fv((True, 3), (False, 3)),
    }
    assert search(catalogue, "lụt bão", facets=("doc_type", "year")).facets == {
        "doc_type": fv(("Công văn", 1)),
        "year": fv((2022, 1)),
    }


@pytest.mark.parametrize("q", [Q, "ho so luu tru", ""])
def test_each_facet_is_counted_under_every_filter_but_its_own(catalogue: SearchIndex, q: str) -> None:
    result = search(
        catalogue, q, filters={"doc_type": "Quyết định", "year": 2020}, facets=ALL_FACETS, limit=200
    )
    assert [hit.id for hit in result.hits] == ["c"] and result.total == 1
    assert result.facets["doc_type"] == fv(("Công văn", 1), ("Quyết định", 1))  # under year 2020 only
    assert result.facets["year"] == fv((2021, 1), (2020, 1), (2019, 1))  # under Quyết định only
    assert result.facets["issuer"] == fv(("Sở Nội vụ", 1))  # under both
    assert result.facets["access"] == fv(("not_accessible", 1))
    assert result.facets["needs_review"] == fv((True, 1))


def test_a_filtered_province_keeps_the_other_provinces_in_its_facet(catalogue: SearchIndex) -> None:
    result = search(catalogue, Q, filters={"province": "Vĩnh Phúc"}, facets=("province", "doc_type"))
    assert result.total == 2  # a and f: Vĩnh Phúc on their date, Phú Thọ today
    assert result.facets == {
        "province": fv(("Phú Thọ", 4), ("Bắc Ninh", 1)),
        "doc_type": fv(("Báo cáo", 1), ("Quyết định", 1)),
    }


def test_facet_limit_keeps_the_most_frequent_values_and_the_latest_years(catalogue: SearchIndex) -> None:
    one = search(catalogue, Q, facets=ALL_FACETS, facet_limit=1).facets
    assert one == {
        "doc_type": fv(("Quyết định", 3)),
        "issuer": fv(("Sở Nội vụ", 3)),
        "province": fv(("Phú Thọ", 4)),
        "year": fv((2021, 1)),
        "access": fv(("public", 3)),
        "retention": fv(("Vĩnh viễn", 3)),
        "needs_review": fv((True, 3)),
    }
    two = search(catalogue, Q, facets=("doc_type", "year", "access"), facet_limit=2).facets
    assert two == {
        "doc_type": fv(("Quyết định", 3), ("Báo cáo", 1)),  # a tie is cut by value
        "year": fv((2021, 1), (2020, 2)),
        "access": fv(("public", 3), ("conditional", 1)),
    }
    assert search(catalogue, Q, facets=("doc_type", "year"), facet_limit=0).facets == {
        "doc_type": [],
        "year": [],
    }


def test_only_the_requested_facets_are_returned(catalogue: SearchIndex) -> None:
    assert search(catalogue, Q).facets == {}
    assert list(search(catalogue, Q, facets=("year", "access")).facets) == ["year", "access"]
    assert list(search(catalogue, Q, facets=("access", "doc_type", "year")).facets) == [
        "access",
        "doc_type",
        "year",
    ]
    assert set(search(catalogue, "", facets=("retention",)).facets) == {"retention"}


# (date_from, date_to, ids in range, z included: it does not hold Q)
DATE_ROWS = [
    (dt.date(2020, 1, 1), dt.date(2020, 3, 3), "bc"),  # both bounds inclusive
    (dt.date(2020, 1, 1), dt.date(2020, 1, 1), "b"),  # one day
    (dt.date(2020, 1, 2), None, "cez"),
    (None, dt.date(2019, 5, 2), "af"),
    (None, dt.date(2018, 12, 30), ""),
    (dt.date(2022, 2, 3), None, ""),
    (dt.date(1900, 1, 1), dt.date(2100, 1, 1), "abcefz"),  # never the undated d
]


@pytest.mark.parametrize("q", [Q, ""])
@pytest.mark.parametrize(("date_from", "date_to", "expected"), DATE_ROWS)
def test_a_date_range_is_inclusive_and_leaves_undated_records_out(
    catalogue: SearchIndex, q: str, date_from: dt.date | None, date_to: dt.date | None, expected: str
) -> None:
    result = search(catalogue, q, filters={"date_from": date_from, "date_to": date_to}, limit=200)
    wanted = [record_id for record_id in expected if q == "" or record_id != "z"]
    assert sorted(hit.id for hit in result.hits) == wanted
    assert result.total == len(wanted)


def test_a_date_range_limits_every_facet(catalogue: SearchIndex) -> None:
    result = search(catalogue, Q, filters={"date_from": dt.date(2020, 1, 1)}, facets=("year", "access"))
    assert result.facets == {
        "year": fv((2021, 1), (2020, 2)),
        "access": fv(("public", 1), ("conditional", 1), ("not_accessible", 1)),
    }


@pytest.fixture
def dated_index(index: IndexFactory) -> SearchIndex:
    day = dt.timedelta(days=1)
    records = [
        ("n1", dt.date(2021, 1, 1), AT, "thông báo về việc tổ chức hội nghị"),
        ("n2", dt.date(2021, 1, 1), AT + day, "thông báo"),  # same day, ingested later: first
        ("n3", dt.date(2023, 6, 1), AT, "thông báo thông báo thông báo"),
        ("u1", None, AT + 2 * day, "thông báo về việc khác"),
        ("u2", None, AT, "thông báo, thông báo"),
        ("t2", dt.date(2020, 1, 1), AT, "thông báo số hai"),  # same day, same ingestion: by id
        ("t1", dt.date(2020, 1, 1), AT, "thông báo số một"),
    ]
    return filled(
        index,
        *(make_record(rid, text, date=date, ingested_at=at) for rid, date, at, text in records),
        *FILLER,
    )


DATE_ORDER = ["n3", "n2", "n1", "t1", "t2", "u1", "u2"]


def test_sort_by_date_puts_the_newest_first_undated_last_then_newest_ingested(
    dated_index: SearchIndex,
) -> None:
    assert ids(dated_index, "thông báo", sort="date") == DATE_ORDER
    assert ids(dated_index, "thong bao", sort="date") == DATE_ORDER


def test_an_empty_query_is_ordered_by_date_whatever_the_sort(dated_index: SearchIndex) -> None:
    everything = ids(dated_index, "", sort="relevance")
    assert everything == ids(dated_index, "", sort="date")
    dated = [rid for rid in everything if rid in DATE_ORDER]
    assert dated == DATE_ORDER


@pytest.mark.parametrize(("q", "sort"), [("thông báo", "date"), ("thông báo", "relevance"), ("", "date")])
def test_paging_walks_the_same_order_and_keeps_the_total(dated_index: SearchIndex, q: str, sort: str) -> None:
    full = search(dated_index, q, sort=sort, limit=200, facets=("year",))
    pages = [
        search(dated_index, q, sort=sort, limit=3, offset=offset, facets=("year",))
        for offset in range(0, 12, 3)
    ]
    assert [hit.id for page in pages for hit in page.hits] == [hit.id for hit in full.hits]
    assert {page.total for page in pages} == {full.total}
    assert all(page.facets == full.facets for page in pages)  # facets do not depend on the page
    nothing = search(dated_index, q, sort=sort, limit=0)
    assert (nothing.total, nothing.hits) == (full.total, [])
    beyond = search(dated_index, q, sort=sort, offset=full.total + 5)
    assert (beyond.total, beyond.hits) == (full.total, [])


# -- the access scope ----------------------------------------------------------------------


@pytest.mark.parametrize("q", [Q, ""])
def test_the_scope_limits_hits_totals_and_facets(catalogue: SearchIndex, q: str) -> None:
    result = search(catalogue, q, classes=("public", "conditional"), facets=ALL_FACETS, limit=200)
    shown = "abef" if q else "abefz"
    assert sorted(hit.id for hit in result.hits) == list(shown) and result.total == len(shown)
    facets = result.facets
    assert facets["access"] == fv(("public", len(shown) - 1), ("conditional", 1))
    if q:
        assert facets["doc_type"] == fv(("Quyết định", 2), ("Báo cáo", 1), ("Công văn", 1))
        assert facets["year"] == fv((2021, 1), (2020, 1), (2019, 1), (2018, 1))
        assert facets["needs_review"] == fv((True, 1), (False, 3))
        assert facets["issuer"] == fv(("Sở Nội vụ", 2), ("UBND tỉnh Vĩnh Phúc", 2))


@pytest.mark.parametrize("q", [Q, ""])
def test_an_access_filter_narrows_within_the_scope(catalogue: SearchIndex, q: str) -> None:
    scope = ("public", "conditional")
    public = search(
        catalogue, q, classes=scope, filters={"access": ["public"]}, facets=("access",), limit=200
    )
    assert sorted(hit.id for hit in public.hits) == (["a", "e", "f"] + ([] if q else ["z"]))
    assert public.facets["access"] == fv(
        ("public", 4 if not q else 3), ("conditional", 1)
    )  # its own filter off
    hidden = search(catalogue, q, classes=scope, filters={"access": ["not_accessible"]}, facets=("access",))
    assert (hidden.total, hidden.hits) == (0, [])
    nothing = search(catalogue, q, classes=(), facets=ALL_FACETS)
    assert (nothing.total, nothing.hits) == (0, [])
    assert all(values == [] for values in nothing.facets.values())


def test_a_record_outside_the_scope_is_not_found_by_its_words(catalogue: SearchIndex) -> None:
    assert ids(catalogue, "mật mã") == ["c"]
    hidden = search(catalogue, "mật mã", classes=("public", "conditional", "undetermined"), facets=ALL_FACETS)
    assert (hidden.total, hidden.hits) == (0, [])
    assert all(values == [] for values in hidden.facets.values())


def test_every_hit_carries_the_access_class_it_is_indexed_with(catalogue: SearchIndex) -> None:
    classes = {record.id: record.classification.access for record in CATALOGUE}
    for q in ("", Q):
        for content in (True, False):
            result = search(catalogue, q, limit=200, content=content)
            assert result.hits and {hit.id: hit.access for hit in result.hits} == {
                hit.id: classes[hit.id] for hit in result.hits
            }
    catalogue.add(_catalogued("a", None, None, None, None, "conditional", None))
    (hit,) = [hit for hit in search(catalogue, "", limit=200).hits if hit.id == "a"]
    assert hit.access == "conditional"


@pytest.mark.parametrize(
    ("old", "new"),
    [("public", "not_accessible"), ("not_accessible", "public"), ("conditional", "undetermined")],
)
def test_a_reclassified_record_is_found_once_by_the_scopes_of_its_new_class(
    index: IndexFactory, old: str, new: str
) -> None:
    """Indexed again with another class (a review, a declassification): the scope of its old class
    finds it no more, that of its new class finds it once, and so does every count."""
    text = "Biên bản kiểm kê kho lưu trữ"
    idx = filled(
        index, make_record("r", text, access=old), make_record("o", "Công văn khác", access="public")
    )
    idx.add(make_record("r", text, access=new))
    for classes in ((old,), (new,), None):
        for q in ("kiểm kê", ""):
            found = search(idx, q, classes=classes, facets=("access",), limit=200)
            expected = [] if classes == (old,) else ["r"]
            assert [hit.id for hit in found.hits if hit.id == "r"] == expected, (classes, q)
            assert [hit.access for hit in found.hits if hit.id == "r"] == [new] * len(expected)
            if q:
                assert found.total == len(expected)
                assert found.facets["access"] == fv(*[(new, 1)] * len(expected))
    by_access = {"public": 1, "conditional": 0, "not_accessible": 0, "undetermined": 0}
    by_access[new] += 1
    assert (idx.access_of("r"), idx.count(), idx.stats().by_access) == (new, 2, by_access)


_ROUTINE = [make_record(f"fill{n}", f"Văn bản thường lệ số {n} về công tác chung") for n in range(10)]
_SAME_DAY = dt.date(2020, 1, 1)


@pytest.mark.parametrize("classes", [("public",), ("public", "conditional")])
def test_the_order_of_a_scopes_hits_does_not_follow_the_words_of_records_outside_it(
    index: IndexFactory, classes: tuple[str, ...]
) -> None:
    """Red team D3: two visible records hold 'alpha beta', three times one word, once the other;
    hidden records holding 'alpha' (a word's document frequency, counted over the whole index)
    must not decide which comes first. Each class is scored on its own records."""
    visible = [
        *_ROUTINE,
        make_record("pub-a", "alpha alpha alpha beta văn bản", date=_SAME_DAY),
        make_record("pub-b", "alpha beta beta beta văn bản", date=_SAME_DAY),
    ]
    hidden = [make_record(f"sec{n}", "alpha thông tin nội bộ", access="not_accessible") for n in range(4)]
    assert ids(filled(index, *visible, *hidden), "alpha beta", classes=classes) == ids(
        filled(index, *visible), "alpha beta", classes=classes
    )


def test_the_order_of_a_scopes_hits_does_not_follow_the_length_of_records_outside_it(
    index: IndexFactory,
) -> None:
    """Red team D3: BM25 weighs a page's length against the mean length of the pages it is
    scored with; long hidden pages must not reorder a one-word public search."""
    visible = [
        *_ROUTINE,
        make_record("pub-short", "gamma ngắn gọn một dòng", date=_SAME_DAY),
        make_record("pub-long", "gamma gamma " + "chữ " * 18, date=_SAME_DAY),
    ]
    hidden = [make_record(f"sec{n}", "mật " * 400, access="undetermined") for n in range(6)]
    assert ids(filled(index, *visible, *hidden), "gamma", classes=("public",)) == ids(
        filled(index, *visible), "gamma", classes=("public",)
    )


def settled(idx: SearchIndex, timeout: float = 420.0) -> SearchIndex:
    """`idx` once it says that nothing deleted from it still counts (`scrub_pending`): SQLite's
    counts are exact at once; Elasticsearch drops a deleted document from its statistics when a
    merge rewrites its segment, in the background, and keeps it while a shard history retention
    lease holds it (ElasticIndex._expunge). Waits `timeout` seconds at most: the assertion that
    follows then fails, as it should."""
    deadline = time.monotonic() + timeout
    while idx.scrub_pending() and time.monotonic() < deadline:
        time.sleep(2)
    return idx


@pytest.mark.parametrize("move", ["review to conditional", "review to not_accessible", "secret hold"])
def test_the_order_of_the_publics_hits_forgets_the_words_of_records_moved_out_of_it(
    index: IndexFactory, move: str
) -> None:
    """Red team D3/D5 after a reclassification: records that held 'alpha' while public, then left
    the public class (an archivist's review; a secret hold: deleted, re-added as a catalogue row
    without pages, and the index scrubbed), weigh on the order of the public's hits for it no more
    than records the public index never held. While they are public, they do (the premise)."""
    visible = [
        *_ROUTINE,
        make_record("pub-a", "alpha alpha alpha beta văn bản", date=_SAME_DAY),
        make_record("pub-b", "alpha beta beta beta văn bản", date=_SAME_DAY),
    ]
    movers = [make_record(f"mv{n}", "alpha thông tin nội bộ", date=_SAME_DAY) for n in range(4)]
    never = ids(filled(index, *visible), "alpha beta", classes=("public",))
    idx = filled(index, *visible, *movers)
    assert ids(idx, "alpha beta", classes=("public",)) != never  # the premise: they weigh while public
    for mover in movers:
        if move == "secret hold":
            idx.delete(mover.id)
            idx.add(make_record(mover.id, date=_SAME_DAY, access="not_accessible"))  # the catalogue row
        else:
            idx.add(make_record(mover.id, "alpha thông tin nội bộ", date=_SAME_DAY, access=move[10:]))
    if move == "secret hold":
        idx.scrub()
    assert ids(settled(idx), "alpha beta", classes=("public",)) == never


@pytest.mark.parametrize(("q", "sort"), [(Q, "relevance"), (Q, "date"), ("", "date")])
def test_ids_only_gives_the_same_hits_without_content(catalogue: SearchIndex, q: str, sort: str) -> None:
    full = search(catalogue, q, sort=sort, limit=200, facets=("year",))
    bare = search(catalogue, q, sort=sort, limit=200, facets=("year",), content=False)
    assert [(hit.id, hit.access) for hit in bare.hits] == [(hit.id, hit.access) for hit in full.hits]
    assert (bare.total, bare.facets) == (full.total, full.facets)
    assert all((hit.title, hit.snippet, hit.page) == ("", "", None) for hit in bare.hits)


# -- stats ---------------------------------------------------------------------------------


def test_stats_count_records_pages_review_and_classes(index: IndexFactory) -> None:
    assert index().stats() == IndexStats(
        records=0,
        pages=0,
        needs_review=0,
        by_access={"public": 0, "conditional": 0, "not_accessible": 0, "undetermined": 0},
    )
    idx = filled(index, *CATALOGUE, make_record("blank", access="conditional"))
    assert idx.stats() == IndexStats(
        records=8,
        pages=8,  # c has two pages, blank none
        needs_review=3,  # b and d by classification, c by a page
        by_access={"public": 4, "conditional": 2, "not_accessible": 1, "undetermined": 1},
    )
    idx.delete("c")
    assert (idx.stats().records, idx.stats().pages, idx.stats().by_access["not_accessible"]) == (7, 6, 0)


# -- the public form of titles ------------------------------------------------------------------

NAME_TITLE = "Cấp lại giấy tờ cho ông Bùi Văn Thắng, CCCD 001076012345"
PERSONAL_VALUES = ("Thắng", "Bùi", "thang", "001076012345", "0914", "762 305", "1976")


def titled_personal_record(record_id: str) -> Record:
    record = _personal_record(record_id)
    record.metadata.subject = NAME_TITLE
    record.metadata.doc_type = "Quyết định"
    return record


def test_a_masked_scope_shows_the_public_form_of_the_title(index: IndexFactory) -> None:
    record = titled_personal_record("pd")
    idx = filled(index, record, make_record("plain", PLAIN_PAGE, subject="Cấp lại giấy tờ"), *FILLER)
    for q in ("giấy tờ", ""):
        masked = {hit.id: hit.title for hit in search(idx, q, masked=True, limit=200).hits}
        full = {hit.id: hit.title for hit in search(idx, q, limit=200).hits}
        assert full["pd"] == record.title
        assert masked["pd"].startswith("Quyết định: Cấp lại giấy tờ cho ông ")
        assert not any(value in masked["pd"] for value in PERSONAL_VALUES), masked["pd"]
        assert masked["plain"] == full["plain"] == "Cấp lại giấy tờ"


@pytest.mark.parametrize("q", ["", "quyết định", "thôn Đông", '"cấp lại"', "ông", "điện thoại"])
def test_masked_snippets_and_titles_carry_no_personal_data(index: IndexFactory, q: str) -> None:
    idx = filled(index, titled_personal_record("pd"), make_record("plain", PLAIN_PAGE), *FILLER)
    result = search(idx, q, masked=True, limit=200)
    assert "pd" in [hit.id for hit in result.hits]
    for hit in result.hits:
        shown = plain(hit.snippet) + " " + hit.title
        assert not any(value in shown for value in PERSONAL_VALUES), (hit.id, shown)


@pytest.mark.parametrize("q", ["Thắng", "001076012345", '"0914 762 305"', "Bùi Văn Thắng thôn Đông"])
def test_a_masked_value_finds_nothing_not_even_by_its_title(index: IndexFactory, q: str) -> None:
    idx = filled(index, titled_personal_record("pd"), make_record("plain", PLAIN_PAGE), *FILLER)
    result = search(idx, q, masked=True, facets=("access",))
    assert (result.total, result.hits) == (0, [])
    assert result.facets == {"access": []}
    assert ids(idx, q) == ["pd"]  # the full text (staff) finds it


# -- metadata the public sees: facet labels and filters -----------------------------------------

SHOP_ISSUER = "Hộ kinh doanh Bùi Văn Thắng, ĐT 0914 762 305"


def _shop_record() -> Record:
    """A public record whose issuer holds a citizen's name and phone, the name listed."""
    record = make_record("shop", "Đơn đề nghị cấp giấy phép kinh doanh", doc_type="Đơn", issuer=SHOP_ISSUER)
    record.metadata.personal_data = [PersonalData(kind="name", value="Bùi Văn Thắng", page=1)]
    return record


@pytest.fixture
def shop_index(index: IndexFactory) -> SearchIndex:
    return filled(index, _shop_record(), *CATALOGUE)


def test_a_masked_scope_counts_and_labels_the_public_form_of_metadata(shop_index: SearchIndex) -> None:
    masked = search(shop_index, "", masked=True, facets=ALL_FACETS).facets
    labels = " | ".join(str(value.value) for values in masked.values() for value in values)
    assert not any(value in labels for value in PERSONAL_VALUES), labels
    (shop,) = [value for value in masked["issuer"] if str(value.value).startswith("Hộ kinh doanh")]
    assert shop.count == 1
    full = search(shop_index, "", facets=("issuer",)).facets["issuer"]
    assert FacetValue(value=SHOP_ISSUER, count=1) in full


def test_a_masked_scope_filters_on_the_public_form_of_metadata(shop_index: SearchIndex) -> None:
    """The true issuer answers the public as a made-up one; the public form it sees finds it."""
    true = search(shop_index, "", masked=True, filters={"issuer": SHOP_ISSUER}, facets=ALL_FACETS)
    false = search(
        shop_index,
        "",
        masked=True,
        filters={"issuer": SHOP_ISSUER.replace("Thắng", "Thanh")},
        facets=ALL_FACETS,
    )
    assert (true.total, true.hits) == (false.total, false.hits) == (0, [])
    assert true.facets == false.facets
    (shown,) = [
        v.value
        for v in search(shop_index, "", masked=True, facets=("issuer",)).facets["issuer"]
        if str(v.value).startswith("Hộ kinh doanh")
    ]
    assert ids(shop_index, "", masked=True, filters={"issuer": str(shown)}) == ["shop"]
    assert ids(shop_index, "", filters={"issuer": SHOP_ISSUER}) == ["shop"]  # staff: the full value


def test_facet_labels_are_spelled_by_records_in_the_scope(index: IndexFactory) -> None:
    """A hidden record indexed first spells the values otherwise: the scope sees its own spelling."""
    hidden = make_record(
        "hidden", "Biên bản họp nội bộ", doc_type="BIÊN BẢN", issuer="UBND XÃ TAM HỢP",
        access="not_accessible", province="Vĩnh Phúc", province_present="PHÚ THỌ",
    )  # fmt: skip
    shown = make_record(
        "shown", "Biên bản nghiệm thu", doc_type="Biên bản", issuer="UBND xã Tam Hợp",
        province="Vĩnh Phúc", province_present="Phú Thọ",
    )  # fmt: skip
    idx = filled(index, hidden, shown)
    facets = search(idx, "", classes=("public",), facets=("doc_type", "issuer", "province")).facets
    assert facets == {
        "doc_type": fv(("Biên bản", 1)),
        "issuer": fv(("UBND xã Tam Hợp", 1)),
        "province": fv(("Phú Thọ", 1)),
    }


ODD_NAME = "Bùi Văn Thắng"


def odd_record() -> Record:
    """A public record whose doc_type, issuer, provinces and retention hold a listed name (an
    archivist may type any value in a review)."""
    record = make_record(
        "odd",
        "Đơn đề nghị",
        doc_type=f"Đơn của {ODD_NAME}",
        issuer=f"Hộ kinh doanh {ODD_NAME}",
        retention=f"Đến khi {ODD_NAME} thôi kinh doanh",
        province=f"Tỉnh {ODD_NAME}",
        province_present=f"Tỉnh {ODD_NAME}",
    )
    record.metadata.personal_data = [PersonalData(kind="name", value=ODD_NAME, page=1)]
    return record


def test_a_masked_scope_sees_provinces_and_retention_in_their_public_form(index: IndexFactory) -> None:
    plain_record = make_record(
        "plain", "Kế hoạch", doc_type="Kế hoạch", retention="10 năm", province_present="Phú Thọ"
    )
    idx = filled(index, odd_record(), plain_record)
    facets = ("doc_type", "issuer", "province", "retention")
    masked = search(idx, "", classes=("public",), masked=True, facets=facets).facets
    full = search(idx, "", classes=("public",), facets=facets).facets
    shown = " | ".join(str(v.value) for values in masked.values() for v in values)
    assert "Thắng" not in shown, shown
    assert {str(v.value) for v in masked["retention"]} == {f"Đến khi {MASKED} thôi kinh doanh", "10 năm"}
    assert {str(v.value) for v in masked["province"]} == {f"Tỉnh {MASKED}", "Phú Thọ"}
    assert {str(v.value) for v in full["province"]} == {f"Tỉnh {ODD_NAME}", "Phú Thọ"}
    assert {str(v.value) for v in full["retention"]} == {f"Đến khi {ODD_NAME} thôi kinh doanh", "10 năm"}
    assert {str(v.value) for v in full["doc_type"]} == {f"Đơn của {ODD_NAME}", "Kế hoạch"}
    by = {
        (masked_scope, value): search(idx, "", masked=masked_scope, filters={"province": value}).total
        for masked_scope in (True, False)
        for value in (f"Tỉnh {ODD_NAME}", f"Tỉnh {MASKED}")
    }
    assert by == {
        (True, f"Tỉnh {ODD_NAME}"): 0,  # the true name answers the public as a made-up one
        (True, f"Tỉnh {MASKED}"): 1,  # the public form it sees finds it
        (False, f"Tỉnh {ODD_NAME}"): 1,
        (False, f"Tỉnh {MASKED}"): 0,
    }


# -- dossiers (hồ sơ): a dossier's documents, listed for a role ---------------------------------

PROJECT = "dự án đường giao thông liên xã"
# hs-1 holds three documents, one per class, whose dates run against their order; hs-2 one more;
# `loose` holds the same words outside any dossier.
DOSSIER_RECORDS = [
    make_record(
        "hs1-conditional", f"Tờ trình xin phê duyệt {PROJECT}", subject="Xin phê duyệt dự án",
        doc_type="Tờ trình", issuer="Phòng Kinh tế hạ tầng", date=dt.date(2020, 3, 2),
        access="conditional", retention="20 năm", dossier=("hs-1", 1), ingested_at=AT,
    ),
    make_record(
        "hs1-public", f"Quyết định phê duyệt {PROJECT}", subject="Phê duyệt dự án",
        doc_type="Quyết định", issuer="Ủy ban nhân dân huyện", date=dt.date(2020, 1, 5),
        access="public", retention="Vĩnh viễn", dossier=("hs-1", 2), ingested_at=AT,
    ),
    make_record(
        "hs1-closed", f"Báo cáo thẩm định {PROJECT}", f"Phụ lục kinh phí {PROJECT}",
        subject="Thẩm định kinh phí mật", doc_type="Báo cáo", issuer="Công an huyện",
        date=dt.date(2021, 6, 1), access="not_accessible", retention="10 năm",
        dossier=("hs-1", 3), ingested_at=AT,
    ),
    make_record(
        "hs2-public", f"Công văn đôn đốc {PROJECT}", subject="Đôn đốc tiến độ", doc_type="Công văn",
        issuer="Ủy ban nhân dân huyện", date=dt.date(2019, 1, 1), access="public",
        dossier=("hs-2", 1), ingested_at=AT,
    ),
    make_record(
        "loose", f"Thông báo về {PROJECT}", subject="Thông báo kết quả", doc_type="Thông báo",
        issuer="Ủy ban nhân dân huyện", date=dt.date(2022, 1, 1), access="public", ingested_at=AT,
    ),
]  # fmt: skip
for _in_dossier in DOSSIER_RECORDS:
    _in_dossier.metadata.province = _in_dossier.metadata.province_present = "Phú Thọ"
HIDDEN_FROM_PUBLIC = ("hs1-conditional", "hs1-closed")


@pytest.fixture
def dossier_index(index: IndexFactory) -> SearchIndex:
    return filled(index, *DOSSIER_RECORDS, *FILLER)


def _record(record_id: str) -> Record:
    (record,) = [r for r in DOSSIER_RECORDS if r.id == record_id]
    return record


@pytest.mark.parametrize("q", ["", "phê duyệt", "du an duong"])
@pytest.mark.parametrize("sort", ["dossier_order", "date", "relevance"])
def test_a_dossier_lists_for_the_public_only_what_the_public_may_see(
    dossier_index: SearchIndex, q: str, sort: str
) -> None:
    result = search(
        dossier_index, q, classes=("public",), masked=True, filters={"dossier": "hs-1"},
        facets=ALL_FACETS, sort=sort, limit=200,
    )  # fmt: skip
    (hit,) = result.hits
    assert (hit.id, hit.dossier, hit.order, result.total) == ("hs1-public", "hs-1", 2, 1)
    for name, values in result.facets.items():
        assert sum(value.count for value in values) == 1, name
    assert result.facets["access"] == fv(("public", 1))
    assert result.facets["issuer"] == fv(("Ủy ban nhân dân huyện", 1))
    shown = result.model_dump_json()
    for record_id in HIDDEN_FROM_PUBLIC:
        record = _record(record_id)
        for told in (record.id, record.title, record.metadata.issuer, record.metadata.doc_type):
            assert told not in shown, told
    assert "10 năm" not in shown and "20 năm" not in shown


@pytest.mark.parametrize("q", ["", "dự án", "phe duyet kinh phi"])
def test_staff_see_every_document_of_a_dossier_in_order(dossier_index: SearchIndex, q: str) -> None:
    expected = ["hs1-conditional", "hs1-public", "hs1-closed"]
    if q == "phe duyet kinh phi":
        expected = []  # no page holds all three words
    result = search(dossier_index, q, filters={"dossier": "hs-1"}, sort="dossier_order", limit=200)
    assert [(h.id, h.dossier, h.order) for h in result.hits] == [
        (record_id, "hs-1", n) for n, record_id in enumerate(expected, start=1)
    ]
    assert result.total == len(expected)
    by_date = search(dossier_index, q, filters={"dossier": "hs-1"}, sort="date", limit=200)
    assert [h.id for h in by_date.hits] == sorted(
        expected, key=lambda r: _record(r).metadata.date, reverse=True
    )


def test_a_dossier_filter_counts_facets_within_the_scope(dossier_index: SearchIndex) -> None:
    staff = search(dossier_index, "", filters={"dossier": "hs-1"}, facets=("access", "year", "retention"))
    assert staff.facets == {
        "access": fv(("public", 1), ("conditional", 1), ("not_accessible", 1)),
        "year": fv((2021, 1), (2020, 2)),
        "retention": fv(("10 năm", 1), ("20 năm", 1), ("Vĩnh viễn", 1)),
    }
    reader = search(
        dossier_index, "", classes=("public", "conditional"), filters={"dossier": "hs-1"},
        facets=("access", "year"), sort="dossier_order",
    )  # fmt: skip
    assert [h.id for h in reader.hits] == ["hs1-conditional", "hs1-public"] and reader.total == 2
    assert reader.facets == {"access": fv(("public", 1), ("conditional", 1)), "year": fv((2020, 2))}
    narrowed = search(
        dossier_index, "", classes=("public", "conditional"),
        filters={"dossier": "hs-1", "access": ["conditional"]}, facets=("access",),
    )  # fmt: skip
    assert [h.id for h in narrowed.hits] == ["hs1-conditional"]
    assert narrowed.facets == {"access": fv(("public", 1), ("conditional", 1))}  # its own filter off


@pytest.mark.parametrize("q", ["", "dự án đường"])
def test_a_record_outside_any_dossier_never_matches_a_dossier_filter(
    dossier_index: SearchIndex, q: str
) -> None:
    assert "loose" in ids(dossier_index, q)
    for dossier in ("hs-1", "hs-2"):
        assert "loose" not in ids(dossier_index, q, filters={"dossier": dossier})
    assert ids(dossier_index, q, filters={"dossier": "hs-2"}) == ["hs2-public"]
    for unknown in ("hs-3", "", "HS-1", "hs"):
        result = search(dossier_index, q, filters={"dossier": unknown}, facets=ALL_FACETS)
        assert (result.total, result.hits) == (0, []), unknown
        assert all(values == [] for values in result.facets.values()), unknown


@pytest.mark.parametrize("content", [True, False])
def test_every_hit_names_its_dossier_and_order_and_dossier_order_puts_loose_records_last(
    dossier_index: SearchIndex, content: bool
) -> None:
    result = search(dossier_index, "dự án", sort="dossier_order", limit=200, content=content)
    assert [(h.id, h.dossier, h.order) for h in result.hits] == [
        ("hs1-conditional", "hs-1", 1),
        ("hs1-public", "hs-1", 2),
        ("hs1-closed", "hs-1", 3),
        ("hs2-public", "hs-2", 1),
        ("loose", None, None),
    ]
    everything = search(dossier_index, "", sort="dossier_order", limit=200, content=content)
    listed = [h.id for h in everything.hits]
    assert listed[:5] == [h.id for h in result.hits]
    assert sorted(listed[5:]) == sorted(r.id for r in FILLER)  # outside a dossier: last
    assert all((h.dossier, h.order) == (None, None) for h in everything.hits[4:])


# -- warm-up and monitoring (a server's calls before its first search; /metrics) ------------------

WARM_QUERIES = [("văn bản", {}), ("Thắng", {}), ("thang", {"masked": True}), ("", {"classes": ("public",)})]


def _answers(idx: SearchIndex) -> list[tuple]:
    """What a user sees of each query (hits in order with their page and snippet, totals, facets)."""
    seen = []
    for q, scope in WARM_QUERIES:
        result = search(idx, q, facets=("year", "access"), limit=50, **scope)
        hits = [(h.id, h.title, h.page, h.snippet, h.access) for h in result.hits]
        seen.append((q, result.total, hits, result.facets))
    return seen


def test_a_warmed_up_index_answers_as_a_cold_one(index: IndexFactory) -> None:
    """pre_read, warm (with page lists another server saved, a stale or foreign one among them)
    and lists_used are in every engine; what a warm index answers is what a cold one answers."""
    records = (*CATALOGUE, _personal_record("pd"), *FILLER)
    cold = _answers(filled(index, *records))
    assert all(hits for q, _, hits, _ in cold if q != "thang")  # the masked name alone finds nothing
    idx = filled(index, *records)
    assert idx.pre_read() >= 0
    scopes = [AccessScope(), AccessScope(classes=("public",), masked=True), AccessScope(classes=("public",))]
    stale: list = [("no_such_table", "exact", ("văn",)), ("pages_fts_public", "nowhere", ("x",))]
    assert idx.warm(scopes, stale) >= 0
    assert _answers(idx) == cold
    used = idx.lists_used()
    assert all(uses > 0 and len(key) == 3 and isinstance(key[2], tuple) for key, uses in used)
    assert [uses for _, uses in used] == sorted((uses for _, uses in used), reverse=True)
    assert idx.warm(scopes, [key for key, _ in used]) >= 0
    assert _answers(idx) == cold


def test_no_scrub_is_pending_on_an_index_that_deleted_nothing_nor_once_settled(index: IndexFactory) -> None:
    idx = filled(index, *CATALOGUE)
    assert idx.scrub_pending() is False
    idx.delete(CATALOGUE[0].id)
    idx.scrub()
    assert settled(idx).scrub_pending() is False
