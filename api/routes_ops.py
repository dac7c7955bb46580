"""Operations: GET /health (up or down, for anyone), GET /metrics (Prometheus: an archivist's or
a metrics key), GET /whoami."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from api.auth import caller_of, state_of
from api.models import ErrorOut, HealthOut, WhoAmIOut
from api.prometheus import CONTENT_TYPE
from application.access import Caller, can_read_metrics
from core.errors import SohoaError

__all__ = ["router"]

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


def _check(name: str, ping) -> bool:  # noqa: ANN001 - a store's or an index's ping method
    try:
        ping()
    except (SohoaError, OSError) as exc:
        log.warning("health: %s unreachable: %s", name, exc)
        return False
    return True


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "storage or index unreachable"}},
    summary="Up (storage and index reachable) or down; the reason goes to the server log",
)
def health(request: Request) -> Response:
    state = state_of(request)
    ok = _check("storage", state.store.ping) & _check("index", state.index.ping)
    body = HealthOut(status="ok" if ok else "degraded")
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
    summary="Prometheus metrics (an archivist's key or a metrics key)",
)
def metrics(request: Request, caller: Annotated[Caller, Depends(caller_of)]) -> Response:
    if not can_read_metrics(caller.role):
        status = 401 if caller.role == "public" else 403
        raise HTTPException(
            status, "Cần khóa API của lưu trữ viên hoặc khóa giám sát (metrics) để xem số liệu."
        )
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


@router.get(
    "/whoami",
    response_model=WhoAmIOut,
    responses={401: {"model": ErrorOut}},
    summary="The role of the key sent (public without one)",
)
def whoami(caller: Annotated[Caller, Depends(caller_of)]) -> WhoAmIOut:
    return WhoAmIOut(role=caller.role, name=caller.name, key_id=caller.key_id)
