"""Cells of a table that a spreadsheet opens: text it will not run as a formula, and back.

A CSV cell starting with one of FORMULA_START is a formula to a spreadsheet (CSV injection): it
is written with a leading apostrophe, which spreadsheets hide, and `unguard` removes it again.
An XLSX cell needs no apostrophe: it is stored with the string type (export/dossier_catalogue.py).
"""

from __future__ import annotations

__all__ = ["FORMULA_START", "guard", "unguard"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def guard(cell: str) -> str:
    """The cell as a CSV may carry it: an apostrophe before a formula's first character."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


def unguard(cell: str) -> str:
    """A guarded cell read back."""
    return cell[1:] if cell.startswith("'") else cell
