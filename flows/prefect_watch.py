"""Is the Prefect API still there? A thread asks it every second while a batch runs.

Prefect 3 keeps running the tasks of a flow when its API goes away (their states travel as
events), but the flow run itself cannot finish: its client retries for minutes and ends in a
traceback. `sohoa ingest` therefore watches the API; once it stops answering, documents not yet
started are not begun (`check_not_lost`), those in flight finish and are stored (`in_flight`),
and the command reports what was stored (cli/progress.py, cli/main.py).
Process-wide state: one batch per process (the CLI).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from core.errors import SohoaError

__all__ = [
    "ApiWatch",
    "OrchestratorLost",
    "check_not_lost",
    "documents_in_flight",
    "in_flight",
]

_lost = threading.Event()
_count_lock = threading.Lock()
_in_flight = 0


class OrchestratorLost(SohoaError):
    """The Prefect API stopped answering during a batch; what was stored is kept."""

    def __init__(self, cause: str, batch: str | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.batch = batch
        self.started_at: datetime | None = None  # when the batch started, if known


def check_not_lost() -> None:
    """Refuse to begin a document once the API is known lost (it would be done unseen)."""
    if _lost.is_set():
        raise OrchestratorLost("the Prefect API is gone: document not started")


@contextmanager
def in_flight() -> Iterator[None]:
    """Count a document being worked on, so the batch can wait for it before it stops."""
    global _in_flight
    with _count_lock:
        _in_flight += 1
    try:
        yield
    finally:
        with _count_lock:
            _in_flight -= 1


def documents_in_flight() -> int:
    with _count_lock:
        return _in_flight


def _probe(url: str, timeout: float) -> str | None:
    """None when `url`/health answers 200, else why not (one line)."""
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


class ApiWatch:
    """Probe `api_url`/health every `interval` s; after `misses` failures in a row the API is lost."""

    def __init__(self, api_url: str, *, interval: float = 1.0, misses: int = 3, timeout: float = 2.0) -> None:
        self.api_url = api_url
        self.interval, self.misses, self.timeout = interval, misses, timeout
        self.cause: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sohoa-api-watch", daemon=True)
        _lost.clear()

    def __enter__(self) -> ApiWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout + self.interval)

    @property
    def lost(self) -> bool:
        return _lost.is_set()

    def check_now(self) -> bool:
        """Probe once more (after the batch stopped on an error): True when the API is lost."""
        if not _lost.is_set() and (reason := _probe(self.api_url, self.timeout)) is not None:
            self._declare(reason)
        return _lost.is_set()

    def _run(self) -> None:
        failures = 0
        while not self._stop.wait(self.interval) and not _lost.is_set():
            reason = _probe(self.api_url, self.timeout)
            failures = 0 if reason is None else failures + 1
            if failures >= self.misses:
                self._declare(reason or "no answer")

    def _declare(self, reason: str) -> None:
        self.cause = f"the Prefect API at {self.api_url} stopped answering ({reason})"
        _lost.set()
        # Prefect's client would now log a warning per undelivered event for minutes: the
        # command's own line says it once.
        for name in ("prefect", "prefect._internal"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
