"""Small, distinct scan files for the operations tests (real text, quick to OCR).

Each file is a different document — its own seeded lines of Vietnamese words — so none is a
near-duplicate re-scan of another (the ingest step links and flags those)."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.zoo.zoo import _FONT

_WORDS = (  # noqa: SIM905 (a readable word list)
    "ủy ban nhân dân tỉnh huyện xã quyết định công văn thông báo kế hoạch báo cáo tờ trình "
    "giấy mời biên bản hội nghị tài liệu lưu trữ số hóa nội vụ tài chính xây dựng giao thông "
    "nông nghiệp y tế giáo dục văn hóa thể thao du lịch đất đai môi trường khoáng sản thuế "
    "ngân sách đầu tư dự án đề án chương trình hướng dẫn thanh tra khiếu nại tố cáo tuyển dụng"
).split()


def page_image(seed: str, number: int) -> Image.Image:
    """A small page of seeded Vietnamese words under its own document number."""
    font = ImageFont.truetype(str(_FONT), 30) if _FONT.exists() else ImageFont.load_default(30)
    rng = random.Random(seed)
    page = Image.new("L", (1240, 620), 255)
    draw = ImageDraw.Draw(page)
    draw.text((60, 40), f"Số: {100 + number}/TB-UBND", font=font, fill=0)
    for line in range(1, 9):
        words = " ".join(rng.choice(_WORDS) for _ in range(9))
        draw.text((60, 40 + 62 * line), words.capitalize(), font=font, fill=0)
    return page


def small_pages(folder: Path, count: int, *, prefix: str = "scan") -> list[Path]:
    """`count` PNG pages at 150 dpi, each with different text (and so different bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{prefix}_{n:02d}.png"
        page_image(f"{prefix}-{n}", n).save(path, dpi=(150, 150))
        paths.append(path)
    return paths
