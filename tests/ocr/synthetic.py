"""Synthetic page images for the pre-processing tests: text lines, seals, borders, holes, specks.

Pure numpy/OpenCV drawing, seeded, no files. The "text" is OpenCV's Hershey font: Latin letters
with ascenders, descenders and capitals, enough for line, skew and orientation geometry.
"""

from __future__ import annotations

import random

import cv2
import numpy as np

__all__ = ["WORDS", "rotate_page", "text_page", "with_red_seal"]

_TEXT = (
    "Quyet dinh thanh lap To cong tac so hoa tai lieu luu tru lich su cua tinh gom cac ong ba "
    "co ten sau Giam doc So Noi vu Truong phong Quan ly ngan sach Thong tin va Truyen thong "
    "Chanh Van phong Uy ban nhan dan tinh chiu trach nhiem thi hanh Quyet dinh nay ky"
)
WORDS = tuple(_TEXT.split(" "))

DPI = 200  # the synthetic pages' nominal resolution
_FONT = cv2.FONT_HERSHEY_COMPLEX
_SCALE = 1.0  # ~22 px capitals at this scale: 11-12 pt at 200 dpi
_LINE = 48  # px between baselines


def text_page(
    width: int = 1654, height: int = 2339, lines: int = 34, seed: int = 1, margin: int = 160
) -> np.ndarray:
    """An A4 page at 200 dpi (gray, paper 245) with `lines` lines of words, left-aligned."""
    rng = random.Random(seed)
    page = np.full((height, width), 245, np.uint8)
    y = margin + 40
    for _ in range(lines):
        x = margin
        while True:
            word = rng.choice(WORDS)
            (w, _), _ = cv2.getTextSize(word, _FONT, _SCALE, 2)
            if x + w > width - margin:
                break
            cv2.putText(page, word, (x, y), _FONT, _SCALE, 20, 2, cv2.LINE_AA)
            x += w + 18
        y += _LINE
        if y > height - margin:
            break
    return page


def rotate_page(page: np.ndarray, angle: float) -> np.ndarray:
    """Turn counter-clockwise by `angle` degrees about the centre, same size, paper-filled."""
    height, width = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    fill = (245, 245, 245) if page.ndim == 3 else 245
    return cv2.warpAffine(page, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=fill)


def with_red_seal(page: np.ndarray, centre: tuple[int, int], radius: int = 140) -> np.ndarray:
    """An RGB copy with a red round seal (two rings, a star, text around) drawn over it, ink
    blended as stamp ink is (multiplied: black print under it stays black)."""
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB).astype(np.float32) / 255
    ink = np.full_like(page, 255)[..., None].repeat(3, axis=2)
    red = (217, 51, 56)
    cv2.circle(ink, centre, radius, red, 7, cv2.LINE_AA)
    cv2.circle(ink, centre, int(radius * 0.72), red, 3, cv2.LINE_AA)
    star = [
        (
            int(centre[0] + (0.3 if k % 2 == 0 else 0.12) * radius * np.sin(np.pi * k / 5)),
            int(centre[1] - (0.3 if k % 2 == 0 else 0.12) * radius * np.cos(np.pi * k / 5)),
        )
        for k in range(10)
    ]
    cv2.fillPoly(ink, [np.array(star, np.int32)], red)
    for k, letter in enumerate("UBNDTINHPHUTHO"):
        angle = np.pi * (0.9 + 1.2 * k / 14)
        x = int(centre[0] + radius * 0.86 * np.cos(angle)) - 8
        y = int(centre[1] + radius * 0.86 * np.sin(angle)) + 8
        cv2.putText(ink, letter, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, red, 2, cv2.LINE_AA)
    return (np.clip(rgb * (ink.astype(np.float32) / 255), 0, 1) * 255).astype(np.uint8)
