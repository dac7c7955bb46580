"""Page images for the web page: rendered from the stored original, scaled, cached, redacted.

For the public role the words holding personal data are covered with black boxes (their OCR
word boxes, found by the same masker as the text). A page whose text holds personal data but
which has no word boxes cannot be redacted and is refused rather than shown.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from indexing.masking import find_spans
from ocr import iter_pages
from schemas import Box, Page, Record
from storage import ObjectStore, original_key

__all__ = ["DEFAULT_WIDTH", "FORMATS", "CannotRedact", "redaction_boxes", "render_page"]

DEFAULT_WIDTH = 1000
MIN_WIDTH, MAX_WIDTH = 200, 2000
FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg")}
_PAD = 2  # pixels added around each redacted word box

_render_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


class CannotRedact(Exception):
    """The page holds personal data that cannot be located on the image."""


def redaction_boxes(page: Page, values: Sequence[str] = ()) -> list[Box]:
    """The boxes of the words of `page` that hold personal data (pure).

    The words are joined line by line as the text reads, masked as a whole (so a number split
    into several words is still found), and the words overlapping each masked span are covered by
    one box per line (how many words a name has, and how long each is, is not shown).
    """
    spans_in_text = find_spans(page.text, values)
    if not page.words:
        if spans_in_text:
            raise CannotRedact(f"page {page.number} has personal data but no word boxes")
        return []
    offsets, parts, at, previous = [], [], 0, None
    for word in page.words:
        if parts:
            gap = " " if (word.block, word.line) == previous else "\n"
            parts.append(gap)
            at += 1
        offsets.append((at, at + len(word.text)))
        parts.append(word.text)
        at += len(word.text)
        previous = (word.block, word.line)
    spans = find_spans("".join(parts), values)
    groups: dict[tuple[int, int, int], list[Box]] = {}
    for word, (start, end) in zip(page.words, offsets, strict=True):
        for number, (span_start, span_end) in enumerate(spans):
            if start < span_end and span_start < end:
                groups.setdefault((number, word.block, word.line), []).append(word.box)
    return [_union(boxes) for boxes in groups.values()]


def _union(boxes: Sequence[Box]) -> Box:
    left, top = min(b.left for b in boxes), min(b.top for b in boxes)
    right, bottom = max(b.left + b.width for b in boxes), max(b.top + b.height for b in boxes)
    return Box(left=left, top=top, width=right - left, height=bottom - top)


def _redact(image: Image.Image, boxes: Sequence[Box]) -> Image.Image:
    if not boxes:
        return image
    image = image.convert("RGB") if image.mode not in ("L", "RGB") else image.copy()
    draw = ImageDraw.Draw(image)
    fill = 0 if image.mode == "L" else (0, 0, 0)
    for box in boxes:
        draw.rectangle(
            (box.left - _PAD, box.top - _PAD, box.left + box.width + _PAD, box.top + box.height + _PAD),
            fill=fill,
        )
    return image


def _encode(image: Image.Image, width: int, fmt: str) -> bytes:
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB") if "A" not in image.getbands() else _flatten(image)
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    kind, _ = FORMATS[fmt]
    image.save(out, kind, **({"quality": 85, "optimize": True} if kind == "JPEG" else {"optimize": True}))
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    return flat.convert("RGB")


def _cache_name(record: Record, number: int, width: int, fmt: str, boxes: Sequence[Box]) -> str:
    redaction = hashlib.sha256(repr([tuple(b.model_dump().values()) for b in boxes]).encode()).hexdigest()
    return f"{record.id}-{number:04d}-{width}-{redaction[:12]}.{fmt}"


def render_page(
    store: ObjectStore,
    record: Record,
    number: int,
    *,
    width: int,
    fmt: str,
    boxes: Sequence[Box],
    cache: Path,
    max_pixels: int,
) -> bytes:
    """Page `number` of the stored original, `boxes` blacked out, at most `width` pixels wide."""
    width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    target = cache / _cache_name(record, number, width, fmt, boxes)
    with _render_locks[target.name]:
        if target.exists():
            return target.read_bytes()
        data = _render(store, record, number, width, fmt, boxes, max_pixels)
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)
    _render_locks.pop(target.name, None)
    return data


def _render(
    store: ObjectStore,
    record: Record,
    number: int,
    width: int,
    fmt: str,
    boxes: Sequence[Box],
    max_pixels: int,
) -> bytes:
    key = original_key(store, record.id)
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as tmp:
        path = Path(tmp) / "original"
        store.get_file(key, path)
        for source in iter_pages(path, record.media_type, max_pixels=max_pixels):
            if source.number == number:
                return _encode(_redact(source.image, boxes), width, fmt)
    raise LookupError(f"record {record.id} has no page {number} in its original")
