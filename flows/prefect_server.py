"""The Prefect server the flows are deployed on: its address, the work pool, deployments, queue.

Below the flows: each flow module registers its own deployment with `deployment` (the document
flow, flows/ingest.py), and the schedules on top (flows/schedules.py) register theirs. A
deployment names its flow by module path (`flows.drop_folder.ingest_drop_folder`), so every
machine where sohoa is installed can run it: no code is copied around. Everything here needs a
real Prefect server (`prefect server start`): the embedded server of a single command stops
with it and runs no scheduler.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from core.errors import MissingDependency

__all__ = [
    "DEFAULT_POOL",
    "DEFAULT_TIMEZONE",
    "api_url",
    "deployment",
    "ensure_pool",
    "queue_depth",
    "require_server",
]

DEFAULT_POOL = "sohoa"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_TAGS = ["sohoa"]


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


def deployment(flow: Any, name: str, pool: str, **options: Any) -> Any:
    """A deployment `name` of `flow` on `pool`, its flow named by module path (`.apply()` it)."""
    from prefect.deployments.runner import EntrypointType

    return flow.to_deployment(
        name=name,
        work_pool_name=pool,
        entrypoint_type=EntrypointType.MODULE_PATH,
        tags=_TAGS,
        **options,
    )


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
