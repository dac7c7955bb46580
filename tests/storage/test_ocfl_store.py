"""OCFL objects on a local storage root: versions, content addressing, crashes, fixity, and the
published validator (ocfl-py 2.1.0) agreeing at every step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import NotFound
from storage.local import LocalStore
from storage.ocfl_fixity import check_object
from storage.ocfl_inventory import InventoryError
from storage.ocfl_layout import dossier_object_id, record_object_id
from storage.ocfl_store import OcflStore, OcflStoreError
from tests.storage.ocfl_helpers import ARCHIVIST, Crash, RecordingStore, info, ocfl_py_validate

RECORD = record_object_id("3f2a9c0d1e4b5a6978877665544332211"[:32])
OTHER = record_object_id("aa" * 16)
DOSSIER = dossier_object_id("bb" * 16)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "kho"


@pytest.fixture
def ocfl(root: Path) -> OcflStore:
    root.mkdir()
    store = OcflStore(LocalStore(root))
    store.initialize()
    return store


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "Quyết định 15.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(200_000))
    return path


def ingest_files(original: Path) -> dict[str, bytes | Path]:
    return {
        "original/Quyết định 15.pdf": original,
        "pages/0001.txt": "Điều 1. Phê duyệt kế hoạch".encode(),
        "pages/0001.words.json": b"[]\n",
        "record.json": b'{"id": "r"}\n',
        "classification.json": b'{"category": "quyet-dinh", "confidence": 0.71}\n',
        "events.json": b"[]\n",
    }


def review(category: str) -> dict[str, bytes | Path | None]:
    return {"classification.json": json.dumps({"category": category, "reviewed": True}).encode()}


def assert_validates(root: Path, objects: int) -> None:
    result = ocfl_py_validate(str(root))
    assert result.clean, result.messages
    assert result.objects == objects


def cli_validate(path: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "ocfl-validate.py"
    return subprocess.run(
        [sys.executable, str(script), str(path)], capture_output=True, text=True, check=False
    )


# ---- versions ----


def test_v1_is_a_valid_ocfl_object_and_reads_back(ocfl, root, original):
    new = ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    assert new is not None and new.name == "v1"
    assert (root / "0=ocfl_1.1").read_text() == "ocfl_1.1\n"
    assert json.loads((root / "ocfl_layout.json").read_text())["extension"] == (
        "0003-hash-and-id-n-tuple-storage-layout"
    )
    assert ocfl.read_bytes(RECORD, "original/Quyết định 15.pdf") == original.read_bytes()
    ocfl.read_file(RECORD, "pages/0001.txt", root.parent / "page.txt")
    assert (root.parent / "page.txt").read_text() == "Điều 1. Phê duyệt kế hoạch"
    assert list(ocfl.object_ids()) == [RECORD]
    assert_validates(root, objects=1)
    object_dir = root / ocfl.object_root(RECORD)
    done = cli_validate(object_dir)
    assert done.returncode == 0 and "is VALID" in done.stdout, done.stdout + done.stderr


def test_several_versions_validate_and_each_reads_as_it_was(ocfl, root, original):
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    ocfl.commit(RECORD, review("cong-van"), info("review: công văn, not quyết định"))
    ocfl.commit(RECORD, {"document.pdf": b"%PDF searchable", "events.json": b"[1]\n"}, info("re-read"))
    ocfl.commit(RECORD, {"document.pdf": None}, info("searchable PDF withdrawn"))
    ocfl.commit(DOSSIER, {"dossier.json": b"{}\n", "scan.json": b"[]\n"}, info("dossier intake"))
    summaries = ocfl.versions(RECORD)
    assert [(s.number, s.message, s.user) for s in summaries] == [
        (1, "ingest", ARCHIVIST),
        (2, "review: công văn, not quyết định", ARCHIVIST),
        (3, "re-read", ARCHIVIST),
        (4, "searchable PDF withdrawn", ARCHIVIST),
    ]
    assert [s.files for s in summaries] == [6, 6, 7, 6]
    assert b"quyet-dinh" in ocfl.read_bytes(RECORD, "classification.json", version=1)
    assert b"cong-van" in ocfl.read_bytes(RECORD, "classification.json")
    assert ocfl.read_bytes(RECORD, "document.pdf", version=3) == b"%PDF searchable"
    with pytest.raises(NotFound, match="v4: no file 'document.pdf'"):
        ocfl.read_bytes(RECORD, "document.pdf")
    with pytest.raises(NotFound, match="no version v9"):
        ocfl.read_bytes(RECORD, "record.json", version=9)
    assert sorted(ocfl.object_ids()) == sorted([RECORD, DOSSIER])
    assert_validates(root, objects=2)
    report = check_object(ocfl, RECORD)
    assert report.ok and report.head == "v4" and report.files_checked == 8


def test_an_unchanged_state_writes_nothing(ocfl, original):
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    recorder = RecordingStore(ocfl.store)
    same = OcflStore(recorder)
    assert same.commit(RECORD, {"pages/0001.txt": "Điều 1. Phê duyệt kế hoạch".encode()}, info("x")) is None
    assert recorder.writes == []
    assert len(ocfl.versions(RECORD)) == 1


def test_a_version_with_one_changed_file_stores_only_that_files_bytes(ocfl, root, original):
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    recorder = RecordingStore(ocfl.store)
    changed = review("to-trinh")["classification.json"]
    new = OcflStore(recorder).commit(RECORD, review("to-trinh"), info("review"))
    assert new is not None and new.new_content == {"v2/content/classification.json": "classification.json"}
    assert recorder.content_bytes_written() == len(changed)
    prefix = ocfl.object_root(RECORD)
    assert [key.removeprefix(prefix) for key, _ in recorder.writes] == [
        "v2/content/classification.json",
        "v2/inventory.json",
        "v2/inventory.json.sha512",
        "inventory.json",
        "inventory.json.sha512",
    ]
    v2_files = [p for p in (root / ocfl.object_root(RECORD) / "v2").rglob("*") if p.is_file()]
    assert sorted(p.name for p in v2_files) == [
        "classification.json",
        "inventory.json",
        "inventory.json.sha512",
    ]
    assert_validates(root, objects=1)


def test_a_local_file_that_changes_while_stored_is_refused(ocfl, original, monkeypatch):
    from core.errors import BadInput

    real_put = ocfl.store.put_file

    def put_then_touch(key: str, path: Path) -> None:
        real_put(key, path)
        with Path(path).open("ab") as f:
            f.write(b"late")

    monkeypatch.setattr(ocfl.store, "put_file", put_then_touch)
    with pytest.raises(BadInput, match="changed while it was being stored"):
        ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    assert not ocfl.exists(RECORD)


# ---- crashes ----


def test_a_crash_before_the_commit_leaves_the_previous_version_whole(ocfl, root, original):
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    crashing = RecordingStore(ocfl.store, crash_before=ocfl.object_root(RECORD) + "inventory.json")
    with pytest.raises(Crash):
        OcflStore(crashing).commit(
            RECORD, {**review("bao-cao"), "extra/note.txt": b"only the crashed attempt"}, info("review")
        )
    assert any(key.endswith("v2/content/extra/note.txt") for key, _ in crashing.writes)
    # readers see v1, whole
    assert [s.name for s in ocfl.versions(RECORD)] == ["v1"]
    assert b"quyet-dinh" in ocfl.read_bytes(RECORD, "classification.json")
    assert ocfl.read_bytes(RECORD, "original/Quyết định 15.pdf") == original.read_bytes()
    assert ocfl.incomplete_versions(RECORD) == ["v2"]
    report = check_object(ocfl, RECORD)
    assert report.ok and report.head == "v1" and report.incomplete == ["v2"]
    # the published validator: v1 checks out (no digest error); the stray v2 folder is its only
    # complaint until a writer (or discard_incomplete) removes it
    result = ocfl_py_validate(str(root))
    assert result.objects == 1 and result.good == 0
    assert "E046b" in result.messages and "v2" in result.messages
    assert [code for code in ("E092", "E093", "E060", "E023") if code in result.messages] == []
    # the next writer replaces the incomplete version; what only the crashed attempt wrote goes
    new = ocfl.commit(RECORD, review("bao-cao"), info("review again"))
    assert new is not None and new.name == "v2"
    assert not (root / ocfl.object_root(RECORD) / "v2/content/extra").exists()
    assert ocfl.incomplete_versions(RECORD) == []
    assert b"bao-cao" in ocfl.read_bytes(RECORD, "classification.json")
    assert check_object(ocfl, RECORD).ok
    assert_validates(root, objects=1)


def test_discarding_an_incomplete_version_restores_a_valid_root(ocfl, root, original):
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    crashing = RecordingStore(ocfl.store, crash_before="v2/inventory.json")  # content written only
    with pytest.raises(Crash):
        OcflStore(crashing).commit(RECORD, {"deep/er/file.txt": b"x"}, info("crashed"))
    assert ocfl.discard_incomplete(RECORD) == ["v2"]
    assert not (root / ocfl.object_root(RECORD) / "v2").exists()  # no empty folder left behind
    assert_validates(root, objects=1)


def test_a_crash_writing_v1_leaves_no_object(ocfl, root, original):
    crashing = RecordingStore(ocfl.store, crash_before=ocfl.object_root(RECORD) + "inventory.json")
    with pytest.raises(Crash):
        OcflStore(crashing).commit(RECORD, ingest_files(original), info("ingest"))
    assert not ocfl.exists(RECORD)
    assert list(ocfl.object_ids()) == []
    with pytest.raises(NotFound):
        ocfl.read_bytes(RECORD, "record.json")
    assert ocfl.incomplete_versions(RECORD) == ["v1"]
    assert ocfl.discard_incomplete(RECORD) == ["v1"]
    folders = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()]
    assert folders == ["extensions", "extensions/0003-hash-and-id-n-tuple-storage-layout"]
    assert_validates(root, objects=0)
    ocfl.commit(RECORD, ingest_files(original), info("ingest, again"))
    assert_validates(root, objects=1)


def test_a_crash_between_root_inventory_and_sidecar_is_finished(ocfl, root, original):
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    crashing = RecordingStore(ocfl.store, crash_before=ocfl.object_root(RECORD) + "inventory.json.sha512")
    with pytest.raises(Crash):
        OcflStore(crashing).commit(RECORD, review("bao-cao"), info("review"))
    assert ocfl.inventory(RECORD).head == "v2"  # committed: the root inventory is the commit point
    report = check_object(ocfl, RECORD)
    assert [(d.version, d.path) for d in report.damage] == [("v2", "inventory.json")]
    assert not ocfl_py_validate(str(root)).clean
    # the rerun: nothing new to write, yet the commit it finds unfinished is finished
    assert ocfl.commit(RECORD, review("bao-cao"), info("review, rerun")) is None
    assert ocfl.finish_commit(RECORD) is False
    assert check_object(ocfl, RECORD).ok
    assert_validates(root, objects=1)


# ---- tampering: the object's fixity names the version and the file ----


@pytest.fixture
def two_versions(ocfl, original) -> Path:
    ocfl.commit(RECORD, ingest_files(original), info("ingest"))
    ocfl.commit(RECORD, review("cong-van"), info("review"))
    return Path(ocfl.store.root) / ocfl.object_root(RECORD)


def _flip_byte(path: Path, at: int = 5) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_changed_byte_is_found_in_the_version_that_stored_it(ocfl, root, two_versions):
    _flip_byte(two_versions / "v1/content/original/Quyết định 15.pdf", at=100_000)
    [damage] = check_object(ocfl, RECORD).damage
    assert damage.version == "v1"
    assert damage.path == "v1/content/original/Quyết định 15.pdf"
    assert "changed" in damage.problem
    assert damage.used_by == (("v1", "original/Quyết định 15.pdf"), ("v2", "original/Quyết định 15.pdf"))
    assert "v1: v1/content/original/Quyết định 15.pdf was changed" in str(damage)
    result = ocfl_py_validate(str(root))
    assert result.good == 0 and "E092" in result.messages  # the validator agrees


def test_a_missing_file_is_found(ocfl, root, two_versions):
    (two_versions / "v2/content/classification.json").unlink()
    [damage] = check_object(ocfl, RECORD).damage
    assert (damage.version, damage.path, damage.problem) == (
        "v2",
        "v2/content/classification.json",
        "is missing",
    )
    assert damage.used_by == (("v2", "classification.json"),)
    assert ocfl_py_validate(str(root)).good == 0


def test_a_changed_root_inventory_is_found(ocfl, root, two_versions):
    inventory = two_versions / "inventory.json"
    inventory.write_text(inventory.read_text().replace('"review"', '"nobody reviewed this"'))
    damage = check_object(ocfl, RECORD).damage
    assert [(d.version, d.path) for d in damage] == [("v2", "inventory.json")]
    assert "sidecar" in damage[0].problem
    assert ocfl_py_validate(str(root)).good == 0


def test_a_changed_root_inventory_beside_an_incomplete_version_falls_back_to_the_head(ocfl, two_versions):
    crashing = RecordingStore(ocfl.store, crash_before=ocfl.object_root(RECORD) + "inventory.json")
    with pytest.raises(Crash):
        OcflStore(crashing).commit(RECORD, review("bao-cao"), info("crashed"))
    inventory = two_versions / "inventory.json"
    inventory.write_text(inventory.read_text().replace('"review"', '"forged"'))
    report = check_object(ocfl, RECORD)
    assert report.head == "v2" and report.incomplete == ["v3"]  # v3's own inventory is not taken
    assert [(d.version, d.path) for d in report.damage] == [("v2", "inventory.json")]


def test_a_changed_version_inventory_is_found(ocfl, root, two_versions):
    inventory = two_versions / "v1/inventory.json"
    text = inventory.read_text().replace('"ingest"', '"forged"')
    inventory.write_text(text)
    from storage.ocfl_inventory import sidecar_text

    # even with its sidecar made to agree
    (two_versions / "v1/inventory.json.sha512").write_bytes(sidecar_text(text.encode()))
    damage = check_object(ocfl, RECORD).damage
    assert [(d.version, d.path) for d in damage] == [("v1", "v1/inventory.json")]
    assert "earlier versions" in damage[0].problem
    result = ocfl_py_validate(str(root))  # for ocfl-py a changed message is a warning (W011)
    assert not result.clean and "W011" in result.messages


def test_a_file_added_to_a_version_is_found(ocfl, two_versions):
    (two_versions / "v1/content/pages/0002.txt").write_text("trang giả")
    damage = check_object(ocfl, RECORD).damage
    assert [(d.version, d.path, d.problem) for d in damage] == [
        ("v1", "v1/content/pages/0002.txt", "is in no inventory")
    ]


# ---- the storage root ----


def test_initialize_is_idempotent_and_refuses_what_it_cannot_use(tmp_path, root):
    root.mkdir()
    store = LocalStore(root)
    OcflStore(store).initialize()
    OcflStore(store).initialize()
    store.put_bytes(
        "ocfl_layout.json", b'{"extension": "0002-flat-direct-storage-layout", "description": ""}'
    )
    with pytest.raises(OcflStoreError, match="cannot write"):
        OcflStore(store).initialize()
    busy = LocalStore(tmp_path / "busy")
    busy.put_bytes("records/x/manifest-sha256.txt", b"")
    with pytest.raises(OcflStoreError, match="no OCFL storage root"):
        OcflStore(busy).initialize()
    beside = OcflStore(busy, "ocfl")  # a storage root under a prefix, beside today's layout
    beside.initialize()
    beside.commit(RECORD, {"a.txt": b"a"}, info("ingest"))
    assert beside.read_bytes(RECORD, "a.txt") == b"a"
    assert_validates(tmp_path / "busy" / "ocfl", objects=1)


def test_an_object_under_another_id_is_refused(ocfl, original):
    ocfl.commit(RECORD, {"a.txt": b"a"}, info("ingest"))
    wrong = ocfl.object_root(OTHER)
    for name in ("inventory.json", "0=ocfl_object_1.1"):
        ocfl.store.put_bytes(wrong + name, ocfl.store.get_bytes(ocfl.object_root(RECORD) + name))
    with pytest.raises(InventoryError, match="not"):
        ocfl.inventory(OTHER)


def test_removing_an_absent_file_is_an_error(ocfl):
    ocfl.commit(RECORD, {"a.txt": b"a"}, info("ingest"))
    with pytest.raises(NotFound):
        ocfl.commit(RECORD, {"b.txt": None}, info("remove"))
    with pytest.raises(NotFound):
        ocfl.versions(OTHER)


def test_replace_all_makes_the_given_files_the_whole_state(ocfl, root):
    ocfl.commit(RECORD, {"a.txt": b"a", "b.txt": b"b"}, info("ingest"))
    ocfl.commit(RECORD, {"c.txt": b"c"}, info("cut again"), replace_all=True)
    assert set(ocfl.files(RECORD)) == {"c.txt"}
    assert set(ocfl.files(RECORD, version=1)) == {"a.txt", "b.txt"}
    assert_validates(root, objects=1)


def test_local_delete_tree_removes_keys_and_emptied_folders(tmp_path):
    store = LocalStore(tmp_path)
    for key in ("a/b/c/1", "a/b/2", "a/bb/3", "a/4"):
        store.put_bytes(key, b".")
    store.delete_tree("a/b/")
    assert list(store.list()) == ["a/4", "a/bb/3"]
    assert not (tmp_path / "a/b").exists()
    store.delete_tree("a/missing/")
    store.put_bytes("x/y/z/5", b".")
    store.delete_tree("x/y/z/")  # the parents it empties go too
    assert not (tmp_path / "x").exists() and tmp_path.is_dir()
    with pytest.raises(ValueError):
        store.delete_tree("a/bb")


def test_an_id_too_long_for_its_folder_name_is_listed_from_its_inventory(ocfl, root):
    long_id = "urn:sohoa:test:" + "hồ-sơ-" * 30
    ocfl.commit(long_id, {"a.txt": b"a"}, info("ingest"))
    ocfl.commit(RECORD, {"a.txt": b"a"}, info("ingest"))
    assert len(ocfl.object_root(long_id).split("/")[-2]) == 100 + 1 + 64
    assert sorted(ocfl.object_ids()) == sorted([long_id, RECORD])
    assert ocfl.read_bytes(long_id, "a.txt") == b"a"
    assert_validates(root, objects=2)
