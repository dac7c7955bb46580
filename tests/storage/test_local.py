"""LocalStore: the store conformance suite, plus what only a directory on disk can show."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from core.errors import Transient
from storage import LocalStore, ObjectStore, open_store, read_manifest, write_package
from storage.object_keys import TEMP_PREFIX
from storage.ocfl_layout import object_path, record_object_id
from tests.storage.store_conformance import *  # noqa: F403
from tests.storage.store_conformance import make_original, make_record


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    (tmp_path / "store").mkdir()
    return LocalStore(tmp_path / "store")


def _files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def test_an_interrupted_write_leaves_the_old_object_and_no_temp_file(store, tmp_path, monkeypatch):
    store.put_bytes("dir/k", b"old")
    src = tmp_path / "src"
    src.write_bytes(b"new")

    def disk_failure(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_failure)
    with pytest.raises(OSError, match="Input/output"):
        store.put_bytes("dir/k", b"new")
    with pytest.raises(OSError, match="Input/output"):
        store.put_file("dir/k", src)
    monkeypatch.undo()
    assert store.get_bytes("dir/k") == b"old"
    assert [p.name for p in _files_under(store.root)] == ["k"]


def test_list_skips_temp_files_and_does_not_follow_links(store, tmp_path):
    store.put_bytes("a/k", b"1")
    (store.root / "a" / f"{TEMP_PREFIX}0123abcd").write_bytes(b"left by a crash")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"s")
    (store.root / "a" / "link").symlink_to(outside)
    assert list(store.list()) == ["a/k"]
    with pytest.raises(ValueError):
        store.get_bytes(f"a/{TEMP_PREFIX}0123abcd")
    assert list(store.list_grouped()) == ["a/"] and list(store.list_grouped("a/")) == ["a/k"]
    assert list(store.list_grouped("", "/l")) == ["a/k"]  # the link is no group either


def test_a_folder_left_empty_is_a_group_locally(store):
    """A directory store gives a folder without looking into it, so one left empty by `delete`
    (which keeps folders) is still given; S3 has no folders. Callers treat a group as a place
    to look, never as proof that a key exists."""
    store.put_bytes("a/b/k", b"1")
    store.put_bytes("c", b"1")
    store.delete("a/b/k")
    assert list(store.list()) == ["c"]
    assert list(store.list_grouped()) == ["a/", "c"]
    assert list(store.list_grouped("a/")) == ["a/b/"]


def test_put_file_streams_in_bounded_memory(store, tmp_path):
    src = tmp_path / "big.bin"
    with src.open("wb") as f:
        for _ in range(24):
            f.write(os.urandom(1 << 20))
    tracemalloc.start()
    try:
        store.put_file("big", src)
        store.get_file("big", tmp_path / "back.bin")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"peak {peak} bytes for a 24 MiB file"
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()


def test_package_files_never_land_outside_the_root(store, tmp_path):
    original = make_original(tmp_path)
    for source in ("../../../../etc/passwd", "..\\..\\boot.ini", "/tmp/x/../../y.pdf"):
        write_package(store, make_record(original, source=source), original)
    outside = [p for p in _files_under(tmp_path) if store.root not in p.parents]
    assert outside == [original]


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_package_is_checked_by_a_published_ocfl_validator(store, tmp_path):
    """Any archive can check a package without sohoa: ocfl-py's validator (its command line, on
    the object folder) re-hashes every file against the inventory, and a flipped byte fails it."""
    original = make_original(tmp_path, name="Tờ trình 05.pdf")
    record = make_record(original)
    write_package(store, record, original, {"document.pdf": b"%PDF"})
    package = store.root / "ocfl" / object_path(record_object_id(record.id))
    validator = str(Path(sys.executable).with_name("ocfl-validate.py"))

    def validate() -> subprocess.CompletedProcess:
        return subprocess.run([validator, str(package)], capture_output=True, text=True, check=False)

    done = validate()
    assert done.returncode == 0 and "is VALID" in done.stdout, done.stdout + done.stderr
    assert len(read_manifest(store, record.id)) == 10
    pdf = package / "v1" / "content" / "document.pdf"
    pdf.write_bytes(b"%PDG")
    done = validate()
    assert done.returncode != 0 and "E092" in done.stdout + done.stderr, done.stdout + done.stderr


def test_ping_fails_unless_the_root_is_a_writable_directory(tmp_path):
    LocalStore(tmp_path).ping()
    with pytest.raises(Transient):
        LocalStore(tmp_path / "missing").ping()
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(Transient):
        LocalStore(tmp_path / "file").ping()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_open_store_takes_a_path_or_a_file_url(tmp_path):
    by_path = open_store(str(tmp_path / "a" / "store"))
    assert isinstance(by_path, LocalStore)
    assert isinstance(by_path, ObjectStore)
    assert by_path.url == str((tmp_path / "a" / "store").resolve())
    assert (tmp_path / "a" / "store").is_dir()
    by_url = open_store((tmp_path / "kho lưu trữ").as_uri())
    assert by_url.url == str((tmp_path / "kho lưu trữ").resolve())
    by_url.put_bytes("k", b"v")
    assert (tmp_path / "kho lưu trữ" / "k").read_bytes() == b"v"
    assert open_store(f"file://localhost{tmp_path}/b").url == str(tmp_path / "b")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://example.org/x", ValueError),
        ("file://otherhost/x", ValueError),
        ("", ValueError),
    ],
)
def test_open_store_refuses_what_it_cannot_open(url, error):
    with pytest.raises(error):
        open_store(url)
