"""Fixity: every altered, truncated or missing object and every unexpected file is found.

The same tests run on the local store and on S3 over real HTTP (moto's server); the damage is
done through the store itself, as a failing disk or a careless hand would do it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import MANIFEST, LocalStore, ObjectStore, quarantine, read_manifest, write_package
from storage.fixity import FixityReport, Problem, verify
from storage.package import RECORDS
from storage.quarantine import QUARANTINE
from tests.indexing.stored import stored_record
from tests.moto_s3 import s3_test_store

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


def put_records(store: ObjectStore, folder: Path, *names: str) -> dict[str, list[str]]:
    """Write one package per name; return record id -> the keys of its files (manifest last)."""
    keys = {}
    for n, name in enumerate(names):
        texts = [f"Trang {p} của hồ sơ {name}: Ủy ban nhân dân tỉnh Vĩnh Phúc" for p in range(1, n % 3 + 2)]
        record, original = stored_record(folder, name, *texts, subject=f"Hồ sơ {name}")
        write_package(store, record, original, extra=EXTRA)
        prefix = f"{RECORDS}/{name}/"
        keys[name] = [prefix + path for path in sorted(read_manifest(store, name))] + [prefix + MANIFEST]
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
    assert report.objects == sum(len(k) - 1 for k in keys.values()) + 1  # the manifests are not hashed
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
    assert report.count("altered") == sum(damaged) and min(damaged) >= 8
    assert report.records == len(names) and not report.ok
    assert {entry for _, entry in report.by_entry()} == {f"rec-{how}" for how in TAMPERING}


def test_unexpected_files_are_found(store: ObjectStore, tmp_path: Path) -> None:
    put_records(store, tmp_path, "a", "b")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00 truncated tiff")
    entry = quarantine(store, bad, "truncated TIFF", batch=None)
    stray = [
        f"{RECORDS}/a/pages/0009.txt",  # a page the manifest does not name
        f"{RECORDS}/a/original/second-original.pdf",
        f"{RECORDS}/b/notes/readme.txt",
        f"{RECORDS}/loose-file.txt",  # not inside any package
        f"{entry}/original/another.tif",
        f"{QUARANTINE}/loose.bin",
    ]
    for key in stray:
        store.put_bytes(key, b"surprise")
    report = verify(store)
    assert found(report) == {("unexpected", key) for key in stray}
    assert {p.entry for p in report.problems if p.key.endswith("loose-file.txt")} == {""}


def test_a_package_without_its_manifest_is_reported(store: ObjectStore, tmp_path: Path) -> None:
    keys = put_records(store, tmp_path, "a", "b")
    store.delete(keys["a"][-1])  # the manifest
    report = verify(store)
    (problem,) = report.problems
    assert (problem.kind, problem.key, problem.entry) == ("missing", keys["a"][-1], "a")
    assert "manifest" in problem.detail and report.records == 1


def test_a_malformed_manifest_is_reported(store: ObjectStore, tmp_path: Path) -> None:
    keys = put_records(store, tmp_path, "a")
    store.put_bytes(keys["a"][-1], b"this is not sha256sum output\n")
    (problem,) = verify(store).problems
    assert (problem.kind, problem.key) == ("unreadable", keys["a"][-1])


def test_a_manifest_naming_a_path_outside_its_package_is_unreadable(
    store: ObjectStore, tmp_path: Path
) -> None:
    keys = put_records(store, tmp_path, "a")
    store.put_bytes(keys["a"][-1], f"{'0' * 64}  ../b/record.json\n".encode())
    (problem,) = verify(store).problems
    assert problem.kind == "unreadable"


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
    assert data["problems"] == [
        {
            "area": "records",
            "entry": "a",
            "kind": "missing",
            "key": keys["a"][0],
            "detail": "named in the manifest",
        }
    ]
    assert Problem("records", "a", "missing", keys["a"][0], "named in the manifest") in verify(store).problems
