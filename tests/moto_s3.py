"""moto's S3 server on 127.0.0.1 (a random port) for tests: the same HTTP path as MinIO.

`moto_endpoint` is a fixture for every test (tests/conftest.py registers it); `s3_test_store`
gives an empty store under a fresh prefix of the test bucket.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

BUCKET = "sohoa-fixity-test"
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from storage.s3 import S3Options, S3Store

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        S3Store(BUCKET, options=S3Options(endpoint_url=endpoint, **CREDENTIALS)).ensure_bucket()
        yield endpoint
    finally:
        server.stop()


def s3_test_store(endpoint: str, prefix: str | None = None, **options: object):  # noqa: ANN201
    """A store under a fresh prefix of the test bucket: each test sees an empty store.
    (storage.s3 is imported lazily: boto3 is slow to import.)"""
    from storage.s3 import S3Options, S3Store

    settings = {"endpoint_url": endpoint, **CREDENTIALS, **options}
    return S3Store(BUCKET, prefix or f"t/{uuid.uuid4().hex}", S3Options(**settings))
