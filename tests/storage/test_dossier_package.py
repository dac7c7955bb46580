"""The dossier package: the original kept once, the scan pages, dossier.json; fixity covers it."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from core.errors import BadInput, NotFound
from schemas import Dossier, DossierFile, Page, Segmentation, Word
from schemas.page import Box
from storage import LocalStore, sha256_file
from storage.dossier_package import (
    dossier_exists,
    dossier_file_key,
    iter_dossier_ids,
    read_dossier,
    update_dossier,
    write_dossier_package,
)
from storage.fixity import verify
from storage.ocfl_layout import dossier_object_id, dossier_scan_object_id, object_path
from storage.package import ocfl_root
from tests.storage.ocfl_helpers import ocfl_py_validate


def _dossier(original: Path, *, held: bool = False) -> Dossier:
    decomposed = unicodedata.normalize("NFD", "Quyết định số 15")
    word = Word(text=decomposed, confidence=90, box=Box(left=1, top=1, width=10, height=5))
    return Dossier(
        id="d" * 32,
        code="G09.2019.15",
        source="G09.2019.15.pdf",
        sha256="0" * 64,
        files=[
            DossierFile(
                name=original.name,
                sha256=sha256_file(original),
                size=original.stat().st_size,
                media_type="application/pdf",
                first_page=1,
                page_count=2,
            )
        ],
        page_count=2,
        pages=[Page(number=1, text=decomposed, words=[word]), Page(number=2, text="")],
        segmentation=Segmentation(pages=[], documents=[], threshold=0.8),
        held=held,
    )


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "G09.2019.15.pdf"
    path.write_bytes(b"%PDF-1.4 the scan of a whole box\n")
    return path


def test_written_read_and_verified(tmp_path: Path, original: Path) -> None:
    store = LocalStore(tmp_path / "store")
    dossier = _dossier(original)
    write_dossier_package(store, dossier, [original])
    assert dossier_exists(store, dossier.id) and list(iter_dossier_ids(store)) == [dossier.id]
    key = dossier_file_key(store, dossier, 0)
    root = f"ocfl/{object_path(dossier_scan_object_id(dossier.id))}/"  # the scan's object
    assert key == f"{root}v1/content/original/{original.name}"
    kept = store.root / key
    assert kept.read_bytes() == original.read_bytes()
    back = read_dossier(store, dossier.id, with_words=True)
    assert back.pages[0].text == "Quyết định số 15" == unicodedata.normalize("NFC", back.pages[0].text)
    assert back.pages[0].words[0].text == "Quyết định số 15"
    assert read_dossier(store, dossier.id, scan=True).pages[0].words == []  # words only when asked
    head = read_dossier(store, dossier.id)  # what showing it needs: no scan page is read
    assert head.pages == [] and head.segmentation.pages == [] and head.code == "G09.2019.15"
    assert dossier_file_key(store, back, 0) == key

    report = verify(store)
    assert report.ok and report.dossiers == 1 and report.records == 0
    update_dossier(store, head.model_copy(update={"title": "Hồ sơ đất đai"}))  # the head alone
    again = read_dossier(store, dossier.id, scan=True)
    assert again.title == "Hồ sơ đất đai" and again.pages[0].text == "Quyết định số 15" and verify(store).ok
    versions = ocfl_root(store).versions(dossier_object_id(dossier.id))
    assert [v.name for v in versions] == ["v1", "v2"]  # the change is a new version, v1 kept
    assert len(ocfl_root(store).versions(dossier_scan_object_id(dossier.id))) == 1  # the scan unchanged
    head = f"ocfl/{object_path(dossier_object_id(dossier.id))}/"
    assert [k.rsplit("/content/", 1)[1] for k in store.list(head) if "/content/" in k] == ["dossier.json"] * 2
    assert [k for k in store.list(root) if "/original/" in k] == [key]  # the scan stored once
    assert ocfl_py_validate(str(store.root / "ocfl")).clean

    kept.write_bytes(b"%PDF-1.4 altered\n")
    problems = verify(store).problems
    assert [(p.area, p.entry, p.kind, p.key) for p in problems] == [("dossiers", dossier.id, "altered", key)]
    assert problems[0].detail.startswith(f"v1: v1/content/original/{original.name} was changed")


def test_a_changed_original_is_refused(tmp_path: Path, original: Path) -> None:
    store = LocalStore(tmp_path / "store")
    dossier = _dossier(original)
    original.write_bytes(b"%PDF-1.4 someone saved over it\n")
    with pytest.raises(BadInput, match="changed since it was hashed"):
        write_dossier_package(store, dossier, [original])
    assert not dossier_exists(store, dossier.id)


def test_a_held_dossier_keeps_no_original(tmp_path: Path, original: Path) -> None:
    store = LocalStore(tmp_path / "store")
    dossier = _dossier(original, held=True)
    with pytest.raises(ValueError):
        write_dossier_package(store, dossier, [original])  # a held dossier's file stays out
    write_dossier_package(store, dossier, None)
    assert dossier_exists(store, dossier.id)
    assert not [k for k in store.list() if "/original/" in k]  # no byte of the original in the store
    with pytest.raises(NotFound):
        dossier_file_key(store, read_dossier(store, dossier.id), 0)
    with pytest.raises(NotFound):
        read_dossier(store, "e" * 32)


def test_a_dossier_whose_scan_object_is_gone_is_reported_missing(tmp_path: Path, original: Path) -> None:
    store = LocalStore(tmp_path / "store")
    dossier = _dossier(original)
    write_dossier_package(store, dossier, [original])
    scan = f"ocfl/{object_path(dossier_scan_object_id(dossier.id))}/"
    store.delete_tree(scan)  # e.g. a kill between a held scan's purge and its new version
    problems = verify(store).problems
    assert [(p.area, p.entry, p.kind, p.key) for p in problems] == [("dossiers", dossier.id, "missing", scan)]
