"""Human-readable output: batch summaries and reports, search hits, records (rich, Markdown)."""

from __future__ import annotations

import html
import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas import BatchSummary, SearchResult
from sohoa.batches import BatchReport

__all__ = [
    "batch_markdown",
    "batch_table_rows",
    "print_batch_report",
    "print_hits",
    "print_summary",
    "snippet_text",
]

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
    if near or quarantined or failed:
        table = Table("file", "outcome", "reason", show_lines=False)
        for o in near + quarantined + failed:
            table.add_row(Text(o.path), o.status, Text(o.reason or ""))
        console.print(table)


def print_hits(console: Console, query: str, result: SearchResult) -> None:
    console.print(f"[bold]{result.total}[/bold] records match [italic]{query}[/italic]")
    for hit in result.hits:
        page = f" p.{hit.page}" if hit.page else ""
        console.print(f"\n[bold]{hit.title}[/bold]  [dim]{hit.id}{page} score {hit.score:.2f}[/dim]")
        console.print(snippet_text(hit.snippet))


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _headline(report: BatchReport) -> list[tuple[str, str]]:
    c = report.counts
    return [
        ("files", str(report.files)),
        ("ingested", str(c.get("ingested", 0))),
        ("duplicates", str(c.get("duplicate", 0))),
        ("near-duplicates", str(c.get("near_duplicate", 0))),
        ("quarantined", str(c.get("quarantined", 0))),
        ("failed", str(c.get("failed", 0))),
        ("needs review", str(len(report.needs_review))),
        ("pages", str(report.pages)),
        ("pages/min (last run)", _fmt(report.pages_per_minute, ".1f")),
        ("mean page quality", _fmt(report.mean_page_quality, ".2f")),
        ("mean OCR confidence", _fmt(report.mean_confidence, ".1f")),
    ]


def batch_table_rows(report: BatchReport) -> list[dict[str, str]]:
    """One row per file that needs a person: quarantined, failed, near-duplicate, to review."""
    rows = [
        {"file": q.path, "outcome": "quarantined", "reason": f"[{q.reason_class}] {q.reason}"}
        for q in report.quarantined
    ]
    rows += [{"file": f.path, "outcome": "failed", "reason": f.reason or ""} for f in report.failed]
    rows += [
        {"file": n.path, "outcome": "near-duplicate", "reason": n.reason or ""}
        for n in report.near_duplicates
    ]
    rows += [
        {"file": r.path, "outcome": "needs review", "reason": "; ".join(r.reasons)}
        for r in report.needs_review
    ]
    return rows


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def batch_markdown(report: BatchReport) -> str:
    """The report as Markdown (a Prefect artifact in the UI)."""
    lines = [
        f"# Batch {_md_cell(report.batch)}",
        "",
        f"{report.started_at:%Y-%m-%d %H:%M:%S} → {report.finished_at:%H:%M:%S} UTC",
        "",
        "| | |",
        "|---|---:|",
        *(f"| {name} | {value} |" for name, value in _headline(report)),
    ]
    if report.quarantine_reasons:
        lines += ["", "**Quarantined by reason:** "]
        lines[-1] += ", ".join(f"{k} {v}" for k, v in report.quarantine_reasons.items())
    rows = batch_table_rows(report)
    if rows:
        lines += ["", "| file | outcome | reason |", "|---|---|---|"]
        lines += [f"| {_md_cell(r['file'])} | {r['outcome']} | {_md_cell(r['reason'])} |" for r in rows]
    return "\n".join(lines) + "\n"


def print_batch_report(console: Console, report: BatchReport) -> None:
    """The report for archive staff: the counts, then every file that needs a person."""
    title = Text("Batch ", style="bold") + Text(report.batch, style="bold")
    title.append(f"  {report.started_at:%Y-%m-%d %H:%M} → {report.finished_at:%H:%M} UTC", style="dim")
    console.print(title)
    summary = Table(show_header=False, box=None)
    for name, value in _headline(report):
        summary.add_row(name, value)
    console.print(summary)
    if report.quarantine_reasons:
        reasons = ", ".join(f"{k} {v}" for k, v in report.quarantine_reasons.items())
        console.print(f"quarantined by reason: {reasons}")
    rows = batch_table_rows(report)
    if rows:
        table = Table("file", "outcome", "reason")
        for row in rows:  # Text: names and reasons are data, never rich markup
            table.add_row(Text(row["file"]), row["outcome"], Text(row["reason"]))
        console.print(table)
