"""Searches answered by a pool of processes, for `sohoa serve --workers N` (N >= 2).

One server process takes every HTTP request (uvicorn: parsing, access checks, the access log,
JSON) and hands each search to N search processes through one queue, first come, first served.
Each search process opens the index itself (its own SQLite connection, read-only in WAL mode) and
keeps its own search arrays and page lists (indexing/browse.py), as a server process did before.

Why not N server processes each taking its own connections (uvicorn's workers)? A process takes
a client's connection for as long as the client keeps it open, and one that wakes first takes
every connection waiting: with 50 keep-alive clients, 48 on one process and 2 on the other was
measured, the busy one queueing 24 searches for each of the other's one. With one queue no search
process idles while a search waits.

A search process that dies (killed, out of memory) breaks the pool: the searches it had are
answered 503 (Transient) and a new pool is started for the next ones (not warmed up: its first
searches read their page lists as a server just started without saved lists does).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from api.models import FacetOut, HitOut, SearchOut
from application.access import Role
from application.searching import Found, SearchParams, search_as
from application.services import services_for
from core.errors import Transient
from core.settings import Settings
from indexing.base import ListKey, SearchIndex
from schemas import AccessClass, AccessScope

__all__ = ["Answer", "SearchPool", "answer", "lists_used_by", "warm_index"]

log = logging.getLogger(__name__)

Answer = tuple[bytes, dict[str, AccessClass]]  # `answer`: the JSON, and each hit's class
BARRIER_SECONDS = 1800.0  # a warm-up of a large index, every process at once, takes minutes at most

_settings: Settings | None = None
_barrier: threading.Barrier | None = None


def answer(index: SearchIndex, role: Role, params: SearchParams, page: int) -> Answer:
    """GET /search's answer for `role` as JSON (the bytes FastAPI makes of a SearchOut), and the
    access class of each hit (for the access log). Made where the search runs (the search
    thread of api.routes_search, or a search process), so the process taking the requests only
    passes bytes on."""
    found = search_as(index, role, params)
    out = SearchOut(
        q=params.q,
        total=found.result.total,
        page=page,
        per_page=params.limit,
        sort=params.sort,
        ranked=found.result.ranked,
        role=role,
        masked=found.masked,
        hits=[
            HitOut(
                id=hit.id,
                title=hit.title,
                snippet=hit.snippet,
                page=hit.page,
                score=hit.score,
                access=hit.access,
                dossier=hit.dossier,  # its order is not shown: it would count hidden documents
            )
            for hit in found.result.hits
        ],
        facets={
            name: [FacetOut(value=v.value, count=v.count) for v in values]
            for name, values in found.result.facets.items()
        },
    )
    return out.model_dump_json().encode(), {hit.id: hit.access for hit in found.result.hits}


def _start(settings: Settings, barrier: threading.Barrier) -> None:
    """A search process's start: Ctrl-C (SIGINT, sent to the whole process group) is for the
    server, which stops the pool; a server that is gone without stopping it (killed) takes its
    search processes with it."""
    global _settings, _barrier
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _settings, _barrier = settings, barrier
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])  # ready when the server process has ended
    os._exit(0)


def _index():  # noqa: ANN202 - the SearchIndex of this process's settings
    assert _settings is not None, "not a search process"
    return services_for(_settings).index


def _search(role: Role, params: SearchParams) -> Found:
    return search_as(_index(), role, params)


def _answer(role: Role, params: SearchParams, page: int) -> Answer:
    return answer(_index(), role, params, page)


def _warm(scopes: list[AccessScope], lists: list[ListKey]) -> str:
    """Warm this process's index (each process takes one of these: the barrier)."""
    assert _barrier is not None
    _barrier.wait(BARRIER_SECONDS)
    return warm_index(_index(), scopes, lists)


def _lists_used() -> list[tuple[ListKey, int]]:
    """The page lists this process used (each process answers one of these: the barrier)."""
    assert _barrier is not None
    _barrier.wait(BARRIER_SECONDS)
    return lists_used_by(_index())


def warm_index(index: SearchIndex, scopes: list[AccessScope], lists: list[ListKey]) -> str:
    """Warm `index` up as far as its engine has something to make (SearchIndex.warm; SQLite:
    search arrays, scope masks, the page lists `lists`); what was done, for the log."""
    return f"{index.warm(scopes, lists)} page lists"


def lists_used_by(index: SearchIndex) -> list[tuple[ListKey, int]]:
    """The page lists `index` used since it was opened, with their uses (SearchIndex.lists_used:
    empty for an engine that keeps none)."""
    return index.lists_used()


class SearchPool:
    """N processes answering `search_as` for one set of settings, from one queue."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self._lock = threading.Lock()
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # never fork a process running threads
        self._barrier = context.Barrier(self.processes)
        return ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=_start, initargs=(self.settings, self._barrier)
        )

    def _submit(self, fn, *args) -> Future:  # noqa: ANN001
        with self._lock:
            return self._pool.submit(fn, *args)

    def _broken(self, pool_error: BaseException) -> Transient:
        """Start a new pool in place of a broken one; the error to answer meanwhile."""
        with self._lock:
            if getattr(self._pool, "_broken", False):
                log.error("a search process died (%s): starting the search processes again", pool_error)
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new()
        return Transient(f"a search process stopped: {pool_error}")

    async def answer(self, role: Role, params: SearchParams, page: int) -> Answer:
        """`answer`, made by a search process."""
        try:
            return await asyncio.wrap_future(self._submit(_answer, role, params, page))
        except BrokenProcessPool as exc:
            raise self._broken(exc) from exc

    def search_sync(self, role: Role, params: SearchParams) -> Found:
        """search_as by a search process, from a thread that is not the event loop's (the web
        page's routes)."""
        try:
            return self._submit(_search, role, params).result()
        except BrokenProcessPool as exc:
            raise self._broken(exc) from exc

    def warm(self, scopes: list[AccessScope], lists: list[ListKey]) -> list[str]:
        """Start every search process and warm each up (SqliteIndex.warm); what each did."""
        futures = [self._submit(_warm, scopes, lists) for _ in range(self.processes)]
        return [future.result() for future in futures]

    def lists_used(self) -> list[tuple[ListKey, int]]:
        """The page lists every search process used, added up (most used first)."""
        futures = [self._submit(_lists_used) for _ in range(self.processes)]
        total: Counter[ListKey] = Counter()
        for future in futures:
            total.update(dict(future.result(timeout=BARRIER_SECONDS)))
        return total.most_common()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
