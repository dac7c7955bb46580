"""Where the documents of a batch run: a thread pool in this process, or a Dask cluster.

With SOHOA_DASK_ADDRESS set (`tcp://scheduler:8786`), each document task of `ingest_batch`
is sent to the Dask cluster through prefect-dask; the flow run stays in this process and
Prefect still records every task run. Each task carries the flow's settings as a value, so
what they name must be reachable from every Dask worker (shared storage and index; S3
credentials in the workers' own environment), and the workers need PREFECT_API_URL.
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from core.errors import ConfigurationError
from core.settings import Settings

__all__ = ["check_task_runner", "task_runner_for"]


def task_runner_for(settings: Settings) -> TaskRunner:
    """The task runner for `settings`: Dask when an address is set, else `settings.workers` threads."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def check_task_runner(settings: Settings, *, timeout_seconds: float = 10.0) -> None:
    """Refuse, before any work, a Dask set-up that cannot work: the Dask workers report their
    task runs to Prefect, so Prefect must be a server they can reach (not this process's
    temporary one), and the scheduler must answer."""
    if not settings.dask_address:
        return
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ConfigurationError(
            "SOHOA_DASK_ADDRESS is set but PREFECT_API_URL is not: the Dask workers need a Prefect "
            "server they can reach. Start one (`prefect server start`) and set PREFECT_API_URL "
            "here and on every Dask worker."
        )
    from distributed import Client

    try:
        Client(settings.dask_address, timeout=timeout_seconds).close()
    except OSError as exc:
        raise ConfigurationError(
            f"the Dask scheduler at {settings.dask_address} (SOHOA_DASK_ADDRESS) does not answer: {exc}"
        ) from exc
