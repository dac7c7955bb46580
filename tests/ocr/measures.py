"""Text accuracy measures for OCR tests: the definitions of ocr.accuracy (also used by the bench)."""

from __future__ import annotations

from ocr.accuracy import bow_recall, cer, levenshtein, normalise_spaces, order_free_cer

__all__ = ["bow_recall", "cer", "levenshtein", "normalise_spaces", "order_free_cer"]
