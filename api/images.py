"""Page images for the web page: rendered from the stored original, scaled, cached, redacted.

A document cut from a dossier (hồ sơ) has no original of its own: its page n is page n of its
own searchable PDF, which holds its pages only, never the dossier's scan (that holds the other
documents, some perhaps secret). The render is brought to the page's size as read (the size its
word boxes are measured in); a page whose render is turned against it is not redacted but refused.

For the public role the words holding personal data are covered with black boxes (their OCR
word boxes, found by the same masker as the text). A page whose text holds personal data that
its word boxes do not hold (no boxes, a word dropped, text edited after OCR) cannot be redacted
and is refused rather than shown.

Only what the public is served is cached on disk (cache/pages): renders for staff and
archivists, which show personal data, stay in memory. Widths are rounded up to a few steps and
the cache is bounded in size; a record's renders are removed on any review decision.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from indexing.masking import find_spans
from indexing.page_keys import folded_view
from ocr import iter_pages, load_page
from ocr.imaging import flatten_on_white
from schemas import Box, Page, Record
from storage import ObjectStore, original_key
from storage.layout import SEARCHABLE_PDF
from storage.package import package_key
from vntext.normalise import nfc

__all__ = [
    "DEFAULT_WIDTH",
    "FORMATS",
    "WIDTHS",
    "CannotRedact",
    "forget_record",
    "redaction_boxes",
    "render_page",
    "step_width",
]

DEFAULT_WIDTH = 1000
MIN_WIDTH, MAX_WIDTH = 200, 2000
WIDTHS = (400, 700, 1000, 1400, MAX_WIDTH)  # the widths rendered (step_width)
CACHE_BYTES = 256 * 1024 * 1024  # the page cache's size bound
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
    joined = "".join(parts)
    spans = find_spans(joined, values)
    _check_covered(page, spans_in_text, [joined[start:end] for start, end in spans])
    groups: dict[tuple[int, int, int], list[Box]] = {}
    for word, (start, end) in zip(page.words, offsets, strict=True):
        for number, (span_start, span_end) in enumerate(spans):
            if start < span_end and span_start < end:
                groups.setdefault((number, word.block, word.line), []).append(word.box)
    return [_union(boxes) for boxes in groups.values()]


def _letters(text: str) -> str:
    return "".join(c for c in folded_view(nfc(text)) if c.isalnum())


def _check_covered(page: Page, spans_in_text: Sequence[tuple[int, int]], boxed: Sequence[str]) -> None:
    """CannotRedact unless every piece of personal data found in the page's text is found, whole,
    among the pieces found in its words: where the two disagree (a word dropped, the text edited
    after OCR) a value could otherwise be served unboxed."""
    covered = [_letters(piece) for piece in boxed]
    for start, end in spans_in_text:
        wanted = _letters(page.text[start:end])
        if wanted and not any(wanted in piece for piece in covered):
            raise CannotRedact(f"page {page.number}: personal data in its text is not on its word boxes")


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
        image = flatten_on_white(image)
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    kind, _ = FORMATS[fmt]
    image.save(out, kind, **({"quality": 85, "optimize": True} if kind == "JPEG" else {"optimize": True}))
    return out.getvalue()


def _cache_name(record: Record, number: int, width: int, fmt: str, boxes: Sequence[Box]) -> str:
    redaction = hashlib.sha256(repr([tuple(b.model_dump().values()) for b in boxes]).encode()).hexdigest()
    return f"{record.id}-{number:04d}-{width}-{redaction[:12]}.{fmt}"


def step_width(width: int) -> int:
    """The rendered width for a requested one: the next of WIDTHS (the browser scales down), so
    a page has at most len(WIDTHS) renders per format, whatever widths are asked for."""
    return next((step for step in WIDTHS if step >= width), WIDTHS[-1])


def render_page(
    store: ObjectStore,
    record: Record,
    number: int,
    *,
    width: int,
    fmt: str,
    boxes: Sequence[Box],
    cache: Path | None,
    max_pixels: int,
    cache_bytes: int = CACHE_BYTES,
) -> bytes:
    """Page `number` of the stored original, `boxes` blacked out, `step_width(width)` pixels
    wide at most. Kept in `cache` when one is given (the caller gives one for public renders
    only: a render that shows personal data stays in memory), which is kept under
    `cache_bytes`, the least recently used renders going first."""
    width = step_width(width)
    if cache is None:
        return _render(store, record, number, width, fmt, boxes, max_pixels)
    target = cache / _cache_name(record, number, width, fmt, boxes)
    with _render_locks[target.name]:
        try:
            data = target.read_bytes()
            os.utime(target)  # recently used
            return data
        except FileNotFoundError:
            pass
        data = _render(store, record, number, width, fmt, boxes, max_pixels)
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)
    _render_locks.pop(target.name, None)
    _evict(cache, cache_bytes)
    return data


def _evict(cache: Path, budget: int) -> None:
    """The least recently used renders removed until the cache holds at most `budget` bytes."""
    files = []
    for path in cache.glob("*.*"):
        if path.name.startswith("."):  # a render being written
            continue
        try:
            st = path.stat()
        except FileNotFoundError:  # removed by another thread
            continue
        files.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= budget:
            break
        path.unlink(missing_ok=True)
        total -= size


def forget_record(cache: Path, record_id: str) -> None:
    """Remove every cached render of a record (after a review decision, or when its content
    leaves the store): what was rendered under its old class or metadata is not served again."""
    for path in Path(cache).glob(f"{record_id}-*"):
        path.unlink(missing_ok=True)


def _render(
    store: ObjectStore,
    record: Record,
    number: int,
    width: int,
    fmt: str,
    boxes: Sequence[Box],
    max_pixels: int,
) -> bytes:
    if record.dossier is not None:
        return _render_document_page(store, record, number, width, fmt, boxes, max_pixels)
    key = original_key(store, record.id)
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as tmp:
        path = Path(tmp) / "original"
        store.get_file(key, path)
        for source in iter_pages(path, record.media_type, max_pixels=max_pixels):
            if source.number == number:
                return _encode(_redact(source.image, boxes), width, fmt)
    raise LookupError(f"record {record.id} has no page {number} in its original")


_PDF = "application/pdf"
_ASPECT_SLACK = 0.02  # a render whose width/height differs more from the page's is turned


def _render_document_page(
    store: ObjectStore,
    record: Record,
    number: int,
    width: int,
    fmt: str,
    boxes: Sequence[Box],
    max_pixels: int,
) -> bytes:
    """Page `number` of a dossier document, from its own searchable PDF (module docstring)."""
    page = next((p for p in record.pages if p.number == number), None)
    if page is None or number > record.page_count:
        raise LookupError(f"record {record.id} has no page {number}")
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as tmp:
        path = Path(tmp) / SEARCHABLE_PDF
        store.get_file(package_key(store, record.id, SEARCHABLE_PDF), path)
        image = load_page(path, _PDF, number, max_pixels=max_pixels).image
        image.load()
    return _encode(_redact(_to_page_size(image, page, bool(boxes)), boxes), width, fmt)


def _to_page_size(image: Image.Image, page: Page, redacting: bool) -> Image.Image:
    """`image` at the page's size as read when boxes are to be drawn on it, so that they fall on
    their words. CannotRedact when the render is not shaped as the page read (turned)."""
    if not redacting or image.size == (page.width, page.height):
        return image
    aspect = page.width / page.height if page.width and page.height else 0.0
    if not aspect or abs(image.width / image.height - aspect) > _ASPECT_SLACK * aspect:
        raise CannotRedact(f"page {page.number}: its render is not shaped as the page read")
    return image.resize((page.width, page.height), Image.Resampling.LANCZOS)
