"""Perceptual hashes of a page image: the same paper scanned twice gives nearby hashes.

Pure functions over arrays (numpy/OpenCV). The page is turned upright, reduced with area
averaging (so the scan resolution does not matter) and contrast-stretched (so yellowed paper and
a pale photocopy look alike), then hashed:

- pHash: the signs of the lowest 16x16 DCT frequencies of a 64x64 reduction against their
  median (256 bits). Robust to noise, JPEG, blur, resolution and a few degrees of skew.
- dHash: the signs of horizontal gradients of a 9x8 reduction (64 bits). A cheap second opinion.

Pages of the same letterhead share a layout, so their hashes are close too: a hash alone never
decides that two records are the same paper (see dedup/match.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ocr import grayscale, rotate_clockwise

__all__ = [
    "PHASH_BITS",
    "DHASH_BITS",
    "ImageHashes",
    "dhash",
    "hamming",
    "page_hashes",
    "phash",
    "reduce_page",
]

PHASH_SIDE = 16  # DCT coefficients kept per side: 256 bits
PHASH_BITS = PHASH_SIDE * PHASH_SIDE
DHASH_BITS = 64
_WORK_SIDE = 512  # longest side of the reduced page every hash starts from
_STRETCH = (0.1, 99.0)  # percentiles mapped to black and white (a sparse page has little ink)
_MIN_CONTRAST = 32.0  # grey levels between those percentiles below which a page is blank


@dataclass(frozen=True)
class ImageHashes:
    """The hashes of one page, as integers (bit i of the hash is bit i of the int)."""

    phash: int
    dhash: int
    ink: float  # share of dark pixels: ~0 for a blank page, whose hashes are noise


def hamming(a: int, b: int) -> int:
    """Number of differing bits."""
    return (a ^ b).bit_count()


def _bits_to_int(bits: np.ndarray) -> int:
    return int.from_bytes(np.packbits(bits.astype(np.uint8), bitorder="little").tobytes(), "little")


def reduce_page(gray: np.ndarray, side: int = _WORK_SIDE) -> tuple[np.ndarray, float]:
    """A float32 copy with the longest side `side` (area averaging), stretched to 0..1, and its
    contrast (grey levels between the _STRETCH percentiles)."""
    if gray.ndim != 2 or gray.size == 0:
        raise ValueError(f"expected a non-empty 2-D grayscale array, got shape {gray.shape}")
    height, width = gray.shape
    scale = min(1.0, side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    low, high = (float(x) for x in np.percentile(small, _STRETCH))
    return np.clip((small - low) / max(high - low, 1.0), 0.0, 1.0), high - low


def phash(page: np.ndarray) -> int:
    """256-bit DCT hash of a reduced page (see reduce_page)."""
    square = cv2.resize(page, (4 * PHASH_SIDE, 4 * PHASH_SIDE), interpolation=cv2.INTER_AREA)
    low = cv2.dct(square.astype(np.float32))[:PHASH_SIDE, :PHASH_SIDE].flatten()
    return _bits_to_int(low > np.median(low[1:]))  # the DC term says only how dark the page is


def dhash(page: np.ndarray) -> int:
    """64-bit gradient hash of a reduced page."""
    small = cv2.resize(page, (9, 8), interpolation=cv2.INTER_AREA)
    return _bits_to_int(small[:, 1:] > small[:, :-1])


def page_hashes(image: Image.Image, orientation: int = 0) -> ImageHashes:
    """Hashes of a page image as loaded (ocr.load), turned upright by `orientation` (clockwise
    degrees, Page.orientation)."""
    upright = rotate_clockwise(grayscale(image), orientation)
    page, contrast = reduce_page(np.asarray(upright))
    ink = float((page < 0.5).mean()) if contrast >= _MIN_CONTRAST else 0.0
    return ImageHashes(phash=phash(page), dhash=dhash(page), ink=ink)
