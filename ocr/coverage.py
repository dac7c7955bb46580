"""How much of a page's lettering the reading left out: letter-sized ink outside every word box.

A reading can look clean and still miss half a page (a region the engine took for a picture,
lines lost in a dark shade): its words are fine, what is missing says nothing. The page itself
does: letter-sized blobs of ink (a third of the page's letter height to twice it, not much wider
than tall) that no kept word's box holds were not read. Signatures, rules and seals are larger
than letters and do not count; specks are smaller.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.imaging import ink_threshold, letter_height, shrink
from schemas import Word

__all__ = ["unread_share"]

# Fewer letter-sized blobs than this and the page has too little lettering to judge.
_MIN_LETTERS = 30


def unread_share(gray: np.ndarray, dpi: float, words: list[Word]) -> float:
    """Share of the letter-sized ink blobs of `gray` (upright, cleaned) whose centre lies in no
    word box (boxes in `gray`'s pixels); 0.0 when the page has too little lettering (pure)."""
    factor = max(1, round(dpi / 150))
    small = shrink(gray, factor)
    ink = (small < ink_threshold(small)).astype(np.uint8)
    _, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height = letter_height(stats)
    if height <= 0:
        return 0.0
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = (heights >= height / 3) & (heights <= 2 * height) & (widths <= 3 * height)
    if int(letters.sum()) < _MIN_LETTERS:
        return 0.0
    inside = np.zeros(small.shape, np.uint8)
    for word in words:
        box = word.box
        x0, y0 = box.left // factor, box.top // factor
        x1, y1 = -(-(box.left + box.width) // factor), -(-(box.top + box.height) // factor)
        inside[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = 1
    xs = np.clip(centroids[1:, 0][letters].astype(int), 0, small.shape[1] - 1)
    ys = np.clip(centroids[1:, 1][letters].astype(int), 0, small.shape[0] - 1)
    return float(1.0 - inside[ys, xs].mean())
