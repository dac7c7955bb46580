"""How much of a page's lettering the reading left out: letter-sized ink outside every word box.

A reading can look clean and still miss half a page (a region the engine took for a picture,
lines lost in a dark shade): its words are fine, what is missing says nothing. The page itself
does: letter-sized blobs of ink (a third of the page's letter height to twice it, not much wider
than tall) that no kept word's box holds were not read. Signatures, rules and seals are larger
than letters and do not count; specks are smaller.

`unread_share` looks at the page as cleaned; what the clean-up itself erased (a region whitened
as a border, with its text) is not there to see. `scanned_unread_share` looks at the page as it
was scanned: its black print (darker than the paper in every colour channel, so red seals, blue
signatures and the tint of the paper do not count), measured against the paper around it.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.imaging import ink_threshold, letter_height, min_letter_px, shrink
from schemas import Word

__all__ = ["scanned_unread_share", "unread_share"]

# Fewer letter-sized blobs than this and the page has too little lettering to judge.
_MIN_LETTERS = 30
# The page as scanned: the paper's brightness is found over this distance (wider than a letter,
# so that the maximum around any stroke is paper) ...
_PAPER_MM = 4.0
# ... and print is darker than this share of it even where Otsu's threshold is fooled (a page
# with little ink on a tinted or uneven paper: its threshold falls between two shades of paper).
_PRINT_DARKNESS = 0.75


def unread_share(gray: np.ndarray, dpi: float, words: list[Word]) -> float:
    """Share of the letter-sized ink blobs of `gray` (upright, cleaned) whose centre lies in no
    word box (boxes in `gray`'s pixels); 0.0 when the page has too little lettering (pure)."""
    factor = max(1, round(dpi / 150))
    small = shrink(gray, factor)
    ink = (small < ink_threshold(small)).astype(np.uint8)
    _, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height = letter_height(stats, floor=min_letter_px(dpi / factor))
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


def scanned_unread_share(page: np.ndarray, dpi: float, words: list[Word]) -> float:
    """Share of the black letter-sized print of the page as scanned (`page`: 8-bit gray or RGB)
    whose centre lies in no word box (`words`: boxes in `page`'s pixels, any orientation); 0.0
    when the page has too little lettering to judge (pure)."""
    factor = max(1, round(dpi / 150))
    small = shrink(page, factor)
    if small.ndim == 3:  # colour ink is light in some channel
        small = cv2.max(cv2.max(small[..., 0], small[..., 1]), small[..., 2])
    size = max(3, int(_PAPER_MM * dpi / factor / 25.4) | 1)
    paper = cv2.dilate(cv2.medianBlur(small, 3), np.ones((size, size), np.uint8))
    flat = cv2.divide(small, paper, scale=255)
    threshold = min(ink_threshold(flat), round(_PRINT_DARKNESS * 255))
    ink = (flat < threshold).astype(np.uint8)
    _, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height = letter_height(stats, square=True, floor=min_letter_px(dpi / factor))
    if height <= 0:
        return 0.0
    sizes = np.maximum(stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH])
    narrow = np.minimum(stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH])
    letters = (sizes >= height / 3) & (sizes <= 2 * height) & (narrow * 8 >= sizes)
    if int(letters.sum()) < _MIN_LETTERS:
        return 0.0
    return _outside(small.shape, factor, words, centroids[1:][letters])


def _outside(shape: tuple[int, ...], factor: int, words: list[Word], centres: np.ndarray) -> float:
    inside = np.zeros(shape[:2], np.uint8)
    for word in words:
        box = word.box
        x0, y0 = box.left // factor, box.top // factor
        x1, y1 = -(-(box.left + box.width) // factor), -(-(box.top + box.height) // factor)
        inside[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = 1
    xs = np.clip(centres[:, 0].astype(int), 0, shape[1] - 1)
    ys = np.clip(centres[:, 1].astype(int), 0, shape[0] - 1)
    return float(1.0 - inside[ys, xs].mean())
