"""S3Store: the ObjectStore over an S3-compatible bucket (AWS S3, MinIO); the one boto3 user.

Key 'a/b.json' is the object '<prefix>/a/b.json' of the bucket. Endpoint, region and credentials
come from S3Options or, when left None, from boto3's usual chain (AWS_ENDPOINT_URL_S3,
AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ~/.aws).
Addressing is path-style, which MinIO needs. Each object carries the sha256 of its bytes as
metadata (x-amz-meta-sha256).

Atomic visibility: an S3 PUT, and the completion of a multipart upload, make an object visible
whole; readers see the old object or the new one, never a part. So, unlike LocalStore, no
temporary object and rename are needed; a failed multipart upload is aborted and leaves nothing.

Errors: a missing key is NotFound; connection failures, timeouts, throttling and 5xx are Transient
(botocore retries them a few times first, "standard" mode, and never retries other errors); a
missing bucket, refused credentials or denied access are S3SetupError, for a person to fix.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ChecksumError,
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    SSLError,
)
from botocore.response import StreamingBody
from s3transfer.manager import TransferConfig, TransferManager

from core.errors import MissingDependency, NotFound, SohoaError, Transient
from storage.base import group_stem
from storage.hashing import CHUNK, sha256_bytes, sha256_file
from storage.local import write_atomic
from storage.object_keys import MAX_KEY_BYTES, TEMP_PREFIX, check_key, check_prefix

__all__ = ["MIN_PART_SIZE", "ObjectStat", "S3Options", "S3SetupError", "S3Store", "parse_s3_url"]

log = logging.getLogger(__name__)

MiB = 1 << 20
MIN_PART_SIZE = 5 * MiB  # the S3 minimum for every part but the last
SHA256_META = "sha256"  # sent as the header x-amz-meta-sha256

_LOADER = botocore.loaders.create_loader()

_NOT_FOUND = {"NoSuchKey", "NotFound", "404"}
_DENIED = {
    "AccessDenied",
    "AllAccessDisabled",
    "AccountProblem",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
    "403",
}
_TRANSIENT_CODES = {
    "InternalError",
    "RequestTimeout",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "TooManyRequests",
}
# Network failures: no answer, a cut connection or a damaged body. SSLError is a set-up matter.
_NETWORK = (ConnectionError, HTTPClientError, IncompleteReadError, ChecksumError)
_CREDENTIALS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)


class S3SetupError(MissingDependency):
    """The bucket is missing, or the credentials are refused: a person must fix the set-up."""


@dataclass(frozen=True)
class S3Options:
    """Connection and transfer settings; None means boto3's own resolution (AWS_* variables)."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    multipart_threshold: int = 64 * MiB  # files at least this large go up in parts
    part_size: int = 16 * MiB
    max_concurrency: int = 4  # parts in flight per upload
    max_attempts: int = 4  # per request, the first included; transient errors only
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    page_size: int = 1000  # keys per list request (the S3 maximum)

    def __post_init__(self) -> None:
        if self.part_size < MIN_PART_SIZE or self.multipart_threshold < MIN_PART_SIZE:
            raise ValueError(f"S3 parts and the multipart threshold must be >= {MIN_PART_SIZE}")
        if self.max_concurrency < 1 or self.max_attempts < 1 or not 1 <= self.page_size <= 1000:
            raise ValueError("max_concurrency and max_attempts >= 1, page_size in 1..1000")


@dataclass(frozen=True)
class ObjectStat:
    size: int
    sha256: str | None  # None for an object written by another tool
    etag: str  # '"<hex>-<parts>"' for a multipart upload


def _client(options: S3Options):  # noqa: ANN202 (boto3 clients are generated classes)
    config = Config(
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "total_max_attempts": options.max_attempts},
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        max_pool_connections=max(10, 2 * options.max_concurrency),
    )
    # A fresh session per client (the default one is not thread-safe, and credentials are read
    # when the client is made), sharing the parsed service models: ~20 ms instead of ~150 ms.
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core).client(
        "s3",
        endpoint_url=options.endpoint_url,
        region_name=options.region,
        aws_access_key_id=options.access_key_id,
        aws_secret_access_key=options.secret_access_key,
        config=config,
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _copy_chunks(body: StreamingBody, out: BinaryIO) -> None:
    for chunk in body.iter_chunks(CHUNK):
        out.write(chunk)


def parse_s3_url(url: str) -> tuple[str, str]:
    """'s3://bucket/some/prefix' -> ('bucket', 'some/prefix'); the prefix may be empty."""
    parsed = urlparse(url)
    if parsed.scheme.lower() != "s3" or not parsed.netloc or parsed.query or parsed.fragment:
        raise ValueError(f"expected s3://bucket[/prefix], got {url!r}")
    prefix = parsed.path.strip("/")
    return parsed.netloc, check_key(prefix) if prefix else ""


class S3Store:
    """Objects of one bucket under one key prefix, through a boto3 client made here."""

    reads_at_once = 4  # a read mostly waits on the network: a few at once hide its latency

    def __init__(self, bucket: str, prefix: str = "", options: S3Options | None = None) -> None:
        if not bucket or "/" in bucket:
            raise ValueError(f"invalid bucket name {bucket!r}")
        prefix = prefix.strip("/")
        self.bucket = bucket
        self.prefix = check_key(prefix) if prefix else ""
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.options = options or S3Options()
        self._root = f"{self.prefix}/" if self.prefix else ""
        self._client = _client(self.options)
        self._transfer = TransferConfig(
            multipart_threshold=self.options.multipart_threshold,
            multipart_chunksize=self.options.part_size,
            max_request_concurrency=self.options.max_concurrency,
        )
        self._bucket_seen = threading.Event()

    @classmethod
    def from_url(cls, url: str, options: S3Options | None = None) -> S3Store:
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix, options)

    def __repr__(self) -> str:
        return f"S3Store({self.url!r}, endpoint={self._client.meta.endpoint_url!r})"

    # ---- names and errors ----

    def _name(self, key: str) -> str:
        name = self._root + check_key(key)
        if len(name.encode()) > MAX_KEY_BYTES:
            raise ValueError(f"key with the store prefix is longer than {MAX_KEY_BYTES} bytes")
        return name

    def _where(self) -> str:
        return f"{self.url} at {self._client.meta.endpoint_url}"

    def _translate(self, exc: Exception, key: str | None) -> Exception:
        if isinstance(exc, ClientError):
            code, status = _code(exc), _status(exc)
            if code in _NOT_FOUND and key is not None:
                return NotFound(f"no object {key!r} in {self.url}")
            if code == "NoSuchBucket" or (code in _NOT_FOUND and key is None):
                return self._missing_bucket()
            if code in _DENIED or status == 403:
                return S3SetupError(
                    f"S3 refused access to {self._where()} ({code}): check AWS_ACCESS_KEY_ID, "
                    "AWS_SECRET_ACCESS_KEY and the bucket policy"
                )
            if code in _TRANSIENT_CODES or status >= 500 or status in (408, 429):
                return Transient(f"S3 {self._where()} is unavailable ({code}, HTTP {status})")
            return SohoaError(f"S3 {self._where()} refused a request for {key!r}: {exc}")
        if isinstance(exc, _CREDENTIALS):
            return S3SetupError(
                f"no usable S3 credentials for {self._where()}: set AWS_ACCESS_KEY_ID and "
                f"AWS_SECRET_ACCESS_KEY ({exc})"
            )
        if isinstance(exc, _NETWORK) and not isinstance(exc, SSLError):
            return Transient(f"S3 {self._where()} cannot be reached: {exc}")
        return S3SetupError(f"S3 {self._where()} is not usable: {exc}")

    def _missing_bucket(self) -> S3SetupError:
        return S3SetupError(
            f"bucket {self.bucket!r} does not exist at {self._client.meta.endpoint_url}: create "
            "it first (e.g. `mc mb`, `aws s3 mb`, or S3Store.ensure_bucket())"
        )

    @contextlib.contextmanager
    def _errors(self, key: str | None = None) -> Iterator[None]:
        """Translate boto3 failures into sohoa errors; `key` None means a bucket-level call."""
        try:
            yield
        except (ClientError, BotoCoreError) as exc:
            raise self._translate(exc, key) from exc

    def _check_bucket(self) -> None:
        """A HEAD answers 404 for a missing bucket too: tell the two apart once per store."""
        if self._bucket_seen.is_set():
            return
        with self._errors():
            self._client.head_bucket(Bucket=self.bucket)
        self._bucket_seen.set()

    def _head(self, key: str) -> dict | None:
        name = self._name(key)
        try:
            with self._errors(key):
                return self._client.head_object(Bucket=self.bucket, Key=name)
        except NotFound:
            self._check_bucket()
            return None

    # ---- the ObjectStore interface ----

    def put_bytes(self, key: str, data: bytes) -> None:
        name = self._name(key)
        with self._errors(key):
            self._client.put_object(
                Bucket=self.bucket, Key=name, Body=data, Metadata={SHA256_META: sha256_bytes(data)}
            )

    def put_file(self, key: str, path: Path) -> None:
        """Stream a file up: one PUT below the multipart threshold, parts in parallel above it.

        The file is hashed first (an unreadable source fails before anything is sent), since
        the sha256 metadata must go with the first request.
        """
        name, path = self._name(key), Path(path)
        digest = sha256_file(path)
        extra = {"Metadata": {SHA256_META: digest}}
        with self._errors(key), TransferManager(self._client, self._transfer) as manager:
            manager.upload(str(path), self.bucket, name, extra_args=extra).result()

    def get_bytes(self, key: str) -> bytes:
        name = self._name(key)
        with self._errors(key):
            body = self._client.get_object(Bucket=self.bucket, Key=name)["Body"]
            with contextlib.closing(body):
                return body.read()

    def get_file(self, key: str, dest: Path) -> None:
        """Stream one GET into `dest` through a temporary sibling, a chunk at a time."""
        name = self._name(key)
        with self._errors(key):
            body = self._client.get_object(Bucket=self.bucket, Key=name)["Body"]
            with contextlib.closing(body):
                write_atomic(Path(dest), lambda f: _copy_chunks(body, f))

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def list(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)  # refused now, not when iterated
        return self._list(self._root + prefix)

    def list_grouped(self, prefix: str = "", delimiter: str = "/") -> Iterator[str]:
        """ListObjectsV2 with a Delimiter: a group is one entry of a page (CommonPrefixes)."""
        check_prefix(prefix)
        group_stem(delimiter)
        return self._list(self._root + prefix, delimiter)

    def _list(self, full_prefix: str, delimiter: str | None = None) -> Iterator[str]:
        """Pages of ListObjectsV2, in UTF-8 byte order: the code point order of LocalStore. A
        page's keys and groups are two lists, each in order: merged here."""
        request = {"Bucket": self.bucket, "Prefix": full_prefix, "MaxKeys": self.options.page_size}
        if delimiter is not None:
            request["Delimiter"] = delimiter
        while True:
            with self._errors():
                page = self._client.list_objects_v2(**request)
            keys = [item["Key"] for item in page.get("Contents", ())]
            groups = {item["Prefix"] for item in page.get("CommonPrefixes", ())}
            for name in heapq.merge(keys, sorted(groups)) if groups else keys:
                key = name[len(self._root) :]
                try:
                    yield check_prefix(key) if name in groups else check_key(key)
                except ValueError:  # another tool's object, e.g. a 'folder/' marker: not ours
                    log.debug("skipping foreign object %r in %s", name, self.url)
            if not page.get("IsTruncated"):
                return
            request["ContinuationToken"] = page["NextContinuationToken"]

    def delete(self, key: str) -> None:
        name = self._name(key)
        with self._errors(key):
            self._client.delete_object(Bucket=self.bucket, Key=name)  # absent: S3 says 204 too

    def delete_tree(self, prefix: str) -> None:
        if not check_prefix(prefix).endswith("/") or prefix == "/":
            raise ValueError(f"delete_tree needs a folder prefix ending in '/', not {prefix!r}")
        for key in list(self.list(prefix)):
            self.delete(key)

    def ping(self) -> None:
        """Transient when unreachable; S3SetupError when the bucket is missing or not writable."""
        self._bucket_seen.clear()
        self._check_bucket()
        probe = f"{self._root}{TEMP_PREFIX}ping-{uuid.uuid4().hex}"  # never listed as a key
        with self._errors():
            self._client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
            self._client.delete_object(Bucket=self.bucket, Key=probe)

    # ---- S3 only ----

    def stat(self, key: str) -> ObjectStat:
        """Size, stored sha256 and ETag of one object; NotFound when absent."""
        head = self._head(key)
        if head is None:
            raise NotFound(f"no object {key!r} in {self.url}")
        return ObjectStat(
            size=int(head["ContentLength"]),
            sha256=head.get("Metadata", {}).get(SHA256_META),
            etag=str(head.get("ETag", "")),
        )

    def object_sha256(self, key: str) -> str | None:
        """The sha256 recorded when the object was written (None if another tool wrote it)."""
        return self.stat(key).sha256

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (for tests and operators; the store never does)."""
        with self._errors():
            try:
                self._client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if _code(exc) not in _NOT_FOUND:
                    raise
            region = self._client.meta.region_name
            where = (
                {}
                if region in (None, "us-east-1", "aws-global")
                else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            )
            try:
                self._client.create_bucket(Bucket=self.bucket, **where)
            except ClientError as exc:
                if _code(exc) != "BucketAlreadyOwnedByYou":  # created meanwhile by us: fine
                    raise
        log.info("created bucket %s at %s", self.bucket, self._client.meta.endpoint_url)
