"""Dossier segmentation benchmark: classify.segment on corpusgen dossiers with exact boundary truth.

    .venv/bin/python bench/segment_bench.py [--split evaluation|tuning] [--dossiers N] [--first K]
        [--ocr] [--limit PAGES] [--metadata] [--json FILE] [--show]

    # while tuning: the tuning split (ground-truth text, then OCR)
    .venv/bin/python bench/segment_bench.py --split tuning --dossiers 40
    .venv/bin/python bench/segment_bench.py --split tuning --dossiers 6 --ocr --limit 60 --show

For each dossier of the split (corpusgen/dossier.py: 2-15 documents, one-page documents,
appendices without a header, blank separator sheets, degraded pages; since generator version 2
also Party documents, one-page lists, citizens' petitions, drafts and forms attached to their
document, photocopies of older documents, blank backs inside a document, page numbers in several
styles or none) the pages are segmented by `classify.segment.segment_dossier`:

(a) from each page's ground-truth text (fast, no image);
(b) with --ocr: from the real OCR of the dossier's multi-page TIFF, page by page through the
    pipeline's page reader (ocr/page_reader.py, Tesseract `vie`, one process). Each page read is
    cached under $SOHOA_HOME/bench-segment/v<generator version>/<split>/<code>/ so a rerun only
    reads what is new;
    `--limit` caps the pages read anew in one run (dossiers beyond it are left out and counted).

Reported: boundaries exact (precision, recall and F1 of the pages that start a document), the
share of dossiers segmented exactly, boundaries missed between two documents whose số/ký hiệu
were both read (target 0), blank sheets found (separators, and blank backs: blank, but inside a
document, so the page after one continues it), boundaries and pages sent to review, and (totals
only, fit for the evaluation split) the true starts missed by document kind, the false starts
by what the page is (an attached draft or form, an appendix of a heading style, ...), the blank
backs missed by what they were taken for (a continuation, read as unread lettering, seen
through) and the pages with text taken for blank sheets by what they are (text-poor). Targets
(issue 15): >= 98 % of boundaries exact, 0 missed between two documents whose số/ký hiệu were
both read. The evaluation split is for measuring only: tune on --split tuning; --show prints
per-dossier errors and is refused on the evaluation split.

--metadata: each true document's metadata and access class as the dossier intake reads them from
the document the pipeline cut for it (`match_documents`; a document whose start was missed is in
another's record: every field wrong), and from its true pages read as one single document, field
by field as bench/classify_fields.py compares them (classify.evaluate): what the cut costs, on the
very same documents (issue 15: "per-document metadata as accurate as for single documents"); also
by document kind (totals). On OCR both include the second readings the intake makes
(application/second_readings.py: the signature region when the signer's name was not read whole,
the day/month digits read as letters), from the dossier's TIFF written again by corpusgen only
for a dossier one of whose documents asks for a page, cached under the dossier's OCR folder in
`second/<hash of the code they depend on>/`; `--first-reading-only` leaves them out (the figures
before them), `--only-second signature|date` applies one of them (what each adds). Reported
beside the numbers or days stored wrong: the signer names stored wrong (a name that is not the
truth's; an empty one is not wrong).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.classify_fields import TODAY  # noqa: E402
from classify import RuleBook, classify, extract, load_rules  # noqa: E402
from classify.evaluate import FIELDS, TARGET_FIELDS, Score, actual_fields, expected_fields, wrong_values  # noqa: E402
from classify.extraction import Extraction  # noqa: E402
from classify.header import read_header  # noqa: E402
from classify.layout import page_lines  # noqa: E402
from classify.segment import REVIEW_BELOW, segment_dossier  # noqa: E402
from corpusgen.split import GENERATOR_VERSION  # noqa: E402
from schemas import Page  # noqa: E402
from schemas.dossier import Segmentation  # noqa: E402

TARGETS = {"boundary_f1": 0.98, "missed_both_read": 0}


def _home() -> Path:
    return Path(os.environ.get("SOHOA_HOME", ROOT / ".sohoa"))


def _cache() -> Path:
    """Truth and OCR of the dossiers, per generator version (a new generator draws new pages)."""
    return _home() / "bench-segment" / f"v{GENERATOR_VERSION}"


VARIANTS = ("no-page-numbers", "no-motto", "page-number-styles", "no-endings", "no-attachment-labels")


def truth_pages(truth: dict, vary: tuple[str, ...] = ()) -> list[Page]:
    """Each page's ground-truth text; `vary` takes cues away or changes them, to see how the
    segmentation holds on dossiers unlike the generator's (ground-truth text only)."""
    pages = []
    lengths = {d["doc_id"]: d["pages"][1] - d["pages"][0] + 1 for d in truth["documents"]}
    for p in truth["pages"]:
        lines = p.get("text", "").split("\n")
        if lines and p.get("doc_page", 1) > 1 and lines[0].strip() == str(p["doc_page"]):
            if "no-page-numbers" in vary:
                lines = lines[1:]
            elif "page-number-styles" in vary:
                styles = (f"- {p['doc_page']} -", f"Trang {p['doc_page']}/{lengths[p['doc_id']]}")
                lines = [styles[p["page"] % 2], *lines[1:]] if p["page"] % 3 else [*lines[1:], lines[0]]
        if "no-motto" in vary:
            lines = [x for x in lines if "CỘNG HÒA" not in x and "Độc lập" not in x]
        if "no-attachment-labels" in vary and p.get("part") in ("draft", "form") and p.get("doc_page") == 1:
            lines = lines[1:]  # the boxed 'DỰ THẢO' / 'Mẫu số 02' not read (as the OCR often misses it)
        if "no-endings" in vary and "Nơi nhận:" in lines:
            lines = lines[: lines.index("Nơi nhận:")]  # the ending block lost (a torn-off foot)
        pages.append(Page(number=p["page"], text="\n".join(lines)))
    return pages


def dossier_truth(split: str, index: int) -> dict:
    """Dossier `index` of the split's truth (pages' text, documents, blank sheets), cached: making
    a dossier renders its pages, which takes seconds."""
    from corpusgen.dossier import make_dossier

    path = _cache() / split / "truth" / f"{index:04d}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    truth = make_dossier(split, index).truth()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


def ocr_pages(split: str, index: int, truth: dict, budget: list[int]) -> list[Page] | None:
    """The dossier's pages as the OCR pipeline reads them, cached page by page; None when the
    page budget of this run would be exceeded."""
    from corpusgen.dossier import make_dossier, write_dossier
    from ocr.engine import TesseractEngine
    from ocr.load import TIFF, load_page
    from ocr.page_reader import DocumentOrientation, process_page

    folder = _cache() / split / truth["code"]
    cached = {n: folder / f"p{n:04d}.json" for n in range(1, truth["page_count"] + 1)}
    missing = [n for n, path in cached.items() if not path.exists()]
    if len(missing) > budget[0]:
        return None
    if missing:
        tif = folder / f"{truth['code']}.tif"
        if not tif.exists():
            write_dossier(make_dossier(split, index), folder)
        engine = TesseractEngine()
        orientation = DocumentOrientation()
        for number in missing:
            source = load_page(tif, TIFF, number, max_pixels=200_000_000)
            result = process_page(source, engine, orientation_hint=orientation.hint)
            orientation.add(result)
            cached[number].write_text(result.page.model_dump_json(), encoding="utf-8")
            budget[0] -= 1
        tif.unlink(missing_ok=True)  # the pages are read: keep the cache small
    return [Page.model_validate_json(cached[n].read_text(encoding="utf-8")) for n in sorted(cached)]


def _page_category(truth: dict, number: int) -> str:
    """What a page that starts no document is, for the aggregate count of false starts."""
    page = truth["pages"][number - 1]
    if page.get("blank"):
        return f"blank_{page.get('blank_kind', 'separator')}"
    before = truth["pages"][number - 2] if number > 1 else {}
    if before.get("blank_kind") == "back":
        return "after_blank_back"
    if page.get("part") in ("draft", "form"):
        return f"attachment_{page['part']}" + ("" if page["doc_page"] == 1 else "_later_page")
    if page["role"] == "appendix":
        return f"appendix_{page.get('appendix_style', 'standard')}"
    return f"{page['role']}_{page.get('page_numbers', 'bare')}"


def truth_starts(truth: dict) -> set[int]:
    return {doc["pages"][0] for doc in truth["documents"]}


def number_read(page: Page, metadata: dict) -> bool:
    """The document's số/ký hiệu read on its first page: a Số line in its header whose number is
    the document's (the notation after it may carry OCR slips)."""
    header = read_header(page_lines(page))
    if header.number is None:
        return False
    notation = header.number[0]
    return notation.number is not None and notation.number.lstrip("0") == str(metadata["number"]).lstrip("0")


_LOST = object()  # the value of every field of a document no cut document stands for: never right


def match_documents(truth: list[tuple[int, int]], cuts: list[list[int]]) -> list[int | None]:
    """For each true document (its first and last page), the index in `cuts` (each cut document's
    pages) of the document that stands for it in the archive, or None. A cut document stands for
    the true document its first page lies in (a page outside every true document, a separator
    sheet taken for text, does not count: its next page does); of several cut from one true
    document (a false start inside it), the one starting on its first page, else the first. A true
    document whose start was missed has none: its pages went into the record of the one before."""
    owner = {n: i for i, (first, last) in enumerate(truth) for n in range(first, last + 1)}
    out: list[int | None] = [None] * len(truth)
    for index, pages in enumerate(cuts):
        doc = next((owner[n] for n in pages if n in owner), None)
        if doc is None:
            continue
        held = out[doc]
        if held is None or (pages[0] == truth[doc][0] and cuts[held][0] != truth[doc][0]):
            out[doc] = index
    return out


def read_document(
    pages: list[Page], rules: RuleBook, second: SecondReads | None = None
) -> tuple[Extraction, str]:
    """A document's metadata and access class as the dossier intake reads them
    (application/dossier_intake.py build_document: its scan pages renumbered 1..n, the second
    readings of its signature and date regions when the first reading lacks them
    (application/second_readings.py read_again, from the dossier's page images), then
    `extract(...)`, whose `.metadata` is classify.extract_metadata's, and classify); the
    Extraction is what classify.evaluate compares. Classified on the day
    bench/classify_fields.py uses. `second` None: the first reading alone."""
    own = [page.model_copy(update={"number": i}) for i, page in enumerate(pages, start=1)]
    readings = second.read([p.number for p in pages], own) if second else None
    if readings is None:
        extraction = extract(own)
    else:
        extraction = extract(own, readings.signature.reading, readings.date.reading)
    return extraction, classify(extraction.metadata, own, rules, today=TODAY).access


# the code a second reading depends on: a cached reading is made again when any of it changes
_SECOND_CODE = (
    "application/second_readings.py",
    "application/signature_reading.py",
    "application/date_reading.py",
    "classify/signer.py",
    "classify/date_reading.py",
    "classify/layout.py",
    "ocr/region.py",
    "ocr/engine.py",
)


class SecondReads:
    """Second readings of a dossier's documents through application/second_readings.py, from
    the dossier's TIFF (corpusgen writes it again, only when a reading asks for a page; removed
    after), cached per document's scan pages and per version of the code they depend on (the
    readings' engine calls and seconds counted as made, cached ones included)."""

    def __init__(self, split: str, parts: tuple[str, ...] = ("signature", "date")) -> None:
        import hashlib

        self.split = split
        self.parts = parts  # which second readings are applied (all are read and cached)
        digest = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in _SECOND_CODE)).hexdigest()
        self.code = digest[:12]
        self.index: int | None = None
        self.folder: Path | None = None
        self.calls = {"signature": 0, "date": 0}
        self.documents = {"signature": 0, "date": 0}
        self.seconds = 0.0
        self._engine = None
        self._seen: set[tuple[str, str]] = set()  # (dossier, pages): a document read as cut and as single

    def start(self, index: int, truth: dict) -> None:
        self.close()
        self.index, self.folder = index, _cache() / self.split / truth["code"]

    def close(self) -> None:
        if self.folder is not None:
            for tif in self.folder.glob("*.tif"):
                tif.unlink(missing_ok=True)

    def _image(self, number: int):
        from corpusgen.dossier import make_dossier, write_dossier
        from ocr.load import TIFF, load_page

        assert self.folder is not None and self.index is not None
        tif = self.folder / f"{self.folder.name}.tif"
        if not tif.exists():
            write_dossier(make_dossier(self.split, self.index), self.folder)
            (self.folder / f"{self.folder.name}.json").unlink(missing_ok=True)
        return load_page(tif, TIFF, number, max_pixels=200_000_000).image

    def read(self, numbers: list[int], own: list[Page]):
        """The second readings of the document of scan pages `numbers` (`own`: renumbered 1..n)."""
        from application.date_reading import DateReread
        from application.second_readings import SecondReadings, read_again
        from application.signature_reading import SignatureReread
        from classify.date_reading import DateReading
        from classify.signer import SecondReading
        from ocr.engine import TesseractEngine

        assert self.folder is not None
        key = "-".join(str(n) for n in numbers)
        cached = self.folder / "second" / self.code / f"{key}.json"
        if cached.exists():
            data = json.loads(cached.read_text(encoding="utf-8"))
        else:
            self._engine = self._engine or TesseractEngine()
            found = read_again(own, lambda n: self._image(numbers[n - 1]), self._engine)
            sig, date = found.signature, found.date
            data = {
                "signature": {
                    "page": sig.reading.page if sig.reading else None,
                    "lines": [list(x) for x in sig.reading.lines] if sig.reading else [],
                    "calls": sig.calls,
                    "seconds": sig.seconds,
                    "reason": sig.reason,
                },
                "date": {
                    "reading": [date.reading.page, date.reading.index, date.reading.text]
                    if date.reading
                    else None,
                    "calls": date.calls,
                    "seconds": date.seconds,
                },
            }
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        sig, date = data["signature"], data["date"]
        if (self.folder.name, key) not in self._seen:  # counted once a document
            self._seen.add((self.folder.name, key))
            for name, part in (("signature", sig), ("date", date)):
                self.calls[name] += part["calls"]
                self.documents[name] += bool(part["calls"])
                self.seconds += part["seconds"]
        lines = tuple((t, c) for t, c in sig["lines"])
        reading = SecondReading(page=sig["page"], lines=lines) if sig["page"] else None
        day = DateReading(*date["reading"]) if date["reading"] else None
        return SecondReadings(
            SignatureReread(reading if "signature" in self.parts else None, sig["calls"], sig["seconds"]),
            DateReread(day if "date" in self.parts else None, date["calls"], date["seconds"]),
        )

    def summary(self) -> dict:
        return {
            "documents_read_again": dict(self.documents),
            "engine_calls": dict(self.calls),
            "seconds": round(self.seconds, 1),
        }


def _signer_wrong(want: dict, got: dict) -> bool:
    """A signer's name stored that is not the truth's (an empty one, flagged, is not wrong)."""
    return (
        "signer_name" in want
        and got.get("signer_name") is not None
        and got["signer_name"] != want["signer_name"]
    )


@dataclass
class Tally:
    dossiers: int = 0
    exact: int = 0
    pages: int = 0
    true_starts: int = 0
    found_starts: int = 0
    hits: int = 0
    both_read: int = 0
    missed_both_read: int = 0
    blanks: int = 0
    blanks_found: int = 0
    backs: int = 0
    backs_found: int = 0
    blank_false: int = 0
    missed_by_kind: Counter = field(default_factory=Counter)  # true starts not found, by document kind
    false_by_kind: Counter = field(default_factory=Counter)  # starts found on pages that start nothing
    backs_missed_as: Counter = field(
        default_factory=Counter
    )  # blank backs not found: what they were taken for
    blank_false_by_page: Counter = field(default_factory=Counter)  # pages with text taken for blank sheets
    review_boundaries: int = 0
    review_pages: int = 0
    review_wrong: int = 0
    wrong: int = 0
    wrong_flagged: int = 0
    docs_exact: int = 0
    docs: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    found_fields: Score = field(default_factory=Score)  # metadata of the documents as cut
    true_fields: Score = field(default_factory=Score)  # ... and read as single documents
    cut_exact: int = 0  # true documents cut page for page
    cut_lost: int = 0  # true documents no cut document stands for (merged into another)
    extra_cuts: int = 0  # cut documents standing for no true document (a document split)
    found_wrong: int = 0  # numbers or days stored wrong, as cut
    true_wrong: int = 0  # ... as single documents
    found_signer_wrong: int = 0  # a signer's name stored and not the truth's, as cut
    true_signer_wrong: int = 0  # ... as single documents
    by_kind: dict = field(default_factory=dict)  # document kind -> (Score as cut, Score as single)
    same_access: int = 0  # documents cut whose access class is the one read as a single document
    secret_open: Counter = field(default_factory=Counter)  # secret-marked, not 'not_accessible'
    secrets: int = 0
    rules: RuleBook | None = None
    second: SecondReads | None = None  # the second readings (OCR runs), None: the first reading alone

    def add_metadata(self, truth: dict, pages: list[Page], result: Segmentation, images: bool) -> None:
        """Each true document's metadata as the intake reads it from the document the pipeline cut
        for it (`match_documents`; none cut for it: every field lost), and from its true pages
        read as one single document: the first against the second is what cutting costs."""
        by_page = {p.number: p for p in pages}
        blank = {*truth["blank_pages"], *truth.get("blank_backs", [])}
        cuts = [d.pages for d in result.documents]
        if self.rules is None:
            self.rules = load_rules()
        rules = self.rules
        matched = match_documents([tuple(d["pages"]) for d in truth["documents"]], cuts)
        self.extra_cuts += len(cuts) - len({m for m in matched if m is not None})
        for doc, cut in zip(truth["documents"], matched, strict=True):
            meta = doc["metadata"]
            self.secrets += bool(meta.get("secrecy"))
            want = expected_fields(meta, images=images)
            first, last = doc["pages"]
            span = [n for n in range(first, last + 1) if n not in blank]
            single, single_access = read_document([by_page[n] for n in span], rules, self.second)
            self.secret_open["single"] += bool(meta.get("secrecy")) and single_access != "not_accessible"
            self.true_fields.add(doc["doc_id"], want, actual_fields(single), FIELDS)
            cut_kind, single_kind = self.by_kind.setdefault(doc.get("kind", "state"), (Score(), Score()))
            single_kind.add(doc["doc_id"], want, actual_fields(single), FIELDS)
            self.true_wrong += len(wrong_values(meta, single))
            self.true_signer_wrong += _signer_wrong(want, actual_fields(single))
            if cut is None:
                self.cut_lost += 1
                self.found_fields.add(doc["doc_id"], want, dict.fromkeys(want, _LOST), FIELDS)
                cut_kind.add(doc["doc_id"], want, dict.fromkeys(want, _LOST), FIELDS)
                self.secret_open["as_cut"] += bool(meta.get("secrecy"))  # in another's record
                continue
            self.cut_exact += cuts[cut] == span
            found, found_access = read_document([by_page[n] for n in cuts[cut]], rules, self.second)
            self.same_access += found_access == single_access
            self.secret_open["as_cut"] += bool(meta.get("secrecy")) and found_access != "not_accessible"
            self.found_fields.add(doc["doc_id"], want, actual_fields(found), FIELDS)
            cut_kind.add(doc["doc_id"], want, actual_fields(found), FIELDS)
            self.found_wrong += len(wrong_values(meta, found))
            self.found_signer_wrong += _signer_wrong(want, actual_fields(found))

    def add(self, truth: dict, pages: list[Page], result: Segmentation, show: bool) -> None:
        self.dossiers += 1
        self.pages += len(pages)
        want = truth_starts(truth)
        got = {d.pages[0] for d in result.documents}
        self.true_starts += len(want)
        self.found_starts += len(got)
        self.hits += len(want & got)
        separators = set(truth["blank_pages"])
        backs = set(truth.get("blank_backs", []))  # blank, but inside a document
        blanks = separators | backs
        found_blank = {p.number for p in result.pages if p.role == "blank"}
        self.blanks += len(separators)
        self.blanks_found += len(separators & found_blank)
        self.backs += len(backs)
        self.backs_found += len(backs & found_blank)
        self.blank_false += len(found_blank - blanks)
        kind_of = {d["pages"][0]: d.get("kind", "state") for d in truth["documents"]}
        for start in want - got:
            self.missed_by_kind[kind_of[start]] += 1
        for start in got - want:
            self.false_by_kind[_page_category(truth, start)] += 1
        by_number = {p.number: p for p in result.pages}
        for number in sorted(backs - found_blank):
            page = by_number[number]
            unread = any(c.cue == "unreadable" for c in page.cues)
            shown = truth["pages"][number - 1].get("show_through")
            self.backs_missed_as[
                f"{page.role}{'_unread' if unread else ''}{'_show_through' if shown else ''}"
            ] += 1
        for number in sorted(found_blank - blanks):
            self.blank_false_by_page[truth["pages"][number - 1].get("page_kind", "?")] += 1
        want_docs = {(d["pages"][0], d["pages"][1]) for d in truth["documents"]}
        got_docs = {(d.pages[0], d.pages[-1]) for d in result.documents}
        self.docs += len(want_docs)
        self.docs_exact += len(want_docs & got_docs)
        exact = want == got and blanks == found_blank
        self.exact += exact
        by_page = {p.number: p for p in pages}
        docs = truth["documents"]
        for before, after in zip(docs, docs[1:], strict=False):
            a, b = before["pages"][0], after["pages"][0]
            if number_read(by_page[a], before["metadata"]) and number_read(by_page[b], after["metadata"]):
                self.both_read += 1
                self.missed_both_read += b not in got
        for page in result.pages:
            self.review_pages += page.review
            if page.role == "blank":
                continue
            is_start = page.number in want
            right = (page.role == "start") == is_start
            if page.review and (page.role == "start" or is_start):
                self.review_boundaries += 1
            if page.review and not right:
                self.review_wrong += 1
            if not right:
                self.wrong += 1
                self.wrong_flagged += page.review
        if show and not exact:
            for page in result.pages:
                is_start = page.number in want
                tag = "blank" if page.number in blanks else ("start" if is_start else "continuation")
                if tag != page.role:
                    cues = ", ".join(f"{c.cue}{c.weight:+.1f}" for c in page.cues)
                    self.errors.append(
                        f"{truth['code']} p{page.number}: truth {tag}, got {page.role} "
                        f"({page.confidence:.2f}{' review' if page.review else ''}) [{cues}]"
                    )

    def metadata_summary(self) -> dict:
        docs = self.true_fields.total.get(FIELDS[0], 0)
        return {
            "documents": docs,
            "cut_exact": self.cut_exact,
            "cut_wrong": docs - self.cut_exact - self.cut_lost,
            "lost_in_another": self.cut_lost,
            "extra_cut_documents": self.extra_cuts,
            "numbers_or_days_stored_wrong": {"as_cut": self.found_wrong, "single": self.true_wrong},
            "signer_names_stored_wrong": {
                "as_cut": self.found_signer_wrong,
                "single": self.true_signer_wrong,
            },
            "access_as_single": self.same_access,
            "secret_marked": self.secrets,
            "secret_not_restricted": {k: self.secret_open[k] for k in ("as_cut", "single")},
            "second_readings": self.second.summary() if self.second else None,
            "fields": {
                name: {
                    "as_cut": [self.found_fields.right.get(name, 0), self.found_fields.total.get(name, 0)],
                    "single": [self.true_fields.right.get(name, 0), self.true_fields.total.get(name, 0)],
                }
                for name in FIELDS
            },
            "target_fields_by_kind": {
                kind: {
                    "documents": cut.total.get(FIELDS[0], 0),
                    **{name: [cut.right.get(name, 0), single.right.get(name, 0)] for name in TARGET_FIELDS},
                }
                for kind, (cut, single) in sorted(self.by_kind.items())
            },
        }

    def summary(self) -> dict:
        precision = self.hits / self.found_starts if self.found_starts else 0.0
        recall = self.hits / self.true_starts if self.true_starts else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "dossiers": self.dossiers,
            "pages": self.pages,
            "documents": self.true_starts,
            "boundary_precision": round(precision, 4),
            "boundary_recall": round(recall, 4),
            "boundary_f1": round(f1, 4),
            "documents_exact": round(self.docs_exact / self.docs, 4) if self.docs else 0.0,
            "dossiers_exact": round(self.exact / self.dossiers, 4) if self.dossiers else 0.0,
            "boundaries_both_numbers_read": self.both_read,
            "missed_both_read": self.missed_both_read,
            "blank_sheets": self.blanks,
            "blank_sheets_found": self.blanks_found,
            "blank_backs": self.backs,
            "blank_backs_found": self.backs_found,
            "blank_backs_missed_as": dict(self.backs_missed_as.most_common()),
            "blank_false_alarms": self.blank_false,
            "blank_false_alarms_by_page": dict(self.blank_false_by_page.most_common()),
            "missed_starts_by_kind": dict(self.missed_by_kind.most_common()),
            "false_starts_by_page": dict(self.false_by_kind.most_common()),
            "review_boundaries": self.review_boundaries,
            "review_pages": self.review_pages,
            "wrong_pages": self.wrong,
            "wrong_pages_flagged": self.wrong_flagged,
            "seconds": round(self.seconds, 1),
        }


def run(
    split: str,
    first: int,
    count: int,
    ocr: bool,
    limit: int,
    show: bool,
    vary: tuple[str, ...] = (),
    metadata: bool = False,
    second: tuple[str, ...] = ("signature", "date"),
) -> tuple[dict, Tally]:
    tally = Tally()
    if metadata and ocr and second:
        tally.second = SecondReads(split, second)
    budget = [limit]
    skipped = 0
    for index in range(first, first + count):
        truth = dossier_truth(split, index)
        pages = ocr_pages(split, index, truth, budget) if ocr else truth_pages(truth, vary)
        if pages is None:
            skipped += 1
            continue
        started = time.perf_counter()
        result = segment_dossier(pages)
        tally.seconds += time.perf_counter() - started
        tally.add(truth, pages, result, show)
        if metadata:
            if tally.second is not None:
                tally.second.start(index, truth)
            tally.add_metadata(truth, pages, result, images=ocr)
    if tally.second is not None:
        tally.second.close()
    text = "ocr" if ocr else "ground truth" + (f" ({', '.join(vary)})" if vary else "")
    summary = {"split": split, "text": text, **tally.summary()}
    if skipped:
        summary["dossiers_left_out_by_limit"] = skipped
    if metadata:
        summary["metadata_exact"] = tally.metadata_summary()
    return summary, tally


def _print(summary: dict) -> None:
    print(f"\n== {summary['split']} split, {summary['text']} text ==")
    for name, value in summary.items():
        if name in ("split", "text", "metadata_exact"):
            continue
        print(f"  {name:32s} {value}")
    if "metadata_exact" in summary:
        meta = summary["metadata_exact"]
        print(
            f"  metadata of {meta['documents']} documents: cut exactly {meta['cut_exact']}, cut wrong "
            f"{meta['cut_wrong']}, lost in another's record {meta['lost_in_another']} (all fields "
            f"wrong); {meta['extra_cut_documents']} cut documents stand for none"
        )
        print(f"    {'exact':28s} {'as cut and classified':>24s} {'same pages as singles':>24s}")
        for name, pair in meta["fields"].items():
            cells = [f"{r}/{t} ({r / t if t else 0:.1%})" for r, t in (pair["as_cut"], pair["single"])]
            print(f"    {name:28s} {cells[0]:>24s} {cells[1]:>24s}")
        wrong = meta["numbers_or_days_stored_wrong"]
        print(f"    {'numbers or days stored wrong':28s} {wrong['as_cut']:>24d} {wrong['single']:>24d}")
        wrong = meta["signer_names_stored_wrong"]
        print(f"    {'signer names stored wrong':28s} {wrong['as_cut']:>24d} {wrong['single']:>24d}")
        secret = meta["secret_not_restricted"]
        print(
            f"    access class as the single document's: {meta['access_as_single']} of "
            f"{meta['documents'] - meta['lost_in_another']} cut; secret-marked {meta['secret_marked']}, "
            f"not 'not_accessible' {secret['as_cut']} as cut, {secret['single']} as single"
        )
        if meta.get("second_readings"):
            print(f"    second readings (signature, date): {meta['second_readings']}")
        print("    target fields right by document kind (as cut / as single):")
        for kind, row in meta["target_fields_by_kind"].items():
            cells = " ".join(f"{n} {row[n][0]}/{row[n][1]}" for n in TARGET_FIELDS)
            print(f"      {kind} ({row['documents']}): {cells}")
    f1 = summary["boundary_f1"]
    print(
        f"  targets: boundaries exact {f1:.1%} (>= {TARGETS['boundary_f1']:.0%}) "
        f"{'OK' if f1 >= TARGETS['boundary_f1'] else 'MISSED'}; missed between two read numbers "
        f"{summary['missed_both_read']} (target 0) {'OK' if summary['missed_both_read'] == 0 else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="evaluation", choices=["evaluation", "tuning"])
    parser.add_argument("--dossiers", type=int, default=30, help="how many dossiers")
    parser.add_argument("--first", type=int, default=0, help="index of the first dossier")
    parser.add_argument("--ocr", action="store_true", help="also segment the OCR of the dossiers")
    parser.add_argument("--only-ocr", action="store_true", help="the OCR run only")
    parser.add_argument("--limit", type=int, default=80, help="pages to OCR anew in this run")
    parser.add_argument(
        "--vary", default="", help=f"ground-truth text changed: comma-separated of {', '.join(VARIANTS)}"
    )
    parser.add_argument(
        "--metadata",
        action="store_true",
        help="also each document's metadata as cut and as a single document (classify.evaluate fields)",
    )
    parser.add_argument(
        "--first-reading-only",
        action="store_true",
        help="--metadata on OCR without the second readings of the signature and date regions",
    )
    parser.add_argument(
        "--only-second",
        choices=["signature", "date"],
        help="--metadata on OCR with this one of the two second readings applied (what each adds)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--show", action="store_true", help="print the wrong pages (tuning split only)")
    args = parser.parse_args(argv)
    if args.show and args.split == "evaluation":
        parser.error("--show is for the tuning split: the evaluation split is read by its totals only")
    vary = tuple(x for x in args.vary.split(",") if x)
    if set(vary) - set(VARIANTS):
        parser.error(f"--vary: one or more of {', '.join(VARIANTS)}")
    out = {"review_below": REVIEW_BELOW}
    runs = ([] if args.only_ocr else [False]) + ([True] if args.ocr or args.only_ocr else [])
    for ocr in runs:
        summary, tally = run(
            args.split,
            args.first,
            args.dossiers,
            ocr,
            args.limit,
            args.show,
            vary,
            args.metadata,
            second=()
            if args.first_reading_only
            else (args.only_second,)
            if args.only_second
            else ("signature", "date"),
        )
        _print(summary)
        for line in tally.errors:
            print("   ", line)
        out["ocr" if ocr else "ground_truth" + ("_" + "_".join(vary) if vary else "")] = summary
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
