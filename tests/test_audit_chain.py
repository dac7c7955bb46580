"""The access log's chain, through the real `sohoa verify`: an edited line, cut last lines and a
log rewritten with recomputed hashes each make it fail (exit 5, naming the line); the anchor
in the store only moves forward from a sound log. `sohoa show` and `sohoa export` log reads of
records that are not public, under the OS user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.access_log import AuditLog, audit_path, os_user, read_entries
from cli.main import app
from core.settings import load_settings
from storage import open_store
from storage.audit_chain import GENESIS, line_hash, read_anchor, read_chain
from tests.export.records import store_record

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
runner = CliRunner()


def _verify() -> tuple[int, dict]:
    result = runner.invoke(app, ["verify", "--json"])
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def log(sohoa_home: Path) -> Path:
    """An access log of six reads (anchored when started), anchored by a `sohoa verify`."""
    settings = load_settings()
    path = audit_path(settings)
    audit = AuditLog(path, open_store(settings.storage_url))
    for n in range(6):
        audit.append(who=f"staff {n}", role="staff", action="record", records=[f"r{n}"], client="10.0.0.9")
    code, report = _verify()
    assert code == 0, report
    assert report["access_log"]["ok"] and report["access_log"]["anchored"]["lines"] == 6
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _audit_problems(report: dict) -> list[str]:
    return [p["detail"] for p in report["problems"] if p["area"] == "audit"]


def test_an_edited_line_fails_verify_naming_it(log: Path) -> None:
    lines = _lines(log)
    lines[2] = lines[2].replace(b"staff 2", b"staff 7")
    log.write_bytes(b"".join(lines))
    code, report = _verify()
    assert code == 5
    assert _audit_problems(report)[0].startswith("line 4: its 'prev' does not match the hash of line 3")
    text = runner.invoke(app, ["verify"]).stdout
    assert "CHAIN BROKEN" in text and "line 4: its 'prev'" in text


def test_cut_last_lines_fail_verify(log: Path) -> None:
    log.write_bytes(b"".join(_lines(log)[:4]))
    assert read_chain(log).broken_at is None  # the chain alone cannot see it
    code, report = _verify()
    assert code == 5
    (problem,) = [p for p in report["problems"] if p["area"] == "audit"]
    assert problem["kind"] == "missing" and "the log has 4 lines but 6 were anchored" in problem["detail"]
    code, _ = _verify()
    assert code == 5, "a failed check does not move the anchor"
    assert read_anchor(open_store(load_settings().storage_url), log).lines == 6


def test_a_log_rewritten_with_recomputed_hashes_fails_verify(log: Path) -> None:
    entries = list(read_entries(log))
    entries[1]["who"] = "nobody"  # hide who read r1, then recompute every hash after it
    previous, out = GENESIS, []
    for entry in [*entries, {**entries[0], "records": ["r9"]}]:
        entry["prev"] = previous
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        previous = line_hash(line)
        out.append(line)
    log.write_bytes(b"".join(out))
    assert read_chain(log).broken_at is None
    code, report = _verify()
    assert code == 5
    assert _audit_problems(report) == [
        f"line 6 does not hash to the value anchored on {report['access_log']['anchor']['at']} (verify): "
        "the log was rewritten up to there"
    ]


def test_an_intact_log_that_grew_moves_the_anchor(log: Path) -> None:
    AuditLog(log).append(who="a", role="archivist", action="review-queue", records=[], client=None)
    code, report = _verify()
    assert code == 0 and report["access_log"]["anchored"]["lines"] == 7
    assert report["access_log"]["anchor"]["lines"] == 6


def test_cli_reads_of_records_that_are_not_public_are_logged(sohoa_home: Path, tmp_path: Path) -> None:
    store = open_store(load_settings().storage_url)
    public = store_record(store, tmp_path, b"public", access="public")
    conditional = store_record(store, tmp_path, b"conditional", access="conditional", source="b.pdf")
    for record in (public, conditional):
        assert runner.invoke(app, ["show", record.id, "--json"]).exit_code == 0
    out = tmp_path / "c.edxml"
    assert runner.invoke(app, ["export", conditional.id, "-o", str(out)]).exit_code == 0
    entries = list(read_entries(audit_path(load_settings())))
    assert [(e["action"], e["records"], e["who"], e["from"]) for e in entries] == [
        ("show", [conditional.id], os_user(), "cli"),
        ("export", [conditional.id], os_user(), "cli"),
    ]
    assert read_chain(audit_path(load_settings())).ok


def _store():
    return open_store(load_settings().storage_url)


def test_a_line_over_64_kib_keeps_the_chain(log: Path) -> None:
    audit = AuditLog(log)
    audit.append(
        who="op",
        role="operator",
        action="export-conditional-list",
        records=[f"{n:032x}" for n in range(3000)],
        client="cli",
    )  # a 100 KiB line
    audit.append(who="staff", role="staff", action="record", records=["b" * 32], client="10.0.0.9")
    assert len(_lines(log)[-2]) > 100 * 1024
    assert read_chain(log).broken_at is None
    code, report = _verify()
    assert code == 0, report
    assert report["access_log"]["anchored"]["lines"] == 8


def test_a_deleted_anchor_then_a_cut_log_fails_verify(log: Path) -> None:
    store = _store()
    (key,) = list(store.list("audit/anchors/"))
    store.delete(key)
    log.write_bytes(b"".join(_lines(log)[:4]))
    code, report = _verify()
    assert code == 5
    assert any("no anchor for this log" in p for p in _audit_problems(report))
    assert runner.invoke(app, ["verify"]).exit_code == 5, "nothing was anchored in silence"
    code, report = runner.invoke(app, ["verify", "--json", "--first-anchor"]).exit_code, None
    assert code == 0  # a person's decision, after looking: anchored as it is now
    assert read_anchor(store, log).lines == 4 and read_anchor(store, log).by == "verify --first-anchor"


def test_a_replaced_log_fails_verify(log: Path) -> None:
    log.unlink()
    AuditLog(log, _store()).append(who="x", role="staff", action="record", records=["r"], client=None)
    code, report = _verify()  # the new log was anchored when started; the old one is gone
    assert code == 5
    assert any("anchored with 6 lines" in p and "deleted or replaced" in p for p in _audit_problems(report))


def test_the_anchor_belongs_to_the_log_not_to_the_host(log: Path, monkeypatch) -> None:
    import socket

    monkeypatch.setattr(socket, "gethostname", lambda: "a-new-container-id")
    log.write_bytes(b"".join(_lines(log)[:4]))
    code, report = _verify()
    assert code == 5 and _audit_problems(report)[0].startswith("the log has 4 lines but 6 were anchored")


def test_a_new_log_is_anchored_when_started(sohoa_home: Path) -> None:
    settings = load_settings()
    path = audit_path(settings)
    AuditLog(path, _store()).append(who="a", role="staff", action="record", records=["r"], client=None)
    anchor = read_anchor(_store(), path)
    assert anchor is not None and anchor.lines == 1 and anchor.log
    code, report = _verify()
    assert code == 0, report
