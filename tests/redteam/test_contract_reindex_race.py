"""A review decision taken while `sohoa reindex` runs (a Prefect flow in another process, over the
same store and index) is undone by the swap: the rebuild read the record's package before the
decision and puts that version back, so a record an archivist just closed is public again in
every search, with its full text. Door D6 (/tmp/s11/notes/F.md), closed by the change journal and
the catch-up of indexing/rebuild.py: the rebuild runs as `sohoa reindex` runs it
(`indexing.rebuild.reindex` over the store), and the archivist decides right after the rebuild
has read the record's package (a store that calls the decision once that read is done). On the
engine ELASTICSEARCH_URL names, else SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from application.services import services_for
from indexing.rebuild import reindex
from schemas import PersonalData, SearchQuery
from storage import ObjectStore
from storage.hold import new_key
from storage.package import package_key
from tests.api.conftest import Archive, archive_settings, make_record, page_with_words
from tests.redteam.contract_world import World, world
from tests.secret_leaks import leaks

REASON = "Hồ sơ có thông tin nội bộ, đóng lại"


class DecidedAfterRead:
    """The store, calling `decide()` once, right after the rebuild has read `record_id`'s
    record.json (what it indexes): the decision comes between the read and the swap."""

    def __init__(self, store: ObjectStore, record_id: str, decide: Callable[[], None]) -> None:
        self._store, self._key, self._decide = store, package_key(store, record_id, "record.json"), decide
        self.url = store.url
        self.decided = False

    def get_bytes(self, key: str) -> bytes:
        data = self._store.get_bytes(key)
        if key == self._key and not self.decided:
            self.decided = True
            self._decide()
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


@pytest.fixture
def two_records(tmp_path: Path) -> Iterator[tuple[World, Archive]]:
    settings = archive_settings(tmp_path / "home")
    archive = Archive(settings=settings, services=services_for(settings), records={})
    for name, lines in (
        ("closed", ["BIÊN BẢN họp bàn giao kho vũ khí", "Ông Bùi Văn Thắng ký nhận, CCCD 001076012345"]),
        ("open", ["KẾ HOẠCH trồng rừng phòng hộ", "Sở Nông nghiệp chủ trì"]),
    ):
        page, image = page_with_words(1, lines, name)
        personal = (PersonalData(kind="name", value="Bùi Văn Thắng", page=1),) if name == "closed" else ()
        archive.add(name, make_record([page], access="public", subject=lines[0], personal=personal), image)
    with world(tmp_path / "home", []) as w:
        yield w, archive


@pytest.mark.parametrize("access", ["conditional", "not_accessible"])
def test_contract_a_review_during_reindex_is_not_undone(two_records, access: str) -> None:  # noqa: ANN001
    w, archive = two_records
    closed = archive.records["closed"].id
    assert w.search(q="kho vũ khí")["total"] == 1

    def an_archivist_decides() -> None:  # the rebuild has read its package: the decision comes now
        body = {"action": "override", "reason": REASON, "access": access}
        response = w.client.post(f"/review/{closed}", json=body, headers=w.keys.headers("archivist"))
        assert response.status_code == 200, response.text

    store = DecidedAfterRead(w.services.store, closed, an_archivist_decides)
    report = reindex(store, w.services.index, workers=1)  # type: ignore[arg-type]
    assert store.decided
    assert report.records == 2
    assert w.services.index.access_of(closed) == access  # storage says so: the index must follow
    assert w.search(q="kho vũ khí")["total"] == 0


TOKEN = "hầmđạnxyzquỹ"  # one word of the secret's text, as FTS5 keeps it: a single term
MARK = {"action": "override", "reason": REASON, "access": "not_accessible", "fields": {"secrecy": "MẬT"}}


def test_contract_a_secret_held_during_reindex_leaves_no_text_in_the_index(tmp_path: Path) -> None:
    """The worst case: the decision marks the record MẬT, its content goes to the hold and the
    live index is scrubbed — then the swap brings the text back under SOHOA_HOME, searchable."""
    new_key(tmp_path / "keys" / "hold.key")
    settings = archive_settings(tmp_path / "home").model_copy(
        update={"secret_hold": tmp_path / "hold", "secret_key_file": tmp_path / "keys" / "hold.key"}
    )
    archive = Archive(settings=settings, services=services_for(settings), records={})
    page, image = page_with_words(1, ["Báo cáo", f"Kết quả kiểm tra {TOKEN} tại kho"], "secret")
    target = archive.add("target", make_record([page], access="conditional", doc_type="Báo cáo"), image).id
    with world(tmp_path / "home", [], settings) as w:

        def an_archivist_marks_it() -> None:
            response = w.client.post(f"/review/{target}", json=MARK, headers=w.keys.headers("archivist"))
            assert response.status_code == 200, response.text

        store = DecidedAfterRead(w.services.store, target, an_archivist_marks_it)
        reindex(store, w.services.index, workers=1)  # type: ignore[arg-type]
        assert store.decided
        found = [w.services.index.search(SearchQuery(q=TOKEN)).total, w.search("staff", q=TOKEN)["total"]]
        left = leaks(settings.home, (TOKEN,))
    assert found == [0, 0]
    assert left == []
