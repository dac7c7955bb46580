"""The ingest flow end to end through Prefect: real Tesseract, local storage, SQLite index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.settings import load_settings
from indexing import open_index
from schemas import SearchQuery
from storage import iter_record_ids, open_store, read_record
from tests.support import CLEAN_PDF, JPEG_PAGE

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

GOOD = [CLEAN_PDF.name, JPEG_PAGE.name]


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    (folder / "sub").mkdir()
    shutil.copy(CLEAN_PDF, folder / GOOD[0])
    shutil.copy(JPEG_PAGE, folder / "sub" / GOOD[1])
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def first_run(batch_dir: Path, home: Path, prefect_harness: None):
    from flows import ingest_batch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOHOA_HOME", str(home))
        summary = ingest_batch([str(batch_dir)], batch="first")
    return summary


@pytest.fixture
def settings(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOHOA_HOME", str(home))
    return load_settings()


def test_batch_ingests_every_good_file(first_run, settings) -> None:
    assert [o.status for o in first_run.outcomes] == ["ingested", "ingested"]
    assert first_run.pages == 2
    store = open_store(settings.storage_url)
    assert sorted(iter_record_ids(store)) == sorted(o.id for o in first_run.outcomes)
    record = read_record(store, first_run.outcomes[0].id)
    assert record.source == GOOD[0]
    assert record.pages[0].words, "word boxes are stored"
    assert "QUYẾT ĐỊNH" in record.pages[0].text


@pytest.mark.parametrize(
    ("query", "expected_source"),
    [
        ("Phú Thọ", GOOD[0]),
        ("phu tho", GOOD[0]),  # accent-free finds the accented text
        ('"tài liệu lưu trữ"', GOOD[0]),  # phrase, exact form
        ('"tai lieu luu tru"', GOOD[0]),  # phrase, folded form
        ("giấy mời", GOOD[1]),
    ],
)
def test_search_finds_ingested_text(first_run, settings, query: str, expected_source: str) -> None:
    result = open_index(settings.index_url).search(SearchQuery(q=query))
    assert result.total >= 1
    top = result.hits[0]
    record = read_record(open_store(settings.storage_url), top.id, with_words=False)
    assert record.source == expected_source
    assert "<mark>" in top.snippet


def test_same_batch_again_is_all_duplicates(first_run, batch_dir: Path, settings) -> None:
    from flows import ingest_batch

    index = open_index(settings.index_url)
    before = index.count()
    again = ingest_batch([str(batch_dir)], batch="again")
    assert [o.status for o in again.outcomes] == ["duplicate", "duplicate"]
    assert {o.id for o in again.outcomes} == {o.id for o in first_run.outcomes}
    assert index.count() == before


def test_bad_files_are_quarantined_and_the_batch_goes_on(tmp_path: Path, sohoa_home: Path, first_run) -> None:
    from flows import ingest_batch

    folder = tmp_path / "mixed"
    folder.mkdir()
    pdf = CLEAN_PDF.read_bytes()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notes.tif").write_text("không phải ảnh\n", encoding="utf-8")
    (folder / "photo.pdf").write_bytes(JPEG_PAGE.read_bytes())
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    (folder / "readme.docx").write_bytes(b"PK\x03\x04 not a scan")
    shutil.copy(CLEAN_PDF, folder / "good.pdf")

    summary = ingest_batch([str(folder)], batch="mixed")

    by_name = {Path(o.path).name: o for o in summary.outcomes}
    assert by_name["good.pdf"].status == "ingested"
    bad = {name: o for name, o in by_name.items() if name != "good.pdf"}
    assert {o.status for o in bad.values()} == {"quarantined"}
    assert all(o.reason for o in bad.values())
    assert "empty" in bad["empty.pdf"].reason.lower()
    assert "jpeg" in bad["photo.pdf"].reason.lower()

    # nothing is lost: every refused original sits in quarantine, byte for byte, with its reason
    quarantine = sohoa_home / "store" / "quarantine"
    reasons = [json.loads(p.read_text()) for p in quarantine.glob("*/reason.json")]
    assert {r["name"] for r in reasons} >= {"notes.tif", "photo.pdf", "truncated.pdf", "readme.docx"}
    kept = {p.name: p.read_bytes() for p in quarantine.glob("*/original/*")}
    assert kept["truncated.pdf"] == pdf[: len(pdf) // 3]


def test_the_document_task_uses_the_settings_it_is_given_not_its_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings travel into a task as a value (a Dask worker runs it with the flow's settings)."""
    from flows.ingest import ingest_document

    given = load_settings(home=tmp_path / "given")
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "environment"))
    outcome = ingest_document(str(JPEG_PAGE), "given", given)
    assert outcome.status == "ingested"
    assert list(iter_record_ids(open_store(given.storage_url))) == [outcome.id]
    assert not (tmp_path / "environment").exists()
