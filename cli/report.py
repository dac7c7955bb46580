"""Terminal output with rich: batch summaries and reports, the batch list, search hits."""

from __future__ import annotations

import html
import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.batch_text import headline, problem_rows, review_rows
from application.batches import BatchReport
from schemas import BatchSummary, SearchResult

__all__ = ["print_batch_list", "print_batch_report", "print_hits", "print_summary", "snippet_text"]

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def snippet_text(snippet: str) -> Text:
    """Turn an HTML snippet with <mark> highlights into styled terminal text."""
    text = Text()
    pos = 0
    for match in _MARK.finditer(snippet):
        text.append(html.unescape(snippet[pos : match.start()]))
        text.append(html.unescape(match.group(1)), style="bold reverse")
        pos = match.end()
    text.append(html.unescape(snippet[pos:]))
    return text


def print_summary(console: Console, summary: BatchSummary) -> None:
    ingested, dups = summary.of("ingested"), summary.of("duplicate")
    near, quarantined, failed = (summary.of(s) for s in ("near_duplicate", "quarantined", "failed"))
    minutes = summary.seconds / 60
    rate = f"{summary.pages / minutes:.1f} pages/min" if minutes > 0 and summary.pages else "-"
    console.print(
        f"[bold]Batch {summary.batch}[/bold]: {len(ingested)} ingested ({summary.pages} pages), "
        f"{len(near)} near-duplicates, {len(dups)} duplicates, {len(quarantined)} quarantined, "
        f"{len(failed)} failed "
        f"in {summary.seconds:.1f} s ({rate})"
    )
    for d in summary.dossiers:  # the dossier's id: what `sohoa dossier show` and the web page take
        count = f"{len(d.documents)} document" + ("" if len(d.documents) == 1 else "s")
        done = "stored" if d.status == "ingested" else "stored before (a duplicate)"
        line = Text(f"Dossier {d.code or '(no mã hồ sơ)'}", style="bold")
        line.append(f" {d.id}: {count}, {done}; sohoa dossier show {d.id}")
        console.print(line, soft_wrap=True)
    if near or quarantined or failed:
        table = Table("file", "outcome", "reason", show_lines=False)
        for o in near + quarantined + failed:
            table.add_row(Text(o.path), o.status, Text(o.reason or ""))
        console.print(table)


def print_hits(console: Console, query: str, result: SearchResult) -> None:
    matches = "record matches" if result.total == 1 else "records match"
    console.print(f"[bold]{result.total}[/bold] {matches} [italic]{query}[/italic]")
    for hit in result.hits:
        page = f" p.{hit.page}" if hit.page else ""
        line = Text("\n") + Text(hit.title, style="bold")  # Text: titles are data, never rich markup
        line.append(f"  {hit.id}{page} {hit.access}", style="dim")
        console.print(line)
        console.print(snippet_text(hit.snippet))


def print_batch_report(console: Console, report: BatchReport) -> None:
    """The report for archive staff: the counts, then every file that needs a person."""
    title = Text("Batch ", style="bold") + Text(report.batch, style="bold")
    title.append(f"  {report.started_at:%Y-%m-%d %H:%M} → {report.finished_at:%H:%M} UTC", style="dim")
    console.print(title)
    summary = Table(show_header=False, box=None)
    for name, value in headline(report):
        summary.add_row(name, value)
    console.print(summary)
    if report.quarantine_reasons:
        reasons = ", ".join(f"{k} {v}" for k, v in report.quarantine_reasons.items())
        console.print(f"quarantined by reason: {reasons}")
    for title, rows in (("Problems", problem_rows(report)), ("To review", review_rows(report))):
        if rows:
            table = Table("file", "outcome", "reason", title=title, title_justify="left")
            for row in rows:  # Text: names and reasons are data, never rich markup
                table.add_row(Text(row["file"]), row["outcome"], Text(row["reason"]))
            console.print(table)


def print_batch_list(console: Console, rows: list[dict[str, object]]) -> None:
    table = Table(box=None)
    # on an 80-column terminal the long batch names fold, the headings stay whole (they were cut
    # to "fil… inge… dup…")
    table.add_column("batch", overflow="fold")
    table.add_column("started UTC", no_wrap=True, min_width=16)
    for name in ("files", "ingested", "duplicates", "problems", "to review"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for row in rows:
        counts: dict = row["counts"]  # type: ignore[assignment]
        table.add_row(
            Text(str(row["batch"])),
            str(row["started_at"])[:16].replace("T", " "),
            str(row["files"]),
            str(counts.get("ingested", 0) + counts.get("near_duplicate", 0)),
            str(counts.get("duplicate", 0)),
            Text(str(row["problems"]), style="bold red" if row["problems"] else ""),
            str(row["needs_review"]),
        )
    console.print(table)
