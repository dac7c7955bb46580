"""Dossier intake end to end with real OCR: a generated hồ sơ scan becomes its documents, the
dossier record and its original kept once; an archivist moves a boundary; a secret document
inside sends the dossier's original to the hold and leaves none of its text in the store."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.dossier_intake import dossier_code, dossier_files, ingest_dossier
from application.dossier_review import Refusal, SplitRefused, split_dossier
from application.services import build_services
from cli.main import app
from core.settings import Settings
from corpusgen.dossier import make_dossier, write_dossier
from schemas import SearchFilters, SearchQuery
from storage import package_exists, read_record, record_versions, update_record
from storage.dossier_package import read_dossier
from storage.hold import new_key
from tests.storage.ocfl_helpers import logical_files, object_folder

runner = CliRunner()

PLAIN = 3  # tuning dossier 3 with two documents: pages [1, 2] and [3]
SECRET = 0  # tuning dossier 0 with two documents: page 1, a separator, a MẬT report on 3-4


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict]]:
    out = tmp_path_factory.mktemp("dossiers")
    made = {}
    for index in (PLAIN, SECRET):
        dossier = make_dossier("tuning", index, documents=2, plain=True)
        path = write_dossier(dossier, out / str(index))
        made[index] = (path, dossier.truth())
    return made


def _settings(home: Path, **extra: object) -> Settings:
    return Settings(home=home, workers=1, **extra)


@pytest.mark.slow
@pytest.mark.flow
def test_a_dossier_scan_becomes_its_documents(scans, sohoa_home: Path, prefect_harness) -> None:
    path, truth = scans[PLAIN]
    result = runner.invoke(app, ["ingest", str(path), "--dossier", "--title", "Hồ sơ thử nghiệm", "--json"])
    assert result.exit_code == 0, result.stdout
    summary = json.loads(result.stdout)
    (dossier,) = summary["dossiers"]
    assert dossier["code"] == truth["code"] == path.stem  # the name follows the convention
    expected = [d["pages"] for d in truth["documents"]]
    assert [d["pages"] for d in dossier["documents"]] == expected == [[1, 2], [3, 3]]
    assert [d["order"] for d in dossier["documents"]] == [1, 2]
    assert sorted(i["id"] for i in summary["ingested"]) == sorted(d["id"] for d in dossier["documents"])

    store = sohoa_home / "store"
    kept = logical_files(object_folder(store, "dossier-scan", dossier["id"]))[f"original/{path.name}"]
    assert kept.read_bytes() == path.read_bytes()  # the original, once, byte for byte
    assert not list((store / "ocfl").glob("*/*/*/urn%3asohoa%3arecord%3a*/v*/content/original"))  # no copy
    stored = read_dossier(_store(sohoa_home), dossier["id"])
    assert stored.title == "Hồ sơ thử nghiệm" and stored.page_count == 3
    assert [d.pages for d in stored.documents] == [[1, 2], [3]]

    first, second = (read_record(_store(sohoa_home), d["id"]) for d in dossier["documents"])
    assert first.dossier and first.dossier.pages == [1, 2] and [p.number for p in first.pages] == [1, 2]
    assert second.dossier and second.dossier.order == 2
    meta = truth["documents"][1]["metadata"]
    assert second.metadata.doc_type == meta["doc_type"] and str(second.metadata.number) in meta["number"]
    pdf = logical_files(object_folder(store, "record", second.id))["document.pdf"]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert meta["doc_type"].upper() in text.upper()  # its own page, searchable
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info

    again = runner.invoke(app, ["ingest", str(path), "--dossier", "--json"])
    assert again.exit_code == 0, again.stdout
    (twice,) = json.loads(again.stdout)["dossiers"]
    assert twice["status"] == "duplicate" and twice["documents"] == dossier["documents"]


def _store(home: Path):
    from storage import open_store

    return open_store(str(home / "store"))


@pytest.mark.slow
def test_an_archivist_moves_a_boundary(scans, tmp_path: Path) -> None:
    path, _ = scans[PLAIN]
    services = build_services(_settings(tmp_path / "home"))
    intake = ingest_dossier(path, services, code="H74.2019.42")
    assert intake.dossier is not None
    old = {d.pages: d.id for d in intake.dossier.documents}  # {(1, 2): a, (3, 3): b}

    first = read_record(services.store, old[(1, 2)])  # an archivist held it back for now
    held_back = first.classification.model_copy(update={"access": "undetermined"})
    update_record(services.store, first.model_copy(update={"classification": held_back}))

    report = split_dossier(services, intake.dossier.id, [1, 2, 3], who="archivist test")
    assert report.kept == [old[(3, 3)]]
    assert report.withdrawn == [old[(1, 2)]] and len(report.added) == 2
    assert [d.pages for d in report.documents] == [[1], [2], [3]]
    dossier = read_dossier(services.store, intake.dossier.id)
    assert [d.id for d in dossier.documents] == [d.id for d in report.documents]
    assert (
        dossier.events[-1].step == "review-split" and dossier.events[-1].parameters["by"] == "archivist test"
    )
    kept = read_record(services.store, old[(3, 3)])
    assert kept.dossier and kept.dossier.order == 3  # renumbered, not re-read
    for record_id in report.added:  # pages 1 and 2, cut again: never more open than before
        added = read_record(services.store, record_id)
        assert services.index.has(record_id) and added.classification.rules_version
        assert added.classification.access in ("undetermined", "not_accessible")
        assert services.index.access_of(record_id) == added.classification.access
    reasons = [r for i in report.added for r in read_record(services.store, i).classification.review_reasons]
    assert any("giữ loại đó cho đến khi" in r for r in reasons)  # page 1 alone reads as public now
    assert not services.index.has(old[(1, 2)])
    assert not package_exists(services.store, old[(1, 2)])  # withdrawn: a tombstone, by the archivist
    withdrawn = record_versions(services.store, old[(1, 2)])[-1]
    assert withdrawn.message.startswith("withdrawn") and withdrawn.user.name == "archivist test"
    assert read_record(services.store, old[(1, 2)], version=withdrawn.number - 1).id == old[(1, 2)]
    found = services.index.search(SearchQuery(filters=SearchFilters(dossier=intake.dossier.id), limit=10))
    assert sorted(h.id for h in found.hits) == sorted(d.id for d in report.documents)

    with pytest.raises(SplitRefused) as refused:
        split_dossier(services, intake.dossier.id, [99], who="archivist test")
    assert refused.value.kind == Refusal.NOT_TEXT_PAGES
    services.close()


@pytest.mark.slow
def test_a_secret_document_keeps_the_dossier_out_of_the_store(scans, tmp_path: Path) -> None:
    path, truth = scans[SECRET]
    secret_doc = next(d for d in truth["documents"] if d["metadata"].get("secrecy"))
    secret_text = [p["text"] for p in truth["pages"] if p.get("doc_id") == secret_doc["doc_id"]]
    phrases = [line for text in secret_text for line in text.splitlines() if len(line) > 40][:8]
    assert phrases

    without = build_services(_settings(tmp_path / "plain"))
    refused = ingest_dossier(path, without)
    assert refused.dossier is None and refused.outcomes[0].status == "quarantined"
    assert "SOHOA_SECRET_HOLD" in (refused.outcomes[0].reason or "")
    assert not list((tmp_path / "plain" / "store").glob("ocfl/*/*/*/*"))  # no record, no dossier
    assert not list((tmp_path / "plain" / "store").glob("quarantine/*/original/*"))  # no copy kept
    without.close()

    new_key(tmp_path / "keys" / "hold.key")
    home = tmp_path / "held"
    services = build_services(
        _settings(home, secret_hold=tmp_path / "hold", secret_key_file=tmp_path / "keys" / "hold.key")
    )
    intake = ingest_dossier(path, services)
    assert intake.dossier is not None and len(intake.dossier.documents) == 2
    dossier = read_dossier(services.store, intake.dossier.id)
    assert dossier.held and not list((home / "store" / "ocfl").glob("*/*/*/*/v*/content/original/*"))
    records = {d.id: read_record(services.store, d.id, with_words=False) for d in dossier.documents}
    held = [r for r in records.values() if r.metadata.secrecy]
    assert len(held) == 1 and held[0].pages == [] and held[0].classification.access == "not_accessible"
    services.close()
    leaks = []
    for file in home.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            leaks += [(file.name, p) for p in phrases if p.encode() in data]
    assert leaks == []  # not in the store, the index, the lookup, nor a page or a cue text
    assert (tmp_path / "hold" / intake.dossier.id).is_dir()


def test_dossier_files_and_codes(tmp_path: Path) -> None:
    folder = tmp_path / "G09.2019.15"
    folder.mkdir()
    for name in ("G09.2019.15.0000002.pdf", "G09.2019.15.0000001.pdf", "G09.2019.15.0000010.pdf"):
        (folder / name).write_bytes(b"%PDF-1.4")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # a Mac's folder file: not a scan
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf")
    files, orders = dossier_files(folder)
    assert [f.name for f in files] == [
        "G09.2019.15.0000001.pdf",
        "G09.2019.15.0000002.pdf",
        "G09.2019.15.0000010.pdf",
    ]
    assert orders == [1, 2, 10]
    assert dossier_code(folder, None) == ("G09.2019.15", None)
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")  # not every file named by the convention
    files, orders = dossier_files(folder)
    assert orders == [None] * 4 and files[-1].name == "scan.pdf"
    assert dossier_code(tmp_path / "H12.2020.07.pdf", None) == ("H12.2020.07", None)
    code, reason = dossier_code(tmp_path / "hop 3 - ho so dat dai.pdf", None)
    assert code is None and reason and "Mã hồ sơ" in reason
    assert dossier_code(tmp_path / "x.pdf", " G1.2020.3 ") == ("G1.2020.3", None)


def test_a_documents_boundary_doubts_are_its_own_pages_and_a_blank_sheet_after_it() -> None:
    """A document carries the doubts about its pages and a blank sheet just after it, not the
    doubt about the unsure start of the next document (that one's alone: a reader who may see
    the first but not the next would learn from it that a document follows)."""
    from application.dossier_intake import _boundary_reasons
    from schemas import DocumentSpan, PageSegment, Segmentation

    def cut(*pages: tuple[str, int | None, bool]) -> tuple[Segmentation, list[DocumentSpan]]:
        segments = [
            PageSegment(number=n, role=role, confidence=0.5 if unsure else 1.0, review=unsure, document=doc)
            for n, (role, doc, unsure) in enumerate(pages, start=1)
        ]
        orders = sorted({s.document for s in segments if s.document is not None})
        spans = [
            DocumentSpan(order=o, pages=[s.number for s in segments if s.document == o], confidence=1.0)
            for o in orders
        ]
        return Segmentation(pages=segments, documents=spans, threshold=0.8), spans

    def doubted(segmentation: Segmentation, spans: list[DocumentSpan]) -> list[list[str]]:
        reasons = [_boundary_reasons(span, segmentation) for span in spans]
        return [[r.split("trang ")[1].split(" ")[0] for r in rs] for rs in reasons]

    # page 3 an unsure start, right after document 1: document 2's doubt alone
    after = cut(
        ("start", 1, False), ("continuation", 1, True), ("start", 2, True), ("continuation", 2, False)
    )
    assert doubted(*after) == [["2"], ["3"]]
    # a blank sheet after document 1, unsure (maybe a page of it the OCR did not read): its doubt
    blank = cut(("start", 1, False), ("continuation", 1, False), ("blank", None, True), ("start", 2, False))
    assert doubted(*blank) == [["3"], []]
