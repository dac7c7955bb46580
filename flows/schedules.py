"""Scheduled drop-folder scans and the upkeep flows as Prefect deployments on a process work pool.

The top of the flows: it registers deployments of the flows below it. `add_schedule` registers
a deployment of the flow `ingest-drop-folder` with a cron schedule and the folder as its
parameter; the Prefect server's scheduler creates its runs and any `sohoa worker` polling the
pool runs them. `ensure_upkeep_deployments` registers `reindex` and `verify`. The server side
(address, pool, deployments by module path, queue) is flows/prefect_server.py; the document
flow's own deployment is registered by flows/ingest.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NotFound
from flows.drop_folder import DROP_FLOW, ingest_drop_folder
from flows.prefect_server import DEFAULT_POOL, DEFAULT_TIMEZONE, deployment, ensure_pool, require_server
from flows.reindex import reindex_flow
from flows.verify import verify_flow

__all__ = [
    "Schedule",
    "add_schedule",
    "ensure_upkeep_deployments",
    "list_schedules",
    "remove_schedule",
]


@dataclass(frozen=True)
class Schedule:
    name: str
    source: str
    cron: str | None
    timezone: str | None
    active: bool
    pool: str | None
    parameters: dict[str, Any]


def add_schedule(
    name: str,
    source: Path,
    cron: str,
    *,
    pool: str = DEFAULT_POOL,
    timezone: str = DEFAULT_TIMEZONE,
    settle_seconds: float = 5.0,
    spread: bool = False,
    dossier: bool = False,
) -> str:
    """Create or replace the schedule `name`: scan `source` on `cron`; return the deployment id.
    `dossier`: each top-level file or folder of `source` is one hồ sơ (not with `spread`)."""
    from prefect.client.schemas.schedules import CronSchedule

    if dossier and spread:
        raise ValueError("a dossier drop folder is not spread over the pool (one dossier, one run)")
    require_server()
    ensure_pool(pool)
    scan = deployment(
        ingest_drop_folder,
        name,
        pool,
        schedules=[CronSchedule(cron=cron, timezone=timezone)],
        parameters={
            "source": str(Path(source).absolute()),
            "settle_seconds": settle_seconds,
            "spread": spread,
            "pool": pool,
            "dossier": dossier,
        },
        description=f"Ingest the new files of {source} on '{cron}' ({timezone})",
    )
    return str(scan.apply())  # an existing schedule of that name is updated in place


def _drop_existing(full_name: str) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            found = client.read_deployment_by_name(full_name)
        except ObjectNotFound:
            return False
        client.delete_deployment(found.id)
        return True


def remove_schedule(name: str) -> None:
    """Delete the schedule `name` (its deployment and future runs); NotFound if there is none."""
    require_server()
    if not _drop_existing(f"{DROP_FLOW}/{name}"):
        raise NotFound(f"no schedule named {name!r}")


def list_schedules() -> list[Schedule]:
    """Every drop-folder schedule on the server, by name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    require_server()
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=[DROP_FLOW])))
    found = []
    for d in deployments:
        first = d.schedules[0] if d.schedules else None
        found.append(
            Schedule(
                name=d.name,
                source=str(d.parameters.get("source", "")),
                cron=getattr(first.schedule, "cron", None) if first else None,
                timezone=getattr(first.schedule, "timezone", None) if first else None,
                active=bool(first and first.active and not d.paused),
                pool=d.work_pool_name,
                parameters=dict(d.parameters),
            )
        )
    return sorted(found, key=lambda s: s.name)


def ensure_upkeep_deployments(
    pool: str = DEFAULT_POOL, *, verify_cron: str | None = None, timezone: str = DEFAULT_TIMEZONE
) -> list[str]:
    """Register `reindex/reindex` (by hand) and `verify/verify` (on `verify_cron`, if any) on
    `pool`, for its workers to run; return their ids."""
    from prefect.client.schemas.schedules import CronSchedule

    require_server()
    ensure_pool(pool)
    schedules = [CronSchedule(cron=verify_cron, timezone=timezone)] if verify_cron else []
    return [
        str(deployment(reindex_flow, "reindex", pool, description="Rebuild the search index").apply()),
        str(
            deployment(
                verify_flow, "verify", pool, schedules=schedules, description="Fixity check of the store"
            ).apply()
        ),
    ]
