"""The backend-agnostic store suite: every ObjectStore backend must pass these tests.

A backend's test module defines a `store` fixture (an empty store) and imports this module's
tests with `from store_conformance import *`. The record package and quarantine run over any
store, so their tests are here too.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from core.errors import BadInput, NotFound
from schemas import (
    Box,
    Classification,
    Decision,
    Event,
    Metadata,
    Page,
    PersonalData,
    Record,
    Signer,
    Word,
    record_id_for,
)
from storage import (
    iter_quarantined,
    iter_record_ids,
    original_key,
    package_exists,
    quarantine,
    read_manifest,
    read_record,
    update_record,
    write_package,
)
from storage.fixity import verify
from storage.layout import CHANGES, OCFL_ROOT
from storage.ocfl_layout import object_path, record_object_id
from storage.ocfl_store import OcflStore
from storage.package import ocfl_root, package_key, read_package_bytes, record_versions
from tests.storage.ocfl_helpers import Crash, RecordingStore, info

BAD_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "a/../../outside",
    "a/..",
    "./a",
    "a/./b",
    "a//b",
    "a/",
    "a\\b",
    "..\\..\\outside",
    "a\x00b",
    "a\nb",
    ".~tmp-0123",
]

TEXT_1 = (
    "ỦY BAN NHÂN DÂN\nTỈNH PHÚ THỌ\nSố: 2154/QĐ-UBND\n"
    "QUYẾT ĐỊNH\nVề việc thành lập Tổ công tác số hóa tài liệu lưu trữ"
)
TEXT_2 = "Nơi nhận:\n- Như Điều 3;\n- Lưu: VT.\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Thị Thủy"


# ---- helpers ----


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _words(text: str) -> list[Word]:
    return [
        Word(text=w, confidence=91.5, box=Box(left=10 * i, top=20, width=8, height=12), line=i)
        for i, w in enumerate(text.split()[:6])
    ]


def make_original(tmp_path: Path, data: bytes | None = None, name: str = "scan.pdf") -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(3000) if data is None else data)
    return path


def make_record(original: Path, source: str | None = None) -> Record:
    data = original.read_bytes()
    return Record(
        id=record_id_for(sha(data)),
        source=original.name if source is None else source,
        sha256=sha(data),
        size=len(data),
        media_type="application/pdf",
        page_count=2,
        pages=[
            Page(number=1, text=TEXT_1, words=_words(TEXT_1), width=2480, height=3508, dpi=300),
            Page(number=2, text=TEXT_2, words=_words(TEXT_2), confidence=88.0, quality=0.7),
        ],
        metadata=Metadata(
            number="2154",
            notation="QĐ-UBND",
            doc_type="Quyết định",
            issuer="Ủy ban nhân dân tỉnh Phú Thọ",
            place="Phú Thọ",
            date=date(2019, 9, 12),
            subject="Về việc thành lập Tổ công tác số hóa tài liệu lưu trữ",
            signer=Signer(authority="KT.", position="Phó Chủ tịch", name="Nguyễn Thị Thủy"),
            recipients=["Như Điều 3", "Lưu: VT"],
            personal_data=[PersonalData(kind="phone", value="0912 345 678", page=2)],
            confidence={"number": 0.98},
        ),
        classification=Classification(
            access="public",
            retention="Vĩnh viễn",
            decisions=[Decision(rule="R1", outcome="public", evidence="QUYẾT ĐỊNH", page=1)],
            needs_review=False,
        ),
        batch="lô-01",
        events=[Event(step="ocr", tool="tesseract", tool_version="5.3", parameters={"lang": "vie"})],
    )


def object_root(record_id: str) -> str:
    return f"{OCFL_ROOT}/{object_path(record_object_id(record_id))}/"


def package_keys(store, record_id: str) -> set[str]:
    """The keys of the record's OCFL object, relative to its object root."""
    prefix = object_root(record_id)
    return {key[len(prefix) :] for key in store.list(prefix)}


def content_keys(store, record_id: str) -> set[str]:
    """What the object's inventory names: its content files, inventories and declaration."""
    inventory = ocfl_root(store).inventory(record_object_id(record_id))
    named = {"0=ocfl_object_1.1", "inventory.json", "inventory.json.sha512"}
    for version in inventory.versions:
        named |= {f"{version}/inventory.json", f"{version}/inventory.json.sha512"}
    return named | {path for paths in inventory.manifest.values() for path in paths}


class FailingStore:
    """Delegates to a real store but fails after `puts` writes: a crash in the middle."""

    def __init__(self, store, puts: int) -> None:
        self._store, self._left = store, puts
        self.url = store.url

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def _count(self) -> None:
        if self._left == 0:
            raise OSError("simulated crash")
        self._left -= 1

    def put_bytes(self, key: str, data: bytes) -> None:
        self._count()
        self._store.put_bytes(key, data)

    def put_file(self, key: str, path: Path) -> None:
        self._count()
        self._store.put_file(key, path)


# ---- objects ----


@pytest.mark.parametrize(
    ("key", "data"),
    [
        ("a.bin", bytes(range(256)) * 4),
        ("empty", b""),
        ("records/abc/pages/0001.txt", TEXT_1.encode()),
        ("thư mục/Quyết định số 12.txt", "Hà Nội".encode()),
    ],
)
def test_bytes_round_trip(store, key, data):
    store.put_bytes(key, data)
    assert store.exists(key)
    assert store.get_bytes(key) == data


def test_file_round_trip_of_a_few_megabytes(store, tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 17)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    store.put_file("big/file.bin", src)
    dest = tmp_path / "out.bin"
    store.get_file("big/file.bin", dest)
    assert sha(dest.read_bytes()) == sha(data)
    assert store.get_bytes("big/file.bin") == data


def test_overwrite_replaces_the_whole_object(store, tmp_path):
    store.put_bytes("k", b"x" * 10_000)
    store.put_bytes("k", b"short")
    assert store.get_bytes("k") == b"short"
    src = tmp_path / "src"
    src.write_bytes(b"from a file")
    store.put_file("k", src)
    assert store.get_bytes("k") == b"from a file"
    assert list(store.list()) == ["k"]


def test_readers_see_the_old_or_the_new_object_never_a_part(store):
    size = 256 * 1024
    versions = [b"a" * size, b"b" * size]
    store.put_bytes("hot", versions[0])
    reads, torn, done = [0], [], threading.Event()

    def read() -> None:
        while not done.is_set():
            data = store.get_bytes("hot")
            reads[0] += 1
            if data not in versions:
                torn.append((len(data), data[:1], data[-1:]))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(40):
            store.put_bytes("hot", versions[i % 2])
    finally:
        done.set()
        reader.join()
    assert reads[0] > 0
    assert torn == []


def test_failed_put_file_keeps_the_old_object(store, tmp_path):
    store.put_bytes("k", b"old")
    with pytest.raises(OSError):
        store.put_file("k", tmp_path / "no such file")
    with pytest.raises(OSError):
        store.put_file("other", tmp_path / "no such file")
    assert store.get_bytes("k") == b"old"
    assert list(store.list()) == ["k"]


def test_missing_key_is_not_found(store, tmp_path):
    store.put_bytes("dir/present", b"1")
    for key in ("absent", "dir/absent", "dir", "dir/present/below"):
        assert not store.exists(key)
        with pytest.raises(NotFound):
            store.get_bytes(key)
        with pytest.raises(NotFound):
            store.get_file(key, tmp_path / "dest")
        store.delete(key)  # absent is not an error
    assert not (tmp_path / "dest").exists()
    assert store.get_bytes("dir/present") == b"1"


def test_delete_removes_one_object(store):
    for key in ("a/1", "a/2", "b"):
        store.put_bytes(key, b".")
    store.delete("a/1")
    assert not store.exists("a/1")
    assert list(store.list()) == ["a/2", "b"]


def test_list_is_lexical_and_filtered_by_prefix(store):
    keys = ["a-b", "a/b", "a/c/d", "a/c-e", "a.txt", "ab", "b", "records/x/y", "Đà/z", "Z"]
    for key in reversed(keys):
        store.put_bytes(key, b".")
    assert list(store.list()) == sorted(keys)
    assert list(store.list("")) == sorted(keys)
    assert list(store.list("a/")) == ["a/b", "a/c-e", "a/c/d"]
    assert list(store.list("a/c")) == ["a/c-e", "a/c/d"]
    assert list(store.list("a")) == ["a-b", "a.txt", "a/b", "a/c-e", "a/c/d", "ab"]
    assert list(store.list("Đà/")) == ["Đà/z"]
    assert list(store.list("records/x/y")) == ["records/x/y"]
    assert list(store.list("nothing/")) == []
    assert list(store.list("a/b/")) == []  # a/b is an object, not a folder


GROUP_KEYS = [
    "a-b", "a.txt", "a/b", "a/c-e", "a/c/d", "a/c/f/g", "a/u/v1/w", "a/v1/x", "a/v2/y/z", "a/vz",
    "ab", "b", "v/k", "vx", "Z", "Đà/z", "Đà/vấn/đề",
]  # fmt: skip


def grouped(keys: list[str], prefix: str, delimiter: str) -> list[str]:
    """S3's grouping of a listing (ListObjectsV2 with a Delimiter), computed from the keys."""
    found = set()
    for key in keys:
        if key.startswith(prefix):
            at = key.find(delimiter, len(prefix))
            found.add(key if at < 0 else key[: at + len(delimiter)])
    return sorted(found)


def test_list_grouped_gives_each_folder_once(store):
    for key in reversed(GROUP_KEYS):
        store.put_bytes(key, b".")
    assert list(store.list_grouped()) == ["Z", "a-b", "a.txt", "a/", "ab", "b", "v/", "vx", "Đà/"]
    assert list(store.list_grouped("a/")) == ["a/b", "a/c-e", "a/c/", "a/u/", "a/v1/", "a/v2/", "a/vz"]
    assert list(store.list_grouped("", "/v")) == [
        "Z", "a-b", "a.txt", "a/b", "a/c-e", "a/c/d", "a/c/f/g", "a/u/v", "a/v", "ab", "b", "v/k", "vx",
        "Đà/v", "Đà/z",
    ]  # fmt: skip
    for prefix in ("", "a", "a/", "a/c", "a/c/", "a/v", "a/b/", "Đà/", "Đà/v", "nothing/", "v"):
        for delimiter in ("/", "/v", "/vấ", "/c"):
            assert list(store.list_grouped(prefix, delimiter)) == grouped(GROUP_KEYS, prefix, delimiter), (
                prefix,
                delimiter,
            )
    assert list(store.list()) == sorted(GROUP_KEYS)  # the full listing is unchanged


@pytest.mark.parametrize("delimiter", ["", "v", "/a/", "//", "/a\x00"])
def test_list_grouped_refuses_other_delimiters(store, delimiter):
    with pytest.raises(ValueError):
        store.list_grouped("", delimiter)  # refused when called, before any iteration
    with pytest.raises(ValueError):
        store.list_grouped("../", "/")


def test_object_ids_are_found_without_walking_the_objects(store):
    """The storage root's committed objects, as the full listing finds them (a root inventory at
    an object root), in key order: an object whose folder name starts with 'v', an id cut in its
    folder name, an object never committed and stray files are handled as before."""
    ocfl = OcflStore(store, OCFL_ROOT)
    ocfl.initialize()
    long_id = "urn:sohoa:test:" + "hồ-sơ-" * 30
    ids = [record_object_id("5d" * 16), "v-đơn-vị", "vv", long_id, "urn:sohoa:dossier:ab"]
    for n, object_id in enumerate(ids):
        for version in range(n % 3 + 1):
            ocfl.commit(
                object_id, {f"pages/{version:04d}.txt": b"trang %d" % version}, info(f"v{version + 1}")
            )
    crashed = "urn:sohoa:record:crashed"
    crashing = OcflStore(
        RecordingStore(store, crash_before=ocfl.object_root(crashed) + "inventory.json"), OCFL_ROOT
    )
    with pytest.raises(Crash):
        crashing.commit(crashed, {"a.txt": b"a"}, info("ingest"))
    for stray in ("abc/stray.txt", "abc/def/ghi/no-object/readme.txt", "abc/def/ghi/jkl/x/inventory.json"):
        store.put_bytes(f"{OCFL_ROOT}/{stray}", b"stray")
    assert ocfl.object_root("v-đơn-vị").split("/")[-2].startswith("v")
    depth = len(OCFL_ROOT.split("/")) + 4  # the old way: every key listed
    full = [
        key.split("/")[-2] for key in store.list(f"{OCFL_ROOT}/")
        if key.count("/") == depth and key.endswith("/inventory.json")
    ]  # fmt: skip
    listed = list(ocfl.object_ids())
    assert listed == sorted(ids, key=ocfl.object_root)
    assert [ocfl.object_root(i).split("/")[-2] for i in listed] == full
    assert crashed not in listed


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_are_rejected(store, tmp_path, key):
    src = tmp_path / "src"
    src.write_bytes(b"x")
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x")
    with pytest.raises(ValueError):
        store.put_file(key, src)
    with pytest.raises(ValueError):
        store.get_bytes(key)
    with pytest.raises(ValueError):
        store.get_file(key, tmp_path / "dest")
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.delete(key)
    assert list(store.list()) == []


@pytest.mark.parametrize("prefix", ["/", "/etc/", "../", "a/../../", "a\\", "a//"])
def test_unsafe_prefixes_are_rejected(store, prefix):
    with pytest.raises(ValueError):
        store.list(prefix)  # refused when called, before any iteration


def test_ping(store):
    store.ping()


# ---- the record package ----


def test_package_round_trip_keeps_vietnamese_text_exact(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    write_package(store, record, original, {"document.pdf": b"%PDF-1.7 searchable"})
    assert package_exists(store, record.id)
    back = read_record(store, record.id)
    assert back == record
    assert back.pages[0].text == TEXT_1
    assert unicodedata.is_normalized("NFC", back.text)
    assert back.metadata.signer.name == "Nguyễn Thị Thủy"
    assert read_package_bytes(store, record.id, "pages/0001.txt").decode() == TEXT_1
    assert read_package_bytes(store, record.id, "pages/0002.txt").decode() == TEXT_2
    assert read_package_bytes(store, record.id, "document.pdf") == b"%PDF-1.7 searchable"

    light = read_record(store, record.id, with_words=False)
    assert [p.words for p in light.pages] == [[], []]
    assert [p.text for p in light.pages] == [TEXT_1, TEXT_2]
    assert light.model_dump(exclude={"pages"}) == record.model_dump(exclude={"pages"})
    assert b'"words"' not in read_package_bytes(store, record.id, "record.json")


def test_package_text_is_stored_as_nfc(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    nfd = unicodedata.normalize("NFD", TEXT_1)
    assert nfd != TEXT_1
    record.pages[0].text = nfd
    write_package(store, record, original)
    stored = read_package_bytes(store, record.id, "pages/0001.txt").decode()
    assert stored == TEXT_1
    assert read_record(store, record.id).pages[0].text == TEXT_1


def test_manifest_covers_every_file_with_its_hash(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    write_package(store, record, original, {"document.pdf": b"%PDF", "extra/notes.txt": b"n"})
    manifest = read_manifest(store, record.id)
    expected = {
        "original/scan.pdf",
        "pages/0001.txt",
        "pages/0001.words.json",
        "pages/0002.txt",
        "pages/0002.words.json",
        "record.json",
        "metadata.json",
        "classification.json",
        "events.json",
        "document.pdf",
        "extra/notes.txt",
    }
    assert set(manifest) == expected
    assert package_keys(store, record.id) == content_keys(store, record.id)
    assert {k for k in package_keys(store, record.id) if k.startswith("v1/content/")} == {
        f"v1/content/{path}" for path in expected
    }
    for path, digest in manifest.items():
        assert sha(store.get_bytes(package_key(store, record.id, path))) == digest, path
    assert manifest["original/scan.pdf"] == record.sha256
    assert original_key(store, record.id) == object_root(record.id) + "v1/content/original/scan.pdf"
    [version] = record_versions(store, record.id)
    assert (version.name, version.message, version.files) == ("v1", "ingest", len(expected))


def test_original_is_byte_identical(store, tmp_path):
    data = bytes(range(256)) * 1000 + b"\r\n\x00\xff"
    original = make_original(tmp_path, data, "Công văn 15.tif")
    record = make_record(original)
    write_package(store, record, original)
    assert store.get_bytes(original_key(store, record.id)) == data
    dest = tmp_path / "copy"
    store.get_file(original_key(store, record.id), dest)
    assert dest.read_bytes() == data


@pytest.mark.parametrize("puts", [0, 1, 3, 9])
def test_incomplete_package_is_invisible_and_can_be_rewritten(store, tmp_path, puts):
    original = make_original(tmp_path)
    record = make_record(original)
    with pytest.raises(OSError, match="simulated crash"):
        write_package(FailingStore(store, puts), record, original)
    assert not package_exists(store, record.id)
    assert list(iter_record_ids(store)) == []
    for read in (read_record, read_manifest, original_key):
        with pytest.raises(NotFound):
            read(store, record.id)

    write_package(store, record, original)
    assert package_exists(store, record.id)
    assert list(iter_record_ids(store)) == [record.id]
    assert read_record(store, record.id) == record
    assert package_keys(store, record.id) == content_keys(store, record.id)  # nothing left over
    assert [v.name for v in record_versions(store, record.id)] == ["v1"]
    assert verify(store).ok


@pytest.mark.parametrize("puts", [0, 1, 2, 3])
def test_a_failed_rewrite_leaves_the_previous_version_whole(store, tmp_path, puts):
    original = make_original(tmp_path)
    record = make_record(original)
    write_package(store, record, original)
    changed = record.model_copy(deep=True)
    changed.classification.access = "conditional"
    with pytest.raises(OSError, match="simulated crash"):
        write_package(FailingStore(store, puts), changed, original)
    assert read_record(store, record.id) == record  # the old version, whole
    assert [v.name for v in record_versions(store, record.id)] == ["v1"]
    assert write_package(store, changed, original) == 2
    assert read_record(store, record.id) == changed
    assert read_record(store, record.id, version=1) == record
    assert package_keys(store, record.id) == content_keys(store, record.id)
    assert verify(store).ok


class AppendingStore(FailingStore):
    """Another program appends to the original while it is being copied."""

    def put_file(self, key: str, path: Path) -> None:
        with path.open("ab") as f:
            f.write(b" appended")
        self._store.put_file(key, path)


def test_original_changed_while_being_stored_is_bad_input(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    with pytest.raises(BadInput, match="changed while"):
        write_package(AppendingStore(store, 100), record, original)
    assert not package_exists(store, record.id)
    assert [key for key in store.list() if "/original/" in key] == []


def test_rewrite_removes_files_of_an_earlier_attempt(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original, source="old name.pdf")
    write_package(store, record, original, {"document.pdf": b"%PDF"})
    record.source = "new name.pdf"
    record.pages = record.pages[:1]
    record.page_count = 1
    write_package(store, record, original)
    files = set(read_manifest(store, record.id))
    assert "original/new name.pdf" in files
    assert not {"original/old name.pdf", "document.pdf", "pages/0002.txt"} & files
    assert read_record(store, record.id) == record
    keys = package_keys(store, record.id)  # the original's bytes are stored once, in v1
    assert [k for k in keys if "/content/original/" in k] == ["v1/content/original/old name.pdf"]
    assert "original/old name.pdf" in read_manifest(store, record.id, version=1)


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("../../etc/passwd", "passwd"),
        ("/abs/path/../x.pdf", "x.pdf"),
        ("C:\\Scans\\..\\hồ sơ.pdf", "hồ sơ.pdf"),
        ("..", "original"),
        (unicodedata.normalize("NFD", "Quyết định số 12.pdf"), "Quyết định số 12.pdf"),
        ("bad\x00na\x1bme\n\u202e.pdf", "badname.pdf"),
        (".~tmp-abc", "~tmp-abc"),
        ("a" * 400 + ".pdf", "a" * 146 + ".pdf"),
        (os.fsdecode(b"c\xf4ng v\xe3n.pdf"), "cng vn.pdf"),  # a legacy 8-bit file name
    ],
)
def test_source_names_with_tricks_stay_inside_the_package(store, tmp_path, source, name):
    data = b"bytes of " + source.encode("utf-8", "replace")
    original = make_original(tmp_path, data)
    record = make_record(original, source=source)
    write_package(store, record, original)
    prefix = object_root(record.id)
    assert original_key(store, record.id) == f"{prefix}v1/content/original/{name}"
    # the change journal (storage/changes.py) notes the commit under changes/, never by the name;
    # the storage root's own files are its declaration, layout and extension config
    root_files = (f"{OCFL_ROOT}/0=ocfl_1.1", f"{OCFL_ROOT}/ocfl_layout.json", f"{OCFL_ROOT}/extensions/")
    assert all(key.startswith((prefix, f"{CHANGES}/", *root_files)) for key in store.list())
    assert store.get_bytes(original_key(store, record.id)) == data
    assert read_record(store, record.id, with_words=False).source == source


def test_original_changed_since_hashing_is_bad_input(store, tmp_path):
    original = make_original(tmp_path, b"version one")
    record = make_record(original)
    original.write_bytes(b"version two")
    with pytest.raises(BadInput, match="changed"):
        write_package(store, record, original)
    original.unlink()
    with pytest.raises(BadInput, match="cannot read"):
        write_package(store, record, original)
    assert not package_exists(store, record.id)


@pytest.mark.parametrize(
    "extra", [{"record.json": b"{}"}, {"pages/0001.txt": b"x"}, {"../x": b"x"}, {"withdrawn.json": b""}]
)
def test_extra_files_cannot_replace_or_escape_the_package(store, tmp_path, extra):
    original = make_original(tmp_path)
    with pytest.raises(ValueError):
        write_package(store, make_record(original), original, extra)
    assert list(store.list()) == []


@pytest.mark.parametrize("record_id", ["", "..", "a/b", "../../x"])
def test_unsafe_record_ids_are_rejected(store, record_id):
    with pytest.raises(ValueError):
        read_record(store, record_id)
    with pytest.raises(ValueError):
        package_exists(store, record_id)


def test_update_record_writes_a_new_version_of_what_changed(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    write_package(store, record, original, {"document.pdf": b"%PDF"})
    reviewed = read_record(store, record.id, with_words=False)
    reviewed.metadata.subject = "Về việc phê duyệt Đề án số hóa"
    reviewed.classification.access = "conditional"
    reviewed.events.append(
        Event(step="review", tool="sohoa", detail="cán bộ lưu trữ", parameters={"by": "Nguyễn Thị Lan"})
    )
    writes = RecordingStore(store)
    assert update_record(writes, reviewed) == 2
    assert update_record(store, reviewed) is None  # nothing changed: no version

    back = read_record(store, record.id)
    assert back.metadata.subject == "Về việc phê duyệt Đề án số hóa"
    assert back.classification.access == "conditional"
    assert [e.step for e in back.events] == ["ocr", "review"]
    assert back.pages == record.pages  # words kept
    manifest = read_manifest(store, record.id)
    assert package_keys(store, record.id) == content_keys(store, record.id)
    for path, digest in manifest.items():
        assert sha(store.get_bytes(package_key(store, record.id, path))) == digest, path
    # v2 stored only the JSON files it changed, then its inventories (the root's last)
    content = [k for k, _ in writes.writes if "/content/" in k]
    assert sorted(k.rsplit("/content/", 1)[1] for k in content) == sorted(
        ["classification.json", "events.json", "metadata.json", "record.json"]
    )
    root = object_root(record.id)
    assert [k for k, _ in writes.writes if k.startswith(root)][-2:] == [
        root + "inventory.json",  # the commit point, then its sidecar
        root + "inventory.json.sha512",
    ]
    v1, v2 = record_versions(store, record.id)
    assert (v2.message, v2.user.name) == ("review: cán bộ lưu trữ", "Nguyễn Thị Lan")
    assert read_record(store, record.id, version=1) == record  # the earlier decision kept
    assert verify(store).ok


def test_update_record_needs_the_same_committed_record(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    with pytest.raises(NotFound):
        update_record(store, record)
    write_package(store, record, original)
    with pytest.raises(ValueError):
        update_record(store, record.model_copy(update={"sha256": "0" * 64}))


def test_iter_record_ids_lists_committed_packages_in_order(store, tmp_path):
    ids = []
    for i in range(3):
        original = make_original(tmp_path, f"file {i}".encode(), f"f{i}.pdf")
        record = make_record(original)
        write_package(store, record, original)
        ids.append(record.id)
    store.delete(object_root(ids[1]) + "inventory.json")  # no longer committed
    store.put_bytes(f"{OCFL_ROOT}/stray.txt", b"not a package")
    assert list(iter_record_ids(store)) == sorted([ids[0], ids[2]])


# ---- quarantine ----


def test_quarantine_keeps_the_bytes_and_the_reason(store, tmp_path):
    data = b"\x89PNG broken"
    path = make_original(tmp_path, data, "ảnh hỏng.png")
    prefix = quarantine(store, path, "không đọc được ảnh: truncated", batch="lô-02")
    assert prefix == f"quarantine/{sha(data)}"
    assert store.get_bytes(f"{prefix}/original/ảnh hỏng.png") == data
    [entry] = list(iter_quarantined(store))
    assert entry["key"] == prefix
    assert entry["path"] == str(path)
    assert entry["name"] == "ảnh hỏng.png"
    assert entry["reason"] == "không đọc được ảnh: truncated"
    assert entry["batch"] == "lô-02"
    assert entry["sha256"] == sha(data)
    assert entry["size"] == len(data)
    assert entry["original"] == "original/ảnh hỏng.png"
    assert entry["at"]


def test_the_same_file_quarantined_twice_is_one_entry(store, tmp_path):
    data = b"same bytes"
    first = make_original(tmp_path, data, "a.pdf")
    second = make_original(tmp_path / "other", data, "copy.pdf")  # another path, same bytes
    assert quarantine(store, first, "first reason", batch=None) == quarantine(
        store, first, "first reason", batch=None
    )
    quarantine(store, second, "second reason", batch="b2")
    entries = list(iter_quarantined(store))
    assert len(entries) == 1
    assert entries[0]["reason"] == "first reason"
    assert len(list(store.list("quarantine/"))) == 2  # the original and reason.json


def test_a_file_name_that_is_not_utf8_is_kept_exactly(store, tmp_path):
    name = os.fsdecode(b"h\xf4 s\xf4 \xd0\xe3.pdf")
    path = tmp_path / name
    path.write_bytes(b"legacy")
    prefix = quarantine(store, path, "unsupported", batch=None)
    [entry] = list(iter_quarantined(store))
    assert (entry["name"], entry["path"]) == (name, str(path))
    assert store.get_bytes(f"{prefix}/{entry['original']}") == b"legacy"


class VanishingStore(FailingStore):
    """The file is deleted by someone else after it was hashed, before it is copied."""

    def put_file(self, key: str, path: Path) -> None:
        path.unlink()
        self._store.put_file(key, path)


def test_a_file_that_vanishes_while_quarantined_is_recorded_without_bytes(store, tmp_path):
    path = make_original(tmp_path, b"short-lived")
    prefix = quarantine(VanishingStore(store, 100), path, "bad scan", batch=None)
    [entry] = list(iter_quarantined(store))
    assert entry["reason"].startswith("bad scan (the file vanished")
    assert entry["sha256"] == sha(b"short-lived")
    assert entry["original"] is None
    assert list(store.list(prefix + "/")) == [prefix + "/reason.json"]


def test_unreadable_file_is_quarantined_without_bytes(store, tmp_path):
    loop_a, loop_b = tmp_path / "loop_a", tmp_path / "loop_b"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    folder = tmp_path / "a folder"
    folder.mkdir()
    for path in (loop_a, folder, loop_a):
        quarantine(store, path, "not a readable file", batch="b")
    entries = {e["name"]: e for e in iter_quarantined(store)}
    assert set(entries) == {"loop_a", "a folder"}
    for entry in entries.values():
        assert entry["reason"].startswith("not a readable file (the file could not be read")
        assert entry["sha256"] is None
        assert entry["original"] is None
        assert list(store.list(entry["key"] + "/")) == [entry["key"] + "/reason.json"]


# what `from store_conformance import *` brings into a backend's test module
__all__ = [name for name in dir() if name.startswith("test_")]


def test_extra_files_may_be_local_files_streamed_into_the_package(store, tmp_path):
    original = make_original(tmp_path)
    record = make_record(original)
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(200_000))
    write_package(store, record, original, {"document.pdf": pdf, "note.txt": b"ghi ch\xc3\xba"})
    assert read_package_bytes(store, record.id, "document.pdf") == pdf.read_bytes()
    manifest = read_manifest(store, record.id)
    assert manifest["document.pdf"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert manifest["note.txt"] == hashlib.sha256("ghi chú".encode()).hexdigest()
