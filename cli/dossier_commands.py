"""`sohoa dossier`: the dossiers (hồ sơ) in the store, mounted on the `sohoa` CLI.

    app.add_typer(dossier_app, name="dossier")

    sohoa dossier show ID [--json]   one dossier: its file-level fields and its documents
    sohoa dossier list [--json]      every committed dossier: id, code, title, documents, pages
    sohoa dossier split ID --at 3,7  documents start at these scan pages (an archivist's decision)

These are operator commands: a dossier is shown with every document (the catalogues'
view, application/dossiers.py), and reading one that holds documents that are not public is
written to the access log (OS user), as `sohoa show` does. A document that may not be read
(not_accessible) shows its catalogue row only, as in `sohoa show`: no subject.

Exit codes: 0 ok; 2 a split refused (pages that are not pages with text of the dossier, a dossier
in the secret hold, a document that may not be read cut up or joined to others, a new document
bearing a secrecy mark: application/dossier_review.py); 4 no such dossier (or one of its
documents is missing).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from application.access_log import log_cli_read
from application.dossiers import DossierSummary, summarise
from core.errors import NotFound
from core.settings import Settings, load_settings
from schemas import Record
from storage import ObjectStore, open_store, read_record
from storage.dossier_package import iter_dossier_ids, read_dossier

__all__ = ["dossier_app", "dossier_summaries", "dossier_summary", "log_dossier_read"]

EXIT_NOT_FOUND = 4

console = Console()
err = Console(stderr=True, soft_wrap=True)

dossier_app = typer.Typer(
    name="dossier",
    help="Dossiers (hồ sơ): show one with its documents, list them.",
    no_args_is_help=True,
)


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _as_shown(record: Record) -> Record:
    """A document as an operator's listing shows it: a record that may not be read, its
    catalogue row (no subject, no text), as `sohoa show` does."""
    from application.secret_docs import catalogue_row  # imports the services: only when needed

    if record.metadata.secrecy or record.classification.access == "not_accessible":
        return catalogue_row(record, hold=None)
    return record


def dossier_summary(store: ObjectStore, dossier_id: str) -> DossierSummary:
    """The dossier with every document. NotFound when it (or one of its documents) is missing."""
    try:
        dossier = read_dossier(store, dossier_id)
    except ValueError:  # not a possible dossier id ('a/b', '')
        raise NotFound(f"no dossier {dossier_id!r}") from None
    records = (_as_shown(read_record(store, d.id, with_words=False)) for d in dossier.documents)
    return summarise(dossier, records)


def dossier_summaries(store: ObjectStore, dossier_ids: Sequence[str] = ()) -> list[DossierSummary]:
    """The dossiers named (NotFound for one that is not committed), else every one."""
    return [dossier_summary(store, i) for i in (dossier_ids or list(iter_dossier_ids(store)))]


def log_dossier_read(
    settings: Settings, action: str, summaries: Iterable[DossierSummary], detail: dict | None = None
) -> None:
    """Log the read of the dossiers' documents that are not public (access log, OS user)."""
    accesses = {row.id: row.access for summary in summaries for row in summary.documents}
    log_cli_read(settings, action, accesses, detail)


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _print_summary(summary: DossierSummary) -> None:
    title = escape(summary.title or "(no title)")
    console.print(f"[bold]{title}[/bold]  [dim]{summary.id}[/dim]", highlight=False)
    facts = [
        ("code", summary.code or "—"),
        ("dates", f"{_day(summary.start_date)} – {_day(summary.end_date)}"),
        ("retention", summary.retention or "—"),
        ("access", summary.access or "—"),
        ("documents", str(len(summary.documents))),
        ("pages", str(summary.pages)),
        ("language", summary.language),
        ("reliability", summary.reliability),
    ]
    for label, value in facts:
        console.print(f"[dim]{label:>11}[/dim]  {escape(value)}", highlight=False)
    for reason in summary.review_reasons:
        console.print(f"[yellow]review:[/yellow] {escape(reason)}", highlight=False)
    table = Table(show_lines=False)
    for column in ("#", "pages", "type", "number", "date", "issuer", "subject", "access", "retention"):
        table.add_column(column, overflow="fold")
    for row in summary.documents:
        number = "/".join(x for x in (row.number, row.notation) if x)
        cells = (
            str(row.order),
            f"{row.pages[0]}–{row.pages[1]}" if row.pages[0] != row.pages[1] else str(row.pages[0]),
            row.doc_type or "",
            number,
            _day(row.date) if row.date else "",
            row.issuer or "",
            row.subject or "",
            row.access + (" (review)" if row.needs_review else ""),
            row.retention or "",
        )
        table.add_row(*(Text(cell) for cell in cells))  # the paper's words, never markup
    console.print(table)


@dossier_app.command("show")
def show(
    dossier_id: Annotated[str, typer.Argument(metavar="ID", help="Dossier id (as printed by ingest).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the dossier as JSON.")] = False,
) -> None:
    """Show one dossier: mã hồ sơ, title, dates, retention, pages and its documents in order."""
    settings = load_settings()
    try:
        summary = dossier_summary(open_store(settings.storage_url), dossier_id)
    except NotFound as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from exc
    log_dossier_read(settings, "dossier-show", [summary], {"dossier": summary.id})
    if as_json:
        _print_json(summary.to_json())
        return
    _print_summary(summary)


@dossier_app.command("list")
def list_dossiers(
    as_json: Annotated[bool, typer.Option("--json", help="Print the dossiers as JSON.")] = False,
) -> None:
    """List every dossier in the store: id, mã hồ sơ, title, documents, pages."""
    store = open_store(load_settings().storage_url)
    rows = []
    for dossier_id in iter_dossier_ids(store):
        dossier = read_dossier(store, dossier_id)
        rows.append(
            {
                "id": dossier.id,
                "code": dossier.code,
                "title": dossier.title,
                "documents": len(dossier.documents),
                "pages": dossier.page_count,
            }
        )
    if as_json:
        _print_json({"dossiers": rows})
        return
    table = Table(title=f"{len(rows)} dossier" + ("" if len(rows) == 1 else "s"))
    for column in ("id", "code", "title", "documents", "pages"):
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = (row["id"], row["code"] or "", row["title"] or "", row["documents"], row["pages"])
        table.add_row(*(Text(str(cell)) for cell in cells))
    console.print(table)


def _pages(text: str) -> list[int]:
    try:
        pages = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise _fail(f"--at takes page numbers separated by commas (3,7), not {text!r}", 2) from None
    if not pages or min(pages) < 1:
        raise _fail("--at takes page numbers from 1", 2)
    return pages


@dossier_app.command("split")
def split(
    dossier_id: Annotated[str, typer.Argument(metavar="ID", help="Dossier id (as printed by ingest).")],
    at: Annotated[str, typer.Option("--at", help="Scan pages where documents start: 3,7")],
    as_json: Annotated[bool, typer.Option("--json", help="Print what changed as JSON.")] = False,
) -> None:
    """Move the document boundaries of a dossier: its documents start at the pages given (page 1
    always starts one). Documents whose pages change are read again and classified afresh."""
    import getpass

    from application.dossier_review import Refusal, SplitRefused, split_dossier
    from application.services import services_for

    starts = _pages(at)
    services = services_for(load_settings())
    try:
        report = split_dossier(services, dossier_id, starts, who=f"{getpass.getuser()} (sohoa dossier split)")
    except SplitRefused as exc:
        if exc.kind is Refusal.NO_DOSSIER:
            raise _fail(str(exc), EXIT_NOT_FOUND) from exc
        raise _fail(f"{exc}. Nothing changed.", 2) from exc
    finally:
        services.close()
    result = {
        "id": report.dossier,
        "kept": report.kept,
        "added": report.added,
        "withdrawn": report.withdrawn,
        "documents": [{"id": d.id, "order": d.order, "pages": [d.first, d.last]} for d in report.documents],
    }
    if as_json:
        _print_json(result)
        return
    console.print(
        f"dossier {report.dossier}: {len(report.documents)} documents"
        f" ({len(report.kept)} kept, {len(report.added)} read again, {len(report.withdrawn)} withdrawn)"
    )
    for d in report.documents:
        console.print(f"  {d.order:>3}  pages {d.first}-{d.last}  {d.id}")
