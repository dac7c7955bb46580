"""Dossiers (hồ sơ) assembled from generated documents, with their document boundaries as truth.

A dossier holds 2-15 documents in order: one-page documents, documents with continuation pages
and appendices (phụ lục pages without a header, their heading in one of several styles) and
text-poor last pages, and blank separator sheets between some of them. Page numbers come in
several styles ("2", "- 2 -", "Trang 2/5", "2/5"; at the top or the foot; none at all). Unlike
the Decree 30 state documents, a dossier also holds (in these shares of its documents):

- Party documents (ĐẢNG CỘNG SẢN VIỆT NAM, "Số 45-BC/HU"): 8 %, documents of their own;
- one-page lists (Danh sách / Danh mục: a title and a table, no motto, header or number): 7 %;
- citizens' petitions (đơn: the motto, no issuing body, no number): 6 %;
- a draft decision (DỰ THẢO, number and day blank, unsigned) after 3 tờ trình in 4, and a form
  (Mẫu số …, the motto and fields to fill) after 15 % of decisions, plans, guides and notices:
  ATTACHMENTS, part of the document they follow (its catalogue entry, its pages);
- a photocopy of an older document (its own full header, half of them marked BẢN SAO) after
  12 % of công văn, tờ trình and báo cáo: a DOCUMENT OF ITS OWN in the catalogue (it has its own
  number, date, issuer and signer, which the catalogue of documents lists; docs/vn-archival-
  rules.md §2.3 catalogues văn bản by their own số/ký hiệu), its truth naming the document it
  came with (`attached_to`);
- a blank back side inside 15 % of the documents of two pages or more (half of them with the
  front's text showing through): a page of that document, not a separator sheet.

Its documents are drawn from the split's seed in their own index range (100000 + 100 * dossier
+ k; their attachments + 50, their copies + 70), so they are not pages of the split itself. The
base of a dossier (how many documents, which are short, where separator sheets fall) is drawn as
in generator version 1; what is new is drawn from a second rng.

    from corpusgen.dossier import make_dossier, write_dossier
    dossier = make_dossier("evaluation", 0)
    write_dossier(dossier, Path("/tmp/d"))   # <code>.tif (multi-page) + <code>.json + per-page truth
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from corpusgen.split import SPLITS, GeneratedPage, document_pages

__all__ = ["Dossier", "Sheet", "make_dossier", "write_dossier"]

_FIRST_INDEX = 100_000


@dataclass
class Sheet:
    """One page of the dossier: a generated page, or a blank (page None) that is either a
    separator between documents (doc_id None) or the blank back of a sheet of `doc_id`."""

    page: GeneratedPage | None
    doc_id: str | None  # the catalogue document this page belongs to
    part: str  # "main", "draft", "form" (attachments), "blank_back", "separator"
    show_through: bool = False  # a blank back: the front's text faintly mirrored through it

    @property
    def blank(self) -> bool:
        return self.page is None


@dataclass
class Dossier:
    code: str  # mã hồ sơ: <fonds>.<year>.<file number>
    title: str
    sheets: list[Sheet]
    dpi: int
    relations: dict[str, dict]  # catalogue doc id -> {"kind", "attached_to"?}

    def documents(self) -> list[dict]:
        """Each catalogue document's order, first and last page (1-based, blank sheets counted),
        kind, metadata, attachments (their kind and pages) and blank backs."""
        docs: dict[str, dict] = {}
        for number, sheet in enumerate(self.sheets, 1):
            if sheet.doc_id is None:
                continue
            entry = docs.setdefault(
                sheet.doc_id,
                {
                    "doc_id": sheet.doc_id,
                    "order": len(docs) + 1,
                    "pages": [number, number],
                    **self.relations[sheet.doc_id],
                    "attachments": [],
                    "blank_backs": [],
                },
            )
            entry["pages"][1] = number
            if sheet.part == "blank_back":
                entry["blank_backs"].append(number)
            elif sheet.part == "main":
                entry["metadata"] = sheet.page.doc.metadata()
            else:
                attached = entry["attachments"]
                if not attached or attached[-1]["doc_id"] != sheet.page.doc.doc_id:
                    attached.append(
                        {"kind": sheet.part, "doc_id": sheet.page.doc.doc_id, "pages": [number, number]}
                    )
                attached[-1]["pages"][1] = number
        return list(docs.values())

    def truth(self) -> dict:
        pages = []
        for n, sheet in enumerate(self.sheets, 1):
            if sheet.page is None:
                entry = {"page": n, "blank": True, "blank_kind": "back" if sheet.doc_id else "separator"}
                if sheet.doc_id:
                    entry |= {"doc_id": sheet.doc_id, "show_through": sheet.show_through}
                pages.append(entry)
                continue
            page = sheet.page
            pages.append(
                {
                    "page": n,
                    "doc_id": sheet.doc_id,
                    "part": sheet.part,
                    "source_doc_id": page.doc.doc_id,
                    "variant": page.doc.variant or "state",
                    "doc_page": page.number,
                    "page_numbers": page.style.page_numbers
                    + ("-foot" if page.style.page_number_foot else ""),
                    "appendix_style": page.doc.appendix_style or "standard",
                    "role": page.rendered.role,
                    "page_kind": page.rendered.kind,
                    "kinds": page.kinds or ["clean"],
                    "scanned_dpi": page.scanned.dpi,
                    "text": page.text,
                }
            )
        return {
            "code": self.code,
            "title": self.title,
            "page_count": len(self.sheets),
            "documents": self.documents(),
            "blank_pages": [n for n, s in enumerate(self.sheets, 1) if s.blank and s.doc_id is None],
            "blank_backs": [n for n, s in enumerate(self.sheets, 1) if s.blank and s.doc_id is not None],
            "pages": pages,
        }


_ATTACH_FORM_TO = ("Quyết định", "Kế hoạch", "Hướng dẫn", "Thông báo")
_COPY_AFTER = ("Công văn", "Tờ trình", "Báo cáo")


def _with_back(pages: list[GeneratedPage], doc_id: str, part: str, vrng: random.Random) -> list[Sheet]:
    sheets = [Sheet(page, doc_id, part) for page in pages]
    if len(pages) > 1 and vrng.random() < 0.15:
        at = vrng.randrange(1, len(pages))
        sheets.insert(at, Sheet(None, doc_id, "blank_back", show_through=vrng.random() < 0.5))
    return sheets


def make_dossier(split: str, index: int, documents: int | None = None, plain: bool = False) -> Dossier:
    """Dossier `index` of a split: 2-15 documents (deterministic by split and index). `plain`:
    the dossier as generator version 1 drew it (state documents only, bare page numbers at the
    top, no attachments, copies or blank backs; the same pages, byte for byte)."""
    seed = SPLITS[split]
    rng = random.Random(f"dossier:{split}:{seed}:{index}")
    vrng = random.Random(f"dossier-variety:{split}:{seed}:{index}")
    count = documents or rng.randint(2, 15)
    sheets: list[Sheet] = []
    relations: dict[str, dict] = {}
    years = []
    for k in range(count):
        short = rng.random() < 0.35  # a one-page document, most often
        at = _FIRST_INDEX + 100 * index + k
        roll = vrng.random()
        kind = "party" if roll < 0.08 else "list" if roll < 0.15 else "petition" if roll < 0.21 else ""
        doc_type = "Tờ trình" if not kind and roll < 0.26 else None
        if plain:
            kind, doc_type = "", None
        pages = document_pages(
            split, seed, at, length=2 if short else None, kind=kind, doc_type=doc_type, variety=not plain
        )
        if k and rng.random() < 0.2:
            sheets.append(Sheet(None, None, "separator"))
        doc = pages[0].doc
        relations[doc.doc_id] = {"kind": doc.variant or "state"}
        years.append(doc.date.year)
        if plain:
            sheets.extend(Sheet(page, doc.doc_id, "main") for page in pages)
            continue
        sheets.extend(_with_back(pages, doc.doc_id, "main", vrng))
        if doc.variant:
            continue
        attach = None
        if doc.doc_type == "Tờ trình" and vrng.random() < 0.75:
            attach = "draft"
        elif doc.doc_type in _ATTACH_FORM_TO and vrng.random() < 0.15:
            attach = "form"
        if attach:
            extra = document_pages(split, seed, at + 50, kind=attach, host=doc, variety=True)
            sheets.extend(_with_back(extra, doc.doc_id, attach, vrng))
        if doc.doc_type in _COPY_AFTER and vrng.random() < 0.12:
            copy = document_pages(split, seed, at + 70, kind="copy", host=doc, variety=True)
            relations[copy[0].doc.doc_id] = {"kind": "copy", "attached_to": doc.doc_id}
            sheets.extend(Sheet(page, copy[0].doc.doc_id, "main") for page in copy)
            years.append(copy[0].doc.date.year)
    code = f"H{rng.randint(10, 99)}.{min(years)}.{rng.randint(1, 99):02d}"
    first = sheets[0].page.doc.subject
    title = f"Hồ sơ về {first[0].lower()}{first[1:]}"
    return Dossier(code, title, sheets, dpi=300, relations=relations)


def _blank(rng: random.Random, size: tuple[int, int], front: Image.Image | None = None) -> Image.Image:
    """A white sheet as a scanner sees it: faint noise, maybe a dark edge; with `front`, that
    page's ink faintly mirrored through the paper (the back of a printed sheet)."""
    generator = np.random.default_rng(rng.randrange(2**31))
    pixels = generator.normal(245, 4, (size[1], size[0]))
    if front is not None:
        ink = 255 - np.asarray(front.convert("L").transpose(Image.FLIP_LEFT_RIGHT).resize(size), dtype=float)
        pixels -= ink * rng.uniform(0.05, 0.1)
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        pixels[:, : rng.randint(10, 40)] = 40
    return Image.fromarray(pixels)


def write_dossier(dossier: Dossier, out: Path) -> Path:
    """<out>/<code>.tif (all sheets at the dossier's dpi; lower-dpi scans resampled up, their
    original dpi kept in the truth) and <out>/<code>.json (the truth)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(dossier.code)
    frames = []
    for number, sheet in enumerate(dossier.sheets):
        if sheet.page is None:
            front = dossier.sheets[number - 1].page if sheet.show_through else None
            frames.append(_blank(rng, (2480, 3508), front.rendered.image if front else None))
            continue
        image = sheet.page.scanned.image
        image = image.convert("L") if image.mode == "1" else image
        # one scan job, one resolution (a TIFF holds one per file here)
        if sheet.page.scanned.dpi != dossier.dpi:
            scale = dossier.dpi / sheet.page.scanned.dpi
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
        frames.append(image)
    path = out / f"{dossier.code}.tif"
    frames[0].save(
        path,
        "TIFF",
        save_all=True,
        append_images=frames[1:],
        compression="tiff_deflate",
        dpi=(dossier.dpi, dossier.dpi),
    )
    (out / f"{dossier.code}.json").write_text(
        json.dumps(dossier.truth(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return path
