"""Record packages as OCFL objects: versions with who, when and why; a tombstone for a withdrawn
document; a catalogue that leaves no byte of the content in any version; a published validator
agreeing after each."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import NotFound
from schemas import DossierLink, Event
from storage import (
    HELD_STEP,
    LocalStore,
    iter_record_ids,
    package_exists,
    read_manifest,
    read_record,
    record_versions,
    update_record,
    write_catalogue,
    write_package,
)
from storage.fixity import verify
from storage.ocfl_inventory import User, VersionInfo
from storage.package import version_info, withdraw_package, write_document_package
from tests.storage.ocfl_helpers import content_files, object_folder, ocfl_py_validate
from tests.storage.store_conformance import make_original, make_record


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def _valid(store: LocalStore) -> None:
    validation = ocfl_py_validate(str(store.root / "ocfl"))
    assert validation.clean, validation.messages
    assert verify(store).ok


def test_versions_say_who_when_and_why_and_every_one_stays_readable(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    assert write_package(store, record, original) == 1
    assert write_package(store, record, original) is None  # a rerun with nothing new: no version
    reviewed = record.model_copy(deep=True)
    reviewed.classification.access = "conditional"
    reviewed.events.append(
        Event(step="review", tool="sohoa-api", detail="có số điện thoại", parameters={"by": "Lan"})
    )
    assert update_record(store, reviewed) == 2
    again = reviewed.model_copy(deep=True)
    again.metadata.subject = "Về việc số hóa"
    why = VersionInfo("reclassified under rules 2026.12", User("sohoa reprocess", "urn:sohoa:software"))
    assert update_record(store, again, why) == 3

    v1, v2, v3 = record_versions(store, record.id)
    assert (v1.message, v1.user.name) == ("ingest", "sohoa")
    assert (v2.message, v2.user.name, v2.user.address) == (
        "review: có số điện thoại",
        "Lan",
        "urn:sohoa:person:Lan",
    )
    assert (v3.message, v3.user.name) == ("reclassified under rules 2026.12", "sohoa reprocess")
    assert v1.created <= v2.created <= v3.created and v1.files == v2.files == v3.files
    assert read_record(store, record.id, version=1) == record
    assert read_record(store, record.id, version=2) == reviewed
    assert read_record(store, record.id) == again
    assert (
        read_manifest(store, record.id, version=1)["classification.json"]
        != read_manifest(store, record.id)["classification.json"]
    )
    with pytest.raises(NotFound):
        read_record(store, record.id, version=4)
    _valid(store)


def test_version_info_names_the_person_of_the_newest_event_or_sohoa():
    by_person = [Event(step="review-split", tool="sohoa", detail="ranh giới", parameters={"by": "Hà"})]
    ha = User("Hà", "urn:sohoa:person:H%C3%A0")
    assert version_info(by_person) == VersionInfo("review-split: ranh giới", ha)
    assert version_info(by_person, "ingest").user.name == "Hà"
    by_tool = [Event(step="classify", tool="sohoa")]
    assert version_info(by_tool, "ingest") == VersionInfo("ingest", User("sohoa", "urn:sohoa:software"))
    assert version_info(by_tool).message == "classify"
    assert version_info([], "ingest").message == "ingest"


def test_a_withdrawn_document_is_a_tombstone_its_versions_kept(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original).model_copy(
        update={"dossier": DossierLink(dossier="d" * 32, order=1, pages=[1, 2])}
    )
    assert write_document_package(store, record, {"document.pdf": b"%PDF-1.7"}) == 1
    assert withdraw_package(store, record.id, "withdrawn: its pages moved", "Lan") == 2
    assert withdraw_package(store, record.id) is None  # already withdrawn
    assert not package_exists(store, record.id) and list(iter_record_ids(store)) == []
    for read in (read_record, read_manifest):
        with pytest.raises(NotFound):
            read(store, record.id)
    assert read_record(store, record.id, version=1) == record
    tombstone = record_versions(store, record.id)[-1]
    assert (tombstone.message, tombstone.user.name) == ("withdrawn: its pages moved", "Lan")
    assert tombstone.files == 1  # withdrawn.json: the whole state
    with pytest.raises(NotFound, match="withdrew"):
        read_record(store, record.id, version=2)
    assert withdraw_package(store, "e" * 32) is None  # never stored: nothing to do
    _valid(store)


def test_a_catalogue_leaves_no_byte_of_the_content_in_any_version(store, tmp_path):
    original = make_original(tmp_path, b"%PDF-1.4 BIEN BAN MAT " * 50)
    record = make_record(original)
    write_package(store, record, original, {"document.pdf": b"%PDF-1.7 searchable"})
    reviewed = record.model_copy(deep=True)
    reviewed.classification.access = "conditional"
    update_record(store, reviewed)
    held = reviewed.model_copy(
        update={
            "pages": [],
            "events": [*reviewed.events, Event(step=HELD_STEP, tool="sohoa", parameters={"by": "Lan"})],
        }
    )
    assert write_catalogue(store, held) == 1  # the history went with the content
    folder = object_folder(store.root, "record", record.id)
    names = ["classification.json", "events.json", "metadata.json", "record.json"]
    assert content_files(folder) == [f"v1/content/{name}" for name in names]
    assert not [p for p in store.root.rglob("*") if p.is_file() and b"BIEN BAN MAT" in p.read_bytes()]
    assert read_record(store, record.id) == held
    assert write_catalogue(store, held) is None  # a rerun: nothing purged, nothing written
    _valid(store)
