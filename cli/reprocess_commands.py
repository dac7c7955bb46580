"""`sohoa reprocess`: read stored records again with today's pipeline and rules (flows/reprocess.py).

Exit codes: 0 done (whatever changed); 1 some records failed; 2 usage (no records chosen).
Without --ocr the stored text is classified again (--classify, the default). The report lists
what changed per record; --json prints it whole.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, TextIO

import typer

__all__ = ["print_report", "reprocess"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def reprocess(
    ids: Annotated[list[str] | None, typer.Argument(help="Record ids (or use --all / a filter).")] = None,
    all_records: Annotated[bool, typer.Option("--all", help="Every record in the store.")] = False,
    before_version: Annotated[
        str | None,
        typer.Option(
            "--before-version",
            help="Only records whose newest processing (ingest, classify, reprocess) was by a sohoa "
            "version older than this (records without one count as older).",
        ),
    ] = None,
    rules_older_than: Annotated[
        str | None,
        typer.Option(
            "--rules-older-than",
            help="Only records classified under a rule book version older than this (the version in "
            "the rules file, e.g. 2025.06-1).",
        ),
    ] = None,
    ocr: Annotated[
        bool, typer.Option("--ocr", help="Read the stored originals again (then classify).")
    ] = False,
    classify: Annotated[
        bool, typer.Option("--classify", help="Classify the stored page text again (the default).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Reprocess stored records with the current pipeline and rules: a new version only where
    something changed; a more open access class is never applied (it goes to review)."""
    if not (ids or all_records or before_version or rules_older_than):
        typer.echo("error: name record ids, or use --all, --before-version or --rules-older-than", err=True)
        raise typer.Exit(EXIT_USAGE)
    if ids and all_records:
        typer.echo("error: record ids and --all exclude each other", err=True)
        raise typer.Exit(EXIT_USAGE)
    from flows.reprocess import reprocess_flow

    report = reprocess_flow(
        ids=list(ids or []), before_version=before_version, rules_older_than=rules_older_than, ocr=ocr
    )
    print_report(report, as_json)
    raise typer.Exit(EXIT_FAILED if report.of("failed") else EXIT_OK)


def print_report(report, as_json: bool = False, out: TextIO | None = None) -> None:  # noqa: ANN001
    out = out or sys.stdout
    if as_json:
        out.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    counts = report.counts
    what = "OCR and classification" if report.ocr else "classification"
    out.write(
        f"reprocess ({what}, rules {report.rules_version}): {len(report.records)} records, "
        f"{report.new_versions} new versions; {counts['changed']} changed, {counts['unchanged']} unchanged, "
        f"{counts['skipped']} skipped, {counts['failed']} failed, "
        f"{counts['held_for_review']} held for review\n"
    )
    if not report.new_versions:
        out.write("  nothing changed: no new version written\n")
    for r in report.records:
        if r.status == "changed":
            out.write(f"  {r.id} v{r.version}:\n")
            for name, change in r.changes.items():
                out.write(f"    {name}: {_change(change.get('old'), change.get('new'))}\n")
            if r.held:
                out.write(f"    held for review: the rules propose {r.held}, not applied\n")
        elif r.status in ("skipped", "failed"):
            out.write(f"  {r.id} {r.status}: {r.reason}\n")


def _change(old: object, new: object) -> str:
    """`old -> new`; for two lists, what was added and removed."""
    if isinstance(old, list) and isinstance(new, list):
        if old == new:  # the decisions by the same rules, their outcome or evidence changed
            return "same rules, other outcomes or evidence"
        added = [_short(x, 80) for x in new if x not in old]
        removed = [_short(x, 80) for x in old if x not in new]
        return "; ".join([*(f"+ {x}" for x in added), *(f"- {x}" for x in removed)]) or "reordered"
    return f"{_short(old)} -> {_short(new)}"


def _short(value: object, width: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"
