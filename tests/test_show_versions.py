"""`sohoa show ID --version N`: any version of a record, and the list of its versions with who,
when and why; never more open than the newest version allows."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from core.settings import load_settings
from schemas import Event
from storage import open_store, update_record, write_package
from tests.storage.store_conformance import make_original, make_record

runner = CliRunner()


def _show(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["show", *args])
    return result.exit_code, result.stdout


def _stored(sohoa_home: Path, tmp_path: Path):
    store = open_store(load_settings().storage_url)
    original = make_original(tmp_path)
    record = make_record(original)
    write_package(store, record, original)
    reviewed = record.model_copy(deep=True)
    reviewed.metadata.subject = "Về việc phê duyệt Đề án số hóa"
    reviewed.events.append(
        Event(step="review", tool="sohoa-api", detail="sửa trích yếu", parameters={"by": "Lan"})
    )
    update_record(store, reviewed)
    return store, record, reviewed


def test_show_lists_the_versions_and_reads_any_one(sohoa_home: Path, tmp_path: Path) -> None:
    _, record, reviewed = _stored(sohoa_home, tmp_path)
    code, out = _show(record.id, "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["version"] == 2 and shown["metadata"]["subject"] == reviewed.metadata.subject
    assert [(v["number"], v["user"], v["message"]) for v in shown["versions"]] == [
        (1, "sohoa", "ingest"),
        (2, "Lan", "review: sửa trích yếu"),
    ]
    code, out = _show(record.id, "--version", "1", "--json")
    assert code == 0, out
    first = json.loads(out)
    assert first["version"] == 1 and first["metadata"]["subject"] == record.metadata.subject
    code, out = _show(record.id, "--version", "1")
    assert code == 0 and "review: sửa trích yếu" in out and "* v1" in out
    assert _show(record.id, "--version", "3")[0] == 4  # no such version
    said = " ".join(runner.invoke(app, ["show", record.id, "--version", "3"]).output.split())
    assert f"record {record.id} has no version 3: its versions are 1 to 2" in said, said


def test_an_older_version_of_a_record_now_secret_shows_its_catalogue_row(
    sohoa_home: Path, tmp_path: Path
) -> None:
    store, record, reviewed = _stored(sohoa_home, tmp_path)
    closed = reviewed.model_copy(deep=True)
    closed.classification.access = "not_accessible"
    closed.events.append(Event(step="review", tool="sohoa-api", detail="mật", parameters={"by": "Lan"}))
    update_record(store, closed)
    code, out = _show(record.id, "--version", "1", "--json")
    assert code == 0, out
    assert json.loads(out)["pages"] == []  # the text of v1 is not shown: the record is closed now
