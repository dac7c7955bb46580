"""Side door 13: a public search told how many pages of the whole archive, hidden records'
included, hold a word: through `ranked` (whether the query was narrow enough to rank by BM25),
through the order that choice gives, and through BM25 scores (whose IDF counts every page). Two
archives with the same public records and different hidden ones must answer the public alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.searching import SearchParams, search_as
from indexing import SqliteIndex
from tests.indexing.conformance import make_record

RANK_LIMIT = 4  # small, so a handful of hidden pages decide it (3000 pages in production)
PUBLIC = [
    make_record(f"pub{n}", f"Kế hoạch trồng rừng phòng hộ năm {2010 + n}", access="public") for n in range(2)
]


HIDDEN = ("conditional", "undetermined", "not_accessible")


def _archive(path: Path, hidden: int, classes: tuple[str, ...] = HIDDEN) -> SqliteIndex:
    index = SqliteIndex(path / "index.sqlite3", rank_limit=RANK_LIMIT)
    for record in PUBLIC:
        index.add(record)
    for n in range(hidden):
        klass = classes[n % len(classes)]
        index.add(make_record(f"hid{n:02}", f"Báo cáo trồng rừng mật số {n}", access=klass))
    return index


@pytest.mark.parametrize("q", ["trồng rừng", "rừng"])
def test_rank_oracle_public_answers_do_not_depend_on_hidden_pages(tmp_path: Path, q: str) -> None:
    answers = []
    for hidden in (0, 12):
        index = _archive(tmp_path / str(hidden), hidden)
        found = search_as(index, "public", SearchParams(q=q, limit=10))
        answers.append(
            (found.result.ranked, found.result.total, [(h.id, h.score, h.page) for h in found.result.hits])
        )
        index.close()
    assert answers[0] == answers[1]
    assert answers[0][1] == len(PUBLIC) and all(score == 0.0 for _, score, _ in answers[0][2])


def test_rank_oracle_staff_decide_on_what_staff_may_see(tmp_path: Path) -> None:
    """The choice to rank is made on the caller's classes: staff (public and conditional) are
    not told about undetermined or secret pages either, but their own classes count."""
    answers = []
    for hidden, classes in ((0, HIDDEN), (12, ("undetermined", "not_accessible")), (4, ("conditional",))):
        index = _archive(tmp_path / f"{hidden}{classes[0]}", hidden, classes)
        found = search_as(index, "staff", SearchParams(q="trồng rừng"))
        answers.append(found.result.ranked)
        index.close()
    assert answers == [True, True, False]  # 2 pages, 2 (+12 unseen), 2 + 4 seen: more than 4
