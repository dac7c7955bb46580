"""Write a split of generated pages to a folder, in the shared corpus's format, and read it back.

    <dir>/manifest.json                 every page: image, gt_text, gt_lines, page_manifest,
                                        doc_id, job_id, page, page_count, degradation (label),
                                        kinds, page_kind, role, dpi, rotated_cw_deg, skew_deg_ccw
    <dir>/pages/<job>_p<N>.png|jpg      the page image (dpi in the file)
    <dir>/pages/<job>_p<N>.json         that page's manifest: the above + metadata, steps, font
    <dir>/gt/<job>_p<N>.gt.txt          exact text, UTF-8 NFC, one line per drawn line
    <dir>/gt/<job>_p<N>.lines.json      the same lines with region, style, size and box

Documents are generated one by one, each from its own seed ("<split>:<seed>:<index>"), so a
split cut at N pages is the first documents of the full split, byte for byte.
"""

from __future__ import annotations

import json
import os
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpusgen.content import (
    Block,
    Document,
    make_document,
    make_draft,
    make_form,
    make_list,
    make_party,
    make_petition,
)
from corpusgen.degrade import KINDS, Result, degrade, plan_for, to_lowres
from corpusgen.fonts import FAMILIES, FontFamily, available_families, handwriting_font
from corpusgen.render import RenderedPage, Style, render_document

__all__ = [
    "FORCED_KINDS",
    "SPLITS",
    "GeneratedPage",
    "document_pages",
    "generate_pages",
    "load_split",
    "split_dir",
    "write_split",
]

SPLITS = {"tuning": 11_0417, "evaluation": 11_8923}
DEFAULT_PAGES = {"tuning": 120, "evaluation": 210}
# Document k is degraded with FORCED_KINDS[k % len] plus random extras: every kind appears in
# every split of 15 documents or more. None: a clean scan; "handwritten": số and day by hand.
FORCED_KINDS = (None, *KINDS, "handwritten")
GENERATOR_VERSION = 2  # 2: dossiers with attachments, Party documents, lists, petitions


@dataclass
class GeneratedPage:
    job_id: str
    number: int
    page_count: int
    doc: Document
    rendered: RenderedPage
    scanned: Result
    family: FontFamily
    style: Style

    @property
    def stem(self) -> str:
        return f"{self.job_id}_p{self.number}"

    @property
    def lines(self) -> list:
        return [*self.rendered.lines, *self.scanned.stamp_lines]

    @property
    def text(self) -> str:
        return unicodedata.normalize("NFC", "\n".join(line.text for line in self.lines))

    @property
    def kinds(self) -> list[str]:
        kinds = [step["name"] for step in self.scanned.steps]
        return kinds + (["handwritten"] if self.doc.handwritten else [])

    def entry(self) -> dict:
        suffix = "jpg" if self.scanned.image_format == "jpeg" else "png"
        return {
            "image": f"pages/{self.stem}.{suffix}",
            "gt_text": f"gt/{self.stem}.gt.txt",
            "gt_lines": f"gt/{self.stem}.lines.json",
            "page_manifest": f"pages/{self.stem}.json",
            "doc_id": self.doc.doc_id,
            "job_id": self.job_id,
            "page": self.number,
            "page_count": self.page_count,
            "degradation": "+".join(self.kinds) or "clean",
            "kinds": self.kinds or ["clean"],
            "page_kind": self.rendered.kind,
            "role": self.rendered.role,
            "dpi": self.scanned.dpi,
            "rotated_cw_deg": self.scanned.rotated_cw,
            "skew_deg_ccw": self.scanned.skew_ccw,
            "image_mode": self.scanned.image.mode,
            "image_format": self.scanned.image_format,
        }

    def page_manifest(self) -> dict:
        text = " ".join(self.text.split())
        on_page = [item for item in self.doc.personal_data if " ".join(item["value"].split()) in text]
        marks = [
            f"mark_{name}"
            for name, value in (("secrecy", self.doc.secrecy), ("urgency", self.doc.urgency))
            if value and self.rendered.role == "first"
        ]
        return {
            **self.entry(),
            "degradations": self.scanned.steps,
            "render_dpi": 300,
            "width_px": self.scanned.image.width,
            "height_px": self.scanned.image.height,
            "font": {
                "family": self.family.name,
                "body_size_pt": self.style.body_pt,
                "line_spacing": self.style.spacing,
            },
            "metadata": self.doc.metadata(),
            "personal_data_on_page": on_page,
            "marks_on_page": marks,
            "handwritten_on_page": [part for line in self.lines for part in line.handwritten],
            "source": "corpusgen (sohoa): invented texts, names and numbers",
        }


def _family(rng: random.Random) -> FontFamily:
    wanted = rng.choice(FAMILIES)
    if wanted not in available_families():
        raise RuntimeError(f"font {wanted.name} is not installed: run scripts/bootstrap.sh with WITH_BENCH=1")
    return wanted


PAGE_NUMBER_STYLES = ("bare", "dash", "trang", "fraction", "none")
PAGE_NUMBER_WEIGHTS = (35, 20, 12, 8, 25)
APPENDIX_STYLES = ("", "no_reference", "heading_below", "numbered")
APPENDIX_WEIGHTS = (40, 25, 20, 15)


def _make(
    rng: random.Random, doc_id: str, length: int, kind: str, host: Document | None, doc_type: str | None
) -> Document:
    if kind == "party":
        return make_party(rng, doc_id, length)
    if kind == "list":
        return make_list(rng, doc_id)
    if kind == "petition":
        return make_petition(rng, doc_id)
    if kind in ("draft", "form"):
        assert host is not None, f"a {kind} is attached to a document"
        return (make_draft if kind == "draft" else make_form)(rng, doc_id, host)
    before = host.date if kind == "copy" and host else None
    if doc_type is None and before is None:
        return make_document(rng, doc_id, length=length)  # the rng drawn as in version 1
    return make_document(rng, doc_id, length=length, doc_type=doc_type, before=before)


def _vary_appendix(doc: Document, vrng: random.Random) -> None:
    """Appendices unlike the first version's 'Phụ lục' + title + '(Kèm theo …)': the reference
    left out, the heading under the title, or 'PHỤ LỤC I' with '(Ban hành kèm theo …)'."""
    at = next((i for i, b in enumerate(doc.blocks) if b.kind == "appendix_start"), None)
    if at is None:
        return
    style = vrng.choices(APPENDIX_STYLES, APPENDIX_WEIGHTS)[0]
    doc.appendix_style = style
    _, title, reference = doc.blocks[at : at + 3]
    if style == "no_reference":
        del doc.blocks[at + 2]
    elif style == "heading_below":
        doc.blocks[at : at + 3] = [
            Block("appendix_start", ""),
            title,
            Block("centre", "Phụ lục I", "i"),
            reference,
        ]
    elif style == "numbered":
        reference = Block("centre", reference.text.replace("(Kèm theo", "(Ban hành kèm theo"), "i")
        doc.blocks[at : at + 3] = [Block("appendix_start", "PHỤ LỤC I"), title, reference]


def document_pages(
    split: str,
    seed: int,
    index: int,
    variant: str = "",
    length: int | None = None,
    *,
    kind: str = "",
    host: Document | None = None,
    doc_type: str | None = None,
    variety: bool = False,
) -> list[GeneratedPage]:
    """Document `index` of a split, rendered and scanned (deterministic by split, seed, index);
    `length` overrides the body length (2: most often one page).

    For dossiers: `kind` makes a document unlike the state layout ("party", "list", "petition"),
    an attachment of `host` ("draft", "form") or a photocopy of an older document ("copy");
    `doc_type` forces the type; `variety` draws page-number styles (also none, also at the foot)
    and appendix headings from a second rng, so the first rng draws what version 1 drew."""
    rng = random.Random(f"{split}:{seed}:{index}")
    vrng = random.Random(f"{split}:{seed}:{index}:variety")
    forced = FORCED_KINDS[index % len(FORCED_KINDS)]
    if kind == "copy":
        forced = "photocopy"
    doc_id = f"{split[:4]}{index:04d}"
    chosen = rng.choice((3, 4, 5, 7, 9, 12))
    doc = _make(rng, doc_id, length or chosen, kind, host, doc_type)
    page_numbers, foot = "bare", False
    if variety:
        page_numbers = vrng.choices(PAGE_NUMBER_STYLES, PAGE_NUMBER_WEIGHTS)[0]
        foot = page_numbers != "none" and vrng.random() < 0.3
        _vary_appendix(doc, vrng)
        if kind == "copy" and vrng.random() < 0.5:
            doc.top_lines = ["BẢN SAO"]
    if forced == "handwritten" and doc.variant:
        forced = None  # no number or day to write by hand
    if forced == "handwritten":
        if handwriting_font() is None:
            raise RuntimeError("the handwriting font is not installed (Debian fonts-dkg-handwriting)")
        doc.handwritten = ["number", "day"]
    family = _family(rng)
    style = Style(
        family,
        body_pt=rng.choice((13.0, 13.0, 14.0, 14.0, 12.0)),
        spacing=round(rng.uniform(1.15, 1.4), 2),
        margins=(
            rng.randint(354, 413),
            rng.randint(236, 295),
            2480 - rng.randint(177, 236),
            3508 - rng.randint(236, 295),
        ),
        justify=rng.random() < 0.7,
        ending_alone=rng.random() < 0.45,
        page_numbers=page_numbers,
        page_number_foot=foot,
    )
    pages = render_document(doc, style, rng)
    sparse = any(page.kind == "text_poor" for page in pages)
    plan = plan_for(rng, None if forced in (None, "handwritten") else forced, sparse)
    if forced == "handwritten" and rng.random() < 0.5:
        plan = plan_for(rng, rng.choice(("noise", "skew", "jpeg", "lowdpi")), sparse)
    out = []
    for number, page in enumerate(pages, 1):
        page_seed = rng.randrange(2**31)
        if variant == "lowres70":
            scanned = to_lowres(page)
        else:
            scanned = degrade(page, plan, random.Random(page_seed), family, doc.date, page_seed)
        out.append(GeneratedPage(doc_id, number, len(pages), doc, page, scanned, family, style))
    return out


def generate_pages(split: str, pages: int | None = None, variant: str = "") -> Iterator[GeneratedPage]:
    """The split's pages in order, whole documents, until at least `pages` pages were made.

    The evaluation split is for measuring only: while tuning anything on OCR or metadata, use
    the tuning split and do not look at evaluation pages one by one (only at the totals).
    """
    seed = SPLITS[split]
    target = pages if pages is not None else DEFAULT_PAGES[split]
    made, index = 0, 0
    while made < target:
        for page in document_pages(split, seed, index, variant):
            made += 1
            yield page
        index += 1


def split_dir(split: str, pages: int | None = None, variant: str = "", home: Path | None = None) -> Path:
    """Where a split is cached: $SOHOA_HOME/corpusgen/<split>-<seed>[-<pages>][-<variant>]/."""
    home = home or Path(os.environ.get("SOHOA_HOME", Path.cwd() / ".sohoa"))
    name = f"{split}-{SPLITS[split]}"
    if pages is not None and pages != DEFAULT_PAGES[split]:
        name += f"-{pages}p"
    if variant:
        name += f"-{variant}"
    return home / "corpusgen" / f"v{GENERATOR_VERSION}" / name


def _save_image(page: GeneratedPage, path: Path) -> None:
    scanned = page.scanned
    dpi = (scanned.dpi, scanned.dpi)
    if scanned.jpeg_quality:
        scanned.image.save(path, "JPEG", quality=scanned.jpeg_quality, dpi=dpi)
    else:
        scanned.image.save(path, "PNG", dpi=dpi)


def write_split(split: str, out: Path, pages: int | None = None, variant: str = "") -> Path:
    """Generate the split into `out` (made if needed); returns the manifest path. Idempotent:
    a folder whose manifest exists is left alone."""
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        return manifest_path
    (out / "pages").mkdir(parents=True, exist_ok=True)
    (out / "gt").mkdir(exist_ok=True)
    entries = []
    for page in generate_pages(split, pages, variant):
        entry = page.entry()
        _save_image(page, out / entry["image"])
        (out / entry["gt_text"]).write_text(page.text + "\n", encoding="utf-8")
        lines = {
            "frame": "clean render at 300 dpi, before degradations (bbox in px: x0,y0,x1,y1)",
            "lines": [line.as_json() for line in page.lines],
        }
        _dump(out / entry["gt_lines"], lines)
        _dump(out / entry["page_manifest"], page.page_manifest())
        entries.append(entry)
    manifest = {
        "corpus": f"corpusgen {split}" + (f" ({variant})" if variant else ""),
        "split": split,
        "seed": SPLITS[split],
        "generator_version": GENERATOR_VERSION,
        "rule": "evaluation split: measure only, never inspect page by page while tuning",
        "gt_format": "UTF-8 NFC text, one line per drawn line, reading order as ../shared/corpus",
        "pages": entries,
    }
    tmp = manifest_path.with_suffix(".tmp")
    _dump(tmp, manifest)
    tmp.replace(manifest_path)  # the manifest last: a folder without one is incomplete
    return manifest_path


def _dump(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def load_split(folder: Path) -> list[dict]:
    """Every page's manifest (metadata, steps, ground truth paths) of a written split."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [json.loads((folder / e["page_manifest"]).read_text(encoding="utf-8")) for e in manifest["pages"]]
