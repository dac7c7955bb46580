"""A real S3 endpoint for the storage tests: moto's server on 127.0.0.1, a random port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

S3_BUCKET = "sohoa-test"
S3_CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "us-east-1"}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """http://127.0.0.1:<port> of a moto S3 server (the same HTTP path as MinIO), bucket created."""
    from moto.server import ThreadedMotoServer

    from storage.s3 import S3Options, S3Store

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    S3Store(S3_BUCKET, options=S3Options(endpoint_url=endpoint, **S3_CREDENTIALS)).ensure_bucket()
    try:
        yield endpoint
    finally:
        server.stop()
