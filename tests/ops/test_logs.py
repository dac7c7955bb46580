"""Structured logs: the file, record id and page ride along on every line, in text or JSON."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from application.ingest import ingest_file
from application.logs import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    current_context,
    install_record_factory,
    log_context,
    log_outcome,
)
from application.services import build_services
from core.settings import load_settings
from ocr import FixedTextEngine
from schemas import IngestOutcome
from tests.ops.scans import small_pages


def test_log_context_nests_and_resets() -> None:
    assert current_context() == {"file": None, "record_id": None, "page": None}
    with log_context(file="a.pdf", record="r1"):
        with log_context(page=2):
            assert current_context() == {"file": "a.pdf", "record_id": "r1", "page": 2}
        assert current_context()["page"] is None
    assert current_context() == {"file": None, "record_id": None, "page": None}


def test_every_record_carries_the_context_fields(caplog: pytest.LogCaptureFixture) -> None:
    install_record_factory()
    log = logging.getLogger("sohoa.test")
    with caplog.at_level(logging.INFO, logger="sohoa.test"):
        log.info("outside")
        with log_context(record="abc", page=3):
            log.info("inside")
    outside, inside = caplog.records
    assert (outside.record_id, outside.page) == ("-", "-")
    assert (inside.record_id, inside.page) == ("abc", 3)


def test_json_lines_have_the_fields_and_keep_vietnamese() -> None:
    install_record_factory()
    with log_context(file="Quyết định.pdf", record="abc", page=1):
        record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "trang %d", (1,), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "trang 1"
    assert (line["file"], line["record_id"], line["page"]) == ("Quyết định.pdf", "abc", 1)
    assert "Quyết định" in JsonFormatter().format(record)  # not \\u-escaped


def test_configure_logging_replaces_handlers_and_writes_json(capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging(logging.INFO, json_lines=True)
        configure_logging(logging.INFO, json_lines=True)
        assert len(root.handlers) == 1
        with log_context(record="r9", page=4):
            logging.getLogger("sohoa.anything").info("hello")
        line = json.loads(capfd.readouterr().err.strip().splitlines()[-1])
        assert (line["record_id"], line["page"], line["message"]) == ("r9", 4, "hello")
    finally:
        root.handlers[:], root.level = saved


def test_ingest_log_lines_name_record_and_page(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The real ingest step with a fixed-text engine: its per-page lines carry record and page."""
    install_record_factory()
    settings = load_settings(home=tmp_path / "home")
    services = build_services(settings, engine=FixedTextEngine("QUYẾT ĐỊNH về việc thử nghiệm"))
    [scan] = small_pages(tmp_path / "in", 1)
    with caplog.at_level(logging.DEBUG):
        outcome = ingest_file(scan, services, batch="logs")
        again = ingest_file(scan, services, batch="logs")
    assert (outcome.status, again.status) == ("ingested", "duplicate")
    mine = [r for r in caplog.records if r.name.startswith(("application", "ocr"))]
    assert mine, "the ingest step logs"
    assert all(r.file == scan.name for r in mine)
    page_lines = [r for r in mine if "page 1" in r.getMessage()]
    assert page_lines and all(r.record_id == outcome.id and r.page == 1 for r in page_lines)
    assert all(r.levelno == logging.DEBUG for r in page_lines), "per-page lines only with -v"
    info = [r for r in mine if r.levelno >= logging.INFO]
    assert [r.getMessage() for r in info] == [f"ingested {scan} (1 page)", f"duplicate {scan}"]
    assert all(r.record_id == outcome.id for r in info), "one line per file outcome, with its record"


@pytest.mark.parametrize(
    ("outcome", "level", "line"),
    [
        (
            IngestOutcome(path="/in/a.pdf", status="near_duplicate", id="r1", pages=2, reason="like r0"),
            logging.INFO,
            "near-duplicate /in/a.pdf (2 pages; like r0)",
        ),
        (
            IngestOutcome(path="/in/e.pdf", status="quarantined", reason="file is empty (0 bytes)"),
            logging.WARNING,
            "quarantined /in/e.pdf (file is empty (0 bytes))",
        ),
        (
            IngestOutcome(path="/in/f.pdf", status="failed", reason="OSError: disk full"),
            logging.ERROR,
            "failed /in/f.pdf (OSError: disk full)",
        ),
    ],
)
def test_one_line_per_outcome_with_the_documented_fields(
    outcome: IngestOutcome, level: int, line: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="sohoa.test.outcome"):
        log_outcome(logging.getLogger("sohoa.test.outcome"), outcome)
    [record] = caplog.records
    assert (record.levelno, record.getMessage()) == (level, line)
    text = TextFormatter().format(record)  # no record factory needed (flow-run processes)
    assert f"[file={Path(outcome.path).name} record={outcome.id or '-'} page=-]: {line}" in text


def test_http_request_lines_only_when_verbose(capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("httpx").level)
    try:
        configure_logging(logging.INFO)
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1:4200/api/health")
        logging.getLogger("cli.worker").info("worker w started")
        quiet = capfd.readouterr().err
        configure_logging(logging.DEBUG, verbose=True)
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1:4200/api/health")
        loud = capfd.readouterr().err
    finally:
        root.handlers[:], root.level = saved[:2]
        logging.getLogger("httpx").setLevel(saved[2])
    assert "worker w started" in quiet and "HTTP Request" not in quiet
    assert "HTTP Request" in loud
