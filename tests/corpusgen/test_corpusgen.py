"""The corpus generator: deterministic, disjoint splits, ground truth equal to what was drawn."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata

import numpy as np
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
    assert [d["order"] for d in documents] == list(range(1, len(documents) + 1))
    assert len([d for d in documents if d["kind"] != "copy"]) == 2  # and any copy that came with them
    covered = sorted(n for d in documents for n in range(d["pages"][0], d["pages"][1] + 1))
    assert sorted(covered + truth["blank_pages"]) == list(range(1, truth["page_count"] + 1))
    for doc in documents:
        first = truth["pages"][doc["pages"][0] - 1]
        assert first["role"] == "first" and first["doc_page"] == 1
        if doc["kind"] in ("state", "copy"):
            assert f"Số: {doc['metadata']['doc_number']}" in first["text"].splitlines()
        last = truth["pages"][doc["pages"][1] - 1]
        assert last["role"] in ("first", "signature", "appendix", "continuation")


def _rendered(kind: str = "", page_numbers: str = "bare", foot: bool = False, host_index: int = 7):
    """A document of `kind` rendered clean with the given page-number style."""
    import random

    from corpusgen.content import make_document
    from corpusgen.render import Style, render_document
    from corpusgen.split import _make

    host = make_document(random.Random("host"), "host", length=3, doc_type="Tờ trình")
    rng = random.Random(f"kind:{kind}:{host_index}")
    doc = _make(rng, "t0001", 9, kind, host, None)
    style = Style(FAMILIES[0], page_numbers=page_numbers, page_number_foot=foot)
    return doc, render_document(doc, style, rng)


def _ink(page, box) -> int:
    """Dark pixels of the clean page inside a line's box: what was drawn there."""
    crop = page.image.convert("L").crop(box)
    return int((np.asarray(crop) < 128).sum())


@pytest.mark.parametrize(
    ("style", "foot", "expected"),
    [
        ("bare", False, "{n}"),
        ("dash", False, "- {n} -"),
        ("trang", True, "Trang {n}/{total}"),
        ("fraction", False, "{n}/{total}"),
        ("fraction", True, "{n}/{total}"),
    ],
)
def test_page_numbers_are_drawn_in_their_style_and_in_the_truth(style, foot, expected):
    _, pages = _rendered(page_numbers=style, foot=foot)
    assert len(pages) >= 2
    assert not [line for line in pages[0].lines if line.region == "page_number"]
    for n, page in enumerate(pages[1:], 2):
        line = page.lines[-1] if foot else page.lines[0]
        assert line.region == "page_number"
        assert line.text == expected.format(n=n, total=len(pages))
        assert page.text.splitlines()[-1 if foot else 0] == line.text
        assert (line.bbox[1] > 3200) if foot else (line.bbox[3] < 250)
        assert _ink(page, line.bbox) > 30


def test_documents_without_page_numbers_have_none():
    _, pages = _rendered(page_numbers="none")
    assert len(pages) >= 2
    assert all(line.region != "page_number" for page in pages for line in page.lines)


def test_party_petition_list_draft_and_form_look_as_they_should():
    motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    doc, pages = _rendered("party")
    lines = pages[0].text.splitlines()
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in lines and motto not in lines
    assert doc.number_line == f"Số {doc.number}-{doc.notation}" in lines
    assert doc.metadata()["doc_number"] == f"{doc.number}-{doc.notation}"
    assert doc.signer_titles[0] == "T/M BAN THƯỜNG VỤ"

    doc, pages = _rendered("petition")
    lines = pages[0].text.splitlines()
    assert lines[:2] == [motto, "Độc lập - Tự do - Hạnh phúc"]
    assert not [line for line in pages[0].lines if line.region == "header_left"]
    assert not any(re.match(r"Số:? \d", line) for line in lines) and doc.metadata()["doc_number"] == ""
    assert pages[-1].text.splitlines()[-1] == doc.signer_name and pages[-1].signature_box

    doc, pages = _rendered("list")
    assert len(pages) == 1  # a one-page list
    lines = pages[0].text.splitlines()
    assert lines[0].startswith(("DANH SÁCH", "DANH MỤC")) and motto not in lines
    assert not any(re.match(r"Số:? \d", line) for line in lines)

    doc, pages = _rendered("draft")
    lines = pages[0].text.splitlines()
    assert lines[0] == "DỰ THẢO" and _ink(pages[0], pages[0].lines[0].bbox) > 30
    assert f"Số: /{doc.notation}" in lines  # the number left blank (drawn wide, read single-spaced)
    assert f"{doc.place}, ngày tháng năm {doc.date.year}" in lines
    assert all(page.signature_box is None for page in pages) and not doc.signer_name

    doc, pages = _rendered("form")
    lines = pages[0].text.splitlines()
    assert lines[0].startswith("Mẫu số ") and lines[1] == motto
    assert not [line for line in pages[0].lines if line.region == "header_left"]


def test_variety_keeps_what_version_1_drew_and_is_stable():
    """A dossier's document with `variety` has the same words as without it (the page numbers
    and appendix headings aside), and the same pixels twice."""
    plain = document_pages("tuning", SEED, 100_004)
    varied = document_pages("tuning", SEED, 100_004, variety=True)
    again = document_pages("tuning", SEED, 100_004, variety=True)
    assert plain[0].doc.subject == varied[0].doc.subject and plain[0].doc.number == varied[0].doc.number
    for first, second in zip(varied, again, strict=True):
        assert first.text == second.text
        assert first.scanned.image.tobytes() == second.scanned.image.tobytes()


@pytest.fixture(scope="module")
def rich_dossier():
    """Tuning dossier 10: drafts attached to their tờ trình, a photocopy of an older document, a
    blank back inside a document, a Party document (see the assertions)."""
    from corpusgen.dossier import make_dossier

    return make_dossier("tuning", RICH)


RICH = 10


def test_dossier_truth_holds_attachments_copies_and_blank_backs(rich_dossier):
    truth = rich_dossier.truth()
    documents, pages = truth["documents"], truth["pages"]
    spans = [range(d["pages"][0], d["pages"][1] + 1) for d in documents]
    covered = sorted(n for span in spans for n in span)
    assert sorted(covered + truth["blank_pages"]) == list(range(1, truth["page_count"] + 1))
    kinds = {d["kind"] for d in documents}
    attached = [a["kind"] for d in documents for a in d["attachments"]]
    assert {"copy", "party", "state"} <= kinds and "draft" in attached and truth["blank_backs"]
    for doc, span in zip(documents, spans, strict=True):
        assert all(pages[n - 1]["doc_id"] == doc["doc_id"] for n in span)
        for back in doc["blank_backs"]:  # a blank page inside the document, not at its ends
            assert pages[back - 1]["blank"] and pages[back - 1]["blank_kind"] == "back"
            assert span.start < back < span.stop - 1
        for attachment in doc["attachments"]:
            first, last = attachment["pages"]
            assert span.start < first <= last < span.stop
            opening = pages[first - 1]
            assert opening["part"] == attachment["kind"] and opening["doc_page"] == 1
            if attachment["kind"] == "draft":
                assert opening["text"].splitlines()[0] == "DỰ THẢO"
        if doc["kind"] == "copy":
            host = next(d for d in documents if d["doc_id"] == doc["attached_to"])
            assert host["order"] == doc["order"] - 1
            assert doc["metadata"]["date"] < host["metadata"]["date"]
            assert "photocopy" in pages[doc["pages"][0] - 1]["kinds"]
    for page in pages:
        if not page.get("blank") and page["doc_page"] > 1 and page["page_numbers"].startswith("trang"):
            total = max(p["doc_page"] for p in pages if p.get("source_doc_id") == page["source_doc_id"])
            assert f"Trang {page['doc_page']}/{total}" in page["text"].splitlines()


def test_blank_back_shows_the_front_through_faintly(rich_dossier, tmp_path):
    from corpusgen.dossier import write_dossier

    path = write_dossier(rich_dossier, tmp_path)
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    with Image.open(path) as image:
        assert image.n_frames == truth["page_count"]
        for number in truth["blank_backs"] + truth["blank_pages"]:
            image.seek(number - 1)
            pixels = np.asarray(image.convert("L"), dtype=float)[200:-200, 200:-200]
            assert pixels.mean() > 225 and (pixels < 128).mean() < 0.001  # blank to a reader
            page = truth["pages"][number - 1]
            if page.get("show_through"):  # the front's ink, mirrored, a little darker
                front = rich_dossier.sheets[number - 2].page.rendered.image.convert("L")
                mirrored = np.asarray(front.transpose(Image.FLIP_LEFT_RIGHT), dtype=float)
                ink = 255 - mirrored[200:-200, 200:-200]
                assert np.corrcoef((255 - pixels).ravel(), ink.ravel())[0, 1] > 0.2


def test_a_plain_dossier_is_drawn_as_version_1_drew_it():
    from corpusgen.dossier import make_dossier

    truth = make_dossier("tuning", 1, documents=2, plain=True).truth()
    assert [d["kind"] for d in truth["documents"]] == ["state", "state"]
    assert not truth["blank_backs"] and not any(d["attachments"] for d in truth["documents"])
    for page in truth["pages"]:
        if not page.get("blank") and page["doc_page"] > 1:
            assert page["page_numbers"] == "bare" and page["text"].splitlines()[0] == str(page["doc_page"])
