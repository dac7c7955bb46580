"""Prometheus metrics of the ingest work: pages, OCR seconds, outcomes, quarantine reasons.

The counters live in prometheus_client's default registry. Flow runs started by a Prefect
process worker are child processes, so `sohoa worker --metrics-port` turns on
prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set before any child starts)
and serves the sum over all of them, plus the work pool's queue depth read at scrape time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = [
    "DOCUMENTS",
    "MULTIPROC_ENV",
    "OCR_SECONDS",
    "PAGES",
    "QUARANTINED",
    "QueueDepthCollector",
    "count_outcome",
    "reason_class",
    "serve_metrics",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

PAGES = Counter("sohoa_ingest_pages", "Pages read by OCR while ingesting")
OCR_SECONDS = Histogram(
    "sohoa_ingest_ocr_seconds",
    "Seconds to load and OCR one page",
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 180, float("inf")),
)
DOCUMENTS = Counter("sohoa_ingest_documents", "Documents processed, by outcome", ["status"])
QUARANTINED = Counter(
    "sohoa_ingest_quarantined", "Files quarantined while ingesting, by reason class", ["reason"]
)

# First match wins; the patterns look at the words the loaders and the store use in reasons.
_REASON_CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("empty", re.compile(r"\bempty\b|\b0 bytes\b|no pages|no pixels", re.I)),
    ("encrypted", re.compile(r"encrypt|password", re.I)),
    ("too_large", re.compile(r"too large|megapixels|over the limit|bomb", re.I)),
    ("wrong_type", re.compile(r"unsupported|is named \.\w+ but|not a file", re.I)),
    ("changed", re.compile(r"changed|vanished", re.I)),
    ("damaged", re.compile(r"damaged|incomplete|truncat|corrupt|cannot be (?:read|rendered)", re.I)),
    ("unreadable", re.compile(r"cannot read|could not|permission|link", re.I)),
)


def reason_class(reason: str | None) -> str:
    """A short, bounded label for a quarantine reason (a metric label must not be free text)."""
    for label, pattern in _REASON_CLASSES:
        if reason and pattern.search(reason):
            return label
    return "other"


def count_outcome(status: str, reason: str | None = None) -> None:
    """Count one document's outcome (and its reason class when quarantined)."""
    DOCUMENTS.labels(status=status).inc()
    if status == "quarantined":
        QUARANTINED.labels(reason=reason_class(reason)).inc()


class QueueDepthCollector(Collector):
    """`sohoa_queue_depth`: flow runs waiting in the work pool, asked of Prefect at each scrape."""

    def __init__(self, pool: str, count: Callable[[str], int]) -> None:
        self.pool = pool
        self.count = count

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "sohoa_queue_depth", "Flow runs scheduled or pending in the work pool", labels=["pool"]
        )
        try:
            gauge.add_metric([self.pool], float(self.count(self.pool)))
        except Exception:  # the server is away: report no sample rather than fail the scrape
            return []
        return [gauge]


def serve_metrics(port: int, *, extra: Iterable[Collector] = (), addr: str = "127.0.0.1") -> Any:
    """Serve /metrics on `addr`:`port` (loopback unless told otherwise): this process's
    metrics, or all processes' in multiprocess mode."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        Path(os.environ[MULTIPROC_ENV]).mkdir(parents=True, exist_ok=True)
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    for collector in extra:
        registry.register(collector)
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server  # .shutdown() stops it
