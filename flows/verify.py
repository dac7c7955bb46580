"""Prefect flow `verify`: the fixity check of the whole store and of the access log's chain,
with a report for the Prefect UI.

One task calling storage.fixity.verify on the configured store (SOHOA_STORAGE), one checking the
access log's hash chain against the anchor in the store and anchoring its end when it passes
(storage.audit_chain); a broken chain is a problem of area "audit" in the same report. The
findings are also attached to the flow run as a markdown artifact, so operators see them in the UI.
The flow reads the settings once and hands them to both tasks.

A third task, after the check, brings every dossier's public forms up to date
(application.dossiers.refresh_all_public_forms): a process that died between a document's commit
and its dossier's refresh left the old forms (a name newly listed in a document would stay
unmasked in the dossier's public title); the scheduled check heals that. It runs on every check,
`--repair` or not: a form is computed from the documents as committed and is never more open
than they are (see the function). A dossier whose object the check found damaged is left alone.
Its summary is the report's `dossier_forms`.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from application.dossiers import FormsSweep, refresh_all_public_forms
from core.settings import Settings, load_settings
from flows.retrying import retry_transient_only
from storage import open_store
from storage.audit_chain import AUDIT_FILE, ChainReport, audit_path, check_and_anchor
from storage.fixity import FixityReport, Problem, verify

__all__ = [
    "add_chain",
    "check_access_log",
    "check_store",
    "fixity_markdown",
    "refresh_dossier_forms",
    "verify_flow",
]

ARTIFACT_ROWS = 200  # problems listed in the artifact; the report itself keeps every one


def _retried(name: str):
    """A task retried on Transient errors (the store unreachable), its result not persisted."""
    return task(
        name=name,
        retries=2,
        retry_delay_seconds=[10, 60],
        retry_condition_fn=retry_transient_only,
        persist_result=False,
    )


@_retried("check-store")
def check_store(settings: Settings, repair: bool = False) -> FixityReport:
    return verify(open_store(settings.storage_url), repair=repair)


@_retried("check-access-log")
def check_access_log(settings: Settings, first_anchor: bool = False) -> ChainReport:
    by = "verify --first-anchor" if first_anchor else "verify"
    return check_and_anchor(
        open_store(settings.storage_url), audit_path(settings), by=by, first_anchor=first_anchor
    )


@_retried("refresh-dossier-forms")
def refresh_dossier_forms(settings: Settings, damaged: frozenset[str] = frozenset()) -> FormsSweep:
    return refresh_all_public_forms(open_store(settings.storage_url), skip=damaged)


def add_chain(report: FixityReport, chain: ChainReport) -> FixityReport:
    """The fixity report with the chain check in it: its summary, and each finding a problem."""
    report.access_log = chain.to_dict()
    report.problems += [
        Problem("audit", "access.jsonl", kind, AUDIT_FILE, what) for kind, what in chain.problems
    ]
    return report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fixity_markdown(report: FixityReport, rows: int = ARTIFACT_ROWS) -> str:
    """The report as markdown: a summary line, then a table of the first `rows` problems."""
    summary = (
        f"**{'OK' if report.ok else 'PROBLEMS FOUND'}** — {report.records} records, "
        f"{report.quarantined} quarantine entries, {report.objects} objects re-hashed "
        f"({report.bytes:,} bytes) in {report.seconds:.1f} s; store `{report.store}`"
    )
    if report.ok:
        return summary + "\n"
    lines = [summary, "", "| area | entry | problem | object | detail |", "|---|---|---|---|---|"]
    problems = [p for found in report.by_entry().values() for p in found]
    for p in problems[:rows]:
        lines.append(f"| {p.area} | {p.entry} | {p.kind} | `{_cell(p.key)}` | {_cell(p.detail)} |")
    if len(problems) > rows:
        lines.append(f"\n… and {len(problems) - rows} more (run `sohoa verify --json`)")
    return "\n".join(lines) + "\n"


@flow(name="verify", persist_result=False, log_prints=False)
def verify_flow(first_anchor: bool = False, repair: bool = False) -> FixityReport:
    """Re-hash every stored object against its OCFL inventory; report missing, altered,
    unexpected, interrupted (`repair`: discard what interrupted writes left); check the access
    log's chain against its anchor (`first_anchor`: anchor a log that has none, see
    storage.audit_chain.check_and_anchor); then refresh every dossier's public forms that a
    crash left stale (`refresh_dossier_forms`)."""
    settings = load_settings()
    report = add_chain(check_store(settings, repair), check_access_log(settings, first_anchor))
    damaged = frozenset(p.entry for p in report.problems if p.area == "dossiers" and p.entry)
    report.dossier_forms = refresh_dossier_forms(settings, damaged).to_dict()  # after the check: it writes
    create_markdown_artifact(key="fixity", markdown=fixity_markdown(report), description="sohoa fixity check")
    return report
