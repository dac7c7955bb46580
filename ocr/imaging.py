"""Image helpers shared by the OCR steps and the modules above them (pure functions).

Images as they come (Pillow): any mode to 8-bit gray or RGB, transparency flattened onto white
(the one place that does it), quarter turns and the boxes found on a turned page mapped back.
Measurements for the page clean-up steps over 8-bit numpy arrays: paper and ink levels, letter
size, sizes in mm; statistics come from samples of the pixels, so they cost little on a
9-megapixel page.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from schemas import Box

__all__ = [
    "MM_PER_INCH",
    "bands",
    "box_sums",
    "box_to_original",
    "flatten_on_white",
    "grayscale",
    "grow",
    "has_transparency",
    "ink_threshold",
    "letter_height",
    "min_letter_px",
    "odd",
    "page_array",
    "paper_level",
    "pixel_sample",
    "px",
    "rotate_clockwise",
    "shrink",
]

_TRANSPOSE_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,  # PIL turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
_WHITE = (255, 255, 255, 255)


# --- images as loaded (Pillow) -------------------------------------------------------------------


def has_transparency(image: Image.Image) -> bool:
    """Whether the image has an alpha band or a transparent palette entry or colour."""
    return "A" in image.getbands() or "transparency" in image.info


def flatten_on_white(image: Image.Image, mode: str = "RGB") -> Image.Image:
    """The image in `mode` ("RGB" or "L"), what is transparent in it composited onto white paper
    (a plain conversion when nothing is)."""
    if not has_transparency(image):
        return image.convert(mode)
    rgba = image.convert("RGBA")
    flat = Image.new("RGBA", rgba.size, _WHITE)
    flat.alpha_composite(rgba)
    return flat.convert(mode)


def page_array(image: Image.Image) -> np.ndarray:
    """The page as an 8-bit array: RGB (H x W x 3) when it has colour channels, else gray."""
    if image.mode in ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV"):
        if image.mode == "P" and not _palette_has_colour(image):
            return np.asarray(grayscale(image))
        return np.asarray(flatten_on_white(image, "RGB"))
    return np.asarray(grayscale(image))


def _palette_has_colour(image: Image.Image) -> bool:
    palette = image.getpalette() or []
    triples = zip(palette[0::3], palette[1::3], palette[2::3], strict=False)
    return any(not (r == g == b) for r, g, b in triples)


def grayscale(image: Image.Image) -> Image.Image:
    """8-bit grayscale ("L"): transparency flattened on white, 16-bit scaled rather than clipped."""
    if image.mode == "L":
        return image
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image) >> 8).astype(np.uint8))
    if image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = values.max() or 1.0
        return Image.fromarray((np.clip(values, 0, None) * 255 / top).astype(np.uint8))
    return flatten_on_white(image, "L")


def rotate_clockwise(image: Image.Image, degrees: int) -> Image.Image:
    """Turn an image by a multiple of 90 degrees clockwise (lossless)."""
    degrees %= 360
    if degrees == 0:
        return image
    if degrees not in _TRANSPOSE_CLOCKWISE:
        raise ValueError(f"rotation must be a multiple of 90 degrees, not {degrees}")
    return image.transpose(_TRANSPOSE_CLOCKWISE[degrees])


def box_to_original(box: Box, degrees: int, size: tuple[int, int]) -> Box:
    """Map a box found on the image turned `degrees` clockwise back to the original image.

    `size` is the ORIGINAL image's (width, height).
    """
    width, height = size
    left, top, w, h = box.left, box.top, box.width, box.height
    degrees %= 360
    if degrees == 90:
        return Box(left=top, top=height - left - w, width=h, height=w)
    if degrees == 180:
        return Box(left=width - left - w, top=height - top - h, width=w, height=h)
    if degrees == 270:
        return Box(left=width - top - h, top=left, width=h, height=w)
    if degrees == 0:
        return box
    raise ValueError(f"rotation must be a multiple of 90 degrees, not {degrees}")


# --- measurements over 8-bit arrays --------------------------------------------------------------

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


# Body text is 12-14 pt, small print 8 pt and more: a median letter height under this is specks'.
MIN_LETTER_MM = 1.2


def min_letter_px(dpi: float) -> float:
    """The least plausible median letter height in pixels at `dpi` (MIN_LETTER_MM)."""
    return MIN_LETTER_MM * dpi / MM_PER_INCH


def letter_height(stats: np.ndarray, *, square: bool = False, floor: float = 0.0) -> float:
    """Median height of letter-sized components (marks and specks below a third of it excluded).

    `square`: the larger of height and width, for pages whose lines may run either way.
    `floor`: a height no page's letters are under (`min_letter_px`); when specks outnumber the
    letters (a field of dots on a photocopy) the median falls under it, and it is measured again
    among the components at least that tall."""
    height = _letter_height(stats, square, 4)
    if floor and 0 < height < floor:
        height = _letter_height(stats, square, floor)
    return height


def _letter_height(stats: np.ndarray, square: bool, least: float) -> float:
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    if square:
        heights = widths = np.maximum(heights, widths)
    candidates = heights[(heights >= least) & (widths >= 2) & (widths <= 4 * heights)]
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
