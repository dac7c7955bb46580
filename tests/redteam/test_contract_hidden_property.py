"""The hidden-record property (Hypothesis): two indexes hold the same public records and
different hidden ones (conditional, undetermined, secret: random words, types, issuers, dates,
provinces, review state, pages); for random searches of every shape the public may make (words,
phrases, filters on any value, hidden ones included, date ranges, hidden classes, review state,
sort, paging, facet limits), the public is told the same: total, ranked, the hits (their titles,
snippets, pages and classes) and every facet value and count. The same for staff against
undetermined and secret records, and for archivists against secret ones.

What this property leaves out, because it is a door with its own failing test (see
/tmp/s11/notes/F.md): the order of ranked hits and staff scores (D3, D4: compared as sets,
scores dropped), facet labels spelled by hidden records (D1: hidden values use the public
records' spellings or values of their own), and the work a search does (D5).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.searching import SearchParams, search_as
from indexing import SqliteIndex
from schemas import Record
from tests.indexing.conformance import make_record

WORDS = [
    "kế hoạch",
    "trồng rừng",
    "kho vũ khí",
    "thủy lợi",
    "họp kín",
    "dự án",
    "ngân sách",
    "đê điều",
    "cán bộ",
]
TYPES = ["Kế hoạch", "Biên bản", "Tờ trình", "Báo cáo"]
ISSUERS = ["Sở Nông nghiệp", "UBND xã Tam Hợp", "Bộ Chỉ huy Quân sự tỉnh", "Ban Tôn giáo"]
PROVINCES = [("Vĩnh Phúc", "Phú Thọ"), ("Hà Giang", "Tuyên Quang"), ("Lai Châu", "Lai Châu")]
DATES = [dt.date(1998, 12, 24), dt.date(2019, 3, 1), dt.date(2020, 5, 4), None]
RETENTIONS = ["Vĩnh viễn", "20 năm", "70 năm", None]
RANK_LIMIT = 6  # small, so a few pages decide whether a query is ranked (3000 in production)


@st.composite
def a_record(draw: st.DrawFn, record_id: str, access: str) -> Record:
    pages = draw(
        st.lists(
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join), min_size=0, max_size=3
        )
    )
    province = draw(st.sampled_from([*PROVINCES, None]))
    return make_record(
        record_id,
        *pages,
        doc_type=draw(st.sampled_from([*TYPES, None])),
        issuer=draw(st.sampled_from([*ISSUERS, None])),
        date=draw(st.sampled_from(DATES)),
        access=access,
        needs_review=draw(st.booleans()),
        retention=draw(st.sampled_from(RETENTIONS)),
        province=province and province[0],
        province_present=province and province[1],
        subject=draw(st.sampled_from([None, "Về việc kho vũ khí", "Về việc trồng rừng"])),
    )


@st.composite
def records(draw: st.DrawFn, prefix: str, classes: tuple[str, ...], least: int, most: int) -> list[Record]:
    count = draw(st.integers(least, most))
    return [draw(a_record(f"{prefix}{n}", draw(st.sampled_from(classes)))) for n in range(count)]


@st.composite
def params(draw: st.DrawFn) -> SearchParams:
    date_from = draw(st.sampled_from([None, *[d for d in DATES if d]]))
    date_to = draw(st.sampled_from([None, *[d for d in DATES if d]]))
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    return SearchParams(
        q=draw(st.sampled_from(["", *WORDS, '"kho vũ khí" họp', "ho kin", "rung"])),
        doc_type=draw(st.sampled_from([None, *TYPES])),
        year=draw(st.sampled_from([None, 1998, 2019, 2020])),
        issuer=draw(st.sampled_from([None, *ISSUERS])),
        date_from=date_from,
        date_to=date_to,
        access=draw(
            st.sampled_from(
                [None, ("public",), ("conditional",), ("undetermined", "public"), ("not_accessible",)]
            )
        ),
        needs_review=draw(st.sampled_from([None, True, False])),
        sort=draw(st.sampled_from(["relevance", "date"])),
        limit=draw(st.sampled_from([1, 3, 50])),
        offset=draw(st.sampled_from([0, 1, 40])),
        facet_limit=draw(st.sampled_from([None, 0, 1, 2, 50])),
    )


def _told(index: SqliteIndex, role: str, asked: SearchParams) -> tuple:
    """What `role` is told, hits as a set and without scores (doors D3, D4); with a page of
    hits smaller than the total, the order decides which are shown, so only the count then."""
    found = search_as(index, role, asked).result  # type: ignore[arg-type]
    whole = asked.offset == 0 and asked.limit >= found.total
    ordered = asked.sort == "date" or not asked.q
    hits = [(h.id, h.title, h.snippet, h.page, h.access) for h in found.hits]
    shown = hits if ordered else sorted(hits) if whole else len(hits)
    facets = {name: [(v.value, v.count) for v in values] for name, values in found.facets.items()}
    return found.total, found.ranked, shown, facets


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    visible=records("v", ("public", "conditional"), 2, 7),
    hidden=records("h", ("undetermined", "not_accessible"), 1, 6),
    more_public_hidden=records("c", ("conditional",), 0, 3),
    asked=st.lists(params(), min_size=1, max_size=6),
)
def test_contract_property_hidden_records_change_no_answer(
    visible: list[Record], hidden: list[Record], more_public_hidden: list[Record], asked: list[SearchParams]
) -> None:
    public = [r for r in visible if r.classification.access == "public"]
    undetermined = [r for r in hidden if r.classification.access == "undetermined"]
    cases = [  # role, what it may see, the same with what it may not (indexed first: seen first)
        ("public", public, [*hidden, *more_public_hidden, *visible]),
        ("staff", visible, [*hidden, *visible]),
        ("archivist", [*undetermined, *visible], [*hidden, *visible]),
    ]
    with tempfile.TemporaryDirectory(prefix="sohoa-hidden-") as folder:
        for role, plain_records, spied_records in cases:
            plain = SqliteIndex(Path(folder) / f"{role}-plain.sqlite3", rank_limit=RANK_LIMIT)
            spied = SqliteIndex(Path(folder) / f"{role}-spied.sqlite3", rank_limit=RANK_LIMIT)
            try:
                plain.rebuild(plain_records)
                spied.rebuild(spied_records)
                for query in asked:
                    assert _told(spied, role, query) == _told(plain, role, query), (role, query)
            finally:
                plain.close()
                spied.close()
