"""A dossier drop folder: each top-level folder is one hồ sơ, taken once all its files settled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from application.dropfolder import dossier_entries, dossier_file_outcomes
from core.settings import load_settings
from schemas import BatchSummary, DocumentOutcome, DossierOutcome, IngestOutcome
from storage import open_store
from storage.dossier_package import iter_dossier_ids, read_dossier
from tests.ops.scans import small_pages


def test_a_dossier_waits_for_its_last_file() -> None:
    ready = ["/d/A.1.1/x.0000001.pdf", "/d/A.1.1/x.0000002.pdf", "/d/B.1.2/p1.png", "/d/C.pdf"]
    entries, waiting = dossier_entries("/d", ready, ["/d/B.1.2/p2.png"])
    assert entries == {"/d/A.1.1": ready[:2], "/d/C.pdf": ["/d/C.pdf"]}
    assert waiting == ["/d/B.1.2/p1.png"]  # its folder still grows: the whole dossier waits


def test_each_file_gets_its_dossiers_outcome() -> None:
    summary = BatchSummary(
        batch="b",
        outcomes=[
            IngestOutcome(path="/d/C.pdf", status="quarantined", reason="dossier: the file has no pages")
        ],
        dossiers=[
            DossierOutcome(path="/d/A", id="d1", documents=[DocumentOutcome(id="r1", order=1, pages=(1, 2))])
        ],
    )
    out = dossier_file_outcomes(
        {"/d/A": ["/d/A/1.pdf", "/d/A/2.pdf"], "/d/C.pdf": ["/d/C.pdf"], "/d/E": ["/d/E/1"]}, summary
    )
    assert [(o.path, o.status, o.id) for o in out] == [
        ("/d/A/1.pdf", "ingested", "d1"),
        ("/d/A/2.pdf", "ingested", "d1"),
        ("/d/C.pdf", "quarantined", None),
    ]  # the dossier's id, which a split keeps; /d/E not begun: looked at again next run


@pytest.mark.flow
def test_dossier_drop_folder_runs(tmp_path: Path, sohoa_home: Path, prefect_harness) -> None:
    from flows import ingest_drop_folder

    drop = tmp_path / "drop"
    folder = drop / "G09.2019.15"
    folder.mkdir(parents=True)
    pages = small_pages(tmp_path / "made", 2)
    for order, page in enumerate(pages, 1):
        shutil.copy(page, folder / f"G09.2019.15.{order:07d}.png")

    run1 = ingest_drop_folder(str(drop), settle_seconds=0.5, dossier=True)
    (dossier,) = run1.dossiers
    assert dossier.code == "G09.2019.15" and [d.pages for d in dossier.documents] == [(1, 1), (2, 2)]
    store = open_store(load_settings().storage_url)
    assert list(iter_dossier_ids(store)) == [dossier.id]
    stored = read_dossier(store, dossier.id)
    assert [f.order for f in stored.files] == [1, 2]  # per-document files, in their order

    run2 = ingest_drop_folder(str(drop), settle_seconds=0.5, dossier=True)
    assert run2.outcomes == [] and run2.dossiers == []  # remembered, not read again
