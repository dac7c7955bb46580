"""`reindex` catches up with what storage committed while it ran (the red team's door D6): a record
changed, a record held (its content gone to the secret hold, a catalogue row left) and a record no
longer committed while the fill runs reach the fresh index before the swap; a change committed
after that first pass read the journal reaches the live index after the swap. On SQLite (the
API's own SqliteIndex, another connection to the same file, keeps writing to the index served)
and on Elasticsearch through the fake cluster (the requests in order). And the change journal
itself (storage/changes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from application.secret_docs import erase_traces, move_to_hold
from indexing import SqliteIndex, reindex
from indexing.elastic import ElasticIndex, parse_elastic_url
from schemas import Record, SearchQuery
from storage import LocalStore, ObjectStore, is_held, read_record, update_record, write_package
from storage.changes import CLOCK_MARGIN, changes_since, note_change, prune_changes
from storage.hold import SecretHold, load_key, new_key
from storage.layout import CHANGES
from storage.package import withdraw_package
from tests.indexing.fake_elastic import FakeCluster
from tests.indexing.stored import stored_record

OLD = "kiểmkêcũ"  # one word each: FTS5 keeps it as one term, a byte scan finds it
NEW = "kiểmkêmới"
SECRET = "hầmđạnxyzquỹ"
GONE = "hồsơrútlại"
LATE = "ghisauhoánđổi"


class Interleaved:
    """The store, running actions at chosen reads: `after_reads[(record_id, n)]` runs right after
    the n-th read (1: the fill's, 2: the catch-up's) of that record's record.json."""

    def __init__(self, store: ObjectStore, after_reads: dict[tuple[str, int], Callable[[], None]]) -> None:
        self._store, self._after = store, dict(after_reads)
        self._reads: dict[str, int] = {}
        self.url = store.url

    def get_bytes(self, key: str) -> bytes:
        data = self._store.get_bytes(key)
        if key.endswith("/content/record.json"):  # <object>/vN/content/record.json of a record
            record_id = unquote(key.split("/")[-4]).rsplit(":", 1)[1]
            n = self._reads[record_id] = self._reads.get(record_id, 0) + 1
            if (action := self._after.pop((record_id, n), None)) is not None:
                action()
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    for record_id, text, access in (
        ("changed", f"Biên bản {OLD} kho", "public"),
        ("held", f"Báo cáo {SECRET} tại kho", "conditional"),
        ("gone", f"Công văn {GONE}", "public"),
        ("kept", "Kế hoạch trồng rừng", "public"),
        ("late", "Thông báo lịch họp", "public"),
    ):
        record, original = stored_record(tmp_path, record_id, text, access=access)
        write_package(store, record, original)
    # committed long before (the journal is read with a margin of minutes: these would be read
    # again, harmlessly, by a reindex right after them)
    prune_changes(store, datetime.now(UTC) + timedelta(days=1))
    return store


def _changed(record: Record) -> Record:
    page = record.pages[0].model_copy(update={"text": f"Biên bản {NEW} kho"})
    classification = record.classification.model_copy(update={"access": "conditional"})
    return record.model_copy(update={"pages": [page], "classification": classification})


def decisions(
    store: ObjectStore, live: Callable[[], object], hold: SecretHold
) -> dict[str, Callable[[], None]]:
    """What an archivist, a sweep or a clean-up commits (storage first, then the live index
    `live()`, as the API does), by record; "held" goes to the secret hold as a review or
    `sohoa secret sweep` sends it (application.secret_docs)."""

    def change() -> None:
        new = _changed(read_record(store, "changed"))
        update_record(store, new)
        live().add(new)  # type: ignore[attr-defined]

    def to_hold() -> None:
        record = read_record(store, "held")
        record = record.model_copy(update={"metadata": record.metadata.model_copy(update={"secrecy": "MẬT"})})
        move_to_hold(store, live(), hold, record)  # type: ignore[arg-type]
        erase_traces(live(), hold.root / "no-page-cache", ["held"], learned=hold.root / "no-counts.tsv")  # type: ignore[arg-type]
        assert is_held(read_record(store, "held"))

    def remove() -> None:
        withdraw_package(store, "gone")  # no longer a record: its head is a tombstone
        note_change(store, "gone")
        live().delete("gone")  # type: ignore[attr-defined]

    def late() -> None:
        record = read_record(store, "late")
        page = record.pages[0].model_copy(update={"text": f"Thông báo {LATE}"})
        new = record.model_copy(update={"pages": [page]})
        update_record(store, new)
        live().add(new)  # type: ignore[attr-defined]

    return {"changed": change, "held": to_hold, "gone": remove, "late": late}


@pytest.fixture
def hold(tmp_path: Path) -> SecretHold:
    new_key(tmp_path / "keys" / "hold.key")
    return SecretHold(tmp_path / "hold", load_key(tmp_path / "keys" / "hold.key"))


def _files_holding(folder: Path, word: str) -> list[str]:
    needle = word.encode()
    return sorted(p.name for p in folder.iterdir() if p.is_file() and needle in p.read_bytes())


def _total(index: object, q: str) -> int:
    return index.search(SearchQuery(q=q)).total  # type: ignore[attr-defined]


# -- SQLite -----------------------------------------------------------------------------------


@pytest.fixture
def live_pair(tmp_path: Path, store: LocalStore) -> Iterator[tuple[SqliteIndex, SqliteIndex]]:
    """(the reindex's index, the API's): two connections to one file, as two processes have."""
    path = tmp_path / "home" / "index.sqlite3"
    with SqliteIndex(path) as flow_index, SqliteIndex(path) as api_index:
        reindex(store, flow_index)
        assert _total(api_index, OLD) == 1 and _total(api_index, SECRET) == 1
        yield flow_index, api_index


def test_sqlite_changes_during_the_fill_reach_the_fresh_index_before_the_swap(
    store: LocalStore, live_pair: tuple[SqliteIndex, SqliteIndex], hold: SecretHold
) -> None:
    flow_index, api_index = live_pair
    act = decisions(store, lambda: api_index, hold)
    during_fill = {(rid, 1): act[rid] for rid in ("changed", "held", "gone")}

    report = reindex(Interleaved(store, during_fill), flow_index)  # type: ignore[arg-type]

    assert (report.caught_up, report.caught_up_after_swap) == (3, 0)
    assert report.ok
    for index in (flow_index, api_index):
        assert index.access_of("changed") == "conditional"
        assert (_total(index, OLD), _total(index, NEW)) == (0, 1)
        assert index.access_of("held") == "not_accessible" and _total(index, SECRET) == 0
        assert not index.has("gone") and _total(index, GONE) == 0
        assert index.has("kept") and index.count() == 4
    folder = flow_index.path.parent
    assert _files_holding(folder, SECRET) == [] and _files_holding(folder, OLD) == []
    assert sorted(p.name for p in folder.iterdir() if ".new" in p.name) == []


def test_sqlite_a_change_committed_after_the_first_pass_reaches_the_live_index_after_the_swap(
    store: LocalStore, live_pair: tuple[SqliteIndex, SqliteIndex], hold: SecretHold
) -> None:
    flow_index, api_index = live_pair
    act = decisions(store, lambda: api_index, hold)
    # "changed" is read by the fill, changed, read again by the first pass: then "late" commits,
    # after the journal was read and before the swap (its index write goes to the file replaced)
    plan = {("changed", 1): act["changed"], ("changed", 2): act["late"]}

    report = reindex(Interleaved(store, plan), flow_index)  # type: ignore[arg-type]

    assert (report.caught_up, report.caught_up_after_swap) == (1, 1)
    for index in (flow_index, api_index):
        assert _total(index, LATE) == 1 and _total(index, NEW) == 1 and _total(index, OLD) == 0


def test_sqlite_the_api_index_writes_to_the_rebuilt_file_when_it_was_renamed_in(
    tmp_path: Path, store: LocalStore, hold: SecretHold
) -> None:
    """The rebuilt file is renamed over the live one (here one with another page size): the
    API's SqliteIndex, connected to the old file, follows to the new one on its next call,
    its writes included, and the catch-up still applies."""
    import sqlite3

    path = tmp_path / "home" / "index.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size = 8192")
        conn.execute("PRAGMA journal_mode = WAL")
    with SqliteIndex(path) as flow_index, SqliteIndex(path) as api_index:
        for record_id in ("changed", "held", "gone", "kept", "late"):
            api_index.add(read_record(store, record_id))
        before = path.stat().st_ino
        act = decisions(store, lambda: api_index, hold)
        report = reindex(Interleaved(store, {("held", 1): act["held"]}), flow_index)  # type: ignore[arg-type]
        assert path.stat().st_ino != before  # renamed in, not copied
        assert report.caught_up == 1
        api_index.add(_changed(read_record(store, "changed")))  # after the swap: to the new file
        with SqliteIndex(path) as reader:
            assert reader.access_of("changed") == "conditional" and _total(reader, NEW) == 1
            assert reader.access_of("held") == "not_accessible" and _total(reader, SECRET) == 0
        assert _files_holding(path.parent, SECRET) == []


def test_without_changes_nothing_is_read_again(store: LocalStore, tmp_path: Path) -> None:
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        report = reindex(store, index)
    assert (report.records, report.indexed, report.caught_up, report.caught_up_after_swap) == (5, 5, 0, 0)
    assert report.to_dict()["caught_up"] == 0


# -- Elasticsearch (fake cluster: the requests) -------------------------------------------------


def test_elasticsearch_changes_during_the_fill_reach_the_index_served(
    store: LocalStore, hold: SecretHold
) -> None:
    cluster = FakeCluster()
    with ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node()) as index:
        reindex(store, index)
        act = decisions(store, lambda: index, hold)
        during_fill = {(rid, 1): act[rid] for rid in ("changed", "held", "gone")}
        start = len(cluster.requests)

        report = reindex(Interleaved(store, during_fill), index)  # type: ignore[arg-type]

        assert (report.caught_up, report.caught_up_after_swap) == (3, 0)
        docs = cluster.docs("sohoa-pages")
        assert sorted(docs) == ["changed", "held", "kept", "late"]
        assert docs["changed"]["access"] == "conditional"
        assert NEW in str(docs["changed"]) and OLD not in str(docs["changed"])
        assert docs["held"]["access"] == "not_accessible" and SECRET not in str(docs["held"])
        new = tuple(cluster.aliases["sohoa-pages"])  # one index per access class
        paths = cluster.paths()[start:]
        swap = paths.index("POST /_aliases")
        bulk = max(i for i, p in enumerate(paths) if p.endswith("/_bulk"))
        # the catch-up: after the fill (bulk) and before the alias moves, each record re-read
        # and written to the new index, then a force-merge of it (the held and removed ones left)
        names = ("/_doc/changed", "/_doc/held", "/_doc/gone")
        caught = [i for i, p in enumerate(paths) if i > bulk and p.endswith(names)]
        merges = [i for i, p in enumerate(paths) if i > bulk and p.endswith("/_forcemerge")]
        assert {paths[i].split("/_doc/")[1] for i in caught} == {"changed", "held", "gone"}
        assert all(i < swap and paths[i].split()[1].startswith(tuple(f"/{n}/" for n in new)) for i in caught)
        merged = [set(paths[i][6:].split("/")[0].split(",")) for i in merges]  # each class left, then all
        assert merges and all(names <= set(new) for names in merged) and merged[-1] == set(new)
        assert max(caught) < merges[-1] < swap
        assert not any(p.endswith(names) for p in paths[swap:])  # nothing left for after the swap


# -- the journal --------------------------------------------------------------------------------


def test_the_journal_names_each_commit_once_per_change(tmp_path: Path, store: LocalStore) -> None:
    since = datetime.now(UTC)
    record = read_record(store, "kept")
    update_record(store, record)
    update_record(store, record)
    found = [c for c in changes_since(store, since) if c.record_id == "kept"]
    assert len(found) == 2 and len({c.key for c in found}) == 2
    assert all(c.key.startswith(f"{CHANGES}/") for c in found)
    assert store.get_bytes(found[0].key) == b""


def test_the_journal_is_read_with_a_margin_and_skips_foreign_entries(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    now = datetime(2026, 12, 7, 7, 0, 30, tzinfo=UTC)
    note_change(store, "a" * 32, now=now - CLOCK_MARGIN - timedelta(seconds=5))  # before the margin
    inside = note_change(store, "b" * 32, now=now - CLOCK_MARGIN + timedelta(seconds=5))  # previous hour
    later = note_change(store, "c-d", now=now + timedelta(minutes=3))  # an id with a dash
    store.put_bytes(f"{CHANGES}/20261207T07/notes.txt", b"someone else's")
    found = changes_since(store, now, now=now + timedelta(minutes=5))
    assert [(c.key, c.record_id) for c in found] == [(inside, "b" * 32), (later, "c-d")]


def test_old_journal_hours_are_pruned_and_newer_kept(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    day = datetime(2026, 12, 7, 7, tzinfo=UTC)
    old = [note_change(store, "x", now=day - timedelta(days=9, hours=h)) for h in range(3)]
    kept = note_change(store, "y", now=day - timedelta(days=6))
    assert prune_changes(store, day - timedelta(days=7)) == 3
    assert list(store.list(f"{CHANGES}/")) == [kept]
    assert all(not store.exists(key) for key in old)


def test_elasticsearch_a_change_after_the_first_pass_goes_through_the_alias_after_the_swap(
    store: LocalStore, hold: SecretHold
) -> None:
    cluster = FakeCluster()
    with ElasticIndex(parse_elastic_url("http://es:9200"), node_class=cluster.node()) as index:
        reindex(store, index)
        act = decisions(store, lambda: index, hold)
        start = len(cluster.requests)

        plan = {("changed", 1): act["changed"], ("changed", 2): act["late"]}
        report = reindex(Interleaved(store, plan), index)  # type: ignore[arg-type]

        assert (report.caught_up, report.caught_up_after_swap) == (1, 1)
        assert LATE in str(cluster.docs("sohoa-pages")["late"])
        paths = cluster.paths()[start:]
        swap = paths.index("POST /_aliases")
        late = f"PUT /sohoa-pages-{cluster.docs('sohoa-pages')['late']['access']}/_doc/late"
        assert paths.index(late, swap) > swap  # the second pass, through the class alias
        assert not any(p.endswith("/_forcemerge") for p in paths[swap:])  # nothing left the index
