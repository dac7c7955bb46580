"""The search-oracle property (Hypothesis): for random records holding personal data (CCCD and
phone numbers, names, birth years) made public, no sequence of public queries, in any written
form, tells the true masked value from a false one: the same totals, hits and facets, through the
API's search (facets, SQLite browse) and through the index's own search (as other engines run)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.searching import SearchParams, search_as
from indexing import SqliteIndex
from schemas import AccessScope, PersonalData, Record, SearchQuery
from tests.indexing.conformance import make_record

SURNAMES = ["Bùi", "Trần", "Lê", "Phạm", "Đỗ", "Ngô", "Vũ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Đức", "Quang"]
GIVEN = ["Thắng", "Thành", "Lan", "Hương", "Tuấn", "Dũng", "Nga", "Khoa"]
# Visible words share no folded token with the names above, and no text holds other digits.
FILLER = ["kế hoạch", "ủy ban", "nhân dân", "báo cáo", "công tác", "lưu trữ", "tài liệu", "triển khai"]
DOC_SEPARATORS = [" ", ".", "-", "/", "_", "·", "\u00a0", "–", ""]
QUERY_SEPARATORS = [*DOC_SEPARATORS, "+", ",", "\u202f", "  ", " - "]
PREFIXES = ["", "CCCD ", "số ", "điện thoại ", "sinh năm ", "ông ", "cấp giấy "]

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
cccd = st.text(alphabet="0123456789", min_size=12, max_size=12)
phone = st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda rest: "0" + rest)
name = st.tuples(st.sampled_from(SURNAMES), st.sampled_from(MIDDLE), st.sampled_from(GIVEN)).map(" ".join)
year = st.integers(1940, 2005).map(str)
VALUES = {"cccd": cccd, "phone": phone, "name": name, "year": year}


def _grouped(value: str, cuts: list[int], separator: str) -> str:
    """`value` cut after the given positions (kept apart by 3+ characters) and joined."""
    points = sorted({c for c in cuts if 3 <= c <= len(value) - 3})
    kept = [p for i, p in enumerate(points) if i == 0 or p - points[i - 1] >= 3]
    pieces = [value[a:b] for a, b in zip([0, *kept], [*kept, len(value)], strict=True)]
    return separator.join(pieces)


@st.composite
def person(draw: st.DrawFn) -> dict[str, str]:
    return {kind: draw(strategy) for kind, strategy in VALUES.items()}


@st.composite
def form(draw: st.DrawFn) -> dict[str, object]:
    """How a query writes a value: which value, cut where, joined how, quoted, prefixed, or
    only a piece of it."""
    return {
        "kind": draw(st.sampled_from(list(VALUES))),
        "cuts": draw(st.lists(st.integers(0, 12), max_size=4)),
        "separator": draw(st.sampled_from(QUERY_SEPARATORS)),
        "quoted": draw(st.booleans()),
        "prefix": draw(st.sampled_from(PREFIXES)),
        "piece": draw(st.one_of(st.none(), st.tuples(st.integers(0, 8), st.integers(2, 6)))),
    }


def _query(values: dict[str, str], how: dict[str, object]) -> str:
    value = values[str(how["kind"])]
    if how["piece"] is not None:
        start, size = how["piece"]  # type: ignore[misc]
        value = value[start : start + size] or value
    if how["kind"] != "name":
        value = _grouped(value, list(how["cuts"]), str(how["separator"]))  # type: ignore[arg-type]
    text = f"{how['prefix']}{value}"
    return f'"{text}"' if how["quoted"] else text


def _page(values: dict[str, str], doc_sep: str) -> str:
    return (
        f"Quyết định cấp giấy cho ông {values['name']}, sinh năm {values['year']}, "
        f"CCCD số {_grouped(values['cccd'], [3, 6, 9], doc_sep)}, "
        f"điện thoại {_grouped(values['phone'], [4, 7], doc_sep)}; {FILLER[0]} {FILLER[1]}."
    )


def _record(record_id: str, text: str, access: str, values: dict[str, str] | None = None) -> Record:
    record = make_record(record_id, text, doc_type="Quyết định", date=dt.date(2018, 6, 29), access=access)
    if values:
        record.metadata.personal_data = [
            PersonalData(kind=k, value=values[k], page=1) for k in ("name", "cccd")
        ]
    return record


def _answers(index: SqliteIndex, q: str) -> tuple:
    found = search_as(index, "public", SearchParams(q=q, limit=50, facet_limit=50))
    hits = tuple((hit.id, hit.title, hit.snippet) for hit in found.result.hits)
    facets = {name: [(v.value, v.count) for v in values] for name, values in found.result.facets.items()}
    scope = AccessScope(classes=("public",), masked=True)
    plain = index.search(SearchQuery(q=q, limit=50, scope=scope))  # the index alone, without search_as
    return found.result.total, found.result.ranked, hits, facets, plain.total, tuple(h.id for h in plain.hits)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    true=person(),
    false=person(),
    doc_sep=st.sampled_from(DOC_SEPARATORS),
    queries=st.lists(form(), min_size=1, max_size=6),
)
def test_oracle_property_no_public_query_tells_a_masked_value_from_a_false_one(
    true: dict[str, str], false: dict[str, str], doc_sep: str, queries: list[dict[str, object]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        index = SqliteIndex(Path(folder) / "index.sqlite3")
        index.add(_record("a" * 32, _page(true, doc_sep), "public", true))  # the victim, made public
        index.add(_record("b" * 32, _page(true, doc_sep), "conditional"))  # the same, not public
        for n, words in enumerate((FILLER[:4], FILLER[2:6], FILLER[4:])):
            index.add(_record(f"{n:x}" * 32, f"Quyết định cấp giấy {' '.join(words)}.", "public"))
        try:
            for how in queries:
                q_true, q_false = _query(true, how), _query(false, how)
                assert _answers(index, q_true) == _answers(index, q_false), (q_true, q_false)
        finally:
            index.close()
