"""Dossiers (hồ sơ) assembled from generated documents, with their document boundaries as truth.

A dossier holds 2-15 documents in order: one-page documents, documents with continuation pages
and appendices (phụ lục pages without a header) and text-poor last pages, and blank separator
sheets between some of them. Its documents are drawn from the split's seed in their own index
range (100000 + 100 * dossier + k), so they are not pages of the split itself.

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

__all__ = ["Dossier", "make_dossier", "write_dossier"]

_FIRST_INDEX = 100_000


@dataclass
class Dossier:
    code: str  # mã hồ sơ: <fonds>.<year>.<file number>
    title: str
    sheets: list[GeneratedPage | None]  # None: a blank separator sheet
    dpi: int

    def documents(self) -> list[dict]:
        """Each document's order, first and last page (1-based, blank sheets counted) and metadata."""
        docs: dict[str, dict] = {}
        for number, sheet in enumerate(self.sheets, 1):
            if sheet is None:
                continue
            entry = docs.setdefault(
                sheet.doc.doc_id,
                {"doc_id": sheet.doc.doc_id, "order": len(docs) + 1, "pages": [number, number]},
            )
            entry["pages"][1] = number
            entry["metadata"] = sheet.doc.metadata()
        return list(docs.values())

    def truth(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "page_count": len(self.sheets),
            "documents": self.documents(),
            "blank_pages": [n for n, sheet in enumerate(self.sheets, 1) if sheet is None],
            "pages": [
                {"page": n, "blank": True}
                if sheet is None
                else {
                    "page": n,
                    "doc_id": sheet.doc.doc_id,
                    "doc_page": sheet.number,
                    "role": sheet.rendered.role,
                    "page_kind": sheet.rendered.kind,
                    "kinds": sheet.kinds or ["clean"],
                    "scanned_dpi": sheet.scanned.dpi,
                    "text": sheet.text,
                }
                for n, sheet in enumerate(self.sheets, 1)
            ],
        }


def make_dossier(split: str, index: int, documents: int | None = None) -> Dossier:
    """Dossier `index` of a split: 2-15 documents (deterministic by split and index)."""
    seed = SPLITS[split]
    rng = random.Random(f"dossier:{split}:{seed}:{index}")
    count = documents or rng.randint(2, 15)
    sheets: list[GeneratedPage | None] = []
    years = []
    for k in range(count):
        short = rng.random() < 0.35  # a one-page document, most often
        pages = document_pages(split, seed, _FIRST_INDEX + 100 * index + k, length=2 if short else None)
        if k and rng.random() < 0.2:
            sheets.append(None)
        sheets.extend(pages)
        years.append(pages[0].doc.date.year)
    code = f"H{rng.randint(10, 99)}.{min(years)}.{rng.randint(1, 99):02d}"
    title = f"Hồ sơ về {sheets[0].doc.subject[0].lower()}{sheets[0].doc.subject[1:]}"
    return Dossier(code, title, sheets, dpi=300)


def _blank(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A white separator sheet as a scanner sees it: faint noise, maybe a dark edge."""
    generator = np.random.default_rng(rng.randrange(2**31))
    pixels = np.clip(generator.normal(245, 4, (size[1], size[0])), 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        pixels[:, : rng.randint(10, 40)] = 40
    return Image.fromarray(pixels)


def write_dossier(dossier: Dossier, out: Path) -> Path:
    """<out>/<code>.tif (all sheets at the dossier's dpi; lower-dpi scans resampled up, their
    original dpi kept in the truth) and <out>/<code>.json (the truth)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(dossier.code)
    frames = []
    for sheet in dossier.sheets:
        if sheet is None:
            frames.append(_blank(rng, (2480, 3508)))
            continue
        image = sheet.scanned.image
        image = image.convert("L") if image.mode == "1" else image
        if sheet.scanned.dpi != dossier.dpi:  # one scan job, one resolution (a TIFF holds one per file here)
            scale = dossier.dpi / sheet.scanned.dpi
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
