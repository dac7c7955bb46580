"""The corpus generator: deterministic, disjoint splits, ground truth equal to what was drawn."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata

import pytest
from PIL import Image

from corpusgen import FORCED_KINDS, KINDS, SPLITS, load_split, write_split
from corpusgen.fonts import FAMILIES, available_families, handwriting_font
from corpusgen.split import document_pages
from ocr.accuracy import order_free_cer

pytestmark = pytest.mark.skipif(
    len(available_families()) < len(FAMILIES) or handwriting_font() is None,
    reason="generator fonts missing (fonts-liberation2, fonts-texgyre, fonts-dkg-handwriting)",
)

SEED = SPLITS["tuning"]


@pytest.fixture(scope="module")
def tuning_docs() -> list[list]:
    """The first len(FORCED_KINDS) documents of the tuning split (one per forced kind)."""
    return [document_pages("tuning", SEED, index) for index in range(len(FORCED_KINDS))]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_same_seed_same_pages(tuning_docs):
    again = document_pages("tuning", SEED, 1)
    for first, second in zip(tuning_docs[1], again, strict=True):
        assert first.scanned.image.tobytes() == second.scanned.image.tobytes()
        assert first.text == second.text
        assert first.page_manifest() == second.page_manifest()


def test_splits_are_disjoint(tuning_docs):
    evaluation = [document_pages("evaluation", SPLITS["evaluation"], index) for index in range(3)]
    assert SPLITS["tuning"] != SPLITS["evaluation"]
    tuning_texts = {page.text for doc in tuning_docs for page in doc}
    tuning_ids = {page.doc.doc_id for doc in tuning_docs for page in doc}
    for doc in evaluation:
        for page in doc:
            assert page.text not in tuning_texts
            assert page.doc.doc_id not in tuning_ids
    assert [p.text for p in evaluation[0]] != [p.text for p in document_pages("tuning", SEED, 0)]


def test_every_kind_appears_and_plans_hold(tuning_docs):
    pages = [page for doc in tuning_docs for page in doc]
    seen = {kind for page in pages for kind in page.kinds}
    assert set(KINDS) | {"handwritten"} <= seen
    assert any(not page.kinds for page in pages), "no clean page"
    for page in pages:
        if "rotate" in page.kinds:
            assert {"noise", "photocopy", "seal"} & set(page.kinds) or page.rendered.signature_box is None
        if "photocopy" in page.kinds and "jpeg" not in page.kinds:
            assert page.scanned.image.mode == "1"
        if "lowdpi" in page.kinds:
            assert 70 <= page.scanned.dpi <= 150
            assert page.scanned.image.width < 2480 * 0.55 or page.scanned.rotated_cw in (90, 270)
    kinds = {page.rendered.kind for page in pages}
    assert kinds == {"full", "text_poor"}


def test_ground_truth_is_nfc_and_complete(tuning_docs):
    for doc in tuning_docs:
        for page in doc:
            manifest = page.page_manifest()
            for text in [page.text, *_strings(manifest)]:
                assert unicodedata.normalize("NFC", text) == text
            meta = manifest["metadata"]
            assert meta["doc_number"] == f"{meta['number']}/{meta['notation']}"
            if page.rendered.role == "first":
                assert f"Số: {meta['doc_number']}" in page.text.splitlines()
                assert meta["date_line"] in page.text.splitlines()
            if page.rendered.signature_box:
                assert meta["signer"]["name"] in page.text.splitlines()
                assert meta["signer_position"] in page.text.splitlines()


def test_handwritten_fields_are_marked(tuning_docs):
    doc = tuning_docs[FORCED_KINDS.index("handwritten")]
    first = doc[0]
    assert first.doc.metadata()["handwritten_fields"] == ["number", "day"]
    written = [line for line in first.lines if line.handwritten]
    assert [part for line in written for part in line.handwritten] == [
        first.doc.number,
        f"{first.doc.date.day:02d}",
    ]
    assert first.page_manifest()["handwritten_on_page"] == [first.doc.number, f"{first.doc.date.day:02d}"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_clean_page_reads_as_its_ground_truth(tuning_docs, tmp_path):
    """What was drawn is what the ground truth says: Tesseract reads a clean page close to it."""
    page = next(p for doc in tuning_docs for p in doc if not p.kinds and p.rendered.kind == "full")
    image = tmp_path / "page.png"
    page.rendered.image.convert("L").save(image, dpi=(300, 300))
    command = ["tesseract", str(image), "stdout", "-l", "vie", "--psm", "3"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert order_free_cer(text, page.text) < 0.03


def test_written_split_reads_back(tmp_path):
    manifest_path = write_split("evaluation", tmp_path / "eval", pages=1)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["split"] == "evaluation" and manifest["seed"] == SPLITS["evaluation"]
    pages = load_split(tmp_path / "eval")
    assert len(pages) == len(manifest["pages"]) >= 1
    for entry, page in zip(manifest["pages"], pages, strict=True):
        folder = tmp_path / "eval"
        with Image.open(folder / entry["image"]) as image:
            assert round(image.info["dpi"][0]) == entry["dpi"]
        text = (folder / entry["gt_text"]).read_text(encoding="utf-8")
        lines = json.loads((folder / entry["gt_lines"]).read_text(encoding="utf-8"))["lines"]
        assert text.rstrip("\n").split("\n") == [line["text"] for line in lines]
        assert page["metadata"]["issuing_body"]
    before = manifest_path.stat().st_mtime_ns
    write_split("evaluation", tmp_path / "eval", pages=1)  # cached: left alone
    assert manifest_path.stat().st_mtime_ns == before


def test_dossier_boundaries_match_its_sheets(tmp_path):
    from corpusgen.dossier import make_dossier, write_dossier

    dossier = make_dossier("tuning", 1, documents=2)
    path = write_dossier(dossier, tmp_path)
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    with Image.open(path) as image:
        assert image.n_frames == truth["page_count"] == len(dossier.sheets)
    documents = truth["documents"]
    assert [d["order"] for d in documents] == [1, 2]
    covered = sorted(n for d in documents for n in range(d["pages"][0], d["pages"][1] + 1))
    assert sorted(covered + truth["blank_pages"]) == list(range(1, truth["page_count"] + 1))
    for doc in documents:
        first = truth["pages"][doc["pages"][0] - 1]
        assert first["role"] == "first" and f"Số: {doc['metadata']['doc_number']}" in first["text"]
        last = truth["pages"][doc["pages"][1] - 1]
        assert last["role"] in ("first", "signature", "appendix")
