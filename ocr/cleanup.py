"""Page clean-up steps: colour ink, borders, punch holes, background, noise, specks, binarisation.

Each step is a pure function `step(gray, dpi) -> (new image, what it found)` over 8-bit numpy
arrays (the colour step takes RGB); none alters its input. Sizes are physical (mm at the page's
`dpi`) or measured on the page (the letter height), never pixel constants.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from ocr.imaging import (
    MM_PER_INCH,
    bands,
    box_sums,
    grow,
    ink_threshold,
    letter_height,
    min_letter_px,
    odd,
    paper_level,
    pixel_sample,
    px,
    shrink,
)

__all__ = [
    "binarise",
    "clear_speckle_fields",
    "colour_to_gray",
    "denoise",
    "despeckle",
    "is_bilevel",
    "noise_level",
    "normalise_background",
    "remove_borders",
    "remove_punch_holes",
]


# --- colour ----------------------------------------------------------------------------------------


def _colour_masks(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(red, blue, paper a*): pixels clearly redder than the paper, and blue-violet pixels.

    CIE Lab: a* is green-red, b* blue-yellow; yellowed paper is high in b*, not in a*, and black
    or grey ink is near zero in both. OpenCV stores a* and b* as 8-bit values offset by 128; the
    thresholds are offset instead of the page-sized channels (no 16-bit copies of the page)."""
    a_channel, b_channel = lab[..., 1], lab[..., 2]
    paper_a = int(np.median(a_channel[::8, ::8]) - 128)
    red = (a_channel > 128 + max(12, paper_a + 12)) & (b_channel > 128 - 10)
    blue = b_channel < 128 - 20  # blue to violet ballpoint and ink-pad colours
    return red, blue, paper_a


def _is_colourful(rgb: np.ndarray) -> bool:
    """Whether any real colour ink (not a tinted paper) shows on a reduced copy."""
    small = shrink(rgb, max(1, min(rgb.shape[:2]) // 800))
    red, blue, _ = _colour_masks(cv2.cvtColor(small, cv2.COLOR_RGB2LAB))
    return bool((red | blue).mean() > 0.0002)


def _round_regions(mask: np.ndarray, dpi: float) -> tuple[np.ndarray, list[list[int]]]:
    """Filled convex hulls of the round (seal-shaped) regions of a colour-ink mask, with boxes."""
    factor = max(1, round(dpi / 75))  # analyse at about 75 dpi
    small = shrink(mask.astype(np.uint8) * 255, factor) > 40
    small_dpi = dpi / factor
    kernel = np.ones((odd(px(2.5, small_dpi)),) * 2, np.uint8)
    closed = cv2.morphologyEx(small.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    regions = np.zeros_like(closed)
    boxes = []
    for label in range(1, count):
        left, top, width, height, _ = stats[label]
        size_mm = (width * MM_PER_INCH / small_dpi, height * MM_PER_INCH / small_dpi)
        if not (min(size_mm) >= 15 and max(size_mm) <= 80 and 0.7 <= width / height <= 1.43):
            continue
        hull = cv2.convexHull(cv2.findNonZero((labels == label).astype(np.uint8)))
        # A round seal fills ~pi/4 of its box; rectangular stamps (KHẨN, MẬT, ĐẾN) fill it all.
        if cv2.contourArea(hull) / float(width * height) > 0.86:
            continue
        cv2.fillPoly(regions, [hull], 1)
        boxes.append([int(v * factor) for v in (left, top, width, height)])
    regions = cv2.dilate(regions, np.ones((odd(px(1.5, small_dpi)),) * 2, np.uint8))
    return grow(regions, mask.shape) > 0, boxes


def colour_to_gray(
    rgb: np.ndarray, dpi: float, *, remove_blue: bool = False
) -> tuple[np.ndarray, dict[str, Any]]:
    """Grayscale with the ink of round red seals removed (and blue ink, if asked).

    Inside a seal the red channel stands in for the brightness: red ink is bright in it, black
    print (under the seal too) stays dark. Red ink outside round shapes (urgency and secrecy
    marks, the incoming-document stamp) is text and is kept.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if not _is_colourful(rgb):
        return gray, {"seals": 0, "colour": False}
    red, blue, _ = _colour_masks(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB))
    regions, boxes = _round_regions(red, dpi)
    out = gray.copy()
    paper = paper_level(gray)
    if boxes:
        channel = rgb[..., 0]
        scale = paper / max(int(np.median(channel[::8, ::8])), 1)
        lifted = channel.astype(np.float32)  # scaled in place: one float page, not three
        lifted *= scale
        np.clip(lifted, 0, 255, out=lifted)
        lifted = lifted.astype(np.uint8)
        out[regions] = np.maximum(gray[regions], lifted[regions])
        # What is still lighter than ink there is the seal's own pale ink: paper.
        seal_ink = cv2.dilate((red & regions).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        out[seal_ink & (out >= ink_threshold(gray))] = paper
    erased_blue = 0
    ink = gray < ink_threshold(gray)
    blue_share = float((blue & ink).sum() / max(int(ink.sum()), 1))
    # Blue ink that is a good part of the page's ink is its text (a carbon copy, a form printed
    # in blue): only scattered blue (signatures, notes) goes.
    if remove_blue and blue_share <= 0.3:
        blue = cv2.dilate(blue.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        blue &= gray > 40  # black print crossed by a stroke stays
        out[blue] = paper
        erased_blue = int(blue.sum())
    found = {"seals": len(boxes), "seal_boxes": boxes, "blue_share": round(blue_share, 3)}
    return out, {**found, "blue_px": erased_blue}


# --- borders and punch holes ----------------------------------------------------------------------


def _dark_components(
    gray: np.ndarray, factor: int, flatten_mm: float = 0.0, dpi: float = 300.0
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Connected dark regions at 1/`factor` scale, and the reduced image they were found on.
    `flatten_mm`: first divide by the paper's brightness over that distance, so that light
    falling off across the page (a shade that varies slowly) is not dark while a border (a sharp
    edge) still is."""
    small = gray[::factor, ::factor]  # nearest-pixel reduction: enough for page-sized shapes
    if flatten_mm:
        paper = cv2.dilate(small, np.ones((odd(px(flatten_mm, dpi / factor)),) * 2, np.uint8))
        small = cv2.divide(small, paper, scale=255)
        dark = (small < ink_threshold(small)).astype(np.uint8)
    else:
        dark = (small < ink_threshold(gray)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    return count, labels, stats, small


# Light falling off across a page (a lamp, a phone photo) varies over more than this; a border's
# edge is sharp. Borders wider than it are left to the background step (which whitens them).
_BORDER_FLATTEN_MM = 30.0
# A border is dark: a region whose typical level is lighter than this share of the paper's is a
# shade (the background step evens it out), never whitened here with whatever print lies in it.
# On a page with little ink Otsu's threshold can fall between two shades of paper: on tinted
# paper a JPEG rings a bright fringe around print, the maximum filter takes it for the paper,
# and the paper near the text reads darker than elsewhere (tuning pages: borders and binding
# shadows at 0-0.75 of the paper, such a shade around the text at 0.86).
_BORDER_DARKNESS = 0.8


def remove_borders(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Dark regions touching the page's edge and larger than any text (scanner lid, copier
    border, binding shadow) become paper."""
    factor = max(1, round(dpi / 100))
    count, labels, stats, flat = _dark_components(gray, factor, _BORDER_FLATTEN_MM, dpi)
    small_h, small_w = labels.shape
    small_dpi = dpi / factor
    big = px(8, small_dpi)  # larger than any character, smaller than any border
    found, shades = [], 0
    for label in range(1, count):
        left, top, width, height, _ = stats[label]
        touches = left == 0 or top == 0 or left + width >= small_w or top + height >= small_h
        if touches and max(width, height) >= big:
            box = (slice(top, top + height), slice(left, left + width))
            level = float(np.median(flat[box][labels[box] == label]))
            if level > _BORDER_DARKNESS * 255:
                shades += 1
                continue
            found.append(label)
    if not found:
        return gray, {"borders": 0, **({"shades": shades} if shades else {})}
    mask = np.isin(labels, found).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    out = gray.copy()
    out[grow(mask, gray.shape) > 0] = paper_level(gray)
    found_px = {"borders": len(found), "area_px": int(mask.sum()) * factor * factor}
    return out, {**found_px, "shades": shades} if shades else found_px


def remove_punch_holes(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Filled dark disks 4-10 mm across within 35 mm of the page's edge become paper.

    Characters are never that big, and no glyph is a filled disk; bullets are a few mm at most.
    """
    factor = max(1, round(dpi / 100))
    count, labels, stats, _ = _dark_components(gray, factor)
    small_h, small_w = labels.shape
    small_dpi = dpi / factor
    low, high, band = px(4, small_dpi), px(10, small_dpi), px(35, small_dpi)
    holes = []
    for label in range(1, count):
        left, top, width, height, area = stats[label]
        if not (low <= width <= high and low <= height <= high and 0.75 <= width / height <= 1.33):
            continue
        near_edge = min(left, top, small_w - left - width, small_h - top - height) <= band
        if near_edge and 0.65 <= area / float(width * height) <= 0.9:
            holes.append(label)
    if not holes:
        return gray, {"holes": 0}
    mask = cv2.dilate(np.isin(labels, holes).astype(np.uint8), np.ones((3, 3), np.uint8))
    out = gray.copy()
    out[grow(mask, gray.shape) > 0] = paper_level(gray)
    return out, {"holes": len(holes)}


# --- background, noise and specks ----------------------------------------------------------------


def normalise_background(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Divide by the paper's own brightness (uneven light, yellowed paper, shadows), then stretch
    so the paper is white and the ink dark."""
    factor = max(1, round(dpi / 50))  # estimate the background at about 50 dpi
    small = shrink(gray, factor)
    small_dpi = dpi / factor
    # A maximum filter wider than any stroke removes the ink and leaves the paper.
    background = cv2.dilate(small, np.ones((odd(px(3, small_dpi)),) * 2, np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), px(3, small_dpi))
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, background, scale=255)
    threshold = ink_threshold(flat)
    sample = pixel_sample(flat)
    ink = sample[sample < threshold]
    ink_level = float(np.percentile(ink, 25)) if ink.size else 0.0
    # Levels: the typical ink -> near black, the paper -> white.
    low, high = ink_level * 0.5, 235.0
    if high - low < 40:
        return flat, {"ink_level": round(ink_level, 1), "stretched": False}
    lut = np.clip((np.arange(256, dtype=np.float32) - low) * 255.0 / (high - low), 0, 255)
    return cv2.LUT(flat, lut.astype(np.uint8)), {"ink_level": round(ink_level, 1), "stretched": True}


def noise_level(gray: np.ndarray) -> float:
    """Standard deviation of the pixel noise on the paper, from the residual of a 3 px median
    filter on a sample of the page (mean absolute residual: paper clipped at white would make
    the median residual zero)."""
    sample = bands(gray)
    smooth = cv2.medianBlur(sample, 3)
    paper = smooth >= np.percentile(smooth[::4, ::4], 60)
    residual = np.abs(sample.astype(np.int16) - smooth)[paper]
    return float(math.sqrt(math.pi / 2) * residual.mean()) if residual.size else 0.0


def is_bilevel(gray: np.ndarray) -> bool:
    """Whether the page holds (almost) only two grey levels: a hard-thresholded scan or copy."""
    counts = np.bincount(bands(gray).ravel(), minlength=256)
    second, first = np.argsort(counts)[-2:]
    rest = counts.sum() - counts[first]  # pixels not at the commonest level (the paper)
    return bool(abs(int(first) - int(second)) >= 100 and counts[second] >= 0.97 * rest > 0)


def denoise(gray: np.ndarray, dpi: float, *, min_noise: float = 4.0) -> tuple[np.ndarray, dict[str, Any]]:
    """A median filter (3 px; 5 px at 400 dpi and more) when the paper is measurably noisy.

    A bilevel page (hard-thresholded scan or copy) is reported, not filtered: a median filter
    before or after despeckling measured worse on one (CER 2.1 % unfiltered, 2.4 % and 3.1 %)."""
    sigma, bilevel = noise_level(gray), is_bilevel(gray)
    found = {"noise": round(sigma, 2), "bilevel": bilevel}
    if sigma < min_noise or bilevel:
        return gray, {**found, "filtered": False}
    size = 5 if dpi >= 400 else 3
    return cv2.medianBlur(gray, size), {**found, "filtered": True, "kernel": size}


# Speckle fields: on a hard-thresholded copy a shade (uneven light, a grey area of the original)
# comes out as a field of dots and filaments one or two pixels wide, thinner than any stroke of
# print. Where ink this thin covers this share of the page over _FIELD_MM, it is a field (tuning
# photocopies: text areas at most 0.13, such fields 0.2-0.45).
_FIELD_SHARE = 0.15
_FIELD_MM = 4.0
# A field smaller than this share of the page is left alone: a seal's dots over a signature
# block are not a field, and its print is what would go (a 40 mm seal: 0.2 % of an A4 page).
_MIN_FIELD_PAGE_SHARE = 0.02
_THIN_MM = 0.25  # a dot or filament thinner than this; strokes of 10-14 pt print are thicker


def clear_speckle_fields(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, dict[str, Any]]:
    """In fields of speckle on a bilevel page, ink thinner than any stroke becomes paper.

    Such a field holds tens of thousands of dots: the page's letter height, measured as the
    commonest blob height, becomes a dot's, and every step that relies on it (orientation by the
    script's shape, despeckling, the unread-lettering measure) goes wrong; the engine takes the
    field for a picture and drops the text beside it. Print in the field keeps its strokes (a
    morphological opening removes only what is thinner than them). Pages under 200 dpi are left
    alone: there a stroke is as thin as a dot."""
    size = odd(px(_THIN_MM, dpi))
    if size < 3:
        return gray, {"fields": 0.0}
    ink = (gray < ink_threshold(gray)).astype(np.uint8)
    opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((size, size), np.uint8))
    thin = ink - opened
    factor = max(1, round(dpi / 50))  # the share is measured at about 50 dpi
    share = shrink(thin * 255, factor).astype(np.float32) / 255
    window = odd(px(_FIELD_MM, dpi / factor))
    share = cv2.blur(share, (window, window))
    field = (share > _FIELD_SHARE).astype(np.uint8)
    if field.mean() < _MIN_FIELD_PAGE_SHARE:
        return gray, {"fields": 0.0, **({"small": round(float(field.mean()), 4)} if field.any() else {})}
    field = grow(cv2.dilate(field, np.ones((window, window), np.uint8)), gray.shape) > 0
    ink[field & (thin > 0)] = 0
    del thin, opened
    # What is left of the field are clumps of dots: blobs smaller than the letters outside it.
    count, labels, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    xs = np.clip(centres[:, 0].astype(int), 0, gray.shape[1] - 1)
    ys = np.clip(centres[:, 1].astype(int), 0, gray.shape[0] - 1)
    in_field = field[ys, xs]
    outside = stats[~in_field]
    height = letter_height(outside, square=True, floor=min_letter_px(dpi)) if len(outside) > 1 else 0.0
    clumps = in_field.copy()
    clumps[0] = False
    if height > 0:
        clumps &= np.maximum(stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]) < 0.5 * height
    erase = clumps[labels] | (field & (gray < ink_threshold(gray)) & (ink == 0))
    out = gray.copy()
    out[erase] = paper_level(gray)
    found = {"fields": round(float(field.mean()), 3), "erased_px": int(erase.sum())}
    return out, {**found, "text_height": round(height, 1)}


# Fewer specks than this on a page and none is removed: a clean page has a handful of marks the
# typography rules do not place (a period after a digit, a mark far above its letter), a noisy
# one thousands (tuning pages: clean 0-6, noisy or photocopied 280-38,000).
_MIN_SPECKS = 20


def despeckle(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Remove specks: ink blobs much smaller than a letter that no letter could own.

    Typography decides what a small mark may be: a diacritic or the dot of an i sits right above
    or below a letter; a period or comma right after a word, down on its baseline; a quote right
    after or before a word, up at its top; a colon or semicolon is two marks one above the other.
    A speck anywhere else (a margin, between lines, in a word gap at mid-height) is noise. The
    letter size is measured on the page, so this holds at any resolution and type size. Works on
    an upright page (text lines horizontal).
    """
    ink = (gray < ink_threshold(gray)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    text_height = letter_height(stats, floor=min_letter_px(dpi))
    found: dict[str, Any] = {"specks": 0, "text_height": round(text_height, 1)}
    if text_height <= 0:
        return gray, found
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    small = (np.maximum(width, height) <= text_height * 0.28) & (area <= (text_height * 0.22) ** 2)
    if not small.any():
        return gray, found
    small_labels = np.arange(1, count)[small]
    is_small = np.zeros(count, np.uint8)
    is_small[small_labels] = 1
    # Memory: a page-sized int32 label image and two int32 integral images are the largest
    # arrays of the whole clean-up; labels go to 16 bits when they fit, and the two integral
    # images are never held at once.
    if count <= np.iinfo(np.uint16).max:
        labels = labels.astype(np.uint16)
    small_ink = is_small[labels]
    np.subtract(ink, small_ink, out=ink)  # the letters' ink, without the small marks
    big = cv2.integral(ink)
    del ink
    x0, y0 = left[small], top[small]
    x1, y1 = x0 + width[small], y0 + height[small]
    h = text_height

    def near(table, ax0, ay0, ax1, ay1):
        return box_sums(table, ax0, ay0, ax1, ay1) > 0

    # A diacritic: a letter right above or below, in the same columns.
    mark = near(big, x0, y0 - round(h * 0.55), x1, y1 + round(h * 0.55))
    # After (or before) a word: letters within a short gap on the left (or right) ...
    gap = round(h * 0.3)
    after = near(big, x0 - gap, y0 - round(h * 0.8), x0, y1 + round(h * 0.2))
    before = near(big, x1, y0 - round(h * 0.2), x1 + gap, y1 + round(h * 0.8))
    # ... on their baseline (no letter reaching below it) or at their top (none reaching above).
    below = near(big, x0 - gap, y1 + round(h * 0.15), x0, y1 + round(h * 0.35))
    above = near(big, x0 - gap, y0 - round(h * 0.35), x0, y0 - round(h * 0.15))
    above_next = near(big, x1, y0 - round(h * 0.35), x1 + gap, y0 - round(h * 0.15))
    punctuation = after & (~below | ~above)
    opening_quote = before & ~above_next
    reach = round(h)
    beside = near(big, x0 - 2 * gap, y0 - reach, x0, y1 + reach) | near(
        big, x1, y0 - reach, x1 + 2 * gap, y1 + reach
    )
    del big
    marks = cv2.integral(small_ink)
    del small_ink
    # Two marks one above the other (colon, semicolon): the pair counts as punctuation.
    pair = near(marks, x0, y1 + round(h * 0.1), x1, y1 + round(h * 0.7)) | near(
        marks, x0, y0 - round(h * 0.7), x1, y0 - round(h * 0.1)
    )
    del marks
    keep = mark | punctuation | opening_quote | (pair & beside)
    noise = small_labels[~keep]
    if noise.size < _MIN_SPECKS:  # a clean page: its few "specks" are marks the rules missed
        found["kept"] = int(noise.size)
        return gray, found
    found["specks"] = int(noise.size)
    out = gray.copy()
    for label in noise:  # each speck within its own small box
        left_, top_, width_, height_ = stats[label, :4]
        box = (slice(top_, top_ + height_), slice(left_, left_ + width_))
        out[box][labels[box] == label] = 255
    return out, found


def binarise(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Sauvola-like adaptive threshold (OpenCV's Gaussian adaptive mean), window ~ 4 mm."""
    window = odd(px(4, dpi))
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, window, 15)
