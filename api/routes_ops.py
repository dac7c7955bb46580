"""Operations: GET /health (storage and index reachable), GET /metrics (Prometheus), GET /whoami."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from api.access import Caller
from api.auth import caller_of, state_of
from api.metrics import CONTENT_TYPE
from api.models import ErrorOut, HealthOut, WhoAmIOut
from sohoa.errors import SohoaError

__all__ = ["router"]

router = APIRouter(tags=["operations"])


def _check(ping) -> str:  # noqa: ANN001 - a store's or an index's ping method
    try:
        ping()
    except (SohoaError, OSError) as exc:
        return f"error: {exc}"
    return "ok"


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "storage or index unreachable"}},
    summary="Storage and index reachable",
)
def health(request: Request) -> Response:
    state = state_of(request)
    storage, index = _check(state.store.ping), _check(state.index.ping)
    ok = storage == "ok" and index == "ok"
    body = HealthOut(status="ok" if ok else "degraded", storage=storage, index=index)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    summary="Prometheus metrics",
)
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


@router.get(
    "/whoami",
    response_model=WhoAmIOut,
    responses={401: {"model": ErrorOut}},
    summary="The role of the key sent (public without one)",
)
def whoami(caller: Annotated[Caller, Depends(caller_of)]) -> WhoAmIOut:
    return WhoAmIOut(role=caller.role, name=caller.name, key_id=caller.key_id)
