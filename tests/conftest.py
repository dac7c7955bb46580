"""Shared fixtures: an isolated data root per test and one Prefect test server per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.prefect_env import quiet_prefect

# Shared suites imported by several test modules: rewrite their asserts for readable failures.
pytest.register_assert_rewrite(
    "tests.api.support", "tests.indexing.conformance", "tests.storage.store_conformance"
)

# Before anything imports Prefect: no telemetry, quiet logs.
quiet_prefect()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server and database for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def sohoa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SOHOA_HOME pointing at an empty folder, so storage and index start empty."""
    home = tmp_path / "sohoa-home"
    monkeypatch.setenv("SOHOA_HOME", str(home))
    for name in ("SOHOA_STORAGE", "SOHOA_INDEX"):
        monkeypatch.delenv(name, raising=False)
    return home


# moto's S3 server over HTTP (module-scoped), for every test that asks for `moto_endpoint`.
from tests.moto_s3 import moto_endpoint  # noqa: E402, F401
