"""The CLI contract: JSON shapes and exit codes, in-process and as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.support import CLEAN_PDF, CLEAN_PNG, JPEG_PAGE

runner = CliRunner()
PDF = CLEAN_PDF


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result, result.stdout


@pytest.mark.flow
def test_ingest_search_show_contract(tmp_path: Path, sohoa_home: Path, prefect_harness) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(PDF, scans / PDF.name)
    (scans / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)

    result, out = invoke("ingest", str(scans), "--json")
    assert result.exit_code == 3, out  # one file quarantined
    summary = json.loads(out)
    assert set(summary) >= {"batch", "ingested", "duplicates", "quarantined"}
    assert [Path(i["path"]).name for i in summary["ingested"]] == [PDF.name]
    assert summary["ingested"][0]["pages"] == 1
    assert [Path(q["path"]).name for q in summary["quarantined"]] == ["broken.png"]
    record_id = summary["ingested"][0]["id"]

    result, out = invoke("search", "quyet dinh thanh lap to cong tac", "--json")
    assert result.exit_code == 0, out
    found = json.loads(out)
    assert found["total"] == 1
    assert set(found["hits"][0]) == {"id", "score", "title", "snippet", "page"}
    assert found["hits"][0]["id"] == record_id
    assert found["hits"][0]["page"] == 1

    result, out = invoke("show", record_id, "--json")
    assert result.exit_code == 0, out
    shown = json.loads(out)
    assert shown["id"] == record_id
    assert shown["source"] == PDF.name
    assert len(shown["sha256"]) == 64
    assert shown["pages"][0]["number"] == 1
    assert "Phú Thọ" in shown["pages"][0]["text"]
    assert {"metadata", "classification"} <= set(shown)

    result, out = invoke("ingest", str(scans / PDF.name), "--json")
    assert result.exit_code == 0
    assert json.loads(out)["duplicates"][0]["id"] == record_id


def test_show_unknown_record_exits_4(sohoa_home: Path) -> None:
    result, _ = invoke("show", "0" * 32)
    assert result.exit_code == 4


def test_searching_opens_no_near_duplicate_lookup(sohoa_home: Path) -> None:
    result, _ = invoke("search", "quyết định")
    assert result.exit_code == 0
    assert not (sohoa_home / "similarity.sqlite3").exists()


def test_ingest_missing_path_is_a_usage_error(sohoa_home: Path, tmp_path: Path) -> None:
    result, _ = invoke("ingest", str(tmp_path / "nowhere"))
    assert result.exit_code == 2


def test_ocr_prints_pages_and_stores_nothing(sohoa_home: Path) -> None:
    result, out = invoke("ocr", str(CLEAN_PNG), "--json")
    assert result.exit_code == 0, out
    pages = json.loads(out)["pages"]
    assert [p["number"] for p in pages] == [1]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]["text"]
    assert not sohoa_home.exists()


@pytest.mark.flow
def test_console_script_runs_on_the_embedded_server(tmp_path: Path) -> None:
    """No Prefect set-up at all: the installed `sohoa` starts Prefect's embedded server itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "SOHOA_"))}
    env["SOHOA_HOME"] = str(tmp_path / "home")
    exe = Path(sys.executable).with_name("sohoa")
    done = subprocess.run(
        [str(exe), "ingest", str(PDF), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["ingested"]) == 1
    assert "Traceback" not in done.stderr


def test_classify_reads_metadata_and_names_its_rules(sohoa_home: Path) -> None:
    result, out = invoke("classify", str(JPEG_PAGE), "--json")
    assert result.exit_code == 0, out
    data = json.loads(out)
    meta, decision = data["metadata"], data["classification"]
    assert meta["doc_type"] == "Giấy mời"
    assert meta["date"] == "2022-03-03"
    assert meta["signer"]["name"] == "Trần Quốc Khánh"
    assert decision["access"] in {"public", "conditional", "not_accessible", "undetermined"}
    assert all(d["rule"] and d["evidence"] for d in decision["decisions"])
    assert decision["rules_version"]
    assert not sohoa_home.exists(), "classify stores nothing"


def test_classify_reads_again_what_the_first_reading_lacks_as_ingest_does(
    sohoa_home: Path, tmp_path: Path
) -> None:
    """The signature page of tuning document 47 (corpusgen): its first reading gives the signer's
    name without the family name; `sohoa classify`, as ingest, reads the signature region again."""
    from corpusgen.split import SPLITS, document_pages

    page = document_pages("tuning", SPLITS["tuning"], 47)[-1]
    path = tmp_path / "chu_ky.png"
    page.scanned.image.save(path, "PNG", dpi=(page.scanned.dpi, page.scanned.dpi))
    result, out = invoke("classify", str(path), "--json")
    assert result.exit_code == 0, out
    assert json.loads(out)["metadata"]["signer"]["name"] == page.doc.signer_name


def test_a_temporary_prefect_server_that_does_not_start_is_one_line(tmp_path: Path) -> None:
    """On a loaded machine Prefect's temporary server may not answer in time: `sohoa verify`
    (reindex, reprocess …) printed Prefect's traceback; it says so in one line, exit 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "SOHOA_"))}
    env |= {"SOHOA_HOME": str(tmp_path / "home"), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "0"}
    exe = Path(sys.executable).with_name("sohoa")
    done = subprocess.run(
        [str(exe), "verify"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith("error: Timed out while attempting to connect to ephemeral Prefect API")
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in done.stderr


def test_a_dossier_intake_names_its_dossier_in_the_summary() -> None:
    """`sohoa ingest DIR --dossier` said only "3 ingested (4 pages)": the operator had to look
    the dossier's id up with `sohoa dossier list` to show it."""
    import io

    from rich.console import Console

    from cli.report import print_summary
    from schemas import BatchSummary, DocumentOutcome, DossierOutcome, IngestOutcome

    summary = BatchSummary(
        batch="b",
        outcomes=[IngestOutcome(path="G09.2021.07", status="ingested", id="c" * 32, pages=4)],
        dossiers=[
            DossierOutcome(
                path="G09.2021.07", id="d" * 32, code="G09.2021.07",
                documents=[DocumentOutcome(id="c" * 32, order=1, pages=(1, 4))],
            )
        ],
    )  # fmt: skip
    out = io.StringIO()
    print_summary(Console(file=out, width=80), summary)
    text = " ".join(out.getvalue().split())
    assert f"Dossier G09.2021.07 {'d' * 32}: 1 document, stored; sohoa dossier show {'d' * 32}" in text


def test_the_batch_list_keeps_its_headings_on_an_80_column_terminal() -> None:
    import io

    from rich.console import Console

    from cli.report import print_batch_list

    row = {
        "batch": "batch-20261207T175900-b22fdb", "started_at": "2026-12-07T17:59:00+00:00", "files": 104,
        "counts": {"ingested": 6, "near_duplicate": 16, "duplicate": 4}, "problems": 78, "needs_review": 22,
    }  # fmt: skip
    out = io.StringIO()
    print_batch_list(Console(file=out, width=80), [row])
    text = out.getvalue()
    for heading in ("files", "ingested", "duplicates", "problems", "to review", "2026-12-07 17:59"):
        assert heading in text, text
    assert "…" not in text and "b22fdb" in text.replace("\n", "").replace(" ", "")


@pytest.mark.flow
def test_the_temporary_prefect_server_stops_without_tracebacks(tmp_path: Path) -> None:
    """A batch of many documents on Prefect's temporary server: it is stopped while it still records
    the last task runs' events, and logged "Error flushing 1 events" with asyncio tracebacks after
    the summary (here 4 of them, every run). The batch's own warnings still show."""
    scans = tmp_path / "scans"
    scans.mkdir()
    for n in range(60):  # quarantined at once: many task runs in a few seconds, no OCR
        (scans / f"note{n}.txt").write_text(f"not a scan {n}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "SOHOA_"))}
    env |= {"SOHOA_HOME": str(tmp_path / "home"), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    exe = Path(sys.executable).with_name("sohoa")
    done = subprocess.run(
        [str(exe), "ingest", str(scans)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Error flushing" not in done.stderr, done.stderr[-3000:]
    assert done.stderr.count("WARNING application.ingest") == 60


def test_show_says_1_page() -> None:
    import io

    from rich.console import Console

    from cli.views import print_record
    from schemas import Classification, Record

    record = Record(
        id="e" * 32, source="qd.pdf", sha256="0" * 64, size=1, media_type="application/pdf", page_count=1,
        classification=Classification(access="public"),
    )  # fmt: skip
    out = io.StringIO()
    print_record(Console(file=out, width=200), record, with_text=False)
    assert "source qd.pdf · 1 page · sha256" in out.getvalue()  # it said "1 pages"
