"""SQLite facets: each value labelled by the records it counts; a masked scope's metadata in its
public form (red team D1, D2). The shared cases are in tests/indexing/conformance.py; these add
what is SQLite's own: the label rule against a plain count and the records table holding the
public forms (the public forms of provinces and retention are conformance cases)."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from indexing.arrays import _keyed
from indexing.masking import MASKED
from indexing.sqlite import SqliteIndex
from schemas import FacetValue
from tests.indexing.conformance import make_record, odd_record, search

NAME = "Bùi Văn Thắng"


def _expected(
    keys: list[str | None], spelled: list[str], slots: list[int], limit: int | None
) -> list[FacetValue]:
    """The facet as the contract says it, counted record by record."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for slot in slots:
        if keys[slot] is not None:
            counts[keys[slot]] += 1
            spellings.setdefault(keys[slot], Counter())[spelled[slot]] += 1
    label = {key: min(c, key=lambda s: (-c[s], s)) for key, c in spellings.items()}
    values = sorted(
        (FacetValue(value=label[k], count=n) for k, n in counts.items()), key=lambda v: (-v.count, v.value)
    )
    if limit is None or len(values) <= limit:
        return values
    floor = values[limit - 1].count  # ties at the cut all kept, then cut by label
    return [v for v in values if v.count >= floor][:limit]


@pytest.mark.parametrize("seed", range(40))
def test_a_value_is_labelled_by_the_most_frequent_spelling_of_the_records_counted(seed: int) -> None:
    rng = random.Random(seed)
    words = ["Biên bản", "BIÊN BẢN", "biên bản", "Tờ trình", "TỜ TRÌNH", "Kế hoạch", "Thông báo"]
    size = rng.randint(0, 60)
    spelled = [rng.choice(words) for _ in range(size)]
    keys: list[str | None] = [None if rng.random() < 0.15 else s.lower() for s in spelled]
    field = _keyed(zip(keys, spelled, strict=True), size)
    slots = sorted(rng.sample(range(size), rng.randint(0, size)))
    for limit in (None, 0, 1, 2, 5):
        found = field.values(np.array(slots, dtype=np.int64), limit)
        assert found == _expected(keys, spelled, slots, limit)[:limit], (seed, limit)


def test_labels_follow_the_records_in_scope_not_the_index(tmp_path: Path) -> None:
    """Three hidden records spell it in capitals, two public ones as printed, one in lower case:
    the public sees the spelling of most public records; staff, who see all, the capitals."""
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        for n in range(3):
            index.add(make_record(f"hid{n}", "Biên bản", issuer="UBND XÃ TAM HỢP", access="undetermined"))
        index.add(make_record("low", "Biên bản", issuer="ubnd xã tam hợp"))
        index.add(make_record("pub1", "Biên bản", issuer="UBND xã Tam Hợp"))
        index.add(make_record("pub2", "Biên bản", issuer="UBND xã Tam Hợp"))
        public = search(index, "", classes=("public",), masked=True, facets=("issuer",)).facets
        everyone = search(index, "", facets=("issuer",)).facets
        tied = search(index, "", classes=("public",), filters={"access": ["public"]}, facets=("issuer",))
        index.delete("pub2")  # now 'ubnd xã tam hợp' and 'UBND xã Tam Hợp' tie: the first in string order
        after = search(index, "", classes=("public",), facets=("issuer",)).facets
    assert public == {"issuer": [FacetValue(value="UBND xã Tam Hợp", count=3)]}
    assert tied.facets == public
    assert everyone == {"issuer": [FacetValue(value="UBND XÃ TAM HỢP", count=6)]}
    assert after == {"issuer": [FacetValue(value=min("ubnd xã tam hợp", "UBND xã Tam Hợp"), count=2)]}


def test_the_records_table_holds_the_public_forms_only_where_they_differ(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.add(odd_record())
        index.add(
            make_record("plain", "Kế hoạch", doc_type="Kế hoạch", issuer="Sở Nội vụ", retention="10 năm")
        )
    with sqlite3.connect(path) as conn:
        rows = dict(
            (row[0], row[1:])
            for row in conn.execute(
                "SELECT id, public_doc_type, public_issuer, public_province, public_province_present,"
                " public_retention FROM records"
            )
        )
    assert rows["plain"] == (None,) * 5
    assert rows["odd"] == (
        f"Đơn của {MASKED}",
        f"Hộ kinh doanh {MASKED}",
        f"Tỉnh {MASKED}",
        f"Tỉnh {MASKED}",
        f"Đến khi {MASKED} thôi kinh doanh",
    )
