"""The corpus: per-field accuracy against the page manifests' ground truth, and the three
safety rules (secret -> not_accessible; a CCCD -> conditional or stricter; never public on an
M rule alone). The six fixture documents always run; the shared corpus (../shared/corpus)
when it is present, and one page through the real OCR pipeline (Tesseract)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest
from classify_support import SHARED_CORPUS, fixture_docs

from classify import classify, extract, load_rules
from classify.evaluate import TARGET_FIELDS, Score, actual_fields, expected_fields
from schemas import Classification, Page

TODAY = dt.date(2025, 6, 1)
RULES = load_rules()
DOCS = fixture_docs()
needs_corpus = pytest.mark.skipif(
    not (SHARED_CORPUS / "manifest.json").exists(),
    reason=f"the shared corpus is not at {SHARED_CORPUS} (the fixture copies still run)",
)


def _safety(meta: dict, manifests: list[dict], result: Classification) -> list[str]:
    problems = []
    if meta.get("secrecy") and result.access != "not_accessible":
        problems.append(f"secret-marked but {result.access}")
    has_cccd = any(p["kind"] == "cccd" for m in manifests for p in m.get("personal_data_on_page", []))
    if has_cccd and result.access not in ("conditional", "not_accessible"):
        problems.append(f"a page holds a CCCD but the record is {result.access}")
    if result.access == "public":
        access_set, _ = RULES.for_date(TODAY)
        firm = [
            d
            for d in result.decisions
            if d.outcome == "public"
            and (rule := RULES.rule(access_set.id, d.rule))
            and rule.tag in ("P", "T")
        ]
        if not firm:
            problems.append("public without a P/T rule")
    return problems


def _run(pages: list[Page]):
    extraction = extract(pages)
    return extraction, classify(extraction.metadata, pages, RULES, today=TODAY)


# --- the six fixture documents (always) --------------------------------------------------------


@pytest.mark.parametrize("doc", DOCS, ids=[d.doc_id for d in DOCS])
def test_fixture_safety(doc):
    _, result = _run(doc.pages)
    assert _safety(doc.metadata, doc.manifests, result) == []


def test_fixture_secret_and_personal_documents():
    by_id = {d.doc_id[:3]: _run(d.pages)[1] for d in DOCS}
    assert by_id["d03"].access == "not_accessible"
    assert by_id["d03"].protect_until == dt.date(2030, 11, 17)
    assert by_id["d05"].access == by_id["d06"].access == "conditional"


# --- the shared corpus, ground-truth text ---------------------------------------------------------


def _jobs() -> dict[str, list[dict]]:
    manifest = json.loads((SHARED_CORPUS / "manifest.json").read_text(encoding="utf-8"))
    jobs: dict[str, list[dict]] = defaultdict(list)
    for entry in manifest["pages"]:
        jobs[entry["job_id"]].append(entry)
    return {k: sorted(v, key=lambda e: e["page"]) for k, v in jobs.items()}


def _manifests(entries: list[dict]) -> list[dict]:
    return [json.loads((SHARED_CORPUS / e["page_manifest"]).read_text(encoding="utf-8")) for e in entries]


@needs_corpus
def test_corpus_ground_truth_fields_and_safety():
    score = Score()
    problems = []
    for job, entries in _jobs().items():
        pages = [
            Page(number=e["page"], text=(SHARED_CORPUS / e["gt_text"]).read_text("utf-8")) for e in entries
        ]
        manifests = _manifests(entries)
        extraction, result = _run(pages)
        score.add(job, expected_fields(manifests[0]["metadata"]), actual_fields(extraction))
        problems += [f"{job}: {p}" for p in _safety(manifests[0]["metadata"], manifests, result)]
    assert problems == []
    low = {f: score.accuracy(f) for f in TARGET_FIELDS if score.accuracy(f) < 0.98}
    assert low == {}, score.misses


@needs_corpus
def test_one_page_through_the_real_ocr_pipeline():
    """A secret report page with a CCCD, OCR'd by Tesseract: safety must hold on OCR output."""
    ocr = pytest.importorskip("ocr")
    entries = _jobs()["d03_bc_mat_thaibinh__seal"][:1]
    pages = list(ocr.ocr_file(SHARED_CORPUS / entries[0]["image"], ocr.TesseractEngine()))
    extraction, result = _run(pages)
    meta = extraction.metadata
    assert (meta.number, meta.notation, meta.doc_type) == ("46", "BC-TTr", "Báo cáo")
    assert meta.secrecy == "MẬT"
    assert result.access == "not_accessible"
    assert "cccd" in {p.kind for p in meta.personal_data}
