"""`sohoa worker`: a Prefect process worker on the sohoa work pool, with optional /metrics.

The worker polls the pool for flow runs (scheduled drop-folder scans, per-document runs of a
spread batch) and starts each as a child process. Any number of workers, on any number of
machines, may poll the same pool: the server hands each run to exactly one of them.

Its log: a start line, one line per file outcome (from the flow-run processes, in sohoa's
format: see cli/prefect_logging.yaml), one line per batch, a stop line (also on SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from application.ingest_metrics import MULTIPROC_ENV, QueueDepthCollector, serve_metrics
from flows.ingest import WORKER_NAME_ENV, ensure_document_deployment
from flows.prefect_server import DEFAULT_POOL, queue_depth, require_server

__all__ = ["CHILD_LOGGING", "default_worker_name", "run_worker"]

if TYPE_CHECKING:
    from prefect.workers.process import ProcessWorker

log = logging.getLogger(__name__)

# Module loggers whose lines should also reach the Prefect UI from inside flow runs.
_UI_LOGGERS = "application,flows,ocr,classify,dedup,storage,indexing"
CHILD_LOGGING = Path(__file__).with_name("prefect_logging.yaml")


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _prepare_children(name: str, metrics_port: int | None) -> None:
    """Environment the flow-run child processes inherit (set before any of them starts)."""
    os.environ[WORKER_NAME_ENV] = name
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", _UI_LOGGERS)
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(CHILD_LOGGING))
    if metrics_port is not None and not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="sohoa-metrics-")


def _print(*parts: object, **_: object) -> None:
    """Prefect's own worker messages ('Worker … started!'): detail, our lines say it better."""
    log.debug("%s", " ".join(str(p) for p in parts))


def _stop_on_sigterm() -> None:
    """systemd and Docker stop with SIGTERM: stop like on Ctrl-C, with the stop line."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _exit_within(seconds: float) -> None:
    """After the stop line, leave within `seconds` even if Prefect's event thread still tries
    to deliver to a server that has gone (seen: a worker stopped with SIGTERM that never exited);
    a daemon timer keeps running while the interpreter waits for other threads."""
    timer = threading.Timer(seconds, os._exit, args=(0,))
    timer.daemon = True
    timer.start()


def _ignore_cancelled(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """At shutdown Prefect's control-channel connections are cancelled; Python 3.11's stream
    callback then reports the CancelledError as an ERROR with a traceback. That is the stop
    working as meant, not a fault: anything else goes to the default handler."""
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


async def _serve(worker: ProcessWorker, run_once: bool) -> None:
    asyncio.get_running_loop().set_exception_handler(_ignore_cancelled)
    await worker.start(run_once=run_once, printer=_print)


def run_worker(
    *,
    pool: str = DEFAULT_POOL,
    name: str | None = None,
    limit: int | None = None,
    metrics_port: int | None = None,
    metrics_host: str = "127.0.0.1",
    run_once: bool = False,
) -> None:
    """Run a process worker on `pool` until interrupted (or one poll with `run_once`).

    `limit`: flow runs at once (default: the number of cores). /metrics on `metrics_host`
    (loopback unless told otherwise) when `metrics_port` is given.
    """
    from prefect.workers.process import ProcessWorker

    require_server()
    name = name or default_worker_name()
    _prepare_children(name, metrics_port)
    ensure_document_deployment(pool)
    metrics = ""
    if metrics_port is not None:
        Path(os.environ[MULTIPROC_ENV]).mkdir(parents=True, exist_ok=True)
        serve_metrics(metrics_port, addr=metrics_host, extra=[QueueDepthCollector(pool, queue_depth)])
        metrics = f", metrics on http://{metrics_host}:{metrics_port}/metrics"
    # each flow run is a process with its own Tesseract: by default one per core, never unbounded
    limit = limit or os.cpu_count() or 1
    worker = ProcessWorker(work_pool_name=pool, name=name, limit=limit)
    _stop_on_sigterm()
    log.info("worker %s started: pool %s, %d flow runs at once%s", name, pool, limit, metrics)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or SIGTERM: stop, saying so
        asyncio.run(_serve(worker, run_once))
    log.info("worker %s stopped", name)
    _exit_within(10)
