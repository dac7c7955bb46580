"""Join PDFs into one, pages in order, without re-encoding anything (pikepdf)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pikepdf

__all__ = ["join_pdfs"]


def join_pdfs(parts: Sequence[Path], out: Path) -> None:
    """Write the pages of `parts`, in order, to `out` (a document whose pages come from several
    scan files of a dossier)."""
    sources = [pikepdf.Pdf.open(part) for part in parts]
    try:
        with pikepdf.Pdf.new() as joined:
            for pdf in sources:
                joined.pages.extend(pdf.pages)
            joined.save(out)
    finally:
        for pdf in sources:
            pdf.close()
