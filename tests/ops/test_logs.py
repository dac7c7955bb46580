"""Structured logs: the file, record id and page ride along on every line, in text or JSON."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from ocr import FixedTextEngine
from sohoa.config import load_settings
from sohoa.ingest import ingest_file
from sohoa.logs import JsonFormatter, configure_logging, current_context, install_record_factory, log_context
from sohoa.services import build_services
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
    with caplog.at_level(logging.INFO):
        outcome = ingest_file(scan, services, batch="logs")
    assert outcome.status == "ingested"
    mine = [r for r in caplog.records if r.name.startswith(("sohoa", "ocr"))]
    assert mine, "the ingest step logs"
    assert all(r.file == scan.name for r in mine)
    page_lines = [r for r in mine if "page 1" in r.getMessage()]
    assert page_lines and all(r.record_id == outcome.id and r.page == 1 for r in page_lines)
    done = [r for r in mine if "ingested" in r.getMessage()]
    assert done and done[0].record_id == outcome.id
