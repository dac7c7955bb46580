"""CLI pieces for cli/main.py: `sohoa export ID --format edxml`, the two access lists and the
two dossier catalogues.

    app.command("export")(export)

    sohoa export ID [--output FILE] [--from-organ-id ID] [--to ORGAN_ID ...]
    sohoa export --disclosure-list [ID ...] [--format csv|json] [--base-url URL] [--output FILE]
    sohoa export --conditional-list [ID ...] [--format csv|json] [--output FILE]
    sohoa export --dossier-catalogue [DOSSIER_ID ...] [--format csv|json|xlsx] [--output FILE]
    sohoa export DOSSIER_ID ... --document-catalogue [--format csv|json|xlsx] [--output FILE]

Without IDs a list holds every record of its access class; with IDs it holds exactly those and
refuses (exit 2, naming them) any that is not of the class. The mục lục hồ sơ holds every
dossier (or those named), the mục lục văn bản every document of the dossiers named. The
edXML sender's OrganId is --from-organ-id, else SOHOA_ORGAN_ID. Lists and catalogues go to
standard output unless --output names a file ('-': standard output); a workbook (xlsx) goes to
./muc-luc-ho-so.xlsx or ./muc-luc-van-ban-<id>.xlsx unless --output says otherwise. CSV is
UTF-8 with a byte-order mark. Exit 4: no such record or dossier; exit 1: the output cannot be
written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, BinaryIO, Literal

import typer

from application.access_log import log_cli_read
from cli.dossier_commands import dossier_summaries, log_dossier_read
from core.errors import NotFound
from core.settings import Settings, load_settings
from export.dossier_catalogue import (
    DOCUMENT,
    DOSSIER,
    TITLES,
    CatalogueKind,
    document_entries,
    dossier_entry,
)
from export.dossier_catalogue import to_csv as catalogue_csv
from export.dossier_catalogue import to_json as catalogue_json
from export.dossier_catalogue import to_xlsx as catalogue_xlsx
from export.edxml import Organ
from export.errors import NotExportable
from export.lists import (
    CONDITIONAL,
    DISCLOSURE,
    DisclosureOptions,
    ListKind,
    conditional_list,
    disclosure_list,
    to_csv,
    to_json,
)
from export.stored import check_exportable, export_edxml
from schemas import Record
from storage import ObjectStore, iter_record_ids, open_store, read_record

__all__ = ["catalogue_command", "export", "export_command", "list_command", "list_records"]

EXIT_FAILED, EXIT_REFUSED, EXIT_NOT_FOUND = 1, 2, 4
ListFormat = Literal["csv", "json"]
CatalogueFormat = Literal["csv", "json", "xlsx"]
CATALOGUE_FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")
_ACCESS: dict[ListKind, str] = {DISCLOSURE: "public", CONDITIONAL: "conditional"}


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[BinaryIO]:
    """stdout for None or '-'; else a temporary sibling renamed over `path` once complete."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        with temp.open("wb") as out:
            yield out
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def export_command(
    record_id: str,
    fmt: str = "edxml",
    output: Path | None = None,
    *,
    sender_id: str = "",
    to_ids: Sequence[str] = (),
    settings: Settings | None = None,
) -> Path | None:
    """Write the edXML envelope of one record to `output` (default ./<id>.edxml; '-' stdout).
    The sender's OrganId is `sender_id`, else the agency's (SOHOA_ORGAN_ID), else empty.

    NotFound, NotExportable; ValueError for a format other than edxml.
    """
    if fmt != "edxml":
        raise ValueError(f"a single record is exported as edxml, not {fmt!r}")
    settings = settings or load_settings()
    store = open_store(settings.storage_url)
    record = read_record(store, record_id, with_words=False)  # NotFound before any file is made
    sender = Organ(
        organ_id=sender_id or settings.organ_id or "",
        name=record.metadata.issuer or "",
        in_charge=record.metadata.parent_issuer or "",
    )
    check_exportable(record)
    log_cli_read(settings, "export", {record.id: record.classification.access}, {"format": "edxml"})
    target = Path(f"{record.id}.edxml") if output is None else output
    with _output(target) as out:
        export_edxml(store, record.id, out, sender=sender, to=[Organ(organ_id=i) for i in to_ids])
    return None if str(target) == "-" else target


def list_records(store: ObjectStore, kind: ListKind, record_ids: Sequence[str] = ()) -> list[Record]:
    """The records named (all of them, refused later if not of the class), or every stored
    record of the list's access class."""
    if record_ids:
        return [read_record(store, record_id, with_words=False) for record_id in record_ids]
    wanted = _ACCESS[kind]
    records = (read_record(store, rid, with_words=False) for rid in iter_record_ids(store))
    return [record for record in records if record.classification.access == wanted]


def list_command(
    kind: ListKind,
    fmt: ListFormat = "csv",
    output: Path | None = None,
    record_ids: Sequence[str] = (),
    *,
    base_url: str = "",
    settings: Settings | None = None,
    today: dt.date | None = None,
) -> int:
    """Write the disclosure or conditional-access list; return the number of entries.

    CSV is UTF-8 with a byte-order mark; NotExportable when a named record is not of the class.
    """
    settings = settings or load_settings()
    records = list_records(open_store(settings.storage_url), kind, record_ids)
    if kind == DISCLOSURE:
        entries = disclosure_list(records, DisclosureOptions(base_url=base_url), today=today)
    else:
        entries = conditional_list(records)
    accesses = {record.id: record.classification.access for record in records}
    log_cli_read(settings, f"export-{kind}-list", accesses, {"format": fmt})
    text = to_csv(entries, kind) if fmt == "csv" else to_json(entries, kind)
    with _output(output) as out:
        out.write(text.encode("utf-8-sig" if fmt == "csv" else "utf-8"))
    return len(entries)


def _catalogue_bytes(entries: list, kind: CatalogueKind, fmt: str) -> bytes:
    if fmt == "csv":
        return catalogue_csv(entries, kind).encode("utf-8-sig")  # Excel reads the BOM as UTF-8
    if fmt == "json":
        return catalogue_json(entries, kind).encode("utf-8")
    return catalogue_xlsx(entries, kind)


def _catalogue_target(kind: CatalogueKind, fmt: str, output: Path | None, ids: Sequence[str]) -> Path | None:
    """Where a catalogue goes: `output`; else standard output, but a workbook to a file."""
    if output is not None or fmt != "xlsx":
        return output
    if kind == DOSSIER:
        return Path("muc-luc-ho-so.xlsx")
    return Path(f"muc-luc-van-ban-{ids[0]}.xlsx" if len(ids) == 1 else "muc-luc-van-ban.xlsx")


def catalogue_command(
    kind: CatalogueKind,
    fmt: str = "csv",
    output: Path | None = None,
    dossier_ids: Sequence[str] = (),
    *,
    settings: Settings | None = None,
) -> tuple[int, Path | None]:
    """Write the mục lục hồ sơ (every dossier, or those named) or the mục lục văn bản (the
    documents of the dossiers named); return the number of rows and the file written (None for
    standard output). NotFound for a dossier that is not committed, before anything is written;
    ValueError for an unknown format, or a document catalogue without a dossier."""
    if fmt not in CATALOGUE_FORMATS:
        raise ValueError(f"a catalogue is written as csv, json or xlsx, not {fmt!r}")
    if kind == DOCUMENT and not dossier_ids:
        raise ValueError("the document catalogue lists the documents of a dossier: give its DOSSIER_ID")
    settings = settings or load_settings()
    summaries = dossier_summaries(open_store(settings.storage_url), dossier_ids)
    if kind == DOSSIER:
        entries: list = [dossier_entry(summary) for summary in summaries]
    else:
        entries = [entry for summary in summaries for entry in document_entries(summary)]
        log_dossier_read(settings, "export-document-catalogue", summaries, {"format": fmt})
    data = _catalogue_bytes(entries, kind, fmt)
    target = _catalogue_target(kind, fmt, output, dossier_ids)
    with _output(target) as out:
        out.write(data)
    return len(entries), None if target is None or str(target) == "-" else target


def export(
    record_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID",
            help="Record id(s): one for edxml; any for a list. Dossier id(s) for a catalogue.",
        ),
    ] = None,
    disclosure: Annotated[
        bool, typer.Option("--disclosure-list", help="The list of information to disclose.")
    ] = False,
    conditional: Annotated[
        bool, typer.Option("--conditional-list", help="The list of conditional-access information.")
    ] = False,
    dossier_catalogue: Annotated[
        bool,
        typer.Option("--dossier-catalogue", help="Mục lục hồ sơ: one row per dossier (all, or those named)."),
    ] = False,
    document_catalogue: Annotated[
        bool,
        typer.Option("--document-catalogue", help="Mục lục văn bản: one row per document of DOSSIER_ID."),
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="edxml (one record); csv or json (lists); csv, json or xlsx (catalogues)."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write ('-': standard output).")
    ] = None,
    base_url: Annotated[
        str, typer.Option(help="Public address of the archive, for the disclosure list's links.")
    ] = "",
    from_organ_id: Annotated[
        str,
        typer.Option(
            help="The sending agency's OrganId on the exchange network (edxml; default SOHOA_ORGAN_ID)."
        ),
    ] = "",
    to: Annotated[
        list[str] | None, typer.Option(help="A receiving agency's OrganId (edxml; repeatable).")
    ] = None,
) -> None:
    """Export a record as an edXML envelope, the disclosure / conditional-access list, or a
    dossier catalogue (mục lục hồ sơ, mục lục văn bản)."""
    ids = record_ids or []
    try:
        if disclosure + conditional + dossier_catalogue + document_catalogue > 1:
            raise typer.BadParameter(
                "choose one of --disclosure-list, --conditional-list, --dossier-catalogue "
                "and --document-catalogue"
            )
        if dossier_catalogue or document_catalogue:
            kind = DOSSIER if dossier_catalogue else DOCUMENT
            try:
                count, written = catalogue_command(kind, fmt or "csv", output, ids)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from exc
            rows = f"{count} row" + ("" if count == 1 else "s")
            typer.echo(f"{TITLES[kind]}: {rows}" + (f", wrote {written}" if written else ""), err=True)
            return
        if disclosure or conditional:
            kind = DISCLOSURE if disclosure else CONDITIONAL
            if (fmt or "csv") not in ("csv", "json"):
                raise typer.BadParameter(f"a list is written as csv or json, not {fmt}")
            count = list_command(kind, fmt or "csv", output, ids, base_url=base_url)
            typer.echo(f"{kind} list: {count} record" + ("" if count == 1 else "s"), err=True)
            return
        if len(ids) == 1 and (fmt or "edxml") != "edxml":
            raise typer.BadParameter(
                f"a record is exported as edxml, not {fmt} (its searchable PDF is inside the envelope; "
                "csv, json and xlsx are for the lists and catalogues)"
            )
        if len(ids) != 1:
            raise typer.BadParameter("give one record ID (with --format edxml), or a list option")
        written = export_command(ids[0], "edxml", output, sender_id=from_organ_id, to_ids=to or ())
        if written is not None:
            typer.echo(f"wrote {written}", err=True)
    except NotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_NOT_FOUND) from exc
    except NotExportable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_REFUSED) from exc
    except OSError as exc:  # the output cannot be written
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
