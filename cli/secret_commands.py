"""`sohoa secret new-key PATH`, `open ID DIR` and `sweep`: the operator's side of the hold.

new-key makes the key that encrypts the secret holding area (SOHOA_SECRET_KEY_FILE); open
decrypts what the hold keeps of one record into a folder, meant to be run on the isolated
machine the hold lives on, under a neutral name unless asked; sweep moves secret records
stored in clear (by earlier versions, or marked later) to the hold and erases their traces in
the index and the page cache (README "Secret documents"). Both are written to the access log.
Exit 2: refused (configuration, an existing key file); 4: nothing held under that id; 1: a held
file was altered or the key is not the one it was held with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from core.errors import ConfigurationError, NotFound
from core.settings import load_settings

__all__ = ["secret_app"]

EXIT_FAILED, EXIT_REFUSED, EXIT_NOT_FOUND = 1, 2, 4

secret_app = typer.Typer(no_args_is_help=True)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@secret_app.command("new-key")
def new_key_command(
    path: Annotated[Path, typer.Argument(help="Where to write the key (outside SOHOA_HOME and the store).")],
) -> None:
    """Make a new key for the secret holding area (32 random bytes, mode 0600)."""
    from storage.hold import new_key, refuse_inside

    settings = load_settings()
    try:
        refuse_inside(path, "the secret key file", [("SOHOA_HOME", settings.home)])
        new_key(path)
    except ConfigurationError as exc:
        raise _fail(str(exc), EXIT_REFUSED) from exc
    except FileExistsError as exc:
        raise _fail(
            f"{path} exists: a key is never overwritten (what it encrypted needs it)", EXIT_REFUSED
        ) from exc
    typer.echo(f"wrote {path}; set SOHOA_SECRET_KEY_FILE={path} and keep a copy apart", err=True)


@secret_app.command("open")
def open_command(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record id of a held document.")],
    folder: Annotated[Path, typer.Argument(help="Folder to decrypt into (created, mode 0700).")],
    source_name: Annotated[
        bool,
        typer.Option(
            "--source-name",
            help="Name the original as the office named the scan (it may tell the subject); "
            "default: the record id and the extension.",
        ),
    ] = False,
) -> None:
    """Decrypt a held document (its original and the record as read) into FOLDER. Each opening
    is written to the access log (OS user, the folder)."""
    from application.access_log import log_cli_read
    from application.secret_docs import open_hold
    from storage import safe_name
    from storage.hold import ORIGINAL, RECORD

    settings = load_settings()
    try:
        hold = open_hold(settings)
        if hold is None:
            raise ConfigurationError("SOHOA_SECRET_HOLD is not set: name the holding area to open")
        log_cli_read(settings, "secret-open", {record_id: "not_accessible"}, {"to": str(folder.resolve())})
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        hold.open_to(record_id, RECORD, folder / "record.json")
        source = safe_name(json.loads((folder / "record.json").read_bytes())["source"])
        target = folder / (source if source_name else f"{record_id}{Path(source).suffix.lower()}")
        hold.open_to(record_id, ORIGINAL, target)
    except ConfigurationError as exc:
        raise _fail(str(exc), EXIT_REFUSED) from exc
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    except ValueError as exc:
        raise _fail(f"{record_id}: {exc}", EXIT_FAILED) from exc
    typer.echo(f"wrote {target} and {folder / 'record.json'}", err=True)


@secret_app.command("sweep")
def sweep_command() -> None:
    """Move secret records stored in clear (by earlier versions) to the hold; keep their row."""
    from application.access_log import log_cli_read
    from application.secret_docs import open_hold, sweep_secrets
    from application.services import build_services
    from core.settings import page_cache_dir

    settings = load_settings()
    try:
        hold = open_hold(settings)
    except ConfigurationError as exc:
        raise _fail(str(exc), EXIT_REFUSED) from exc
    if hold is None:
        raise _fail("SOHOA_SECRET_HOLD is not set: name the holding area to move them to", EXIT_REFUSED)
    services = build_services(settings)
    try:
        moved = sweep_secrets(services, hold, page_cache_dir(settings))
    finally:
        services.close()
    if moved:
        log_cli_read(settings, "secret-sweep", dict.fromkeys(moved, "not_accessible"), {"to": str(hold.root)})
    for record_id in moved:
        typer.echo(record_id)
    typer.echo(f"{len(moved)} secret records moved to {hold.root}", err=True)
