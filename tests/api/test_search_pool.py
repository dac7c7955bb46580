"""Searches answered by search processes (`sohoa serve --workers N`: api.search_pool): the same
answer as in-process for every role, the access log as always, a warm-up before the first
request, and a search process that dies answered 503 once, then replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import warnings

import pytest

from api import create_app
from api.search_pool import SearchPool, answer
from api.state import lists_path
from application.access_log import audit_path, read_entries
from application.searching import SearchParams, search_as
from core.errors import Transient

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

from tests.api.conftest import Archive, Keys  # noqa: E402

QUERIES = ["so hoa", "số hóa", "", "zzz"]


def test_a_pool_answers_what_the_process_answers(archive: Archive) -> None:
    pool = SearchPool(archive.settings, 2)
    try:
        assert len(pool.warm([], [])) == 2  # both processes started and warmed
        for role in ("public", "staff", "archivist"):
            for q in QUERIES:
                params = SearchParams(q=q, limit=5)
                expected = answer(archive.services.index, role, params, 1)  # type: ignore[arg-type]
                assert asyncio.run(pool.answer(role, params, 1)) == expected  # type: ignore[arg-type]
                in_process = search_as(archive.services.index, role, params)  # type: ignore[arg-type]
                assert pool.search_sync(role, params) == in_process  # type: ignore[arg-type]
    finally:
        pool.close()


def test_a_search_process_that_dies_is_replaced(archive: Archive) -> None:
    pool = SearchPool(archive.settings, 2)
    try:
        pool.warm([], [])
        os.kill(next(iter(pool._pool._processes)), signal.SIGKILL)  # type: ignore[attr-defined]
        with pytest.raises(Transient):
            for _ in range(50):  # until the pool notices
                asyncio.run(pool.answer("public", SearchParams(q="so hoa"), 1))
        body, _ = asyncio.run(pool.answer("public", SearchParams(q="so hoa"), 1))
        assert b'"total"' in body
    finally:
        pool.close()


def test_a_server_with_search_processes_answers_as_the_app_does(
    client: TestClient, archive: Archive, keys: Keys
) -> None:
    log = audit_path(archive.settings)
    start = len(list(read_entries(log)))
    expected = {
        (role, q): client.get("/search", params={"q": q}, headers=keys.headers(role))
        for role in ("public", "staff")
        for q in QUERIES
    }
    middle = len(list(read_entries(log)))
    with TestClient(create_app(archive.settings, serving=True, search_processes=2)) as served:
        for (role, q), before in expected.items():
            now = served.get("/search", params={"q": q}, headers=keys.headers(role))
            assert now.status_code == before.status_code == 200
            assert now.content == before.content
            assert now.headers["cache-control"] == "no-store"
    entries = [(e["who"], e["records"]) for e in read_entries(log)]
    assert middle > start  # staff read a conditional record's snippet: logged
    assert entries[middle:] == entries[start:middle]  # and logged the same from the pool
    assert lists_path(archive.settings).exists()  # saved when it stopped, for the next warm-up
