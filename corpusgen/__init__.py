"""Seeded generator of scanned-looking Vietnamese administrative pages with exact ground truth.

Pages in the Decree 30/2020 layout (issuing body and national motto, số/ký hiệu, place and date,
type and trích yếu, body with lists and tables, appendices, signer block and "Nơi nhận"; text-poor
last pages), invented texts, Times-metric fonts, random degradations with their parameters, and
ground truth per page: text, lines with boxes, document metadata.

Two disjoint splits, each deterministic by its seed:
- "tuning": look at it, tune on it;
- "evaluation" (>= 200 pages): only for measuring. While tuning OCR or metadata extraction, never
  inspect evaluation pages one by one (images, texts or per-page errors); read only the totals
  that bench/ocr_bench.py prints. Otherwise the figures say how well the project fits the pages
  it saw, again.

    from corpusgen import write_split, split_dir, load_split
    folder = split_dir("tuning")              # $SOHOA_HOME/corpusgen/v<version>/tuning-<seed>
    write_split("tuning", folder)              # cached: does nothing when already written
    for page in load_split(folder): ...        # page manifests (metadata, degradations, gt paths)

or `python -m corpusgen tuning --out DIR [--pages N] [--variant lowres70]`.
"""

from corpusgen.content import Document, make_document
from corpusgen.degrade import KINDS
from corpusgen.split import (
    FORCED_KINDS,
    SPLITS,
    GeneratedPage,
    generate_pages,
    load_split,
    split_dir,
    write_split,
)

__all__ = [
    "FORCED_KINDS",
    "KINDS",
    "SPLITS",
    "Document",
    "GeneratedPage",
    "generate_pages",
    "load_split",
    "make_document",
    "split_dir",
    "write_split",
]
