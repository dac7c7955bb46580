"""A file dropped into the folder of a dossier already stored: no second dossier overlapping the
first is made; the folder is refused with a reason in Vietnamese and English (quarantine, reason
only, the files left where they are) and remembered so, until a person acts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from application.dropfolder import FileState, FolderState, grown_dossiers, grown_reason
from core.settings import load_settings
from storage import iter_quarantined, open_store
from storage.dossier_package import iter_dossier_ids
from tests.ops.scans import small_pages


def test_an_entry_whose_dossier_is_stored_has_grown() -> None:
    state = FolderState(
        source="/d",
        files={
            "/d/A/1.png": FileState(size=1, mtime_ns=1, status="ingested", id="dA"),
            "/d/B/1.png": FileState(size=1, mtime_ns=1, status="duplicate", id="dB"),
            "/d/C/1.png": FileState(size=1, mtime_ns=1, status="ingested", id="dC"),
            "/d/E/1.png": FileState(size=1, mtime_ns=1, status="quarantined", id=None),
            "/d/F.pdf": FileState(size=1, mtime_ns=1, status="ingested", id="dF"),
        },
    )
    entries = {
        "/d/A": ["/d/A/2.png"],  # a late page
        "/d/C": ["/d/C/2.png"],  # its dossier is gone (withdrawn): read afresh
        "/d/E": ["/d/E/1.png"],  # quarantined before: no dossier of it
        "/d/F.pdf": ["/d/F.pdf"],  # one file, changed since its dossier was stored
        "/d/G": ["/d/G/1.png"],  # new
    }
    committed = {"dA": True, "dB": True, "dC": False, "dF": True}
    assert grown_dossiers("/d", entries, state, committed) == {"/d/A": "dA", "/d/F.pdf": "dF"}
    reason = grown_reason("/d/A", "dA", ["/d/A/2.png", "/d/A/sub/3.png"])
    assert reason.startswith("Hồ sơ này đã được lưu (mã định danh dA) với nội dung khác")
    assert "The dossier is already stored (dA)" in reason and "2.png, sub/3.png" in reason
    assert "(F.pdf)" in grown_reason("/d/F.pdf", "dF", ["/d/F.pdf"])


@pytest.mark.flow
def test_a_late_page_does_not_make_a_second_dossier(
    tmp_path: Path, sohoa_home: Path, prefect_harness
) -> None:
    from flows import ingest_drop_folder

    drop = tmp_path / "drop"
    folder = drop / "G09.2019.16"
    folder.mkdir(parents=True)
    first, second, late = small_pages(tmp_path / "made", 3)
    shutil.copy(first, folder / "G09.2019.16.0000001.png")
    shutil.copy(second, folder / "G09.2019.16.0000002.png")
    run1 = ingest_drop_folder(str(drop), settle_seconds=0.5, dossier=True)
    (stored,) = run1.dossiers
    store = open_store(load_settings().storage_url)

    shutil.copy(late, folder / "G09.2019.16.0000003.png")  # a page found after the intake
    run2 = ingest_drop_folder(str(drop), settle_seconds=0.5, dossier=True)
    assert run2.dossiers == [] and list(iter_dossier_ids(store)) == [stored.id]  # no second dossier
    (refused,) = run2.outcomes
    assert refused.path == str(folder / "G09.2019.16.0000003.png") and refused.status == "quarantined"
    assert refused.id == stored.id and "Hồ sơ này đã được lưu" in (refused.reason or "")
    assert "already stored" in (refused.reason or "")
    (entry,) = iter_quarantined(store)
    assert entry["path"] == str(folder) and entry["original"] is None and stored.id in entry["reason"]
    assert (folder / "G09.2019.16.0000003.png").is_file()  # left where it is, for a person

    run3 = ingest_drop_folder(str(drop), settle_seconds=0.5, dossier=True)
    assert run3.outcomes == [] and run3.dossiers == []  # remembered: not refused again each run
