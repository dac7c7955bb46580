"""OCFL objects on S3 (moto's server, over HTTP): the same objects as on a local root, read back,
checked by the object's fixity and by ocfl-py's validator reading the bucket through s3fs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import NotFound
from storage.ocfl_fixity import check_object
from storage.ocfl_layout import dossier_object_id, record_object_id
from storage.ocfl_store import OcflStore
from tests.moto_s3 import BUCKET, s3_test_store
from tests.storage.ocfl_helpers import Crash, RecordingStore, info, ocfl_py_validate

pytestmark = pytest.mark.integration

RECORD = record_object_id("5d" * 16)
DOSSIER = dossier_object_id("e0" * 16)


@pytest.fixture
def s3(moto_endpoint: str):  # noqa: ANN201
    return s3_test_store(moto_endpoint)


@pytest.fixture
def ocfl(s3) -> OcflStore:
    store = OcflStore(s3, "ocfl")
    store.initialize()
    return store


def s3_url(ocfl: OcflStore, endpoint: str) -> str:
    """The storage root as ocfl-py opens it: s3fs, with the endpoint and keys as URL parameters."""
    from s3fs import S3FileSystem

    S3FileSystem.clear_instance_cache()  # a fresh listing each time (s3fs caches them)
    return f"s3://{BUCKET}/{ocfl.store.prefix}/ocfl?endpoint_url={endpoint}&key=testing&secret=testing"


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "Tờ trình 7.tif"
    path.write_bytes(b"II*\x00" + os.urandom(300_000))
    return path


def test_objects_are_created_updated_and_read_back_on_s3(ocfl, original, moto_endpoint, tmp_path):
    ocfl.commit(RECORD, {"original/Tờ trình 7.tif": original, "record.json": b"{}\n"}, info("ingest"))
    ocfl.commit(RECORD, {"classification.json": b'{"category": "to-trinh"}\n'}, info("review"))
    ocfl.commit(RECORD, {"classification.json": b'{"category": "bao-cao"}\n'}, info("reclassified"))
    ocfl.commit(DOSSIER, {"dossier.json": b"{}\n"}, info("dossier intake"))
    assert sorted(ocfl.object_ids()) == sorted([RECORD, DOSSIER])
    assert [s.message for s in ocfl.versions(RECORD)] == ["ingest", "review", "reclassified"]
    ocfl.read_file(RECORD, "original/Tờ trình 7.tif", tmp_path / "back.tif", version=3)
    assert (tmp_path / "back.tif").read_bytes() == original.read_bytes()
    assert ocfl.read_bytes(RECORD, "classification.json", version=2) == b'{"category": "to-trinh"}\n'
    with pytest.raises(NotFound):
        ocfl.read_bytes(RECORD, "classification.json", version=1)
    report = check_object(ocfl, RECORD)
    assert report.ok and report.files_checked == 4
    result = ocfl_py_validate(s3_url(ocfl, moto_endpoint))
    assert result.clean, result.messages
    assert result.objects == 2


def test_a_version_stores_only_what_changed_on_s3(ocfl, original):
    ocfl.commit(RECORD, {"original/Tờ trình 7.tif": original, "record.json": b"{}\n"}, info("ingest"))
    recorder = RecordingStore(ocfl.store)
    OcflStore(recorder, "ocfl").commit(RECORD, {"record.json": b'{"v": 2}\n'}, info("re-read"))
    assert recorder.content_bytes_written() == len(b'{"v": 2}\n')


def test_a_crash_before_the_commit_on_s3_is_ignored_then_replaced(ocfl, moto_endpoint):
    ocfl.commit(RECORD, {"a.txt": b"one"}, info("ingest"))
    crashing = RecordingStore(ocfl.store, crash_before=ocfl.object_root(RECORD) + "inventory.json")
    with pytest.raises(Crash):
        OcflStore(crashing, "ocfl").commit(RECORD, {"a.txt": b"two", "b.txt": b"stray"}, info("crashed"))
    assert ocfl.read_bytes(RECORD, "a.txt") == b"one"
    assert ocfl.incomplete_versions(RECORD) == ["v2"]
    report = check_object(ocfl, RECORD)
    assert report.ok and report.incomplete == ["v2"]
    ocfl.commit(RECORD, {"a.txt": b"two"}, info("again"))
    assert not ocfl.store.exists(ocfl.object_root(RECORD) + "v2/content/b.txt")
    assert ocfl.read_bytes(RECORD, "a.txt") == b"two"
    result = ocfl_py_validate(s3_url(ocfl, moto_endpoint))
    assert result.clean, result.messages


def test_tampering_on_s3_is_found_by_fixity_and_by_the_validator(ocfl, moto_endpoint):
    ocfl.commit(RECORD, {"pages/0001.txt": "Điều 1".encode(), "record.json": b"{}\n"}, info("ingest"))
    ocfl.commit(RECORD, {"record.json": b'{"v": 2}\n'}, info("review"))
    prefix = ocfl.object_root(RECORD)
    ocfl.store.put_bytes(prefix + "v1/content/pages/0001.txt", "Điều 2".encode())
    ocfl.store.delete(prefix + "v2/content/record.json")
    damage = check_object(ocfl, RECORD).damage
    assert [(d.version, d.path, d.problem) for d in damage] == [
        ("v1", "v1/content/pages/0001.txt", "was changed (sha512 differs)"),
        ("v2", "v2/content/record.json", "is missing"),
    ]
    assert damage[0].used_by == (("v1", "pages/0001.txt"), ("v2", "pages/0001.txt"))
    result = ocfl_py_validate(s3_url(ocfl, moto_endpoint))
    assert result.objects == 1 and result.good == 0
    assert "E092" in result.messages


def test_s3_delete_tree_removes_only_that_folder(s3):
    for key in ("a/b/1", "a/b/c/2", "a/bc/3"):
        s3.put_bytes(key, b".")
    s3.delete_tree("a/b/")
    assert list(s3.list()) == ["a/bc/3"]
    with pytest.raises(ValueError):
        s3.delete_tree("a/bc")


def test_object_ids_cost_requests_by_object_not_by_file(moto_endpoint):
    """Listing a storage root on S3 reads about four entries an object (ListObjectsV2 grouped at
    '/v'), however many files its versions hold; pages of 5 here, so paging is exercised."""
    s3 = s3_test_store(moto_endpoint, page_size=5)
    ocfl = OcflStore(s3, "ocfl")
    ocfl.initialize()
    ids = [record_object_id(f"{n:02d}" * 16) for n in range(4)] + ["v-đơn-vị"]
    for n, object_id in enumerate(ids):
        for version in range(1 + 2 * (n == 0)):
            pages = {
                f"pages/{version}-{p:03d}.txt": b"%d %d" % (version, p) for p in range(10 if n == 0 else 1)
            }
            ocfl.commit(object_id, pages, info(f"v{version + 1}"))
    requests = []
    s3._client.meta.events.register("before-call.s3.ListObjectsV2", lambda **_: requests.append(1))
    assert list(ocfl.object_ids()) == sorted(ids, key=ocfl.object_root)
    grouped = 3 + 4 * len(ids)  # the root's 3 files; each object's 3 files and its 'v' group
    assert len(requests) == -(-grouped // 5) + 1  # + the 'v' object's tuple folder, listed whole
    requests.clear()
    keys = list(s3.list("ocfl/"))
    assert len(keys) > 60 and len(requests) == -(-len(keys) // 5)  # the full listing: every file


def test_grouped_listing_pages_on_s3(moto_endpoint):
    s3 = s3_test_store(moto_endpoint, page_size=2)
    keys = [f"a/{n}/{m}" for n in range(5) for m in range(3)] + ["a/x", "b"]
    for key in keys:
        s3.put_bytes(key, b".")
    assert list(s3.list_grouped("a/")) == [f"a/{n}/" for n in range(5)] + ["a/x"]
    assert list(s3.list_grouped()) == ["a/", "b"]
