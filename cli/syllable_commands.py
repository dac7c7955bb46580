"""`sohoa learn-syllables`: grow the diacritic correction's syllable model from the archive's own
public pages (application/syllable_learning.py). Exit codes: 0 done; 1 failure."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

__all__ = ["learn_syllables"]


def learn_syllables(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Count the syllable pairs of the public, reviewed records' confidently read words into
    SOHOA_HOME/syllable_pairs.tsv; OCR run after it (ingest, reprocess --ocr) corrects diacritics
    with them. Nothing is learned from records that are conditional, not accessible, undetermined
    or awaiting review; a run rewrites the file whole (run it again after closing records)."""
    from application.services import build_services
    from application.syllable_learning import learn_syllables as learn
    from core.settings import load_settings

    services = build_services(load_settings())
    try:
        report = learn(services)
    finally:
        services.close()
    if as_json:
        data = {
            "path": str(report.path),
            "records": report.records,
            "pages": report.pages,
            "pairs": report.pairs,
            "distinct_pairs": report.distinct_pairs,
            "skipped": report.skipped,
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    left_out = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items())) or "none"
    typer.echo(
        f"learned {report.pairs} syllable pairs ({report.distinct_pairs} distinct) from "
        f"{report.records} public records, {report.pages} pages; left out: {left_out}"
    )
    typer.echo(f"written to {report.path}")
