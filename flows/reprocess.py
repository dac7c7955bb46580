"""Prefect flow `reprocess`: stored records read again with today's pipeline and rules.

Thin wiring over application/reprocess.py: the flow lists the records (ids named, or every
committed record), hands them out in chunks, one task per chunk (a task = one call per record of
`reprocess_record`), on the task runner ingest uses (threads of this process, or a Dask cluster
when SOHOA_DASK_ADDRESS is set: flows/runners.py), and gathers the report. Chunks keep the
orchestration cheap for an archive of many records whose result is mostly "unchanged".

Resumable after a kill: each record's OCFL commit is its unit of work, and a rerun finds a
record already at its new state and writes nothing (or finishes what the kill interrupted: the
index and the dossier's public form follow again).
"""

from __future__ import annotations

import logging

from prefect import flow, task
from prefect.futures import as_completed

from application.reprocess import (
    RecordResult,
    ReprocessOptions,
    ReprocessReport,
    Selection,
    reprocess_record,
    selected_ids,
)
from application.services import services_for
from core.errors import Transient
from core.settings import Settings, load_settings
from flows.retrying import retry_transient_only
from flows.runners import task_runner_for
from schemas.record import utcnow

__all__ = ["CHUNK", "reprocess_chunk", "reprocess_flow"]

log = logging.getLogger(__name__)

CHUNK = 25  # records per task


@task(
    name="reprocess-records",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=retry_transient_only,
    persist_result=False,
)
def reprocess_chunk(
    ids: list[str], options: ReprocessOptions, selection: Selection, settings: Settings
) -> list[RecordResult]:
    """Reprocess these records one after the other (a retry redoes only what is not yet done:
    a record already at its new state writes nothing)."""
    services = services_for(settings)
    results = []
    for record_id in ids:
        try:
            result = reprocess_record(record_id, services, options, selection)
        except Transient:
            raise  # retried (the records done already write nothing the second time)
        except Exception as exc:  # a bug on one record: the others still go
            log.exception("record %s: reprocess failed", record_id)
            result = RecordResult(id=record_id, status="failed", reason=f"{type(exc).__name__}: {exc}")
        if result is not None:
            results.append(result)
    return results


# The task runner is chosen as in flows/ingest.py: from this process's settings, at import.
@flow(name="reprocess", persist_result=False, log_prints=False, task_runner=task_runner_for(load_settings()))
def reprocess_flow(
    ids: list[str] | None = None,
    before_version: str | None = None,
    rules_older_than: str | None = None,
    ocr: bool = False,
    chunk: int = CHUNK,
) -> ReprocessReport:
    """Reprocess the records named (none: every record), narrowed by the version filters; `ocr`
    reads the originals again, else the stored page text is classified again."""
    settings = load_settings()
    services = services_for(settings)
    selection = Selection(tuple(ids or ()), before_version, rules_older_than)
    options = ReprocessOptions(ocr=ocr)
    report = ReprocessReport(rules_version=services.rules.version, ocr=ocr)
    todo = selected_ids(services, selection)
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), max(1, chunk))]
    futures = {reprocess_chunk.submit(c, options, selection, settings): c for c in chunks}
    for future in as_completed(list(futures)):
        try:
            report.records.extend(future.result())
        except Exception as exc:  # retries exhausted: report its records, keep going
            reason = f"{type(exc).__name__}: {exc}"
            report.records.extend(RecordResult(id=i, status="failed", reason=reason) for i in futures[future])
    report.records.sort(key=lambda r: r.id)
    report.finished_at = utcnow()
    log.info("reprocess: %s", report.counts)
    _publish(report)
    return report


def _publish(report: ReprocessReport) -> None:
    """The report as a Markdown artifact of the flow run (a failure to attach it is logged)."""
    try:
        from prefect.artifacts import create_markdown_artifact

        lines = [
            f"# Reprocess ({'OCR and ' if report.ocr else ''}classification, rules {report.rules_version})",
            "",
        ]
        lines.append(", ".join(f"{k}: {v}" for k, v in report.counts.items()))
        lines += ["", "| record | status | version | changes |", "|---|---|---|---|"]
        for r in report.records:
            if r.status != "unchanged":
                changes = ", ".join(r.changes) or (r.reason or "")
                lines.append(f"| {r.id} | {r.status} | {r.version or ''} | {changes} |")
        create_markdown_artifact("\n".join(lines), key="reprocess", description="Reprocess report")
    except Exception:
        log.exception("reprocess: the report could not be attached to the flow run")
