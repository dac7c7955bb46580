"""Red team on dossiers (hồ sơ), session 14: the work an answer does for the documents a caller may
not see, now that public and staff are answered from the dossier's form for their audience,
stored with its head (application/dossiers.py), and no longer from dossier.json, which lists
every document, nor from each hidden document's metadata (s13's timing door, closed).

- The bytes read for a staff answer are flat in the number of documents hidden from staff (the
  public's are test_dossier_doors_s13.py's), and neither answer reads dossier.json or any byte of
  a hidden document's object; an archivist's does read dossier.json (the check can fail).
- What the public is shown follows a document's change: a review opening or closing a document
  refreshes the forms (a version of the head by the reviewer), and a member's personal data
  changed in a new version masks the dossier's title once its form is refreshed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.key_store import KeyStore, keys_path
from application.dossiers import refresh_public_form
from application.services import services_for
from indexing.masking import MASKED
from schemas import PersonalData
from storage import read_record, update_record
from storage.ocfl_inventory import VersionInfo
from storage.ocfl_layout import dossier_object_id, record_object_id
from storage.package import SYSTEM, ocfl_root
from tests.api.conftest import Archive, Keys, archive_settings, drop_archive_index
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier
from tests.redteam.store_reads import StoreReads

NAME = "Bùi Văn Thắng"


@dataclass
class World:
    archive: Archive
    keys: Keys
    client: TestClient

    def get(self, path: str, role: str = "public") -> object:
        return self.client.get(path, headers=self.keys.headers(role))


def _world(home: Path) -> Iterator[World]:
    settings = archive_settings(home)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    store = KeyStore(keys_path(settings))
    keys = Keys(staff=store.create("staff", "Lan")[1], archivist=store.create("archivist", "Minh")[1])
    try:
        with TestClient(create_app(settings)) as client:
            yield World(archive, keys, client)
    finally:
        drop_archive_index(archive.services)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app for the read-only tests (each adds dossiers of its own)."""
    yield from _world(tmp_path_factory.mktemp("s14") / "home")


@pytest.fixture
def own(tmp_path: Path) -> Iterator[World]:
    """An app of its own, for a test that changes a dossier (a review)."""
    yield from _world(tmp_path / "home")


def _reads(world: World, path: str, role: str) -> StoreReads:
    state = world.client.app.state.api  # type: ignore[attr-defined]
    counting = StoreReads(state.store)
    state.store = counting
    try:
        answer = world.get(path, role)
    finally:
        state.store = counting._store
    assert answer.status_code == 200, (role, path, answer.text[:300])  # type: ignore[attr-defined]
    return counting


def _paths(built: StoredDossier) -> tuple[str, ...]:
    return (f"/dossiers/{built.id}", f"/ui/dossiers/{built.id}", f"/records/{built.records[0].id}")


def test_a_staff_answer_does_no_work_for_the_number_of_hidden_documents(world: World) -> None:
    """Staff may read public and conditional documents: 1 hidden (not_accessible) against 60
    (not_accessible and undetermined), the bytes read by each answer the same within 5 %."""
    shown = [DocSpec(pages=1, date=dt.date(2020, 3, 1)), DocSpec(access="conditional", number="7")]
    few = add_dossier(world.archive, "H1.2020.11", [*shown, DocSpec(access="not_accessible")])
    hidden = [DocSpec(access=("not_accessible", "undetermined")[n % 2], number=str(n)) for n in range(60)]
    many = add_dossier(world.archive, "H1.2020.12", [*shown, *hidden])
    for one, sixty in zip(_paths(few), _paths(many), strict=True):
        a, b = _reads(world, one, "staff").read, _reads(world, sixty, "staff").read
        assert b <= a * 1.05 + 512, f"{one.split('/')[1]}: {a} bytes read for 1 hidden document, {b} for 60"


def test_public_and_staff_answers_read_neither_the_dossier_list_nor_a_hidden_document(world: World) -> None:
    built = add_dossier(
        world.archive,
        "H1.2020.13",
        [
            DocSpec(),
            DocSpec(access="conditional"),
            DocSpec(access="not_accessible"),
            DocSpec(access="undetermined"),
        ],
    )
    public, conditional, secret, undetermined = built.records
    root = ocfl_root(world.archive.services.store)
    hidden = {"public": [conditional, secret, undetermined], "staff": [secret, undetermined]}
    for role, records in hidden.items():
        roots = tuple(root.object_root(record_object_id(r.id)) for r in records)
        for path in _paths(built):
            keys = _reads(world, path, role).keys
            assert not [k for k in keys if k.startswith(roots)], (role, path)
            assert not [k for k in keys if k.endswith("/dossier.json")], (role, path)
    head = root.object_root(dossier_object_id(built.id))
    archivist = _reads(world, f"/dossiers/{built.id}", "archivist").keys
    assert any(k.startswith(head) and k.endswith("/dossier.json") for k in archivist)


def test_a_review_opening_or_closing_a_document_refreshes_what_the_public_is_shown(own: World) -> None:
    built = add_dossier(own.archive, "H1.2020.14", [DocSpec(), DocSpec(access="conditional", number="K7")])
    first, second = built.records
    assert [d["id"] for d in own.get(f"/dossiers/{built.id}").json()["documents"]] == [first.id]
    head = dossier_object_id(built.id)
    before = ocfl_root(own.archive.services.store).versions(head)
    for access, seen in (("public", [first.id, second.id]), ("conditional", [first.id])):
        done = own.client.post(
            f"/review/{second.id}",
            headers=own.keys.headers("archivist"),
            json={"action": "override", "access": access, "reason": "Lưu trữ viên đã xem văn bản"},
        )
        assert done.status_code == 200, done.text
        assert [d["id"] for d in own.get(f"/dossiers/{built.id}").json()["documents"]] == seen
        assert ("K7" in own.get(f"/ui/dossiers/{built.id}").text) == (access == "public")
    versions = ocfl_root(own.archive.services.store).versions(head)
    assert len(versions) == len(before) + 2
    assert all(v.message == f"review of document {second.id}" for v in versions[-2:])
    assert all(v.user and v.user.name.startswith("Minh") for v in versions[-2:])
    accepted = own.client.post(
        f"/review/{first.id}",
        headers=own.keys.headers("archivist"),
        json={"action": "accept", "reason": "Lưu trữ viên đã xem văn bản"},
    )
    assert accepted.status_code == 200, accepted.text
    assert len(ocfl_root(own.archive.services.store).versions(head)) == len(versions)  # nothing changed


def test_a_members_personal_data_changed_masks_the_dossiers_title_for_the_public(own: World) -> None:
    """A hidden document's record gets a name in its personal data (a new version, as a
    reprocess or a correction writes it); once the dossier's form is refreshed the public reads
    the title masked, on the dossier, the list and the document's link, staff in clear."""
    title = f"Hồ sơ cấp đất {NAME}"
    built = add_dossier(own.archive, "H1.2020.15", [DocSpec(), DocSpec(access="not_accessible")], title=title)
    assert own.get(f"/dossiers/{built.id}").json()["title"] == title  # no document lists him yet
    store = own.archive.services.store
    secret = read_record(store, built.records[1].id, with_words=False)
    listed = [PersonalData(kind="name", value=NAME, page=1)]
    changed = secret.model_copy(
        update={"metadata": secret.metadata.model_copy(update={"personal_data": listed})}
    )
    update_record(store, changed, VersionInfo("reprocess: classify", SYSTEM))
    assert refresh_public_form(store, built.id, VersionInfo("reprocess: classify", SYSTEM)) is not None
    item = next(i for i in own.get("/dossiers").json()["items"] if i["id"] == built.id)
    for text in (own.get(f"/dossiers/{built.id}").json()["title"], item["title"]):
        assert text == f"Hồ sơ cấp đất {MASKED}"
    assert NAME not in own.get(f"/ui/dossiers/{built.id}").text
    assert NAME not in own.get(f"/ui/records/{built.records[0].id}").text
    assert own.get(f"/dossiers/{built.id}", "staff").json()["title"] == title
