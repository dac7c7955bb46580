"""Page geometry: resolution, text-line direction, skew, orientation, turns, and boxes mapped
back through them.

Pure functions over 8-bit numpy arrays. Turns and rotations return the 3x3 affine matrix from the
old pixel coordinates to the new, so a word found on the prepared page maps back to the page as
scanned (`map_box`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ocr.imaging import MM_PER_INCH, ink_threshold, letter_height, min_letter_px, paper_level, shrink

__all__ = [
    "deskew",
    "estimate_dpi",
    "estimate_orientation",
    "estimate_skew",
    "line_direction",
    "map_box",
    "rotate",
    "turn",
    "upscale",
]


# --- resolution ----------------------------------------------------------------------------------

# Body text of administrative documents is 12-14 pt (Decree 30: 13-14); its letters' median
# height (lower case with and without ascenders, capitals) is about 0.6 of the type size.
_BODY_LETTER_HEIGHT_PT = 13 * 0.6


def estimate_dpi(gray: np.ndarray) -> float | None:
    """The page's resolution guessed from the height of its letters (None: too little text)."""
    ink = (gray < ink_threshold(gray)).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height = letter_height(stats)
    return height * 72 / _BODY_LETTER_HEIGHT_PT if height else None


def upscale(gray: np.ndarray, factor: float) -> np.ndarray:
    """Enlarge by `factor` (bicubic); small type reads better at 300 dpi."""
    if factor <= 1.0:
        return gray
    size = (round(gray.shape[1] * factor), round(gray.shape[0] * factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC)


# --- skew and orientation -----------------------------------------------------------------------


def _ink_points(gray: np.ndarray, dpi: float, limit: int = 150_000) -> np.ndarray:
    """Coordinates (x, y) of ink pixels in a copy at about 100 dpi, at most `limit` of them."""
    factor = max(1, round(dpi / 100))
    small = shrink(gray, factor)
    ys, xs = np.nonzero(small < ink_threshold(small))
    points = np.stack([xs, ys], axis=1).astype(np.float32) * factor
    if len(points) > limit:
        points = points[:: len(points) // limit + 1]
    return points


def _sharpness(points: np.ndarray, angles: np.ndarray, bin_px: float) -> np.ndarray:
    """How sharply the ink falls into text lines when projected along each angle (degrees)."""
    scores = np.empty(len(angles))
    x, y = points[:, 0], points[:, 1]
    for index, angle in enumerate(np.radians(angles)):
        # Row of each point once the page is turned by -angle (its lines made level).
        rows = (y * math.cos(angle) + x * math.sin(angle)) / bin_px
        rows = (rows - rows.min()).astype(np.int64)
        counts = np.bincount(rows).astype(np.float64)
        scores[index] = np.sum(np.diff(counts) ** 2)
    return scores


def line_direction(gray: np.ndarray, dpi: float) -> tuple[str, float]:
    """("horizontal" or "vertical", ratio): which way the text lines run, and how clearly.

    Closing the ink along the lines joins the letters of each word; across them it joins little
    more than marks to their letters. The direction that leaves fewer blobs is the lines'.
    """
    factor = max(1, round(dpi / 100))
    small = shrink(gray, factor)
    ink = (small < ink_threshold(small)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height = letter_height(stats, square=True, floor=min_letter_px(dpi / factor))
    if count < 20 or height <= 0:
        return "horizontal", 0.0  # no text to tell by
    length = max(2, round(height * 0.3))
    along = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, length), np.uint8))
    across = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((length, 1), np.uint8))
    blobs_h = cv2.connectedComponents(along, connectivity=8)[0]
    blobs_v = cv2.connectedComponents(across, connectivity=8)[0]
    if blobs_h <= blobs_v:
        return "horizontal", blobs_v / max(blobs_h, 1)
    return "vertical", blobs_h / max(blobs_v, 1)


def _search(points: np.ndarray, centre: float, half: float, step: float, bin_px: float):
    angles = np.arange(centre - half, centre + half + step / 2, step)
    scores = _sharpness(points, angles, bin_px)
    best = int(np.argmax(scores))
    return float(angles[best]), float(scores[best])


def estimate_skew(gray: np.ndarray, dpi: float, max_angle: float = 10.0, lines: str = "horizontal") -> float:
    """The counter-clockwise skew in degrees of the text lines (running `lines`).

    Projection profiles, coarse to fine: the angle at which the ink falls into the sharpest rows.
    Bins shrink with the step, so a line across the page stays within one bin at every stage.
    """
    points = _ink_points(gray, dpi)
    if len(points) < 500:
        return 0.0
    if lines == "vertical":
        points = points[:, ::-1].copy()  # x and y swapped: a mirror image, so the sign flips
    mm = dpi / MM_PER_INCH
    angle, _ = _search(points, 0.0, max_angle, 0.25, mm)
    angle, _ = _search(points, angle, 0.3, 0.05, mm / 3)
    angle, _ = _search(points, angle, 0.06, 0.01, mm / 6)
    angle = round(angle, 2) + 0.0
    return angle if lines == "horizontal" else -angle


def rotate(gray: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Turn by `angle` degrees counter-clockwise about the centre on a canvas grown to hold the
    whole page, filled with paper. Returns the image and the 3x3 map old -> new coordinates."""
    height, width = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(math.ceil(width * cos + height * sin)), int(math.ceil(width * sin + height * cos))
    matrix[0, 2] += (new_w - width) / 2
    matrix[1, 2] += (new_h - height) / 2
    turned = cv2.warpAffine(
        gray,
        matrix,
        (new_w, new_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=paper_level(gray),
    )
    return turned, np.vstack([matrix, [0, 0, 1]])


def deskew(gray: np.ndarray, dpi: float, max_angle: float = 10.0) -> tuple[np.ndarray, float]:
    """The page with its text lines made level (or plumb), and the skew found (degrees, ccw)."""
    lines, _ = line_direction(gray, dpi)
    angle = estimate_skew(gray, dpi, max_angle, lines)
    if abs(angle) < 0.05:
        return gray, angle
    return rotate(gray, -angle)[0], angle


def turn(gray: np.ndarray, degrees: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn by a multiple of 90 degrees clockwise (lossless). Returns the image and the 3x3 map
    old -> new coordinates (pixel edges: a W x H image spans [0, W] x [0, H])."""
    degrees %= 360
    height, width = gray.shape[:2]
    if degrees == 0:
        return gray, np.eye(3)
    if degrees == 90:
        return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE), np.array([[0, -1, height], [1, 0, 0], [0, 0, 1.0]])
    if degrees == 180:
        return cv2.rotate(gray, cv2.ROTATE_180), np.array([[-1, 0, width], [0, -1, height], [0, 0, 1.0]])
    if degrees == 270:
        return cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE), np.array(
            [[0, 1, 0], [-1, 0, width], [0, 0, 1.0]]
        )
    raise ValueError(f"rotation must be a multiple of 90 degrees, not {degrees}")


def map_box(
    matrix: np.ndarray, left: float, top: float, width: float, height: float
) -> tuple[int, int, int, int]:
    """The axis-aligned box (left, top, width, height) holding a box mapped through `matrix`."""
    corners = np.array(
        [[left, top, 1], [left + width, top, 1], [left, top + height, 1], [left + width, top + height, 1]]
    )
    mapped = corners @ matrix.T
    x0, y0 = mapped[:, 0].min(), mapped[:, 1].min()
    x1, y1 = mapped[:, 0].max(), mapped[:, 1].max()
    return round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0))


def _above_below(ink: np.ndarray) -> tuple[float, int]:
    """(ink above / ink below the x-height band, summed over the text lines; number of lines)
    for lines running along the rows of `ink`."""
    profile = ink.sum(axis=1, dtype=np.int64).astype(np.float64)
    if profile.max() <= 0:
        return 1.0, 0
    on = np.concatenate([[0], (profile > 0.02 * profile.max()).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(on))
    above = below = 0.0
    lines = 0
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        line = profile[start:end]
        if len(line) < 4:
            continue
        core = np.flatnonzero(line >= 0.5 * line.max())  # the x-height band: the densest rows
        above += line[: core[0]].sum()
        below += line[core[-1] + 1 :].sum()
        lines += 1
    return (above + 1) / (below + 1), lines


def estimate_orientation(gray: np.ndarray, dpi: float, lines: str = "unknown") -> tuple[int, float, bool]:
    """(clockwise degrees to upright, score, sure) from the shape of Latin script.

    Along a text line, ink above the x-height band (ascenders, capitals, digits and, in
    Vietnamese, the tone and vowel marks on most syllables) far outweighs ink below it
    (descenders g p q y, the dot below): about 3-5 times on a page. Upside down the ratio
    inverts; turned a quarter, the line profile shows it across the other axis. The score is
    |ln ratio| x sqrt(lines); sure from 3. With `lines` unknown both axes are tried and the
    stronger must be clearly so.
    """
    small = shrink(gray, max(1, round(dpi / 150)))
    ink = small < ink_threshold(small)
    scores = {}
    if lines in ("horizontal", "unknown"):
        ratio, count = _above_below(ink)
        scores[0 if ratio > 1 else 180] = abs(math.log(ratio)) * math.sqrt(count)
    if lines in ("vertical", "unknown"):
        ratio, count = _above_below(np.ascontiguousarray(np.rot90(ink, -1)))  # turned 90 cw
        scores[90 if ratio > 1 else 270] = abs(math.log(ratio)) * math.sqrt(count)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    degrees, score = ranked[0]
    other = ranked[1][1] if len(ranked) > 1 else 0.0
    return degrees, score, score >= 3.0 and score >= 1.5 * other
