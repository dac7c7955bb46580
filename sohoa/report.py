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
    "batch_list_rows",
    "batch_markdown",
    "counts_line",
    "print_batch_list",
    "print_batch_report",
    "print_hits",
    "print_summary",
    "problem_rows",
    "review_rows",
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


def counts_line(summary: BatchSummary) -> str:
    """ "2 ingested, 0 near-duplicates, 0 duplicates, 1 quarantined, 0 failed" (state messages, logs)."""
    return ", ".join(
        f"{len(summary.of(status))} {label}"
        for status, label in (
            ("ingested", "ingested"),
            ("near_duplicate", "near-duplicates"),
            ("duplicate", "duplicates"),
            ("quarantined", "quarantined"),
            ("failed", "failed"),
        )
    )


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


def problem_rows(report: BatchReport) -> list[dict[str, str]]:
    """One row per file that went wrong: quarantined (with its reason class) or failed."""
    rows = [
        {"file": q.path, "outcome": "quarantined", "reason": f"[{q.reason_class}] {q.reason}"}
        for q in report.quarantined
    ]
    return rows + [{"file": f.path, "outcome": "failed", "reason": f.reason or ""} for f in report.failed]


def review_rows(report: BatchReport) -> list[dict[str, str]]:
    """One row per stored record an archivist should look at: near-duplicates, needs review."""
    rows = [
        {"file": n.path, "outcome": "near-duplicate", "reason": n.reason or ""}
        for n in report.near_duplicates
    ]
    return rows + [
        {"file": r.path, "outcome": "needs review", "reason": "; ".join(r.reasons)}
        for r in report.needs_review
    ]


def _md_table(rows: list[dict[str, str]]) -> list[str]:
    lines = ["| file | outcome | reason |", "|---|---|---|"]
    return lines + [f"| {_md_cell(r['file'])} | {r['outcome']} | {_md_cell(r['reason'])} |" for r in rows]


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
    if problems := problem_rows(report):
        lines += ["", "## Problems", "", *_md_table(problems)]
    if review := review_rows(report):
        lines += ["", "## To review (stored; an archivist decides)", "", *_md_table(review)]
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
    for title, rows in (("Problems", problem_rows(report)), ("To review", review_rows(report))):
        if rows:
            table = Table("file", "outcome", "reason", title=title, title_justify="left")
            for row in rows:  # Text: names and reasons are data, never rich markup
                table.add_row(Text(row["file"]), row["outcome"], Text(row["reason"]))
            console.print(table)


def batch_list_rows(reports: list[BatchReport]) -> list[dict[str, object]]:
    """`sohoa report` without a batch: one row per batch, newest first."""
    rows = []
    for r in sorted(reports, key=lambda r: r.started_at, reverse=True):
        problems = r.counts.get("quarantined", 0) + r.counts.get("failed", 0)
        rows.append(
            {
                "batch": r.batch,
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat(),
                "files": r.files,
                "counts": r.counts,
                "problems": problems,
                "needs_review": len(r.needs_review),
            }
        )
    return rows


def print_batch_list(console: Console, rows: list[dict[str, object]]) -> None:
    table = Table(box=None)
    table.add_column("batch", no_wrap=True)
    table.add_column("started UTC", no_wrap=True)
    for name in ("files", "ingested", "duplicates", "problems", "to review"):
        table.add_column(name, justify="right")
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
