"""The FastAPI application: `create_app(settings)` wires state, routes, errors and metrics.

Errors are translated here, once: NotFound -> 404, Forbidden -> 403, ReviewRefused -> 409,
BadInput -> 400, Transient and MissingDependency -> 503, IndexUnusable -> 503 saying that an
administrator must run sohoa reindex. Every response carries headers that keep the pages from
being framed or sniffed; pages load nothing from outside the app.

Nothing but the page's static files may be kept by a browser or a proxy (`no-store`, and `Vary`
on every credential): records, page images, search results and pages differ by role (personal
data masked for the public), and on a shared reading-room PC the next visitor must never be
served what a staff member saw. Every response is counted in /metrics, a 500 included; a 500 is
answered inside the middleware, so it carries the same headers as any other response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import routes_dossiers, routes_ops, routes_records, routes_review, routes_search, web
from api.prometheus import Metrics
from api.reading import Forbidden
from api.review import ReviewRefused
from api.search_pool import SearchPool
from api.state import ApiState
from api.vietnamese import validation_message
from application.services import services_for
from core.errors import BadInput, IndexUnusable, MissingDependency, NotFound, Transient
from core.settings import Settings

__all__ = ["cache_policy", "create_app"]

log = logging.getLogger(__name__)
served = logging.getLogger("uvicorn.error")  # the server's own log (uvicorn sets it up)

STATIC = Path(__file__).parent / "static"
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}
API_VERSION = "1"
_CREDENTIALS = ("Authorization", "X-API-Key", "Cookie")
_CACHEABLE = ("/static/", "/docs-static/")
_ERRORS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (ReviewRefused, 409),
    (BadInput, 400),
    (Transient, 503),
    (MissingDependency, 503),
    (IndexUnusable, 503),
)


UNAVAILABLE = "Kho lưu trữ hoặc chỉ mục tìm kiếm tạm thời không truy cập được; vui lòng thử lại sau."
INDEX_UNUSABLE = "Chỉ mục tìm kiếm bị hỏng; quản trị viên cần chạy sohoa reindex."
_HTTP_TEXT = {
    401: "Cần khóa API hợp lệ.",
    403: "Không được phép.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
}


def _error_handler(status: int):  # noqa: ANN202 - a Starlette exception handler
    async def handle(request: Request, exc: Exception) -> Response:
        detail = str(exc)
        if status >= 500:  # the cause (English, with paths) goes to the log, not to the visitor
            log.warning("%s %s: %s", request.method, request.url.path, exc)
            detail = INDEX_UNUSABLE if isinstance(exc, IndexUnusable) else UNAVAILABLE
        if web.wants_html(request):
            return web.error_page(request, status, detail)
        return JSONResponse({"detail": detail}, status_code=status)

    return handle


async def _http_error(request: Request, exc: Exception) -> Response:
    """HTTPException, with Starlette's English defaults ("Not Found") said in Vietnamese."""
    status, detail = exc.status_code, exc.detail  # type: ignore[attr-defined]
    if not isinstance(detail, str) or detail == HTTPStatus(status).phrase:
        detail = _HTTP_TEXT.get(status, "Yêu cầu không thực hiện được.")
    if web.wants_html(request):
        return web.error_page(request, status, detail)
    return JSONResponse({"detail": detail}, status_code=status, headers=getattr(exc, "headers", None))


async def _server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: the traceback goes to the log, the visitor reads Vietnamese."""
    detail = "Lỗi máy chủ: yêu cầu chưa thực hiện được, vui lòng thử lại sau."
    if web.wants_html(request):
        return web.error_page(request, 500, detail)
    return JSONResponse({"detail": detail}, status_code=500)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """422 with each error's message in Vietnamese (the field and what is wrong; never a raw
    pattern, never the value sent)."""
    errors = [
        {"loc": list(error.get("loc", ())), "msg": validation_message(error), "type": error.get("type", "")}
        for error in exc.errors()  # type: ignore[attr-defined]
    ]
    if web.wants_html(request):
        return web.error_page(request, 400, " ".join(error["msg"] for error in errors))
    return JSONResponse({"detail": errors}, status_code=422)


def cache_policy(path: str, response: Response) -> None:
    """`no-store` and `Vary` on the credentials for everything but the page's static files."""
    _cache_headers(path, response.headers)


def _cache_headers(path: str, headers: MutableHeaders) -> None:
    if path.startswith(_CACHEABLE):
        return
    headers["Cache-Control"] = "no-store"
    headers["Pragma"] = "no-cache"
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    headers["Vary"] = ", ".join(dict.fromkeys([*vary, *_CREDENTIALS]))


def _policed(path: str, headers: MutableHeaders) -> None:
    """The security headers and the cache policy (`cache_policy`) set on a response's `headers`."""
    headers.update(_SECURITY_HEADERS)
    _cache_headers(path, headers)
    if path.startswith("/docs"):  # Swagger UI needs its inline script
        del headers["Content-Security-Policy"]


class _Observe:
    """Every HTTP response gets the security headers and the cache policy and is counted in
    /metrics (method, route, status, seconds to its start); an unexpected failure before the
    response started is answered here with a 500 (so it carries the same headers), its
    traceback logged. A plain ASGI middleware: Starlette's BaseHTTPMiddleware runs each request
    in a task of its own and passes the response through a stream (~1 ms a request)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        elapsed = self.metrics.timer()
        path = scope["path"]
        status: list[int] = []

        async def send_policed(message: Message) -> None:
            if message["type"] == "http.response.start":
                _policed(path, MutableHeaders(scope=message))
                status.append(message["status"])
                self.metrics.observe(scope["method"], _route_name(scope), message["status"], elapsed())
            await send(message)

        try:
            await self.app(scope, receive, send_policed)
        except Exception as exc:
            if status:  # the response had started: nothing else can be sent
                raise
            log.error("%s %s failed", scope["method"], path, exc_info=exc)
            response = await _server_error(Request(scope, receive), exc)
            await response(scope, receive, send_policed)


def _route_name(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _serving(state: ApiState):  # noqa: ANN202 - a lifespan
    """The lifespan of a server process (`sohoa serve`): the index is warmed up before the first
    request is taken (uvicorn starts listening after the start-up), and the page lists used are
    saved for the next server when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        done = await asyncio.get_running_loop().run_in_executor(None, state.warm)
        served.info("search index warm: %s", done)  # the load bench waits for this line
        try:
            yield
        finally:
            try:
                state.save_lists()
            except Exception as exc:  # noqa: BLE001 - a cache for the next start: never fatal
                log.warning("search lists not saved: %s", exc)
            if state.pool is not None:
                state.pool.close()

    return lifespan


def create_app(settings: Settings, *, serving: bool = False, search_processes: int = 1) -> FastAPI:
    """The API and web page for `settings` (store and index from application.services).
    `serving`: a server's (`_serving`); `search_processes` > 1: searches are answered by that
    many processes (api.search_pool), started with the server."""
    services = services_for(settings)
    state = ApiState.build(settings, services.store, services.index)
    if serving and search_processes > 1:
        state.pool = SearchPool(settings, search_processes)
    swagger = _swagger_files()
    app = FastAPI(
        lifespan=_serving(state) if serving else None,
        docs_url=None if swagger else "/docs",
        redoc_url=None,
        title="sohoa",
        version=API_VERSION,  # of the interface; the software's version is not published
        summary="Search the digitised archive: records, pages, access control, review",
        description=(
            "Anonymous callers are the public: public records only, personal data masked. "
            "Staff and archivists send an API key (X-API-Key or Authorization: Bearer)."
        ),
    )
    app.state.api = state
    app.state.metrics = Metrics(state)
    for exc_type, status in _ERRORS:
        app.add_exception_handler(exc_type, _error_handler(status))
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)  # last resort: a failure in `observe` itself

    app.add_middleware(_Observe, metrics=app.state.metrics)  # type: ignore[arg-type]

    app.include_router(routes_search.router)
    app.include_router(routes_records.router)
    app.include_router(routes_dossiers.router)
    app.include_router(routes_review.router)
    app.include_router(routes_ops.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if swagger:
        _local_docs(app, swagger)
    return app


def _swagger_files() -> Path | None:
    """Swagger UI's files from the swagger-ui-bundle package (no CDN), when installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        log.info("swagger-ui-bundle not installed: /docs loads Swagger UI from its CDN")
        return None
    return Path(swagger_ui_path)


def _local_docs(app: FastAPI, files: Path) -> None:
    app.mount("/docs-static", StaticFiles(directory=files), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
        )
