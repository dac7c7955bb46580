"""Small, distinct scan files for the operations tests (real pages, quick to OCR)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, PngImagePlugin

from tests.support import CLEAN_PNG


def small_pages(folder: Path, count: int, *, prefix: str = "scan") -> list[Path]:
    """`count` PNG files of the top of a real page at half size, each with different bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(CLEAN_PNG) as page:
        top = page.crop((0, 0, page.width, page.height * 2 // 5))
        small = top.resize((top.width // 2, top.height // 2))
    paths = []
    for n in range(count):
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", f"{prefix} copy {n}")  # different bytes, same picture
        path = folder / f"{prefix}_{n:02d}.png"
        small.save(path, pnginfo=info, dpi=(150, 150))
        paths.append(path)
    return paths
