"""Human-readable output for the CLI: batch summaries, search hits, records (rich)."""

from __future__ import annotations

import html
import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas import BatchSummary, Record, SearchResult

__all__ = ["print_hits", "print_record", "print_summary", "snippet_text"]

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
    quarantined, failed = summary.of("quarantined"), summary.of("failed")
    minutes = summary.seconds / 60
    rate = f"{summary.pages / minutes:.1f} pages/min" if minutes > 0 and summary.pages else "-"
    console.print(
        f"[bold]Batch {summary.batch}[/bold]: {len(ingested)} ingested ({summary.pages} pages), "
        f"{len(dups)} duplicates, {len(quarantined)} quarantined, {len(failed)} failed "
        f"in {summary.seconds:.1f} s ({rate})"
    )
    if quarantined or failed:
        table = Table("file", "outcome", "reason", show_lines=False)
        for o in quarantined + failed:
            table.add_row(o.path, o.status, o.reason or "")
        console.print(table)


def print_hits(console: Console, query: str, result: SearchResult) -> None:
    console.print(f"[bold]{result.total}[/bold] records match [italic]{query}[/italic]")
    for hit in result.hits:
        page = f" p.{hit.page}" if hit.page else ""
        console.print(
            f"\n[bold]{hit.title}[/bold]  [dim]{hit.id}{page} score {hit.score:.2f}[/dim]"
        )
        console.print(snippet_text(hit.snippet))


def print_record(console: Console, record: Record) -> None:
    c = record.classification
    console.print(f"[bold]{record.title}[/bold]  [dim]{record.id}[/dim]")
    console.print(f"source {record.source} · {record.page_count} pages · sha256 {record.sha256}")
    console.print(f"access {c.access} · retention {c.retention or '-'} · review {c.needs_review}")
    for page in record.pages:
        console.rule(f"page {page.number} — confidence {page.confidence:.0f}")
        console.print(page.text, markup=False, highlight=False)
