"""Scheduled drop-folder scans as Prefect deployments on a process work pool.

`add_schedule` registers a deployment of the flow `ingest-drop-folder` with a cron schedule and
the folder as its parameter; the Prefect server's scheduler creates its runs and any
`sohoa worker` polling the pool runs them. Deployments name their flow by module path
(`flows.drop_folder.ingest_drop_folder`), so every machine where sohoa is installed can run them:
no code is copied around. Everything here needs a real Prefect server (`prefect server start`):
the embedded server of a single command stops with it and runs no scheduler.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import MissingDependency, NotFound

__all__ = [
    "DEFAULT_POOL",
    "DEFAULT_TIMEZONE",
    "Schedule",
    "add_schedule",
    "api_url",
    "ensure_document_deployment",
    "ensure_pool",
    "list_schedules",
    "ensure_upkeep_deployments",
    "queue_depth",
    "remove_schedule",
    "require_server",
]

DEFAULT_POOL = "sohoa"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_TAGS = ["sohoa"]


@dataclass(frozen=True)
class Schedule:
    name: str
    source: str
    cron: str | None
    timezone: str | None
    active: bool
    pool: str | None
    parameters: dict[str, Any]


def api_url() -> str | None:
    """The Prefect API this process talks to (PREFECT_API_URL or a profile), if any."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def require_server() -> str:
    """The Prefect API URL, or MissingDependency saying how to start a server."""
    url = api_url()
    if not url:
        raise MissingDependency(
            "schedules and workers need a Prefect server: run `prefect server start` "
            "(UI at http://127.0.0.1:4200) and export PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    return url


def ensure_pool(pool: str = DEFAULT_POOL) -> None:
    """Create the process work pool `pool` unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name=pool, type="process"))


def _deployment(flow: Any, name: str, pool: str, **options: Any) -> Any:
    from prefect.deployments.runner import EntrypointType

    return flow.to_deployment(
        name=name,
        work_pool_name=pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
        tags=_TAGS,
        **options,
    )


def add_schedule(
    name: str,
    source: Path,
    cron: str,
    *,
    pool: str = DEFAULT_POOL,
    timezone: str = DEFAULT_TIMEZONE,
    settle_seconds: float = 5.0,
    spread: bool = False,
) -> str:
    """Create or replace the schedule `name`: scan `source` on `cron`; return the deployment id."""
    from prefect.client.schemas.schedules import CronSchedule

    from flows.drop_folder import ingest_drop_folder

    require_server()
    ensure_pool(pool)
    deployment = _deployment(
        ingest_drop_folder,
        name,
        pool,
        schedules=[CronSchedule(cron=cron, timezone=timezone)],
        parameters={
            "source": str(Path(source).absolute()),
            "settle_seconds": settle_seconds,
            "spread": spread,
            "pool": pool,
        },
        description=f"Ingest the new files of {source} on '{cron}' ({timezone})",
    )
    return str(deployment.apply())  # an existing schedule of that name is updated in place


def _drop_existing(full_name: str) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(full_name)
        except ObjectNotFound:
            return False
        client.delete_deployment(deployment.id)
        return True


def remove_schedule(name: str) -> None:
    """Delete the schedule `name` (its deployment and future runs); NotFound if there is none."""
    from flows.drop_folder import DROP_FLOW

    require_server()
    if not _drop_existing(f"{DROP_FLOW}/{name}"):
        raise NotFound(f"no schedule named {name!r}")


def list_schedules() -> list[Schedule]:
    """Every drop-folder schedule on the server, by name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    from flows.drop_folder import DROP_FLOW

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


def ensure_document_deployment(pool: str = DEFAULT_POOL) -> str:
    """Register `ingest-document/<pool>` on `pool` (one flow run per document); return its id."""
    from flows.ingest import ingest_document_flow

    require_server()
    ensure_pool(pool)
    deployment = _deployment(
        ingest_document_flow, pool, pool, description="Ingest one document (work pool fan-out)"
    )
    return str(deployment.apply())


def ensure_upkeep_deployments(
    pool: str = DEFAULT_POOL, *, verify_cron: str | None = None, timezone: str = DEFAULT_TIMEZONE
) -> list[str]:
    """Register `reindex/reindex` (by hand) and `verify/verify` (on `verify_cron`, if any) on
    `pool`, for its workers to run; return their ids."""
    from prefect.client.schemas.schedules import CronSchedule

    from flows.reindex import reindex_flow
    from flows.verify import verify_flow

    require_server()
    ensure_pool(pool)
    schedules = [CronSchedule(cron=verify_cron, timezone=timezone)] if verify_cron else []
    return [
        str(_deployment(reindex_flow, "reindex", pool, description="Rebuild the search index").apply()),
        str(
            _deployment(
                verify_flow, "verify", pool, schedules=schedules, description="Fixity check of the store"
            ).apply()
        ),
    ]


def queue_depth(pool: str) -> int:
    """Flow runs of `pool` that are due or pending but not yet running."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
        WorkPoolFilter,
        WorkPoolFilterName,
    )
    from prefect.client.schemas.objects import StateType

    waiting = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING])),
        expected_start_time=FlowRunFilterExpectedStartTime(before_=datetime.now(UTC)),
    )
    with get_client(sync_client=True) as client:
        return client.count_flow_runs(
            flow_run_filter=waiting,
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool])),
        )
