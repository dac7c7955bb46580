"""Measurements shared by the page clean-up steps: paper and ink levels, letter size, sizes in mm.

Pure functions over 8-bit numpy arrays; statistics come from samples of the pixels, so they cost
little on a 9-megapixel page.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = [
    "MM_PER_INCH",
    "bands",
    "box_sums",
    "grow",
    "ink_threshold",
    "letter_height",
    "odd",
    "paper_level",
    "pixel_sample",
    "px",
    "shrink",
]

MM_PER_INCH = 25.4


def px(mm: float, dpi: float) -> int:
    """A length in mm as whole pixels at `dpi` (at least 1)."""
    return max(1, round(mm * dpi / MM_PER_INCH))


def odd(value: float) -> int:
    """The nearest odd whole number from `value` up (a kernel size)."""
    value = max(1, int(round(value)))
    return value if value % 2 else value + 1


def shrink(gray: np.ndarray, factor: int) -> np.ndarray:
    """The image reduced `factor` times (area averaging), for analysis at low resolution."""
    if factor <= 1:
        return gray
    height, width = gray.shape[:2]
    size = (max(1, width // factor), max(1, height // factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def grow(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A reduced mask brought back to `shape` (nearest pixel)."""
    return cv2.resize(mask, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def pixel_sample(gray: np.ndarray, pixels: int = 400_000) -> np.ndarray:
    """Every n-th pixel of every n-th row: a free view of about `pixels` pixels, for statistics."""
    step = max(1, int(math.sqrt(gray.shape[0] * gray.shape[1] / pixels)))
    return gray[::step, ::step]


def paper_level(gray: np.ndarray) -> int:
    """The brightness of the paper: the page's most common light value (its histogram mode
    above the median), robust to text, borders and noise."""
    raw = np.bincount(pixel_sample(gray).ravel(), minlength=256).astype(np.float64)
    hist = np.convolve(raw, np.ones(5) / 5, mode="same")
    median = int(np.searchsorted(np.cumsum(hist), hist.sum() / 2))
    mode = median + int(np.argmax(hist[median:]))
    low, high = max(mode - 2, 0), min(mode + 3, 256)
    return low + int(np.argmax(raw[low:high]))  # the exact commonest value near the smoothed mode


def ink_threshold(gray: np.ndarray) -> int:
    """Otsu's threshold between ink and paper, from a sample of the pixels: ink is `< threshold`
    (Otsu's own threshold belongs to the dark side; for a bilevel page it is the ink's level)."""
    sample = np.ascontiguousarray(pixel_sample(gray))
    threshold, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return int(threshold) + 1


def letter_height(stats: np.ndarray, *, square: bool = False) -> float:
    """Median height of letter-sized components (marks and specks below a third of it excluded).

    `square`: the larger of height and width, for pages whose lines may run either way."""
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    if square:
        heights = widths = np.maximum(heights, widths)
    candidates = heights[(heights >= 4) & (widths >= 2) & (widths <= 4 * heights)]
    if candidates.size < 20:
        return 0.0
    typical = np.percentile(candidates, 75)
    letters = candidates[(candidates >= typical / 3) & (candidates <= typical * 2)]
    return float(np.median(letters)) if letters.size else 0.0


def box_sums(integral: np.ndarray, x0, y0, x1, y1) -> np.ndarray:
    """Sums over boxes [x0, x1) x [y0, y1) (arrays, clipped to the image) from an integral image."""
    height, width = integral.shape[0] - 1, integral.shape[1] - 1
    x0, x1 = np.clip(x0, 0, width), np.clip(x1, 0, width)
    y0, y1 = np.clip(y0, 0, height), np.clip(y1, 0, height)
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


def bands(gray: np.ndarray, rows: int = 64, every: int = 512) -> np.ndarray:
    """Horizontal bands of the page (full resolution, a fraction of its rows): a fast sample."""
    if gray.shape[0] <= 2 * every:
        return gray
    return np.concatenate([gray[top : top + rows] for top in range(every // 2, gray.shape[0] - rows, every)])
