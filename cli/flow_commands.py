"""`sohoa reindex` and `sohoa verify`: run the flow, print the report, return the exit code.

Plain functions for cli/main.py to mount; the store and index come from the settings. Exit
codes: 0 all well; 1 some records could not be indexed (reindex); 5 the fixity check found
missing, altered or unexpected objects (verify). Errors that stop a run (store or index
unreachable, refused credentials) propagate to the CLI's own handler.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

__all__ = ["EXIT_DAMAGED", "EXIT_FAILED", "EXIT_OK", "reindex_command", "verify_command"]

EXIT_OK, EXIT_FAILED, EXIT_DAMAGED = 0, 1, 5


def _json(data: Any, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def reindex_command(as_json: bool = False, *, out: TextIO | None = None) -> int:
    """Rebuild the search index from storage: 0 when every record was indexed, else 1.

    JSON: {"store", "index", "records", "indexed", "failed": [{"id", "reason"}], "caught_up",
    "caught_up_after_swap", "seconds", "records_per_second"}: `caught_up*` count the records read
    again because they were committed while the rebuild ran (indexing/rebuild.py).
    """
    from flows.reindex import reindex_flow

    out = out or sys.stdout
    report = reindex_flow()
    if as_json:
        _json(report.to_dict(), out)
    else:
        out.write(
            f"reindexed {report.indexed:,} of {report.records:,} records from {report.store} "
            f"into {report.index} in {report.seconds:.1f} s ({report.per_second:,.0f} records/s)\n"
        )
        if caught := report.caught_up + report.caught_up_after_swap:
            out.write(f"  {caught:,} records committed while it ran were read again and applied\n")
        for record_id, reason in sorted(report.failed.items()):
            out.write(f"  not indexed: {record_id}: {reason}\n")
    return EXIT_OK if report.ok else EXIT_FAILED


def _chain_line(log: dict[str, Any]) -> str:
    anchored = log.get("anchored")
    where = f"; anchored at line {anchored['lines']} on {anchored['at']}" if anchored else ""
    state = "chain intact" if log["ok"] else "CHAIN BROKEN"
    return f"access log {log['path']}: {log['lines']:,} lines, {state}{where}\n"


def _forms_lines(forms: dict[str, Any]) -> str:
    refreshed, failed, skipped = forms["refreshed"], forms["failed"], forms["skipped"]
    lines = [
        f"dossier forms: {forms['dossiers']:,} dossiers, {len(refreshed):,} refreshed "
        "(a document had changed without its dossier's refresh)\n"
    ]
    lines += [f"  refreshed: {dossier} (head v{version})\n" for dossier, version in sorted(refreshed.items())]
    lines += [f"  not refreshed: {dossier}: {why}\n" for dossier, why in sorted(failed.items())]
    lines += [f"  left alone (damaged): {dossier}\n" for dossier in skipped]
    return "".join(lines)


def verify_command(
    as_json: bool = False, *, first_anchor: bool = False, repair: bool = False, out: TextIO | None = None
) -> int:
    """Fixity check of the whole store and of the access log's chain: 0 when all is well, else 5.

    JSON: {"store", "ok", "records", "quarantined", "objects", "bytes", "seconds",
    "counts": {"missing", "altered", "unexpected", "unreadable", "interrupted"}, "repaired",
    "problems": [{"area", "entry", "kind", "key", "detail"}], "access_log": {"path", "ok",
    "lines", "last_hash", "problems", "anchor", "anchored"}, "dossier_forms": {"dossiers",
    "refreshed": {id: head version}, "failed": {id: why}, "skipped": [id]}}. A broken access log
    is a problem of area "audit" whose detail names the line. Every run also refreshes the
    dossiers' public forms a crash left stale (application.dossiers.refresh_all_public_forms);
    that changes no exit code.
    """
    from flows.verify import verify_flow

    out = out or sys.stdout
    report = verify_flow(first_anchor, repair)
    if as_json:
        _json(report.to_dict(), out)
        return EXIT_OK if report.ok else EXIT_DAMAGED
    out.write(
        f"fixity of {report.store}: {report.records:,} records, {report.dossiers:,} dossiers, "
        f"{report.quarantined:,} quarantine "
        f"entries, {report.objects:,} objects ({report.bytes:,} bytes) re-hashed in "
        f"{report.seconds:.1f} s\n"
    )
    if report.access_log is not None:
        out.write(_chain_line(report.access_log))
    if report.dossier_forms is not None:
        out.write(_forms_lines(report.dossier_forms))
    for what in report.repaired:
        out.write(f"repaired: discarded {what}, left by an interrupted write\n")
    if report.ok:
        out.write("OK: every stored object matches its inventory; the access log's chain is intact\n")
        return EXIT_OK
    kinds = ("missing", "altered", "unexpected", "unreadable", "interrupted")
    counts = ", ".join(f"{report.count(k)} {k}" for k in kinds)
    out.write(f"PROBLEMS: {counts}\n")
    for (area, entry), problems in report.by_entry().items():
        out.write(f"{area}/{entry or '(no entry)'}\n")
        for p in problems:
            out.write(f"  {p.kind:<10} {p.key}  {p.detail}\n")
    return EXIT_DAMAGED
