"""The `sohoa` command line: ingest, search, show, ocr. Errors are translated to exit codes here.

Exit codes: 0 ok; 1 failure (a service or a bug: see the message); 2 usage error, missing
dependency or a refused export; 3 some files were quarantined; 4 not found; 5 verify found
damaged objects; 6 the Prefect API went away mid-batch (what was stored is kept and reported).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from core.errors import BadInput, ConfigurationError, MissingDependency, NotFound, SohoaError
from core.settings import Settings, load_settings
from flows.prefect_env import quiet_prefect

if TYPE_CHECKING:
    from schemas import Record
    from storage import ObjectStore

app = typer.Typer(
    name="sohoa",
    help="Digitise Vietnamese paper records: OCR, classify, store and search scanned documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, whatever the width

EXIT_FAILED, EXIT_USAGE, EXIT_QUARANTINED, EXIT_NOT_FOUND, EXIT_ORCHESTRATOR_LOST = 1, 2, 3, 4, 6


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step.")] = False,
    log_format: Annotated[
        str | None,
        typer.Option("--log-format", help="text or json (one JSON object per line, for log shippers)."),
    ] = None,
) -> None:
    """sohoa: scans in, a searchable and classified archive out.

    Configuration comes from the environment: SOHOA_HOME (data root, default ./.sohoa),
    SOHOA_STORAGE, SOHOA_INDEX, SOHOA_OCR_LANG, SOHOA_WORKERS, SOHOA_RULES;
    SOHOA_LOG_FORMAT=json for JSON log lines.
    """
    from application.logs import LOG_FORMAT_ENV, configure_logging

    if log_format is not None:
        if log_format not in ("text", "json"):
            raise _fail(f"--log-format is text or json, not {log_format!r}", EXIT_USAGE)
        os.environ[LOG_FORMAT_ENV] = log_format  # for the processes this one starts, too
    configure_logging(logging.INFO if verbose else logging.WARNING, verbose=verbose)
    quiet_prefect(verbose)
    os.umask(0o077)  # what sohoa writes (SOHOA_HOME, index, caches, logs) is its user's alone
    # not for --help (click calls this before it parses the subcommand's options)
    if ctx.invoked_subcommand not in _WITHOUT_STORE and "--help" not in sys.argv[1:]:
        _check_store_layout()


_WITHOUT_STORE = frozenset({"migrate", "ocr", "classify", "keys", None})


def _check_store_layout() -> None:
    """Stop before any work (a batch, a server) when the store holds packages of the layout
    before OCFL: open_store refuses them (OldLayoutError) until `sohoa migrate` has run."""
    from storage import check_store_layout
    from storage.legacy_layout import OldLayoutError

    try:
        check_store_layout(_settings().storage_url)
    except OldLayoutError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except (SohoaError, ValueError, OSError):
        return  # the command meets it itself, with its own message


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _settings() -> Settings:
    return load_settings()


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and/or folders (searched recursively).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the batch summary as JSON.")] = False,
    batch: Annotated[str | None, typer.Option(help="Batch name (default: generated).")] = None,
    dossier: Annotated[
        bool,
        typer.Option(
            "--dossier",
            help="Each PATH is one hồ sơ (a PDF/TIFF, or a folder of scans): cut into its documents.",
        ),
    ] = False,
    code: Annotated[
        str | None, typer.Option(help="Mã hồ sơ of the one dossier given (default: from its name).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Tiêu đề hồ sơ of the one dossier given.")] = None,
) -> None:
    """Ingest scans: OCR, classify, store the record package, index it."""
    from cli.progress import run_batch
    from flows.prefect_watch import OrchestratorLost

    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise _fail(f"no such file or folder: {', '.join(missing)}", EXIT_USAGE)
    if (code or title) and not dossier:
        raise _fail("--code and --title name a dossier: add --dossier", EXIT_USAGE)
    if (code or title) and len(paths) != 1:
        raise _fail("--code and --title name one dossier: give one PATH", EXIT_USAGE)
    settings = _settings()
    _check_ocr(settings)
    intake = {"dossier": True, "code": code, "title": title} if dossier else {}
    try:
        summary = run_batch(settings, paths, batch=batch, show_progress=not as_json, intake=intake)
    except ConfigurationError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except OrchestratorLost as exc:
        _orchestrator_lost(settings, exc, as_json)
    if as_json:
        _print_json(summary.to_contract())
    else:
        from cli.report import print_summary

        print_summary(console, summary)
    if summary.of("failed"):
        raise typer.Exit(EXIT_FAILED)
    if summary.of("quarantined"):
        raise typer.Exit(EXIT_QUARANTINED)


def _orchestrator_lost(settings: Settings, lost: Any, as_json: bool) -> None:
    """One line naming the cause, the summary of what was stored, exit 6 — at once: Prefect's
    client would otherwise retry for minutes to report to a server that is gone."""
    from cli.progress import exit_now, stored_so_far

    summary = stored_so_far(settings, lost)
    err.print(
        f"[red]error:[/red] {lost.cause}; {len(summary.outcomes)} files done and kept; run again "
        f"with --batch {lost.batch} once Prefect is back: only the rest is done",
        soft_wrap=True,
    )
    if as_json:
        _print_json(summary.to_contract())
    else:
        from cli.report import print_summary

        print_summary(console, summary)
    exit_now(EXIT_ORCHESTRATOR_LOST)


def _check_ocr(settings: Settings) -> None:
    from ocr import TesseractEngine

    try:
        TesseractEngine(lang=settings.ocr_lang).check()
    except MissingDependency as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words to find; "quotes" for a phrase. Accents optional.')],
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Hits per page.")] = 10,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many hits.")] = 0,
    role: Annotated[
        str | None,
        typer.Option(help="Search as public, staff or archivist (default: archivist, the operator)."),
    ] = None,
    key: Annotated[
        str | None, typer.Option(envvar="SOHOA_API_KEY", help="Search as the holder of this API key.")
    ] = None,
) -> None:
    """Search the archive (accent-insensitive: `vinh phuc` finds `Vĩnh Phúc`).

    The same search, access classes and masking as the API: `--role public` shows what a
    citizen sees. Secret (not_accessible) records are never shown.
    """
    from application.searching import SearchParams
    from cli.api_commands import search_as_cli

    try:
        found, _ = search_as_cli(
            _settings(), SearchParams(q=query, limit=limit, offset=offset, facets=False), role=role, key=key
        )
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    result = found.result
    if as_json:
        _print_json(
            {
                "total": result.total,
                "hits": [
                    h.model_dump(include={"id", "score", "title", "snippet", "page"}) for h in result.hits
                ],
            }
        )
        return
    from cli.report import print_hits

    print_hits(console, query, result)


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="Record id (as printed by ingest).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    version: Annotated[
        int | None,
        typer.Option("--version", min=1, help="Show version N of the record (the newest by default)."),
    ] = None,
) -> None:
    """Show one record: source, pages with text, metadata and classification, and its versions
    (who wrote each, when and why).

    A record that may not be read (not_accessible: a state secret, now or in the version
    shown) shows its catalogue row only; reads of records that are not public are written to
    the access log (OS user).
    """
    from application.access_log import log_cli_read
    from application.secret_docs import catalogue_row
    from storage import open_store, read_record, record_versions

    settings = _settings()
    store = open_store(settings.storage_url)
    versions = []
    try:
        versions = record_versions(store, record_id)
        record = read_record(store, record_id, with_words=False, version=version)
        head = record if version is None else _head_or_none(store, record_id)
    except (NotFound, ValueError) as exc:
        shown = f"no record {record_id}" + (f" with a version {version}" if version else "")
        if version and versions:  # the record is there: say which versions it has
            newest = versions[-1].number
            shown = f"record {record_id} has no version {version}: its versions are 1 to {newest}"
        raise _fail(shown, EXIT_NOT_FOUND) from exc
    if "not_accessible" in (record.classification.access, head and head.classification.access):
        record = catalogue_row(record, hold=None)
    log_cli_read(settings, "show", {record.id: record.classification.access})
    data = {
        "id": record.id,
        "source": record.source,
        "sha256": record.sha256,
        "media_type": record.media_type,
        "ingested_at": record.ingested_at.isoformat(),
        "pages": [
            {"number": p.number, "text": p.text, "confidence": round(p.confidence, 1)} for p in record.pages
        ],
        "metadata": record.metadata.model_dump(mode="json"),
        "classification": record.classification.model_dump(mode="json"),
        "version": version or versions[-1].number,
        "versions": [
            {
                "number": v.number,
                "created": v.created.isoformat(),
                "user": v.user.name if v.user else None,
                "message": v.message,
            }
            for v in versions
        ],
    }
    if as_json:
        _print_json(data)
        return
    from cli.views import print_record, print_versions

    print_record(console, record)
    print_versions(console, versions, data["version"])


def _head_or_none(store: ObjectStore, record_id: str) -> Record | None:
    """The newest version of a record, None when it was withdrawn since."""
    from storage import read_record

    try:
        return read_record(store, record_id, with_words=False)
    except NotFound:
        return None


def _read_file(file: Path, settings: Settings) -> list:
    """OCR every page of one file, pages spread over the cores; a bad file exits 3."""
    from ocr import TesseractEngine, ocr_file

    _check_ocr(settings)
    engine = TesseractEngine(lang=settings.ocr_lang, timeout=settings.ocr_timeout)
    try:
        return list(ocr_file(file, engine, max_pixels=settings.max_image_pixels, workers=settings.workers))
    except BadInput as exc:
        raise _fail(f"{file}: {exc}", EXIT_QUARANTINED) from exc


@app.command()
def ocr(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A PDF/TIFF/JPEG/PNG scan.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print pages as JSON.")] = False,
) -> None:
    """OCR one file and print its text. Nothing is stored."""
    pages = _read_file(file, _settings())
    if as_json:
        _print_json(
            {
                "pages": [
                    {"number": p.number, "text": p.text, "confidence": round(p.confidence, 1)} for p in pages
                ]
            }
        )
        return
    for page in pages:
        console.rule(f"page {page.number} — confidence {page.confidence:.0f}")
        console.print(page.text, markup=False, highlight=False)


@app.command("classify")
def classify_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A PDF/TIFF/JPEG/PNG scan.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print metadata and classification.")] = False,
) -> None:
    """OCR one file, read its metadata and classify it under the archival rules. Nothing is stored.

    As ingest reads it: a field the first reading lacks (signer, date digits, stamps, number) has
    its region read again (application.second_readings)."""
    from application.second_readings import read_again
    from classify import classify, load_rules
    from ocr import TesseractEngine, detect_media_type
    from ocr.load import page_images

    settings = _settings()
    pages = _read_file(file, settings)
    image_of = page_images(file, detect_media_type(file), max_pixels=settings.max_image_pixels)
    engine = TesseractEngine(lang=settings.ocr_lang, timeout=settings.ocr_timeout)
    metadata = read_again(pages, image_of, engine).metadata(pages)
    classification = classify(metadata, pages, load_rules(settings.rules))
    if as_json:
        _print_json(
            {
                "metadata": metadata.model_dump(mode="json"),
                "classification": classification.model_dump(mode="json"),
            }
        )
        return
    from cli.views import print_classification, print_metadata

    print_metadata(console, metadata)
    print_classification(console, classification)


@app.command()
def reindex(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Rebuild the search index from storage alone (every committed record package)."""
    from cli.flow_commands import reindex_command

    raise typer.Exit(reindex_command(as_json=as_json))


@app.command()
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    first_anchor: Annotated[
        bool,
        typer.Option(
            "--first-anchor",
            help="Anchor an access log that has no anchor (deleted, or a replaced log) as it is now; "
            "only after checking it is whole.",
        ),
    ] = False,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Discard what interrupted writes left (version folders no inventory names); "
            "only while nothing is being ingested or reviewed.",
        ),
    ] = False,
) -> None:
    """Fixity check: re-hash every stored object against its OCFL inventory (damage named by
    version and file) and check the access log's chain and anchor. Exit 5 when damaged."""
    from cli.flow_commands import verify_command

    raise typer.Exit(verify_command(as_json=as_json, first_anchor=first_anchor, repair=repair))


def _mount_package_commands() -> None:
    """Commands that live beside the code they drive (light imports: no FastAPI, no boto3)."""
    from cli.api_commands import keys_app, serve
    from cli.export_commands import export as export_command
    from cli.ops_commands import report, schedule_app, worker

    app.command("export")(export_command)
    app.command()(serve)
    app.add_typer(keys_app, name="keys", help="Create, list and revoke API keys.")
    app.command()(report)
    app.command()(worker)
    app.add_typer(schedule_app, name="schedule", help="Scheduled ingest of drop folders.")
    from cli.migrate_commands import migrate

    app.command()(migrate)
    from cli.secret_commands import secret_app

    app.add_typer(secret_app, name="secret", help="The secret holding area: its key, held documents.")
    from cli.dossier_commands import dossier_app

    app.add_typer(
        dossier_app,
        name="dossier",
        help="Dossiers (hồ sơ): show one, list them, move their document boundaries.",
    )
    from cli.reprocess_commands import reprocess

    app.command()(reprocess)
    from cli.syllable_commands import learn_syllables

    app.command("learn-syllables")(learn_syllables)


_mount_package_commands()


def run() -> None:
    """Console-script entry point translating sohoa errors that escaped a command."""
    try:
        app()
    except MissingDependency as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_USAGE)
    except SohoaError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_FAILED)
    except RuntimeError as exc:  # Prefect's temporary server did not come up (a loaded machine)
        if "ephemeral Prefect API server" not in str(exc):
            raise
        cause = str(exc).split(" stdout:")[0].split(" stderr:")[0].rstrip(".")
        err.print(
            f"[red]error:[/red] {cause}: nothing was done; run it again "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS allows more time; `prefect server start` "
            "and PREFECT_API_URL run a lasting one)"
        )
        sys.exit(EXIT_FAILED)


__all__ = ["app", "run"]
