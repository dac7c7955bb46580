"""A batch report as text: the counts line, rows of problems and of records to review, Markdown
(the Prefect artifact), the batch list. Pure functions; cli/report.py prints them with rich."""

from __future__ import annotations

from application.batches import BatchReport
from schemas import BatchSummary

__all__ = ["batch_list_rows", "batch_markdown", "counts_line", "headline", "problem_rows", "review_rows"]


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


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def headline(report: BatchReport) -> list[tuple[str, str]]:
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
        *(f"| {name} | {value} |" for name, value in headline(report)),
    ]
    if report.quarantine_reasons:
        lines += ["", "**Quarantined by reason:** "]
        lines[-1] += ", ".join(f"{k} {v}" for k, v in report.quarantine_reasons.items())
    if problems := problem_rows(report):
        lines += ["", "## Problems", "", *_md_table(problems)]
    if review := review_rows(report):
        lines += ["", "## To review (stored; an archivist decides)", "", *_md_table(review)]
    return "\n".join(lines) + "\n"


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
