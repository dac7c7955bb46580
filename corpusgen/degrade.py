"""Degradations of a clean 300-dpi page, each with random parameters, applied in a fixed order.

A `Plan` names the kinds for one document (shared by its pages: one scan job); each page draws its
own parameters. Every applied step is returned with its parameters for the ground truth. Marks
that carry text (the incoming-document stamp) add their lines to the page's ground truth; seals,
pen marks, punch holes, rules and noise are not text.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from corpusgen.fonts import FontFamily, load
from corpusgen.render import BLUE, DPI, RED, Line, RenderedPage, px

__all__ = ["KINDS", "Plan", "Result", "degrade", "plan_for", "to_lowres"]

# In the order they are applied.
KINDS = (
    "seal",
    "stamp",
    "pen",
    "punch",
    "yellow",
    "light",
    "blur",
    "noise",
    "photocopy",
    "skew",
    "rotate",
    "lowdpi",
    "jpeg",
)
_COLOUR = {"seal", "stamp", "pen", "yellow"}


@dataclass
class Plan:
    kinds: list[str]
    rotation: int = 0  # degrees clockwise, shared by the document's pages
    dpi: int = DPI  # shared
    jpeg_quality: int | None = None


@dataclass
class Result:
    image: Image.Image
    steps: list[dict]
    stamp_lines: list[Line] = field(default_factory=list)
    dpi: int = DPI
    rotated_cw: int = 0
    skew_ccw: float = 0.0
    jpeg_quality: int | None = None  # the file is JPEG at this quality, else PNG

    @property
    def image_format(self) -> str:
        return "jpeg" if self.jpeg_quality else "png"


def plan_for(rng: random.Random, forced: str | None, sparse: bool) -> Plan:
    """Kinds for one document: `forced` (or clean when None) plus random extras."""
    kinds = set() if forced is None else {forced}
    if forced is not None:
        extras = [k for k in KINDS if k != forced]
        kinds.update(rng.sample(extras, rng.choice((0, 1, 1, 2, 2, 3))))
    if "rotate" in kinds and not kinds & {"noise", "photocopy", "seal"}:
        kinds.add(rng.choice(("noise", "photocopy", "seal")))
    if sparse and forced is not None and "photocopy" not in kinds and rng.random() < 0.25:
        kinds.add("photocopy")
    if "photocopy" in kinds:
        kinds -= {"yellow"}  # a photocopy has no paper colour
    plan = Plan(sorted(kinds, key=KINDS.index))
    if "rotate" in kinds:
        plan.rotation = rng.choice((90, 180, 270))
    if "lowdpi" in kinds:
        plan.dpi = rng.choice((70, 75, 96, 100, 120, 150))
    if "jpeg" in kinds:
        plan.jpeg_quality = rng.randint(20, 60)
    return plan


def _seal(image: Image.Image, page: RenderedPage, rng: random.Random, family: FontFamily, text: str) -> dict:
    x0, y0, x1, y1 = page.signature_box
    radius = rng.randint(190, 235)
    cx = x0 + (x1 - x0) * rng.uniform(0.05, 0.3)
    cy = (y0 + y1) / 2 + rng.uniform(-40, 40)
    layer = Image.new("L", (2 * radius + 20, 2 * radius + 20), 0)
    draw = ImageDraw.Draw(layer)
    c = radius + 10
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=12)
    draw.ellipse(
        (c - radius * 0.68, c - radius * 0.68, c + radius * 0.68, c + radius * 0.68), outline=255, width=5
    )
    star = [
        (c + radius * 0.3 * r * math.sin(a), c - radius * 0.3 * r * math.cos(a))
        for i in range(10)
        for a, r in [(i * math.pi / 5, 1.0 if i % 2 == 0 else 0.4)]
    ]
    draw.polygon(star, fill=255)
    font = load(family.files["b"], 44)
    letters = f"{text} * "
    for index, char in enumerate(letters):
        angle = 360 * index / len(letters)
        glyph = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(glyph).text((30, 30), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
        gx = c + radius * 0.84 * math.sin(math.radians(angle)) - 30
        gy = c - radius * 0.84 * math.cos(math.radians(angle)) - 30
        layer.paste(255, (round(gx), round(gy)), glyph)
    strength = rng.uniform(0.55, 0.9)
    layer = layer.point(lambda v: round(v * strength))
    ink = Image.new("RGB", layer.size, rng.choice((RED, (210, 40, 60), (185, 25, 30))))
    image.paste(ink, (round(cx - c), round(cy - c)), layer)
    return {"name": "seal", "centre": [round(cx), round(cy)], "radius": radius, "opacity": round(strength, 2)}


def _stamp(
    image: Image.Image, page: RenderedPage, rng: random.Random, family: FontFamily, date
) -> tuple[dict, list[Line]]:
    boxes = [b for b in page.free_boxes if b[3] - b[1] >= 300]
    if not boxes:
        return {"name": "stamp", "applied": False}, []
    bx0, by0, bx1, by1 = rng.choice(boxes)
    received = date.fromordinal(date.toordinal() + rng.randint(1, 9))
    texts = ["CÔNG VĂN ĐẾN", f"Số: {rng.randint(1, 9999)}", f"Ngày: {received:%d/%m/%Y}"]
    colour = rng.choice((RED, BLUE))
    draw = ImageDraw.Draw(image)
    x = rng.randint(bx0, max(bx0, bx1 - 620))
    y = rng.randint(by0, max(by0, by1 - 280))
    lines = []
    for row, text in enumerate(texts):
        style = "b" if row == 0 else "r"
        font = load(family.files[style], px(12))
        top = y + 24 + row * px(16)
        draw.text((x + 30, top), text, font=font, fill=colour)
        box = tuple(round(v) for v in draw.textbbox((x + 30, top), text, font=font))
        lines.append(Line(text, box, "stamp", style, 12.0))
    draw.rectangle((x, y, x + 560, y + 50 + 3 * px(16)), outline=colour, width=5)
    return {"name": "stamp", "box": [x, y, x + 560, y + 50 + 3 * px(16)]}, lines


def _pen(image: Image.Image, page: RenderedPage, rng: random.Random) -> dict:
    draw = ImageDraw.Draw(image)
    body = [line for line in page.lines if line.region in ("body", "table")] or page.lines
    marks = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("underline", "margin", "tick"))
        colour = rng.choice((RED, BLUE, (40, 40, 40)))
        line = rng.choice(body)
        x0, _, x1, y1 = line.bbox
        if kind == "underline":
            points = [(x, y1 + 8 + rng.uniform(-4, 4)) for x in range(x0, x1, 60)]
            if len(points) > 1:
                draw.line(points, fill=colour, width=4)
        elif kind == "margin":
            draw.line((x0 - 60, line.bbox[1], x0 - 60 + rng.uniform(-10, 10), y1 + 160), fill=colour, width=5)
        else:
            draw.line((x1 + 30, y1 - 20, x1 + 50, y1, x1 + 100, y1 - 60), fill=colour, width=5)
        marks.append(kind)
    return {"name": "pen", "marks": marks}


def _punch(gray: np.ndarray, rng: random.Random) -> dict:
    height, width = gray.shape[:2]
    shadow = rng.randint(60, 150)
    ramp = np.linspace(rng.uniform(0.35, 0.6), 1.0, shadow)[None, :]
    if gray.ndim == 3:
        ramp = ramp[..., None]
    gray[:, :shadow] = (gray[:, :shadow] * ramp).astype(np.uint8)
    radius = rng.randint(45, 60)
    cx = rng.randint(150, 220)
    yy, xx = np.ogrid[:height, :width]
    for cy in (height // 2 - 420, height // 2 + 420):
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
        gray[inside] = rng.randint(20, 70)
    return {"name": "punch", "holes": 2, "radius": radius, "shadow_px": shadow}


def _light(pixels: np.ndarray, rng: random.Random) -> dict:
    height, width = pixels.shape[:2]
    low = rng.uniform(0.5, 0.8)
    angle = rng.uniform(0, 2 * math.pi)
    ys = np.linspace(-1, 1, height)[:, None]
    xs = np.linspace(-1, 1, width)[None, :]
    ramp = (xs * math.cos(angle) + ys * math.sin(angle) + 1.5) / 3.0  # 0..1 across the page
    gain = (low + (1 - low) * ramp).astype(np.float32)
    if pixels.ndim == 3:
        gain = gain[..., None]
    pixels[:] = np.clip(pixels * gain, 0, 255).astype(np.uint8)
    return {"name": "light", "darkest_gain": round(low, 2), "direction_deg": round(math.degrees(angle))}


def _yellow(pixels: np.ndarray, rng: random.Random) -> dict:
    ink = rng.randint(70, 115)
    paper = np.array([rng.randint(225, 245), rng.randint(210, 232), rng.randint(160, 195)], np.float32)
    scale = pixels.astype(np.float32) / 255.0
    pixels[:] = np.clip(ink + scale * (paper - ink), 0, 255).astype(np.uint8)
    return {"name": "yellow", "ink": ink, "paper": [int(v) for v in paper]}


def _noise(pixels: np.ndarray, rng: random.Random, seed: int) -> dict:
    sigma = rng.uniform(6, 18)
    density = rng.uniform(0.0005, 0.003)
    generator = np.random.default_rng(seed)
    noisy = (
        pixels.astype(np.int16) + generator.normal(0, sigma, pixels.shape[:2])[..., None].astype(np.int16)
        if pixels.ndim == 3
        else pixels.astype(np.int16) + generator.normal(0, sigma, pixels.shape).astype(np.int16)
    )
    specks = generator.random(pixels.shape[:2])
    noisy[specks < density / 2] = 30
    noisy[(specks >= density / 2) & (specks < density)] = 255
    pixels[:] = np.clip(noisy, 0, 255).astype(np.uint8)
    return {"name": "noise", "sigma": round(sigma, 1), "speckle_density": round(density, 4)}


def _photocopy(gray: np.ndarray, rng: random.Random, seed: int) -> tuple[np.ndarray, dict]:
    generator = np.random.default_rng(seed)
    image = Image.fromarray(gray).filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))
    values = np.asarray(image).astype(np.int16) + generator.normal(0, 12, gray.shape).astype(np.int16)
    threshold = rng.randint(115, 165)
    out = np.where(values < threshold, 0, 255).astype(np.uint8)
    border = rng.randint(25, 90)
    side = rng.choice(("left", "top", "right"))
    if side == "left":
        out[:, :border] = 0
    elif side == "top":
        out[:border, :] = 0
    else:
        out[:, -border:] = 0
    toner = generator.random(gray.shape) < rng.uniform(0.0003, 0.0015)
    out[toner] = 0
    return out, {"name": "photocopy", "threshold": threshold, "border_px": border, "border_side": side}


def _resample(image: Image.Image, dpi: int) -> Image.Image:
    size = (round(image.width * dpi / DPI), round(image.height * dpi / DPI))
    return image.resize(size, Image.LANCZOS if image.mode != "1" else Image.NEAREST)


def degrade(
    page: RenderedPage, plan: Plan, rng: random.Random, family: FontFamily, date, seed: int
) -> Result:
    """The page scanned under `plan`; its own random parameters from `rng`/`seed`."""
    image = page.image.copy()
    steps: list[dict] = []
    stamp_lines: list[Line] = []
    kinds = plan.kinds
    if "seal" in kinds and page.signature_box:
        steps.append(_seal(image, page, rng, family, "ỦY BAN NHÂN DÂN"))
    if "stamp" in kinds and page.role == "first":
        step, stamp_lines = _stamp(image, page, rng, family, date)
        if stamp_lines:
            steps.append(step)
    if "pen" in kinds:
        steps.append(_pen(image, page, rng))
    colour = any(step["name"] in _COLOUR for step in steps) or "yellow" in kinds
    pixels = np.array(image if colour else image.convert("L"))
    if "punch" in kinds:
        steps.append(_punch(pixels, rng))
    if "yellow" in kinds:
        steps.append(_yellow(pixels, rng))
    if "light" in kinds:
        steps.append(_light(pixels, rng))
    image = Image.fromarray(pixels)
    if "blur" in kinds:
        sigma = rng.uniform(0.8, 1.6)
        image = image.filter(ImageFilter.GaussianBlur(sigma))
        steps.append({"name": "blur", "sigma_px": round(sigma, 2)})
    if "noise" in kinds:
        pixels = np.array(image)
        steps.append(_noise(pixels, rng, seed))
        image = Image.fromarray(pixels)
    if "photocopy" in kinds:
        out, step = _photocopy(np.array(image.convert("L")), rng, seed + 1)
        image = Image.fromarray(out).convert("1")
        steps.append(step)
    skew = 0.0
    if "skew" in kinds:
        skew = round(rng.choice((-1, 1)) * rng.uniform(0.3, 5.0), 2)
        fill = 255 if image.mode in ("L", "1") else (255, 255, 255)
        source = image.convert("L") if image.mode == "1" else image
        image = source.rotate(skew, resample=Image.BICUBIC, fillcolor=fill)
        if source is not image and "photocopy" in kinds:
            image = image.point(lambda v: 255 if v >= 128 else 0).convert("1")
        steps.append({"name": "skew", "angle_ccw_deg": skew})
    if plan.rotation:
        image = image.rotate(-plan.rotation, expand=True)
        steps.append({"name": "rotate", "cw_deg": plan.rotation})
    if plan.dpi != DPI:
        bilevel = image.mode == "1"
        image = _resample(image.convert("L") if bilevel else image, plan.dpi)
        if bilevel:
            image = image.point(lambda v: 255 if v >= 128 else 0).convert("1")
        steps.append({"name": "lowdpi", "dpi": plan.dpi})
    result = Result(image, steps, stamp_lines, plan.dpi, plan.rotation, skew)
    if plan.jpeg_quality:
        result.image = image.convert("L") if image.mode == "1" else image
        result.jpeg_quality = plan.jpeg_quality
        steps.append({"name": "jpeg", "quality": plan.jpeg_quality})
    return result


def to_lowres(page: RenderedPage, dpi: int = 70, quality: int = 60) -> Result:
    """The issue's low-resolution variant: the clean page downscaled to `dpi`, JPEG `quality`."""
    image = _resample(page.image.convert("L"), dpi)
    steps = [{"name": "lowdpi", "dpi": dpi}, {"name": "jpeg", "quality": quality}]
    return Result(image, steps, dpi=dpi, jpeg_quality=quality)
