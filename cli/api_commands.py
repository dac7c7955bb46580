"""CLI pieces for cli/main.py: `sohoa serve` and `sohoa keys create|list|revoke`.

app.command()(serve)
app.add_typer(keys_app, name="keys")
"""

from __future__ import annotations

import copy
import getpass
import json
import logging
import sys
from typing import Annotated, Literal

import typer

from api.key_store import KeyStore, keys_path
from application.access import Caller, Role, scope_for
from application.searching import Found, SearchParams
from core.settings import Settings, load_settings

__all__ = [
    "SERVER_OPTIONS",
    "AccessLineWithoutQuery",
    "app_factory",
    "caller_for",
    "keys_app",
    "search_as_cli",
    "serve",
]

keys_app = typer.Typer(
    help="API keys for staff, archivists and metrics scrapers (stored hashed under SOHOA_HOME).",
    no_args_is_help=True,
    add_completion=False,
)


class AccessLineWithoutQuery(logging.Filter):
    """uvicorn's access log line ('client - "GET /search?q=… HTTP/1.1" 200') without the query
    string: what was searched (a citizen's CCCD typed into the public search, which the search
    itself masks; a name a staff member looked for) is not written to the server's log (red team
    s15). The method, path and status stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def _log_config() -> dict:
    """uvicorn's own logging configuration, its access lines passed through AccessLineWithoutQuery."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_query"] = {"()": AccessLineWithoutQuery}
    config["handlers"]["access"]["filters"] = ["without_query"]
    return config


# No "server: uvicorn" header (nothing tells a visitor what runs the site); client addresses are
# the socket's, never a header's; no query string in the access log.
SERVER_OPTIONS = {"proxy_headers": False, "server_header": False, "log_config": _log_config()}


def app_factory(search_processes: int = 1):  # noqa: ANN201 - a FastAPI app; imported inside (typer loads this module)
    """The app of a server, settings read once at its start. With `search_processes` > 1 its
    searches are answered by that many processes (api.search_pool: one queue), each opening the
    index itself (its own SQLite connection; WAL mode: readers never block each other) and
    keeping its own search arrays and page lists; they load those before the server takes its
    first request (api.app: the warm-up)."""
    from api.app import create_app

    return create_app(load_settings(), serving=True, search_processes=search_processes)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes answering searches, sharing the index read-only (about one per CPU core).",
        ),
    ] = 1,
) -> None:
    """Serve the search API and the web page (OpenAPI at /docs).

    The index file is read into the OS cache first (when it fits in memory) and the searches'
    arrays and the page lists used most by the last server are loaded before the first request
    is taken; the log says "search index warm" when they are. With --workers N > 1 one process
    takes the requests and N processes answer the searches, from one queue."""
    import uvicorn

    typer.echo(f"sohoa: http://{host}:{port}/ui (API docs at /docs), {workers} process(es)", err=True)
    load_settings()  # a bad setting fails here, before anything starts
    uvicorn.run(app_factory(workers), host=host, port=port, log_level="info", **SERVER_OPTIONS)


def _store() -> KeyStore:
    return KeyStore(keys_path(load_settings()))


@keys_app.command("create")
def create_key(
    role: Annotated[
        Literal["staff", "archivist", "metrics"],
        typer.Option(help="staff, archivist, or metrics (a Prometheus scraper: reads /metrics only)."),
    ],
    name: Annotated[str, typer.Option(help="Who holds the key (shown in the audit log).")] = "",
) -> None:
    """Create a key; it is printed once and never stored (only its hash is)."""
    key, token = _store().create(role, name)
    typer.echo(f"created key {key.id} ({key.role}, {key.name}); it will not be shown again:", err=True)
    sys.stdout.write(token + "\n")


@keys_app.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the keys (id, role, name, created, revoked); never the keys themselves."""
    rows = [k.model_dump(mode="json", exclude={"sha256"}) for k in _store().all_keys()]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        typer.echo(f"{row['id']}  {row['role']:<9}  {row['name']}  created {row['created_at']}  {state}")


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="Key id (or name) as listed.")],
) -> None:
    """Revoke a key: it stops working at once, also in a running server."""
    try:
        key = _store().revoke(key_id)
    except KeyError:
        typer.echo(f"error: no active key {key_id}", err=True)
        raise typer.Exit(4) from None
    typer.echo(f"revoked key {key.id} ({key.role}, {key.name})", err=True)


def caller_for(settings: Settings, *, role: str | None = None, key: str | None = None) -> Caller:
    """Who a command-line search runs as: the holder of `key`, else `role` (a local user, named
    in the access log by login name), else an archivist (the operator of this installation).
    ValueError for an unknown or revoked key, an unknown role, or a key and a different role."""
    if key:
        found = KeyStore(keys_path(settings)).lookup(key.strip())
        if found is None:
            raise ValueError("unknown or revoked API key")
        if role and role != found.role:
            raise ValueError(f"the key is a {found.role} key, not {role}")
        return Caller(role=found.role, key_id=found.id, name=found.name)
    chosen = role or "archivist"
    scope_for(chosen)  # type: ignore[arg-type]  # raises ValueError for an unknown role
    return Caller(role=chosen, key_id=None if chosen == "public" else "cli", name=f"cli:{getpass.getuser()}")  # type: ignore[arg-type]


def search_as_cli(
    settings: Settings, params: SearchParams, *, role: str | None = None, key: str | None = None
) -> tuple[Found, Role]:
    """`sohoa search`: the API's search (classes, masking, access log) for the CLI's caller."""
    from api.routes_search import run_search
    from api.state import ApiState
    from application.services import services_for

    caller = caller_for(settings, role=role, key=key)
    services = services_for(settings)
    state = ApiState.build(settings, services.store, services.index)
    return run_search(state, caller, params, "cli"), caller.role
