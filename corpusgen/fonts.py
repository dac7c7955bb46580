"""Fonts for generated pages: Times-metric families with Vietnamese glyphs, and a handwriting font.

From Debian packages (scripts/bootstrap.sh installs them): fonts-liberation2 (Liberation Serif
2.x; the 1.07 of fonts-liberation has no precomposed Vietnamese letters), fonts-texgyre (TeX Gyre
Termes), fonts-dkg-handwriting (digits written by hand). A family counts only when its files exist
and draw every test letter (not the .notdef box).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

__all__ = ["FontFamily", "HANDWRITING", "available_families", "handwriting_font", "load"]

_LIBERATION = Path("/usr/share/fonts/truetype/liberation2")
_TERMES = Path("/usr/share/texmf/fonts/opentype/public/tex-gyre")
HANDWRITING = Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf")
_STYLE_NAMES = {"r": "Regular", "b": "Bold", "i": "Italic", "bi": "BoldItalic"}
_PROBE = "ẠẶẬỆỘỢỰỸạặậệộợựỹĐđƯươ"


@dataclass(frozen=True)
class FontFamily:
    name: str
    files: dict[str, Path]  # style "r", "b", "i", "bi" -> file


FAMILIES = (
    FontFamily(
        "Liberation Serif",
        {s: _LIBERATION / f"LiberationSerif-{n}.ttf" for s, n in _STYLE_NAMES.items()},
    ),
    FontFamily(
        "TeX Gyre Termes",
        {s: _TERMES / f"texgyretermes-{n.lower()}.otf" for s, n in _STYLE_NAMES.items()},
    ),
)


@cache
def load(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px)


def _draws(path: Path, text: str) -> bool:
    font = load(path, 40)
    missing = bytes(font.getmask("\U000f0000"))
    return all(bytes(font.getmask(char)) != missing for char in text)


@cache
def available_families() -> tuple[FontFamily, ...]:
    """The families installed here that draw Vietnamese, in a fixed order."""
    return tuple(
        family
        for family in FAMILIES
        if all(path.exists() for path in family.files.values()) and _draws(family.files["r"], _PROBE)
    )


def handwriting_font() -> Path | None:
    """The handwriting font file, when installed and drawing digits."""
    return HANDWRITING if HANDWRITING.exists() and _draws(HANDWRITING, "0123456789") else None
