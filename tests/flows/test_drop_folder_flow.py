"""The scheduled drop-folder flow: new files once, unchanged files never reread, growing files wait."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from core.settings import load_settings
from storage import iter_record_ids, open_store
from tests.ops.scans import small_pages

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def _write_slowly(path: Path, data: bytes, stop: threading.Event) -> None:
    """A scanner still copying its file: a little more every 0.1 s until told to finish."""
    chunk = max(len(data) // 200, 1)
    written = chunk
    path.write_bytes(data[:written])
    while not stop.wait(0.1) and written < len(data) - chunk:
        with path.open("ab") as handle:
            handle.write(data[written : written + chunk])
        written += chunk
    with path.open("ab") as handle:
        handle.write(data[written:])


def test_drop_folder_runs(tmp_path: Path, sohoa_home: Path) -> None:
    from flows import ingest_drop_folder

    drop = tmp_path / "drop"
    first, second, late = small_pages(tmp_path / "made", 3)
    drop.mkdir()
    shutil.copy(first, drop / first.name)
    shutil.copy(second, drop / second.name)
    stop = threading.Event()
    writer = threading.Thread(target=_write_slowly, args=(drop / "late.png", late.read_bytes(), stop))
    writer.start()
    try:
        run1 = ingest_drop_folder(str(drop), settle_seconds=1.0)
    finally:
        stop.set()
        writer.join()
    assert {Path(o.path).name: o.status for o in run1.outcomes} == {
        first.name: "ingested",
        second.name: "ingested",
    }, "the file still being written is left for the next run"

    shutil.copy(first, drop / "same-paper-again.png")  # new name, same bytes
    run2 = ingest_drop_folder(str(drop), settle_seconds=1.0)
    assert {Path(o.path).name: o.status for o in run2.outcomes} == {
        "late.png": "ingested",
        "same-paper-again.png": "duplicate",
    }, "files ingested by run 1 are skipped unread"

    run3 = ingest_drop_folder(str(drop), settle_seconds=1.0)
    assert run3.outcomes == []
    assert len(list(iter_record_ids(open_store(load_settings().storage_url)))) == 3
