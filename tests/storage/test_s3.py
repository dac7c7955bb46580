"""S3Store over real HTTP (moto's server): the store conformance suite, plus what only S3 shows."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import NotFound, SohoaError, Transient
from storage import (
    ObjectStore,
    iter_quarantined,
    open_store,
    quarantine,
    read_manifest,
    read_record,
    write_package,
)
from storage.layout import OCFL_ROOT
from storage.object_keys import TEMP_PREFIX
from storage.ocfl_layout import object_path, record_object_id
from storage.package import package_key
from storage.s3 import MIN_PART_SIZE, S3Options, S3SetupError, S3Store
from tests.moto_s3 import BUCKET, CREDENTIALS, s3_test_store
from tests.storage.store_conformance import *  # noqa: F403
from tests.storage.store_conformance import make_original, make_record

pytestmark = pytest.mark.integration

MiB = 1 << 20
S3_BUCKET, S3_CREDENTIALS = BUCKET, CREDENTIALS
s3_store = s3_test_store


@pytest.fixture
def store(moto_endpoint: str) -> S3Store:
    # parts of the minimum size, so the conformance suite's 5 MiB file goes up in two parts
    return s3_store(moto_endpoint, multipart_threshold=MIN_PART_SIZE, part_size=MIN_PART_SIZE)


def _random_file(path: Path, size: int) -> Path:
    with path.open("wb") as f:
        for _ in range(size // MiB):
            f.write(os.urandom(MiB))
        f.write(os.urandom(size % MiB))
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- S3 specifics over moto ----


def test_large_file_goes_up_in_parts_and_comes_back_byte_identical(store, tmp_path):
    src = _random_file(tmp_path / "big.tif", 12 * 1000 * 1000)
    store.put_file("records/x/original/big.tif", src)
    stat = store.stat("records/x/original/big.tif")
    assert stat.etag.endswith('-3"'), stat.etag  # 5 MiB + 5 MiB + the rest
    assert stat.size == src.stat().st_size
    assert stat.sha256 == _sha(src)
    dest = tmp_path / "back.tif"
    store.get_file("records/x/original/big.tif", dest)
    assert _sha(dest) == _sha(src)


def test_small_file_is_one_put(moto_endpoint, tmp_path):
    store = s3_store(moto_endpoint)  # default threshold: 64 MiB
    src = _random_file(tmp_path / "scan.pdf", 6 * MiB)
    store.put_file("scan.pdf", src)
    assert "-" not in store.stat("scan.pdf").etag


def test_every_object_carries_its_sha256(store, tmp_path):
    src = _random_file(tmp_path / "f", 1000)
    store.put_file("from/file", src)
    store.put_bytes("from/bytes", "Hà Nội".encode())
    store.put_bytes("empty", b"")
    assert store.object_sha256("from/file") == _sha(src)
    assert store.object_sha256("from/bytes") == hashlib.sha256("Hà Nội".encode()).hexdigest()
    assert store.object_sha256("empty") == hashlib.sha256(b"").hexdigest()
    with pytest.raises(NotFound):
        store.object_sha256("absent")


def test_package_objects_carry_the_manifest_hashes(store, tmp_path):
    original = make_original(tmp_path, os.urandom(200_000), "Công văn 15.pdf")
    record = make_record(original)
    write_package(store, record, original, {"document.pdf": b"%PDF-1.7"})
    manifest = read_manifest(store, record.id)
    assert len(manifest) == 10
    for path, digest in manifest.items():
        assert store.object_sha256(package_key(store, record.id, path)) == digest, path
    root = f"{OCFL_ROOT}/{object_path(record_object_id(record.id))}/"
    assert store.object_sha256(root + "inventory.json") is not None
    assert read_record(store, record.id) == record


def test_quarantine_works_unchanged(store, tmp_path):
    path = make_original(tmp_path, b"\x89PNG broken", "ảnh hỏng.png")
    prefix = quarantine(store, path, "không đọc được ảnh", batch="lô-02")
    [entry] = iter_quarantined(store)
    assert entry["key"] == prefix
    assert store.get_bytes(f"{prefix}/{entry['original']}") == b"\x89PNG broken"


def test_list_pages_through_many_keys(moto_endpoint):
    store = s3_store(moto_endpoint, page_size=3)
    keys = [f"k/{i:02d}" for i in range(10)] + ["k/Đ", "k/z"]
    for key in reversed(keys):
        store.put_bytes(key, b".")
    assert list(store.list()) == sorted(keys)
    assert list(store.list("k/0")) == keys[:10]


def test_list_skips_objects_that_are_not_keys(store):
    store.put_bytes("a/k", b"1")
    raw = store._client  # another tool's objects, written around the store on purpose
    for odd in ("a/", "a//b", f"a/{TEMP_PREFIX}x", "a/./c"):
        raw.put_object(Bucket=store.bucket, Key=f"{store.prefix}/{odd}", Body=b"")
    assert list(store.list()) == ["a/k"]


def test_prefixes_keep_stores_apart(moto_endpoint):
    base = f"t/{uuid.uuid4().hex}"
    outer, inner = s3_store(moto_endpoint, base), s3_store(moto_endpoint, f"{base}/inner")
    inner.put_bytes("k", b"inner")
    outer.put_bytes("k", b"outer")
    assert inner.get_bytes("k") == b"inner"
    assert list(outer.list()) == ["inner/k", "k"]
    assert list(inner.list()) == ["k"]
    assert outer.url == f"s3://{S3_BUCKET}/{base}"


def test_a_missing_bucket_is_a_clear_set_up_error(moto_endpoint, tmp_path):
    name = f"missing-{uuid.uuid4().hex[:12]}"
    store = S3Store(name, "p", S3Options(endpoint_url=moto_endpoint, **S3_CREDENTIALS))
    calls = [
        lambda: store.put_bytes("k", b"v"),
        lambda: store.put_file("k", make_original(tmp_path)),
        lambda: store.get_bytes("k"),
        lambda: store.get_file("k", tmp_path / "dest"),
        lambda: store.exists("k"),
        lambda: list(store.list()),
        lambda: store.delete("k"),
        store.ping,
    ]
    for call in calls:
        with pytest.raises(S3SetupError, match=f"bucket '{name}' does not exist"):
            call()
    store.ensure_bucket()
    store.ensure_bucket()  # already there: nothing to do
    store.ping()
    assert not store.exists("k")
    store.put_bytes("k", b"v")
    assert list(store.list()) == ["k"]


def test_open_store_reads_the_usual_aws_variables(moto_endpoint, monkeypatch):
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    prefix = f"t/{uuid.uuid4().hex}/kho"
    store = open_store(f"s3://{S3_BUCKET}/{prefix}/")
    assert isinstance(store, S3Store)
    assert isinstance(store, ObjectStore)
    assert (store.bucket, store.prefix) == (S3_BUCKET, prefix)
    assert store.url == f"s3://{S3_BUCKET}/{prefix}"
    store.ping()
    store.put_bytes("hồ sơ/1.txt", "Điều 1".encode())
    same = s3_store(moto_endpoint, prefix)
    assert same.get_bytes("hồ sơ/1.txt") == "Điều 1".encode()


def test_missing_credentials_are_a_clear_set_up_error(moto_endpoint, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = S3Store(S3_BUCKET, "p", S3Options(endpoint_url=moto_endpoint, region="us-east-1"))
    with pytest.raises(S3SetupError, match="no usable S3 credentials.*AWS_ACCESS_KEY_ID"):
        store.put_bytes("k", b"v")


@pytest.mark.parametrize("url", ["s3://", "s3:///p", "s3://b/../x", "s3://b/a//c", "s3://b/p?x=1"])
def test_bad_s3_urls_are_refused(url):
    with pytest.raises(ValueError):
        open_store(url)


def test_options_refuse_parts_below_the_s3_minimum():
    with pytest.raises(ValueError):
        S3Options(part_size=MIN_PART_SIZE - 1)
    with pytest.raises(ValueError):
        S3Options(page_size=5000)


# ---- failures, over real sockets ----


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_endpoint_is_transient_and_quick(tmp_path):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    store = s3_store(endpoint, max_attempts=2, connect_timeout=0.5)
    src = make_original(tmp_path)
    calls = [
        store.ping,
        lambda: store.put_bytes("k", b"v"),
        lambda: store.put_file("k", src),
        lambda: store.get_bytes("k"),
        lambda: store.get_file("k", tmp_path / "dest"),
        lambda: store.exists("k"),
        lambda: list(store.list()),
        lambda: store.delete("k"),
    ]
    started = time.monotonic()
    for call in calls:
        with pytest.raises(Transient, match="cannot be reached"):
            call()
    assert time.monotonic() - started < 10
    assert not (tmp_path / "dest").exists()


class FaultServer(ThreadingHTTPServer):
    """A local HTTP server that answers every request with one S3 error, counting requests."""

    def __init__(self, status: int, code: str) -> None:
        self.status, self.code, self.requests = status, code, 0
        super().__init__(("127.0.0.1", 0), _FaultHandler)


class _FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer

    def _answer(self) -> None:
        self.server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = (
            b""
            if self.command == "HEAD"
            else (
                f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{self.server.code}</Code>"
                f"<Message>injected</Message></Error>"
            ).encode()
        )
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fault_server(request) -> Iterator[FaultServer]:
    server = FaultServer(*request.param)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("fault_server", "error", "attempts"),
    [
        ((503, "SlowDown"), Transient, 2),
        ((500, "InternalError"), Transient, 2),
        ((403, "AccessDenied"), S3SetupError, 1),
        ((403, "InvalidAccessKeyId"), S3SetupError, 1),
        ((403, "SignatureDoesNotMatch"), S3SetupError, 1),
        ((404, "NoSuchKey"), NotFound, 1),
        ((400, "InvalidArgument"), SohoaError, 1),
    ],
    indirect=["fault_server"],
)
def test_errors_are_translated_and_only_transient_ones_retried(fault_server, error, attempts):
    host, port = fault_server.server_address[:2]
    store = s3_store(f"http://{host}:{port}", max_attempts=2)
    with pytest.raises(error) as raised:
        store.get_bytes("k")
    assert fault_server.requests == attempts
    assert type(raised.value) is not SohoaError or error is SohoaError
    if error is S3SetupError:
        assert "AWS_ACCESS_KEY_ID" in str(raised.value)


# ---- bounded memory: the client runs in its own process, the server stays here ----

_MEMORY_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from storage.s3 import S3Options, S3Store
endpoint, bucket, prefix, src, dest = sys.argv[1:]
options = S3Options(endpoint_url=endpoint, access_key_id="testing", secret_access_key="testing",
                    region="us-east-1", multipart_threshold=5 << 20, part_size=5 << 20)
store = S3Store(bucket, prefix, options)
store.ping()
tracemalloc.start()
store.put_file("big", Path(src))
_, up = tracemalloc.get_traced_memory()
tracemalloc.reset_peak()
store.get_file("big", Path(dest))
_, down = tracemalloc.get_traced_memory()
print(json.dumps({"up": up, "down": down}))
"""


def test_transfers_stream_in_bounded_memory(moto_endpoint, tmp_path):
    src = _random_file(tmp_path / "big.bin", 24 * MiB)
    dest = tmp_path / "back.bin"
    prefix = f"t/{uuid.uuid4().hex}"
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, moto_endpoint, S3_BUCKET, prefix, str(src), dest],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    peaks = json.loads(done.stdout)
    print(f"peak traced memory for a 24 MiB file: {peaks}")
    assert peaks["up"] < 12 * MiB, peaks  # 24 MiB file
    assert peaks["down"] < 4 * MiB, peaks
    assert _sha(dest) == _sha(src)
