"""The records and pages of a SQLite index as NumPy arrays: filters, facet counts and order.

Part of SqliteIndex's search (indexing/browse.py). Record slot s is row s of every record array;
pages are addressed by their pid. Everything here is pure array work on a loaded snapshot.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Literal

import numpy as np

from schemas import AccessClass, FacetName, FacetValue, SearchFilters
from schemas.record import ACCESS_CLASSES
from vntext.normalise import key_or_none, search_key

__all__ = [
    "ACCESS_CODES",
    "Keyed",
    "RecordArrays",
    "access_mask",
    "all_of",
    "facet_counts",
    "filter_masks",
    "first_in_group",
    "load_arrays",
    "order_slots",
]

ACCESS_CODES = ACCESS_CLASSES  # a record's access code is its class's position here
NO_DATE = np.iinfo(np.int32).min  # the date of an undated record: last when newest come first
_JULIAN_OFFSET = 1721425  # date.toordinal() + this = julian day number


@dataclass(frozen=True)
class Keyed:
    """One metadata field of every record, compared by search key: per record slot the code of
    its key (-1: no value) and of its (key, spelling) pair. A value is labelled from the records
    counted, never from a record outside them (a hidden record's spelling would tell of it), and
    the work of labelling follows the records counted and the index's size alone."""

    key: np.ndarray  # slot -> key code, -1 when unknown
    pair: np.ndarray  # slot -> pair code, -1 when unknown; pairs sorted by key code, then spelling
    codes: dict[str, int]  # key -> key code
    pair_key: np.ndarray  # pair code -> key code
    labels: list[str]  # pair code -> spelling
    starts: np.ndarray  # key code -> its first pair code

    def lookup(self, value: str) -> int:
        """The code of a filter value, compared by search key as the index compares it."""
        return self.codes.get(search_key(value.strip()), -2)

    def values(self, slots: np.ndarray, limit: int | None) -> list[FacetValue]:
        """Records per value over the record `slots`: the most frequent `limit` values (ties at
        the cut all kept, then cut by label), each labelled with its most frequent spelling among
        those records (ties: the first in string order, as Elasticsearch's label sub-aggregation)."""
        if limit == 0 or not len(self.starts):
            return []
        pairs = self.pair[slots]
        spelled = np.bincount(pairs[pairs >= 0], minlength=len(self.pair_key))
        counts = np.add.reduceat(spelled, self.starts)
        present = np.flatnonzero(counts)
        if limit is not None and len(present) > limit:  # the most frequent; ties all kept, then cut
            floor = np.partition(counts[present], len(present) - limit)[len(present) - limit]
            present = present[counts[present] >= floor]
        wanted = np.zeros(len(self.starts), dtype=bool)
        wanted[present] = True
        chosen = np.flatnonzero(wanted[self.pair_key] & (spelled > 0))  # grouped by key, in order
        first = first_in_group(self.pair_key[chosen])
        most = np.maximum.reduceat(spelled[chosen], np.flatnonzero(first)) if len(chosen) else chosen
        chosen = chosen[spelled[chosen] == most[np.cumsum(first) - 1]]
        chosen = chosen[first_in_group(self.pair_key[chosen])]  # the first spelling of the most frequent
        values = sorted(
            (
                FacetValue(value=self.labels[p], count=int(counts[k]))
                for k, p in zip(self.pair_key[chosen].tolist(), chosen.tolist(), strict=True)
            ),
            key=lambda v: (-v.count, str(v.value)),
        )
        return values[:limit]


def _keyed(pairs: Iterable[tuple[str | None, str | None]], count: int) -> Keyed:
    """A Keyed field from each of `count` records' (key, spelling): key None, no value; spelling
    None, its key. The records are passed over once, in C (dict.setdefault through map); the rest
    works on the distinct pairs."""
    seen: dict[tuple[str | None, str | None], int] = {}
    raw = np.fromiter(map(seen.setdefault, pairs, itertools.count()), dtype=np.int64, count=count)
    firsts = np.fromiter(seen.values(), dtype=np.int64, count=len(seen))  # increasing: insertion order
    normal = [(k, k if s is None else s) for k, s in seen]
    ordered = sorted(
        {p for p in normal if p[0] is not None}
    )  # by key, then spelling: a tie goes to the first
    position = {p: n for n, p in enumerate(ordered)}
    target = np.fromiter((position.get(p, -1) for p in normal), dtype=np.int32, count=len(normal))
    pair = target[np.searchsorted(firsts, raw)] if count else np.zeros(0, dtype=np.int32)
    codes: dict[str, int] = {}
    pair_key = np.fromiter(
        (codes.setdefault(k, len(codes)) for k, _ in ordered), dtype=np.int32, count=len(ordered)
    )
    key = np.full(count, -1, dtype=np.int32)
    key[pair >= 0] = pair_key[pair[pair >= 0]]
    return Keyed(
        key=key,
        pair=pair,
        codes=codes,
        pair_key=pair_key,
        labels=[spelling for _, spelling in ordered],
        starts=np.searchsorted(pair_key, np.arange(len(codes))),
    )


@dataclass(frozen=True)
class RecordArrays:
    rids: np.ndarray
    ids: list[str]
    id_order: np.ndarray  # position of each id in sorted order (sort key without strings)
    date_order: np.ndarray  # position in (newest first, undated last, id) order
    chrono_order: np.ndarray  # position in (newest first, undated last, newest ingested, id) order
    access: np.ndarray  # index into ACCESS_CODES
    year: np.ndarray  # 0 when unknown
    date: np.ndarray  # julian day, NO_DATE when unknown
    ingested: np.ndarray  # julian day with time of day
    needs_review: np.ndarray
    dossier: np.ndarray  # the code of its dossier's id (codes in id order), -1 outside a dossier
    dossier_codes: dict[str, int]  # dossier id -> code
    dossier_walk: np.ndarray  # position in (dossier id, order, none last, then by date) order
    # doc_type, issuer, province (today), province_then (as named on the document's date),
    # retention: the full values (a full scope) and their public forms (a masked scope, the
    # public: personal data masked, as the record page shows them)
    keyed: dict[str, Keyed]
    public: dict[str, Keyed]
    page_slot: np.ndarray  # pid -> record slot, -1 where no page
    page_number: np.ndarray  # pid -> page number
    page_personal: np.ndarray  # pid -> the page holds personal data (full text in private_fts)
    first_pid: np.ndarray  # slot -> pid of its lowest-numbered page, -1 without pages
    pages: int

    def __len__(self) -> int:
        return len(self.ids)


# julianday() of a date is its midnight (x.5); + 0.5 gives the day number date.toordinal() maps to.
_RECORDS_SQL = """SELECT rid, id, access, year, CAST(julianday(date) + 0.5 AS INTEGER),
julianday(ingested_at), needs_review, doc_type_key, doc_type, public_doc_type, issuer_key, issuer,
public_issuer, province_present_key, province_present, public_province_present, province_key,
province_key, public_province, retention, retention, public_retention, dossier, dossier_order
FROM records"""
# (key, spelling, public form or NULL when it is the full one) per keyed field, from column 7 on;
# the province then is only compared (its key is its label), retention is compared as it is.
KEYED = ("doc_type", "issuer", "province", "province_then", "retention")
_DOSSIER = 7 + 3 * len(KEYED)  # then the dossier id and the order in it
_BY_KEY = frozenset({"doc_type", "issuer", "province", "province_then"})


def _keyed_fields(rows: list[tuple]) -> tuple[dict[str, Keyed], dict[str, Keyed]]:
    """(full, public) Keyed fields; a field no record masks shares one Keyed for both."""
    full, public = {}, {}
    for n, name in enumerate(KEYED):
        at = 7 + 3 * n
        full[name] = _keyed(map(itemgetter(at, at + 1), rows), len(rows))
        if not any(map(itemgetter(at + 2), rows)):
            public[name] = full[name]
            continue
        public_key = key_or_none if name in _BY_KEY else (lambda value: value)
        pairs = (
            (k, s) if m is None else (public_key(m), m)
            for k, s, m in map(itemgetter(at, at + 1, at + 2), rows)
        )
        public[name] = _keyed(pairs, len(rows))
    return full, public


def _column(rows: list[tuple], get, dtype) -> np.ndarray:  # noqa: ANN001 - a tiny local helper
    return np.fromiter((get(r) for r in rows), dtype=dtype, count=len(rows))


def load_arrays(conn: sqlite3.Connection) -> RecordArrays:
    """Read the records and pages tables of an open index (inside one read transaction)."""
    rows = conn.execute(_RECORDS_SQL).fetchall()
    access_code = {name: code for code, name in enumerate(ACCESS_CODES)}
    rids = _column(rows, lambda r: r[0], np.int64)
    pages = np.array(
        conn.execute("SELECT pid, rid, number, public_text IS NOT NULL FROM pages").fetchall(), dtype=np.int64
    ).reshape(-1, 4)
    pids, page_rids = pages[:, 0], pages[:, 1]
    size = int(pids.max(initial=0)) + 1
    page_slot = np.full(size, -1, dtype=np.int32)
    page_number = np.zeros(size, dtype=np.int32)
    by_rid = np.argsort(rids)
    at = np.minimum(np.searchsorted(rids[by_rid], page_rids), max(len(rids) - 1, 0))
    linked_rid = len(rids) > 0 and rids[by_rid][at] == page_rids
    page_slot[pids] = np.where(linked_rid, by_rid[at] if len(rids) else -1, -1)
    page_number[pids] = pages[:, 2]
    page_personal = np.zeros(size, dtype=bool)
    page_personal[pids] = pages[:, 3] == 1
    first_pid = np.full(len(rows), -1, dtype=np.int64)
    linked = pids[page_slot[pids] >= 0]
    linked = linked[np.lexsort((page_number[linked], page_slot[linked]))]
    first = first_in_group(page_slot[linked])
    first_pid[page_slot[linked[first]]] = linked[first]
    ids = [r[1] for r in rows]
    id_order = _positions(np.argsort(np.array(ids, dtype=str), kind="stable"))
    date = _column(rows, lambda r: NO_DATE if r[4] is None else r[4], np.int32)
    ingested = _column(rows, lambda r: r[5] or 0.0, np.float64)
    newest = -date.astype(np.int64)
    keyed, public = _keyed_fields(rows)
    chrono_order = _positions(np.lexsort((id_order, -ingested, newest)))
    dossier, dossier_codes, dossier_walk = _dossiers(rows, chrono_order)
    return RecordArrays(
        rids=rids,
        ids=ids,
        id_order=id_order,
        date_order=_positions(np.lexsort((id_order, newest))),
        chrono_order=chrono_order,
        access=_column(rows, lambda r: access_code.get(r[2], access_code["not_accessible"]), np.int8),
        year=_column(rows, lambda r: r[3] or 0, np.int32),
        date=date,
        ingested=ingested,
        needs_review=_column(rows, lambda r: bool(r[6]), bool),
        dossier=dossier,
        dossier_codes=dossier_codes,
        dossier_walk=dossier_walk,
        keyed=keyed,
        public=public,
        page_slot=page_slot,
        page_number=page_number,
        page_personal=page_personal,
        first_pid=first_pid,
        pages=len(pages),
    )


def _dossiers(rows: list[tuple], chrono_order: np.ndarray) -> tuple[np.ndarray, dict[str, int], np.ndarray]:
    """Per record slot its dossier's code (-1: none), the codes by dossier id (numbered in id
    order), and each slot's position in dossier order: by dossier id, then the order in it, records
    outside a dossier last, then as by date (`chrono_order`)."""
    ids = list(map(itemgetter(_DOSSIER), rows))
    named = set(ids)
    named.discard(None)
    codes = {dossier_id: code for code, dossier_id in enumerate(sorted(named))}
    dossier = np.fromiter(map(codes.get, ids, itertools.repeat(-1)), dtype=np.int32, count=len(rows))
    order = np.array(list(map(itemgetter(_DOSSIER + 1), rows)), dtype=np.float64).reshape(-1)  # None: nan
    order = np.nan_to_num(order, nan=np.inf)  # outside a dossier: last
    walk = _positions(np.lexsort((chrono_order, order, np.where(dossier < 0, len(codes), dossier))))
    return dossier, codes, walk


def _positions(order: np.ndarray) -> np.ndarray:
    """The inverse of an ordering: where each element stands in it."""
    positions = np.empty(len(order), dtype=np.int64)
    positions[order] = np.arange(len(order))
    return positions


def first_in_group(sorted_keys: np.ndarray) -> np.ndarray:
    """True at the first element of each run of equal keys in a sorted array."""
    first = np.ones(len(sorted_keys), dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return first


def access_mask(arrays: RecordArrays, classes: tuple[AccessClass, ...] | list[AccessClass]) -> np.ndarray:
    return np.isin(arrays.access, [ACCESS_CODES.index(c) for c in classes])


def filter_masks(
    arrays: RecordArrays, filters: SearchFilters, *, masked: bool = False
) -> dict[str, np.ndarray]:
    """One mask per active filter, keyed by its facet name ('date' for the date range, 'dossier'
    for the dossier: no facet's, so every facet is counted under them); masked:
    doc_type, issuer and province compared with their public forms (a masked value finds
    nothing, as a made-up one)."""
    masks = {}
    keyed = arrays.public if masked else arrays.keyed
    if filters.access is not None:
        masks["access"] = access_mask(arrays, filters.access)
    if filters.doc_type is not None:
        field = keyed["doc_type"]
        masks["doc_type"] = field.key == field.lookup(filters.doc_type)
    if filters.issuer is not None:
        field = keyed["issuer"]
        masks["issuer"] = field.key == field.lookup(filters.issuer)
    if filters.province is not None:
        now, then = keyed["province"], keyed["province_then"]
        masks["province"] = (now.key == now.lookup(filters.province)) | (
            then.key == then.lookup(filters.province)
        )
    if filters.year is not None:
        masks["year"] = arrays.year == filters.year
    if filters.needs_review is not None:
        masks["needs_review"] = arrays.needs_review == filters.needs_review
    if filters.dossier is not None:  # an id: compared as it is; an unknown one matches nothing
        masks["dossier"] = arrays.dossier == arrays.dossier_codes.get(filters.dossier, -2)
    date_from, date_to = filters.date_from, filters.date_to
    if date_from is not None or date_to is not None:
        low = date_from.toordinal() + _JULIAN_OFFSET if date_from else NO_DATE + 1
        high = date_to.toordinal() + _JULIAN_OFFSET if date_to else np.iinfo(np.int32).max
        masks["date"] = (arrays.date >= low) & (arrays.date <= high)
    return masks


def all_of(masks: dict[str, np.ndarray], base: np.ndarray) -> np.ndarray:
    keep = base.copy()
    for mask in masks.values():
        keep &= mask
    return keep


def _one_facet(
    arrays: RecordArrays, name: str, slots: np.ndarray, limit: int | None, masked: bool
) -> list[FacetValue]:
    """The values of facet `name` over the record `slots`; masked: in their public forms."""
    if name in ("doc_type", "issuer", "province", "retention"):
        return (arrays.public if masked else arrays.keyed)[name].values(slots, limit)
    if name == "year":
        years = arrays.year[slots]
        counts = np.bincount(years[years > 0])
        present = np.flatnonzero(counts)[::-1][:limit]
        return [FacetValue(value=int(y), count=int(counts[y])) for y in present]
    if name == "access":
        counts = np.bincount(arrays.access[slots], minlength=len(ACCESS_CODES))
        present = np.flatnonzero(counts)[:limit]
        return [FacetValue(value=ACCESS_CODES[c], count=int(counts[c])) for c in present]
    flagged = int(np.count_nonzero(arrays.needs_review[slots]))
    pairs = ((True, flagged), (False, len(slots) - flagged))
    return [FacetValue(value=value, count=count) for value, count in pairs if count][:limit]


def facet_counts(
    arrays: RecordArrays,
    candidates: np.ndarray,
    masks: dict[str, np.ndarray],
    names: Sequence[FacetName],
    limit: int | None = None,
    *,
    masked: bool = False,
) -> dict[FacetName, list[FacetValue]]:
    """Records per value of each facet in `names`, the most frequent `limit` values (the latest
    years).

    Each facet is counted under every filter but its own, so the other values of a filtered
    facet stay visible; `candidates` are the records the query matched that the caller may see.
    A value is labelled by the records it counts; masked: values in their public forms.
    Counted over the slots of the records kept (the facets without a filter share one list),
    never over every record.
    """
    shared: np.ndarray | None = None
    counted = {}
    for name in names:
        if name in masks:
            slots = np.flatnonzero(all_of({k: m for k, m in masks.items() if k != name}, candidates))
        else:
            if shared is None:
                shared = np.flatnonzero(all_of(masks, candidates))
            slots = shared
        counted[name] = _one_facet(arrays, name, slots, limit, masked)
    return counted


def _smallest(keys: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` smallest of unique `keys`, in order."""
    if count < len(keys) // 2:
        part = np.argpartition(keys, count - 1)[:count] if count else keys[:0].astype(np.int64)
        return part[np.argsort(keys[part], kind="stable")]
    return np.argsort(keys, kind="stable")[:count]


def order_slots(
    arrays: RecordArrays,
    keep: np.ndarray,
    tier: np.ndarray,
    rank: np.ndarray,
    *,
    by: Literal["score", "date", "dossier"],
    ranked: bool,
    count: int,
) -> np.ndarray:
    """The first `count` slots of `keep` in the order shown.

    By score (relevance), as SqliteIndex orders: exact spelling first (tier), best BM25 rank,
    newest, id (unranked broad queries: tier, newest, id). By date, and for an empty query: newest
    first with undated last, newest ingested, id. By dossier: dossier id, order in it, records
    outside a dossier last, then by date.
    """
    slots = np.flatnonzero(keep)
    count = min(count, len(slots))
    if by == "date":
        return slots[_smallest(arrays.chrono_order[slots], count)]
    if by == "dossier":
        return slots[_smallest(arrays.dossier_walk[slots], count)]
    if not ranked:
        keys = (1 - tier[slots].astype(np.int64)) * len(arrays) + arrays.date_order[slots]
        return slots[_smallest(keys, count)]
    order = np.lexsort(
        (arrays.id_order[slots], -arrays.date[slots].astype(np.int64), rank[slots], -tier[slots])
    )
    return slots[order[:count]]
