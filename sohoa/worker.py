"""`sohoa worker`: a Prefect process worker on the sohoa work pool, with optional /metrics.

The worker polls the pool for flow runs (scheduled drop-folder scans, per-document runs of a
spread batch) and starts each as a child process. Any number of workers, on any number of
machines, may poll the same pool: the server hands each run to exactly one of them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import tempfile
from pathlib import Path

from flows.ingest import WORKER_NAME_ENV
from sohoa.metrics import MULTIPROC_ENV, QueueDepthCollector, serve_metrics
from sohoa.schedules import DEFAULT_POOL, ensure_document_deployment, queue_depth, require_server

__all__ = ["default_worker_name", "run_worker"]

log = logging.getLogger(__name__)

# Module loggers whose lines should also reach the Prefect UI from inside flow runs.
_UI_LOGGERS = "sohoa,flows,ocr,classify,storage,indexing"


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _prepare_children(name: str, metrics_port: int | None) -> None:
    """Environment the flow-run child processes inherit (set before any of them starts)."""
    os.environ[WORKER_NAME_ENV] = name
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", _UI_LOGGERS)
    if metrics_port is not None and not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="sohoa-metrics-")


def _print(*parts: object, **_: object) -> None:
    log.warning("%s", " ".join(str(p) for p in parts))


def run_worker(
    *,
    pool: str = DEFAULT_POOL,
    name: str | None = None,
    limit: int | None = None,
    metrics_port: int | None = None,
    run_once: bool = False,
) -> None:
    """Run a process worker on `pool` until interrupted (or one poll with `run_once`).

    `limit`: flow runs at once (default: the number of cores).
    """
    from prefect.workers.process import ProcessWorker

    require_server()
    name = name or default_worker_name()
    _prepare_children(name, metrics_port)
    ensure_document_deployment(pool)
    if metrics_port is not None:
        Path(os.environ[MULTIPROC_ENV]).mkdir(parents=True, exist_ok=True)
        serve_metrics(metrics_port, extra=[QueueDepthCollector(pool, queue_depth)])
        log.warning("worker %s: metrics on http://0.0.0.0:%d/metrics", name, metrics_port)
    # each flow run is a process with its own Tesseract: by default one per core, never unbounded
    worker = ProcessWorker(work_pool_name=pool, name=name, limit=limit or os.cpu_count() or 1)
    try:
        asyncio.run(worker.start(run_once=run_once, printer=_print))
    except KeyboardInterrupt:
        log.warning("worker %s stopped", name)
