"""`sohoa migrate` on a store the old code wrote (tests/fixtures/legacy_store, made by
tests/fixtures/make_legacy_store.py with main at 33652e3): every old file kept byte for byte in
a valid OCFL root, resumable after a crash anywhere, damage reported and kept, the store closed
to other commands until migrated."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from application.migrate import FORMS_MADE, MigrationReport, migrate_store
from core.errors import ConfigurationError
from storage import LocalStore, open_store
from storage.fixity import verify
from storage.legacy_layout import OldLayoutError, check_layout, parse_manifest
from storage.migrate import MIGRATION_MESSAGE
from storage.ocfl_layout import dossier_object_id, dossier_scan_object_id, record_object_id
from storage.package import ocfl_root
from tests.storage.ocfl_helpers import Crash, RecordingStore, ocfl_py_validate
from tests.support import FIXTURES

LEGACY = FIXTURES / "legacy_store"


def old_packages(root: Path = LEGACY) -> dict[tuple[str, str], dict[str, str]]:
    """(kind, id) -> path -> sha256 of every committed old package, read by hand."""
    found = {}
    for manifest in sorted(root.glob("*/*/manifest-sha256.txt")):
        kind, package_id = manifest.parent.parent.name, manifest.parent.name
        found[kind, package_id] = parse_manifest(manifest.read_text(), package_id)
    return found


def objects_of(kind: str, package_id: str) -> list[str]:
    if kind == "records":
        return [record_object_id(package_id)]
    return [dossier_scan_object_id(package_id), dossier_object_id(package_id)]


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def legacy_copy(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(LEGACY, root)
    return root


def assert_lossless(store, v1_only: bool = True) -> None:
    """Every old file is in its object's v1 with the same bytes (originals compared byte for
    byte), no file more; as many objects as old packages."""
    ocfl = ocfl_root(store)
    packages = old_packages()
    for (kind, package_id), manifest in packages.items():
        found: dict[str, str] = {}
        for object_id in objects_of(kind, package_id):
            for path in ocfl.files(object_id, 1):
                data = ocfl.read_bytes(object_id, path, 1)
                found[path] = hashlib.sha256(data).hexdigest()
                if path.startswith("original/"):
                    assert data == (LEGACY / kind / package_id / path).read_bytes()
        assert found == manifest, (kind, package_id)
    wanted = sorted(o for kind, package_id in packages for o in objects_of(kind, package_id))
    assert sorted(ocfl.object_ids()) == wanted


# ---- a whole migration, then a rerun ----


@dataclass
class Migrated:
    root: Path
    store: LocalStore
    report: MigrationReport


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Migrated:
    root = legacy_copy(tmp_path_factory.mktemp("migrated"))
    store = open_store(str(root), old_layout_ok=True)
    return Migrated(root, store, migrate_store(store, workers=2))


def assert_versions(store) -> None:
    """v1 for every object (the migrated one), and v2 for a dossier's head: its public forms."""
    ocfl = ocfl_root(store)
    for object_id in ocfl.object_ids():
        versions = ocfl.versions(object_id)
        if object_id.startswith("urn:sohoa:dossier:"):
            assert [v.message for v in versions][1:] == [FORMS_MADE]
            assert {"forms/public.json", "forms/staff.json"} <= set(ocfl.files(object_id))
        else:
            assert len(versions) == 1, object_id


def test_the_fixture_was_written_by_the_old_code() -> None:
    packages = old_packages()
    assert sum(kind == "records" for kind, _ in packages) == 6  # 3 scans + 3 documents of the dossier
    assert sum(kind == "dossiers" for kind, _ in packages) == 1
    names = {path for manifest in packages.values() for path in manifest}
    assert "original/Công văn số 7 về đê điều.png" in names
    assert "original/rut-lai.png" not in names  # withdrawn: the old layout deleted its package
    events = [json.loads((LEGACY / k / i / "events.json").read_text()) for k, i in packages if k == "records"]
    assert any(e["step"] == "review" for found in events for e in found)
    assert list(LEGACY.glob("quarantine/*/reason.json"))
    assert sum(f.stat().st_size for f in LEGACY.rglob("*") if f.is_file()) < 400_000


def test_a_migrated_store_is_a_valid_ocfl_root_holding_every_old_file(migrated: Migrated) -> None:
    report = migrated.report
    assert report.ok and report.old_packages == "deleted"
    assert (report.records.found, report.records.migrated, report.records.damaged) == (6, 6, 0)
    assert (report.dossiers.found, report.dossiers.migrated) == (1, 1)
    assert report.bytes == sum(
        (LEGACY / k / i / p).stat().st_size for (k, i), manifest in old_packages().items() for p in manifest
    )
    validation = ocfl_py_validate(str(migrated.root / "ocfl"))
    assert validation.clean, validation.messages
    assert validation.objects == 8  # 6 records, a dossier's scan and head
    assert_lossless(migrated.store)
    assert verify(migrated.store).ok
    assert not (migrated.root / "records").exists() and not (migrated.root / "dossiers").exists()
    for kept in ("quarantine", "changes"):  # beside the OCFL root, as they were
        assert tree_hashes(migrated.root / kept) == tree_hashes(LEGACY / kept)
    check_layout(migrated.store)  # open to every command again
    assert_versions(migrated.store)


def test_v1_says_it_was_migrated_by_whom_and_when_the_record_was_ingested(migrated: Migrated) -> None:
    ocfl = ocfl_root(migrated.store)
    for kind, package_id in old_packages():
        head = json.loads(
            (
                LEGACY / kind / package_id / ("record.json" if kind == "records" else "dossier.json")
            ).read_text()
        )
        ingest = [e["at"] for e in head.get("events", []) if e["step"] == "ingest"] or [head["ingested_at"]]
        for object_id in objects_of(kind, package_id):
            (v1,) = ocfl.versions(object_id)[:1]
            assert v1.message == MIGRATION_MESSAGE and v1.user and v1.user.name == "sohoa migrate"
            assert (
                v1.created.isoformat().replace("+00:00", "Z") == ingest[0].split(".")[0] + "Z"
            )  # to the second


def test_a_rerun_finds_nothing_to_do_and_writes_nothing(migrated: Migrated) -> None:
    before = tree_hashes(migrated.root)
    again = migrate_store(migrated.store)
    assert again.ok and again.old_packages == "none"
    assert (again.records.found, again.dossiers.found, again.bytes) == (0, 0, 0)
    assert tree_hashes(migrated.root) == before


# ---- the store is closed until migrated ----


def test_an_old_store_is_closed_until_migrated_and_no_old_copy_is_left(tmp_path: Path) -> None:
    root = legacy_copy(tmp_path)
    store = open_store(str(root), old_layout_ok=True)
    with pytest.raises(OldLayoutError, match="sohoa migrate"):
        open_store(str(root))
    report = migrate_store(store)
    assert report.ok and report.old_packages == "deleted" and report.records.migrated == 6
    open_store(str(root))
    assert not (root / "records").exists() and not (root / "dossiers").exists()


# ---- a crash anywhere, then a rerun ----


@dataclass
class CrashingStore(RecordingStore):
    """Crashes before the `nth` write of a key ending in `crash_before`, or before deleting a key
    ending in `crash_delete`."""

    nth: int = 1
    crash_delete: str | None = None
    seen: int = 0

    def _check(self, key: str) -> None:
        if self.crash_before is not None and key.endswith(self.crash_before):
            self.seen += 1
            if self.seen == self.nth:
                raise Crash(key)

    def delete(self, key: str) -> None:
        if self.crash_delete is not None and key.endswith(self.crash_delete):
            raise Crash(key)
        self.store.delete(key)


@pytest.mark.parametrize(
    ("crash_before", "nth", "crash_delete", "workers"),
    [
        ("/inventory.json", 1, None, 1),  # the first record's v1 inventory: content written, no commit
        ("/inventory.json", 8, None, 1),  # a later record's root inventory (2 inventories per object)
        ("/inventory.json", 7, None, 2),  # the same, two packages at a time
        ("/inventory.json.sha512", 2, None, 1),  # between the first root inventory and its sidecar
        ("/content/dossier.json", 1, None, 1),  # a dossier's scan committed, its head not
        ("/content/forms/public.json", 1, None, 1),  # a dossier's head migrated, its public forms not
        (None, 1, "manifest-sha256.txt", 1),  # every object verified, the old packages being deleted
    ],
    ids=[
        "first-v1-inventory",
        "later-root-inventory",
        "later-root-inventory-2-workers",
        "root-sidecar",
        "dossier-head",
        "dossier-forms",
        "deleting",
    ],
)
def test_a_rerun_after_a_crash_anywhere_completes_the_migration(
    tmp_path: Path, crash_before: str | None, nth: int, crash_delete: str | None, workers: int
) -> None:
    root = legacy_copy(tmp_path)
    store = LocalStore(root)
    crashing = CrashingStore(store, crash_before=crash_before, nth=nth, crash_delete=crash_delete)
    with pytest.raises(Crash):
        migrate_store(crashing, workers=workers)
    with pytest.raises(OldLayoutError):
        check_layout(store)  # the store stays closed until the migration completes
    report = migrate_store(store)
    assert report.ok and report.old_packages == "deleted", report.to_json()
    assert report.records.migrated + report.records.skipped == 6
    validation = ocfl_py_validate(str(root / "ocfl"))
    assert validation.clean, validation.messages
    assert verify(store).ok
    assert_lossless(store)
    assert_versions(store)


# ---- damage ----


def test_a_damaged_old_package_is_reported_and_every_old_package_kept(tmp_path: Path) -> None:
    root = legacy_copy(tmp_path)
    (kind, package_id), original = next(
        (key, p)
        for key, m in old_packages().items()
        for p in m
        if key[0] == "records" and p.startswith("original/")
    )
    damaged = root / kind / package_id / original
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    stray = next(k for k in old_packages() if k[0] == "records" and k[1] != package_id)
    (root / stray[0] / stray[1] / "notes.txt").write_bytes(b"not in the manifest\n")
    store = open_store(str(root), old_layout_ok=True)
    before = tree_hashes(root)
    report = migrate_store(store)
    assert not report.ok and report.old_packages == "kept-damaged"
    assert report.records.damaged == 2 and report.records.migrated == 4
    problems = {d["package"]: " ".join(d["problems"]) for d in report.damaged}
    assert (
        "was changed" in problems[f"records/{package_id}"] and original in problems[f"records/{package_id}"]
    )
    assert "notes.txt is stored but not in its manifest" in problems[f"records/{stray[1]}"]
    assert not ocfl_root(store).exists(record_object_id(package_id))  # nothing written for it
    after = tree_hashes(root)
    assert {k: v for k, v in after.items() if not k.startswith("ocfl/")} == before  # nothing lost
    with pytest.raises(ConfigurationError, match="sohoa migrate"):
        open_store(str(root))
    shutil.copyfile(LEGACY / kind / package_id / original, damaged)
    (root / stray[0] / stray[1] / "notes.txt").unlink()
    repaired = migrate_store(store)  # repaired from a backup: the rerun completes
    assert repaired.ok and repaired.old_packages == "deleted"
    assert (repaired.records.migrated, repaired.records.skipped) == (2, 4)
    assert_lossless(store)


# ---- over S3 ----


@pytest.mark.integration
def test_a_store_on_s3_is_migrated_and_the_bucket_validates(moto_endpoint: str) -> None:
    from s3fs import S3FileSystem

    from tests.moto_s3 import BUCKET, s3_test_store

    store = s3_test_store(moto_endpoint)
    for path in sorted(LEGACY.rglob("*")):
        if path.is_file():
            store.put_file(str(path.relative_to(LEGACY)), path)
    with pytest.raises(OldLayoutError):
        check_layout(store)
    report = migrate_store(store, workers=4)
    assert report.ok and report.old_packages == "deleted", report.to_json()
    assert (report.records.migrated, report.dossiers.migrated) == (6, 1)
    assert not list(store.list("records/")) and not list(store.list("dossiers/"))
    assert_lossless(store)
    assert_versions(store)
    assert verify(store).ok
    S3FileSystem.clear_instance_cache()
    url = f"s3://{BUCKET}/{store.prefix}/ocfl?endpoint_url={moto_endpoint}&key=testing&secret=testing"
    validation = ocfl_py_validate(url)
    assert validation.clean and validation.objects == 8, validation.messages
    again = migrate_store(store)
    assert again.ok and again.old_packages == "none"


def test_a_folder_the_old_writer_never_committed_is_reported_and_removed(tmp_path: Path) -> None:
    root = legacy_copy(tmp_path)
    left = root / "records" / "0f" / "pages"  # a crash of the old writer: files, no manifest
    left.mkdir(parents=True)
    (left / "0001.txt").write_text("Trang dở dang\n")
    store = open_store(str(root), old_layout_ok=True)
    report = migrate_store(store)
    assert report.ok and report.incomplete == ["records/0f"] and report.old_packages == "deleted"
    assert report.records.found == 6 and not ocfl_root(store).exists(record_object_id("0f"))
    assert not (root / "records").exists()
