"""Prometheus metrics of one API: request counts and latencies, and the archive's contents.

Each app has its own registry (several apps in one process, as in tests, do not collide). The
archive gauges (records, pages, needs_review, quarantined, index_scrub_pending) are read when
scraped, at most every CACHE_SECONDS, from the index and the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api.state import ApiState
from storage import iter_quarantined
from storage.audit_chain import ChainReport, read_anchor, read_chain

__all__ = ["CONTENT_TYPE", "Metrics"]

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CACHE_SECONDS = 15.0
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _ArchiveCollector(Collector):
    def __init__(self, state: ApiState) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, object]] | None = None

    def _read(self) -> dict[str, object]:
        state = self._state
        stats = state.index.stats()
        figures: dict[str, object] = {
            "records": stats.records,
            "pages": stats.pages,
            "needs_review": stats.needs_review,
            "by_access": stats.by_access,
        }
        try:  # its own try: the other figures are shown when only this one is unavailable
            figures["index_scrub_pending"] = int(state.index.scrub_pending())
        except Exception as exc:
            log.warning("metrics: whether a scrub of the index is pending is unknown: %s", exc)
        figures["quarantined"] = sum(1 for _ in iter_quarantined(state.store))
        anchor = read_anchor(state.store, state.audit.path)
        figures["access_log"] = read_chain(state.audit.path, anchor, links=False)
        return figures

    def _figures(self) -> dict[str, object]:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > CACHE_SECONDS:
                self._cached = (now, self._read())
            return self._cached[1]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            figures = self._figures()
        except Exception as exc:  # a scrape must not fail because the index is down
            log.warning("metrics: archive figures unavailable: %s", exc)
            return
        helps = {
            "records": "Records in the search index",
            "pages": "Pages in the search index",
            "needs_review": "Records waiting for human review",
            "quarantined": "Files kept in quarantine",
            "index_scrub_pending": "1 while deleted records may still be on the index's disk",
        }
        for name, help_text in helps.items():
            if name in figures:
                yield GaugeMetricFamily(f"sohoa_{name}", help_text, value=float(figures[name]))  # type: ignore[arg-type]
        by_access = figures.get("by_access")
        if isinstance(by_access, dict):
            family = GaugeMetricFamily(
                "sohoa_records_by_access", "Records per access class", labels=["access"]
            )
            for access, count in sorted(by_access.items()):
                family.add_metric([access], float(count))
            yield family
        chain = figures.get("access_log")
        if isinstance(chain, ChainReport):
            yield from _chain_metrics(chain)


def _chain_metrics(chain: ChainReport) -> Iterator[GaugeMetricFamily]:
    """The access log's end and its anchor in the store, for the archivist to compare over time
    (a count that drops, or a hash that changes for the same count, is a tampered log)."""
    anchor = chain.anchor
    yield GaugeMetricFamily("sohoa_access_log_lines", "Lines in the access log", value=chain.lines)
    yield GaugeMetricFamily(
        "sohoa_access_log_anchor_lines", "Lines anchored in the store", value=anchor.lines if anchor else 0
    )
    yield GaugeMetricFamily(
        "sohoa_access_log_chain_ok", "1 when the log still holds its anchor", value=1.0 if chain.ok else 0.0
    )
    info = GaugeMetricFamily(
        "sohoa_access_log_info",
        "The access log's last hash and its anchor",
        labels=["last_hash", "anchor_hash", "anchor_at"],
    )
    info.add_metric([chain.last_hash, anchor.hash if anchor else "", anchor.at if anchor else ""], 1.0)
    yield info


class Metrics:
    """The registry of one app, with the request metrics the middleware records."""

    def __init__(self, state: ApiState) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sohoa_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sohoa_http_request_seconds",
            "Time to serve an HTTP request",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_ArchiveCollector(state))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def timer(self) -> Callable[[], float]:
        start = time.perf_counter()
        return lambda: time.perf_counter() - start
