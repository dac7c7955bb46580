"""Fixity: every altered, truncated or missing object and every unexpected file is found.

The same tests run on the local store and on S3 over real HTTP (moto's server); the damage is
done through the store itself, as a failing disk or a careless hand would do it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import LocalStore, ObjectStore, quarantine, read_manifest, write_package
from storage.fixity import FixityReport, Problem, verify
from storage.layout import OCFL_ROOT
from storage.ocfl_inventory import sidecar_text
from storage.ocfl_layout import object_path, record_object_id
from storage.package import finish_package, package_exists, package_key
from storage.quarantine import QUARANTINE
from tests.indexing.stored import stored_record
from tests.moto_s3 import s3_test_store
from tests.storage.store_conformance import FailingStore

EXTRA = {"document.pdf": b"%PDF-1.7 searchable layer " + bytes(range(256)) * 40}


class ForeignStore:
    """A LocalStore seen only through the ObjectStore interface (no in-place hashing)."""

    def __init__(self, inner: LocalStore) -> None:
        self._inner = inner
        self.url = f"foreign+{inner.url}"

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._inner, name)


@pytest.fixture(params=["local", "interface", pytest.param("s3", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    if request.param == "interface":
        return ForeignStore(LocalStore(tmp_path / "store"))
    return s3_test_store(request.getfixturevalue("moto_endpoint"))


def root_of(record_id: str) -> str:
    return f"{OCFL_ROOT}/{object_path(record_object_id(record_id))}/"


def put_records(store: ObjectStore, folder: Path, *names: str) -> dict[str, list[str]]:
    """Write one package per name; return record id -> the keys of its content files (each
    stored once), then its root inventory (the commit marker)."""
    keys = {}
    for n, name in enumerate(names):
        texts = [f"Trang {p} của hồ sơ {name}: Ủy ban nhân dân tỉnh Vĩnh Phúc" for p in range(1, n % 3 + 2)]
        record, original = stored_record(folder, name, *texts, subject=f"Hồ sơ {name}")
        write_package(store, record, original, extra=EXTRA)
        content = sorted({package_key(store, name, path) for path in read_manifest(store, name)})
        keys[name] = [*content, root_of(name) + "inventory.json"]
    return keys


def found(report: FixityReport) -> set[tuple[str, str]]:
    return {(p.kind, p.key) for p in report.problems}


def test_an_intact_store_is_ok(store: ObjectStore, tmp_path: Path) -> None:
    keys = put_records(store, tmp_path, "a", "b", "c")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    quarantine(store, bad, "not a PDF", batch="b1")
    report = verify(store)
    assert report.ok, report.problems
    assert (report.records, report.quarantined) == (3, 1)
    assert report.objects == sum(len(k) - 1 for k in keys.values()) + 1  # content files and the original
    assert report.bytes > len(EXTRA["document.pdf"]) * 3


def _altered(data: bytes) -> bytes:
    """Same size, one byte flipped in the middle."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


TAMPERING = {
    "altered": lambda store, key: store.put_bytes(key, _altered(store.get_bytes(key))),
    "truncated": lambda store, key: store.put_bytes(
        key, store.get_bytes(key)[: len(store.get_bytes(key)) // 2]
    ),
    "emptied": lambda store, key: store.put_bytes(key, b""),
    "missing": lambda store, key: store.delete(key),
}
EXPECTED_KIND = {"altered": "altered", "truncated": "altered", "emptied": "altered", "missing": "missing"}


def test_every_damaged_object_of_every_kind_is_found(store: ObjectStore, tmp_path: Path) -> None:
    names = [f"rec-{how}" for how in TAMPERING] + ["intact"]
    keys = put_records(store, tmp_path, *names)
    expected = set()
    for how, tamper in TAMPERING.items():
        # every file of the package: original, page texts and words, JSON files, extra PDF
        for key in keys[f"rec-{how}"][:-1]:
            tamper(store, key)
            expected.add((EXPECTED_KIND[how], key))
    report = verify(store)
    assert found(report) == expected  # 100 % found, nothing else reported
    damaged = [len(keys[f"rec-{how}"]) - 1 for how in ("altered", "truncated", "emptied")]
    assert report.count("altered") == sum(damaged) and min(damaged) >= 7
    for how in TAMPERING:  # every file of the package reads damaged bytes, and is named
        details = " ".join(p.detail for p in report.problems if p.entry == f"rec-{how}")
        assert all(f"v1 {path}" in details for path in read_manifest(store, f"rec-{how}")), how
    assert report.records == len(names) and not report.ok
    assert {entry for _, entry in report.by_entry()} == {f"rec-{how}" for how in TAMPERING}


def test_unexpected_files_are_found(store: ObjectStore, tmp_path: Path) -> None:
    put_records(store, tmp_path, "a", "b")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00 truncated tiff")
    entry = quarantine(store, bad, "truncated TIFF", batch=None)
    stray = [
        root_of("a") + "v1/content/pages/0009.txt",  # a page no inventory names
        root_of("a") + "v1/content/original/second-original.pdf",
        root_of("b") + "notes/readme.txt",
        f"{OCFL_ROOT}/loose-file.txt",  # not inside any object
        f"{entry}/original/another.tif",
        f"{QUARANTINE}/loose.bin",
    ]
    for key in stray:
        store.put_bytes(key, b"surprise")
    report = verify(store)
    assert found(report) == {("unexpected", key) for key in stray}
    assert {p.entry for p in report.problems if p.key.endswith("loose-file.txt")} == {""}


def test_an_object_without_its_root_inventory_is_reported(store: ObjectStore, tmp_path: Path) -> None:
    keys = put_records(store, tmp_path, "a", "b")
    store.delete(keys["a"][-1])  # the root inventory: the record is no longer committed
    assert not package_exists(store, "a")
    report = verify(store)
    (problem,) = report.problems
    assert (problem.kind, problem.key, problem.entry) == ("missing", keys["a"][-1], "a")
    assert "inventory.json is missing" in problem.detail and report.records == 2  # a: from v1's copy


def test_an_interrupted_first_version_is_reported_and_discarded_by_repair(
    store: ObjectStore, tmp_path: Path
) -> None:
    put_records(store, tmp_path, "a")
    record, original = stored_record(tmp_path, "b", "Trang 1 của hồ sơ b")
    with pytest.raises(OSError, match="simulated crash"):
        write_package(FailingStore(store, 3), record, original)  # 2 content files, no inventory
    (problem,) = verify(store).problems
    assert (problem.kind, problem.entry, problem.key) == ("interrupted", "b", root_of("b"))
    repaired = verify(store, repair=True)
    assert repaired.ok and repaired.repaired == [f"{root_of('b')} (never committed)"]
    assert list(store.list(root_of("b"))) == [] and verify(store).ok


def test_an_interrupted_version_is_reported_and_discarded_by_repair(
    store: ObjectStore, tmp_path: Path
) -> None:
    put_records(store, tmp_path, "a")
    record, original = stored_record(tmp_path, "a", "Trang 1 đọc lại", subject="Hồ sơ a, đọc lại")
    with pytest.raises(OSError, match="simulated crash"):
        write_package(FailingStore(store, 2), record, original, extra=EXTRA)
    (problem,) = verify(store).problems
    assert (problem.kind, problem.entry, problem.key) == ("interrupted", "a", root_of("a") + "v2/")
    assert problem.detail.startswith("v2: an interrupted write")
    assert verify(store, repair=True).repaired == [root_of("a") + "v2/"]
    assert verify(store).ok and not list(store.list(root_of("a") + "v2/"))


def test_a_changed_root_inventory_is_reported(store: ObjectStore, tmp_path: Path) -> None:
    keys = put_records(store, tmp_path, "a")
    store.put_bytes(keys["a"][-1], b"this is not an OCFL inventory\n")
    (problem,) = verify(store).problems
    assert (problem.kind, problem.key) == ("altered", keys["a"][-1])
    assert "sidecar" in problem.detail


def test_a_forged_inventory_naming_a_path_outside_its_object_is_unreadable(
    store: ObjectStore, tmp_path: Path
) -> None:
    keys = put_records(store, tmp_path, "a")
    data = store.get_bytes(keys["a"][-1]).replace(b'"v1/content/record.json"', b'"../b/record.json"')
    store.put_bytes(keys["a"][-1], data)
    store.put_bytes(keys["a"][-1] + ".sha512", sidecar_text(data))  # a forger updates the sidecar too
    (problem,) = verify(store).problems
    assert (problem.kind, problem.key) == ("unreadable", keys["a"][-1])


def test_quarantine_originals_are_checked_against_their_reason(store: ObjectStore, tmp_path: Path) -> None:
    entries = []
    for n in range(4):
        bad = tmp_path / f"bad-{n}.pdf"
        bad.write_bytes(f"broken file {n} ".encode() * 50)
        entries.append(quarantine(store, bad, "corrupt PDF", batch="b1"))
    keys = {entry: sorted(store.list(entry + "/")) for entry in entries}
    originals = {entry: next(k for k in keys[entry] if "/original/" in k) for entry in entries}
    altered, missing, relabelled, intact = entries
    TAMPERING["truncated"](store, originals[altered])
    store.delete(originals[missing])
    reason_key = f"{relabelled}/reason.json"
    reason = json.loads(store.get_bytes(reason_key))
    reason["sha256"] = "f" * 64  # pretend another file was quarantined
    store.put_bytes(reason_key, json.dumps(reason).encode())
    report = verify(store)
    assert found(report) == {
        ("altered", originals[altered]),
        ("missing", originals[missing]),
        ("altered", reason_key),  # reason.json no longer matches the entry's id
        ("altered", originals[relabelled]),
    }
    assert report.quarantined == 4 and intact not in {p.entry for p in report.problems}


def test_quarantine_entry_without_reason_and_unreadable_file_entry(
    store: ObjectStore, tmp_path: Path
) -> None:
    store.put_bytes(f"{QUARANTINE}/{'a' * 64}/original/x.pdf", b"copied, then a crash")
    gone = tmp_path / "gone.pdf"  # never existed: quarantined with a reason, no copy
    entry = quarantine(store, gone, "vanished", batch=None)
    report = verify(store)
    assert found(report) == {("missing", f"{QUARANTINE}/{'a' * 64}/reason.json")}
    assert entry.split("/")[1] not in {p.entry for p in report.problems}


def test_report_as_json(store: ObjectStore, tmp_path: Path) -> None:
    keys = put_records(store, tmp_path, "a")
    store.delete(keys["a"][0])
    data = verify(store).to_dict()
    json.dumps(data)
    assert data["ok"] is False and data["counts"]["missing"] == 1
    path = keys["a"][0][len(root_of("a")) :]  # v1/content/<logical path>
    detail = f"v1: {path} is missing (the file v1 {path.split('/', 2)[2]})"
    assert data["problems"] == [
        {"area": "records", "entry": "a", "kind": "missing", "key": keys["a"][0], "detail": detail}
    ]
    assert Problem("records", "a", "missing", keys["a"][0], detail) in verify(store).problems


def test_a_commit_killed_before_its_root_sidecar_is_interrupted_and_finished_by_repair(
    store: ObjectStore, tmp_path: Path
) -> None:
    keys = put_records(store, tmp_path, "a", "b")
    store.delete(keys["a"][-1] + ".sha512")  # killed between the root inventory and its sidecar
    (problem,) = verify(store).problems
    assert (problem.kind, problem.entry, problem.key) == ("interrupted", "a", keys["a"][-1] + ".sha512")
    assert problem.detail.startswith("v1: its commit was interrupted")
    assert package_exists(store, "a")  # the version is whole and readable meanwhile
    assert verify(store, repair=True).repaired == [root_of("a") + "inventory.json.sha512 (a commit finished)"]
    assert verify(store).ok
    store.delete(keys["b"][-1] + ".sha512")
    assert finish_package(store, "b") and not finish_package(store, "b")  # what a rerun of the ingest does
    assert verify(store).ok
