"""The reindex and verify flows through Prefect, and the CLI commands built on them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cli.flow_commands import EXIT_DAMAGED, EXIT_FAILED, EXIT_OK, reindex_command, verify_command
from core.settings import load_settings
from flows.verify import fixity_markdown
from indexing import SqliteIndex, open_index
from schemas import SearchQuery
from storage import open_store, write_package
from storage.fixity import FixityReport, Problem
from storage.package import package_key
from tests.indexing.stored import stored_record

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

TEXTS = {
    "qd": "Ủy ban nhân dân tỉnh Vĩnh Phúc quyết định số hóa tài liệu",
    "tb": "Thông báo về lễ hội làng Phúc",
    "bc": "Báo cáo công tác văn thư lưu trữ năm 2020",
}


@pytest.fixture
def stored(sohoa_home: Path, tmp_path: Path) -> Path:
    """A store under SOHOA_HOME with three committed packages; returns the index file."""
    settings = load_settings()
    store = open_store(settings.storage_url)
    for record_id, text in TEXTS.items():
        record, original = stored_record(tmp_path, record_id, text)
        write_package(store, record, original)
    return Path("/" + settings.index_url.removeprefix("sqlite://").lstrip("/"))


def hits(q: str) -> list[str]:
    index = open_index(load_settings().index_url)
    try:
        return [h.id for h in index.search(SearchQuery(q=q)).hits]
    finally:
        index.close()


def test_reindex_flow_makes_every_stored_record_searchable(stored: Path) -> None:
    from flows.reindex import reindex_flow

    assert not stored.exists()
    report = reindex_flow()
    assert (report.records, report.indexed, report.ok) == (3, 3, True)
    assert hits("vinh phuc") == ["qd"]
    assert sorted(hits("phúc")) == ["qd", "tb"]
    with SqliteIndex(stored) as index:
        assert index.count() == 3


def test_reindex_command_prints_json_and_reports_unreadable_packages(stored: Path) -> None:
    out = io.StringIO()
    assert reindex_command(as_json=True, out=out) == EXIT_OK
    data = json.loads(out.getvalue())
    assert (data["records"], data["indexed"], data["failed"]) == (3, 3, [])
    assert data["index"] == f"sqlite://{stored}"

    store = open_store(load_settings().storage_url)
    store.put_bytes(package_key(store, "bc", "record.json"), b"{broken")
    out = io.StringIO()
    assert reindex_command(out=out) == EXIT_FAILED
    assert "reindexed 2 of 3 records" in out.getvalue()
    assert "not indexed: bc: unreadable package" in out.getvalue()


def test_verify_flow_and_command_find_damage(stored: Path) -> None:
    from flows.verify import verify_flow

    report = verify_flow()
    assert report.ok and report.records == 3

    out = io.StringIO()
    assert verify_command(as_json=False, out=out) == EXIT_OK
    assert "OK: every stored object matches its inventory" in out.getvalue()

    store = open_store(load_settings().storage_url)
    changed = "Ủy ban nhân dân tỉnh Vĩnh Phúc (sửa)".encode()
    store.put_bytes(package_key(store, "qd", "pages/0001.txt"), changed)
    missing = package_key(store, "tb", "metadata.json")
    store.delete(missing)
    store.put_bytes(package_key(store, "bc", "record.json").replace("record.json", "extra.txt"), b"?")
    out = io.StringIO()
    assert verify_command(as_json=True, out=out) == EXIT_DAMAGED
    data = json.loads(out.getvalue())
    assert data["counts"] == {"missing": 1, "altered": 1, "unexpected": 1, "unreadable": 0, "interrupted": 0}
    assert [(p["entry"], p["kind"]) for p in data["problems"]] == [
        ("bc", "unexpected"),
        ("qd", "altered"),
        ("tb", "missing"),
    ]
    out = io.StringIO()
    assert verify_command(out=out) == EXIT_DAMAGED
    text = out.getvalue()
    assert "PROBLEMS: 1 missing, 1 altered, 1 unexpected, 0 unreadable, 0 interrupted" in text
    assert f"records/tb\n  missing    {missing}  v1: " in text


def test_fixity_markdown_lists_the_problems() -> None:
    clean = FixityReport(store="/s", records=2, objects=20, bytes=1000)
    assert fixity_markdown(clean).startswith("**OK**")
    problems = [Problem("records", f"r{n}", "altered", f"records/r{n}/a|b.txt", "sha256 x") for n in range(5)]
    damaged = FixityReport(store="/s", records=5, problems=problems)
    text = fixity_markdown(damaged, rows=3)
    assert text.startswith("**PROBLEMS FOUND**")
    assert text.count("| records |") == 3 and "a\\|b.txt" in text
    assert "… and 2 more" in text
    assert "inventory.json" not in text
