"""Prometheus metrics: reason classes, what ingest counts, the worker's /metrics over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from application.ingest import ingest_file
from application.ingest_metrics import MULTIPROC_ENV, QueueDepthCollector, reason_class, serve_metrics
from application.services import build_services
from core.settings import load_settings
from ocr import FixedTextEngine
from tests.ops.scans import small_pages


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("file is empty (0 bytes); copy or scan it again", "empty"),
        ("PDF has no pages; the scan or export that made it failed", "empty"),
        ("PDF is password-protected; ask the sender for a copy without a password", "encrypted"),
        ("page 1 is 40000x40000 pixels (1600 megapixels), over the limit of 200 megapixels", "too_large"),
        ("PNG image is too large to open safely (decompression bomb)", "too_large"),
        ("file is named .pdf but is a JPEG image; rename it to match its content", "wrong_type"),
        ("file is plain text: unsupported; accepted types are PDF, TIFF, JPEG and PNG", "wrong_type"),
        ("PDF is damaged or incomplete (Couldn't read xref table); get a complete copy", "damaged"),
        ("TIFF file is damaged: cannot list its pages", "damaged"),
        ("a.pdf changed while it was being stored", "changed"),
        ("cannot read the file: Permission denied", "unreadable"),
        ("a link to a folder, not a file (not followed)", "wrong_type"),
        ("something nobody foresaw", "other"),
        (None, "other"),
    ],
)
def test_reason_class(reason: str | None, expected: str) -> None:
    assert reason_class(reason) == expected


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_ingest_counts_pages_seconds_and_outcomes(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    services = build_services(settings, engine=FixedTextEngine("CÔNG VĂN"))
    scans = small_pages(tmp_path / "in", 2)
    empty = tmp_path / "in" / "empty.pdf"
    empty.write_bytes(b"")
    before = {
        "pages": _value("sohoa_ingest_pages_total"),
        "timed": _value("sohoa_ingest_ocr_seconds_count"),
        "ingested": _value("sohoa_ingest_documents_total", status="ingested"),
        "duplicate": _value("sohoa_ingest_documents_total", status="duplicate"),
        "empty": _value("sohoa_ingest_quarantined_total", reason="empty"),
    }
    for path in [*scans, scans[0], empty]:
        ingest_file(path, services, batch="metrics")
    assert _value("sohoa_ingest_pages_total") - before["pages"] == 2
    assert _value("sohoa_ingest_ocr_seconds_count") - before["timed"] == 2
    assert _value("sohoa_ingest_documents_total", status="ingested") - before["ingested"] == 2
    assert _value("sohoa_ingest_documents_total", status="duplicate") - before["duplicate"] == 1
    assert _value("sohoa_ingest_quarantined_total", reason="empty") - before["empty"] == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_worker_metrics_sum_the_flow_run_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Multiprocess mode: two child processes count pages; /metrics serves the sum and the queue."""
    folder = tmp_path / "prom"
    monkeypatch.setenv(MULTIPROC_ENV, str(folder))
    folder.mkdir()
    child = (
        "from application.ingest_metrics import PAGES, count_outcome; "
        "PAGES.inc(3); count_outcome('quarantined', 'file is empty')"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", child], check=True)
    port = _free_port()
    server = serve_metrics(port, addr="127.0.0.1", extra=[QueueDepthCollector("sohoa", lambda pool: 7)])
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
    assert "sohoa_ingest_pages_total 6.0" in text
    assert 'sohoa_ingest_quarantined_total{reason="empty"} 2.0' in text
    assert 'sohoa_queue_depth{pool="sohoa"} 7.0' in text


def test_queue_depth_is_left_out_when_prefect_is_away() -> None:
    def unreachable(pool: str) -> int:
        raise ConnectionError("no server")

    assert list(QueueDepthCollector("sohoa", unreachable).collect()) == []
