"""Synthetic page images for the pre-processing tests: text lines, seals, borders, holes, specks.

Pure numpy/OpenCV drawing, seeded, no files. The "text" is OpenCV's Hershey font: Latin letters
with ascenders, descenders and capitals, enough for line, skew and orientation geometry.
`signature_page_on_tinted_paper` is a page for the OCR engine: Vietnamese in a Times-metric
font (Liberation Serif 2, as the corpus generator draws), on tinted paper, saved as a JPEG.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "SIGNATURE_PAGE_TEXT",
    "WORDS",
    "rotate_page",
    "signature_page_on_tinted_paper",
    "text_page",
    "with_red_seal",
]

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


# The last page of a decision: two lines of body, "Nơi nhận" on the left, the signer on the right.
SIGNATURE_PAGE_TEXT = (
    "Yêu cầu Thủ trưởng các cơ quan, đơn vị liên quan chịu trách nhiệm\n"
    "thi hành Quyết định này./.\n"
    "Nơi nhận:\n- Như Điều 3;\n- Các phòng chuyên môn;\n- Lưu: VT, KHTC.\n"
    "CHÁNH VĂN PHÒNG\nVõ Minh Dũng"
)


def signature_page_on_tinted_paper(
    paper: tuple[int, int, int] = (235, 220, 180), ink: int = 90, quality: int = 25
) -> Image.Image | None:
    """A text-poor A4 page at 300 dpi (SIGNATURE_PAGE_TEXT, 14 pt) printed in grey ink on
    yellowed paper and saved as a JPEG of `quality`, loaded back (RGB); None when Liberation
    Serif 2 (fonts-liberation2) is not installed."""
    from corpusgen.fonts import FAMILIES, load

    family = FAMILIES[0]
    if not all(path.exists() for path in family.files.values()):
        return None
    regular, bold = load(family.files["r"], 58), load(family.files["b"], 58)
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    draw.text((1240, 150), "2", font=regular, fill=0, anchor="mm")
    lines = SIGNATURE_PAGE_TEXT.split("\n")
    y = 300
    for line in lines[:2]:
        draw.text((420, y), line, font=regular, fill=0)
        y += 75
    y += 40
    for line in lines[2:6]:
        draw.text((420, y), line, font=regular if line.startswith("-") else bold, fill=0)
        y += 64
    draw.text((1500, 460), lines[6], font=bold, fill=0)
    draw.text((1560, 760), lines[7], font=bold, fill=0)
    white = np.asarray(page, np.float32)[..., None] / 255  # 0 ink .. 1 paper
    tinted = np.clip(ink + white * (np.array(paper, np.float32) - ink), 0, 255).astype(np.uint8)
    data = io.BytesIO()
    Image.fromarray(tinted).save(data, "JPEG", quality=quality)
    return Image.open(io.BytesIO(data.getvalue())).convert("RGB")
