"""Lay a `Document` out on A4 pages in the Decree 30/2020 layout and draw it with Pillow at 300 dpi.

Every text line drawn is recorded with its region, style, size and box, in the ground-truth
reading order of the shared corpus: page number (pages 2+), header, title, body, ending; side-by-
side blocks (the two header columns; "Nơi nhận" beside the signer) interleaved row by row, left
before right; a table row is one line, cells joined by one space. Rules, boxes, table grids and
the signature scribble are drawn but are not text. The page text is the lines joined by newlines,
so the ground truth equals what was drawn by construction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from corpusgen.content import Block, Document, _day, _month
from corpusgen.fonts import FontFamily, handwriting_font, load

__all__ = ["DPI", "Line", "RenderedPage", "Style", "render_document"]

DPI = 300
A4 = (2480, 3508)
INK = (20, 20, 20)
RED = (200, 30, 35)
BLUE = (30, 50, 160)


def px(points: float) -> int:
    return round(points * DPI / 72)


@dataclass
class Line:
    text: str
    bbox: tuple[int, int, int, int]
    region: str
    style: str
    size_pt: float
    handwritten: list[str] = field(default_factory=list)  # parts of `text` written by hand

    def as_json(self) -> dict:
        data = {
            "text": self.text,
            "bbox": list(self.bbox),
            "region": self.region,
            "style": self.style,
            "size_pt": self.size_pt,
        }
        if self.handwritten:
            data["handwritten"] = list(self.handwritten)
        return data


@dataclass
class RenderedPage:
    image: Image.Image  # RGB, 300 dpi, clean
    lines: list[Line]
    role: str  # "first", "continuation", "signature" (holds the signer block), "appendix"
    signature_box: tuple[int, int, int, int] | None = None
    free_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # empty areas

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def kind(self) -> str:
        """ "text_poor" for a page after the first with at most three lines of body text."""
        body = [line for line in self.lines if line.region in ("body", "table", "title")]
        return "text_poor" if self.role != "first" and len(body) <= 3 else "full"


@dataclass(frozen=True)
class Style:
    """The typographic choices of one document."""

    family: FontFamily
    body_pt: float = 14.0
    spacing: float = 1.3  # line pitch / font size
    margins: tuple[int, int, int, int] = (400, 260, 2280, 3260)  # x0, y0, x1, y1 (text area)
    justify: bool = True
    ending_alone: bool = False  # the closing paragraph and the signer block start a new page
    # pages 2+: "bare" ("2"), "dash" ("- 2 -"), "trang" ("Trang 2/5"), "fraction" ("2/5"), "none"
    page_numbers: str = "bare"
    page_number_foot: bool = False  # at the foot of the page instead of the top


class _Pages:
    """The pages being filled, a cursor on the current one."""

    def __init__(self, style: Style, rng: random.Random):
        self.style, self.rng = style, rng
        self.pages: list[RenderedPage] = []
        self.role = "first"
        self.new_page()

    def new_page(self, role: str | None = None) -> None:
        if role:
            self.role = role
        elif self.pages:
            self.role = "appendix" if self.role == "appendix" else "continuation"
        image = Image.new("RGB", A4, (255, 255, 255))
        self.page = RenderedPage(image, [], self.role)
        self.draw = ImageDraw.Draw(image)
        self.pages.append(self.page)
        self.y = self.style.margins[1]

    def font(self, style: str, points: float) -> ImageFont.FreeTypeFont:
        return load(self.style.family.files[style], px(points))

    def pitch(self, points: float) -> int:
        return round(px(points) * self.style.spacing)

    def room(self, height: int) -> bool:
        return self.y + height <= self.style.margins[3]

    def need(self, height: int) -> None:
        if not self.room(height):
            self.new_page()

    def text(
        self,
        text: str,
        x: float,
        y: float,
        style: str,
        points: float,
        region: str,
        fill=INK,
        record: bool = True,
    ) -> Line:
        font = self.font(style, points)
        self.draw.text((x, y), text, font=font, fill=fill)
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=font)
        line = Line(text, (round(left), round(top), round(right), round(bottom)), region, style, points)
        if record:
            self.page.lines.append(line)
        return line

    def centred(
        self, text: str, centre: float, y: float, style: str, points: float, region: str, fill=INK
    ) -> Line:
        width = self.font(style, points).getlength(text)
        return self.text(text, centre - width / 2, y, style, points, region, fill)

    def wrap(self, text: str, width: float, style: str, points: float, indent: float = 0) -> list[str]:
        font, lines, current = self.font(style, points), [], ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            limit = width - (indent if not lines else 0)
            if current and font.getlength(trial) > limit:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
        return lines

    def justified(self, text: str, x: float, width: float, style: str, points: float, region: str) -> None:
        """Draw one line stretched to `width` (its words spread); recorded with single spaces."""
        font = self.font(style, points)
        words = text.split()
        gap = (width - sum(font.getlength(w) for w in words)) / max(len(words) - 1, 1)
        if len(words) < 2 or gap > font.getlength(" ") * 3:
            self.text(text, x, self.y, style, points, region)
            return
        cursor, top = x, self.y
        for word in words:
            self.draw.text((cursor, top), word, font=font, fill=INK)
            cursor += font.getlength(word) + gap
        box = self.draw.textbbox((x, top), text, font=font)
        line = Line(
            text, (round(box[0]), round(box[1]), round(x + width), round(box[3])), region, style, points
        )
        self.page.lines.append(line)


def _header(pages: _Pages, doc: Document, rng: random.Random) -> None:
    style, x0, x1 = pages.style, pages.style.margins[0], pages.style.margins[2]
    right_centre = x0 + (x1 - x0) * 0.7
    pitch = pages.pitch(13)
    right = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "b", 13), ("Độc lập - Tự do - Hạnh phúc", "b", 14)]
    if doc.variant == "party":
        right = [("ĐẢNG CỘNG SẢN VIỆT NAM", "b", 14)]
    if doc.variant in ("petition", "form"):
        _citizen_header(pages, doc, right)
        return
    right_start = right_centre - pages.font("b", 13).getlength(right[0][0]) / 2
    left_centre = x0 + (right_start - 40 - x0) / 2
    left_width = right_start - 40 - x0 + 80  # the left cell may reach into the margin a little
    left = [
        (text, weight, 13)
        for line, weight in doc.header_left
        for text in pages.wrap(line, left_width, weight, 13)
    ]
    y = style.margins[1]
    for row in range(max(len(left), len(right))):
        if row < len(left):
            pages.centred(left[row][0], left_centre, y, left[row][1], left[row][2], "header_left")
        if row < len(right):
            pages.centred(right[row][0], right_centre, y, right[row][1], right[row][2], "header_right")
        y += pitch
    # rules under the issuing body and the motto (not text)
    motto = pages.font("b", 14).getlength(right[-1][0])
    top = style.margins[1] + px(14) + 10
    rule = top + (len(right) - 1) * pitch
    pages.draw.line((right_centre - motto / 2, rule, right_centre + motto / 2, rule), fill=INK, width=3)
    body = pages.font("b", 13).getlength(left[-1][0])
    rule = top + (len(left) - 1) * pitch
    pages.draw.line((left_centre - body / 4, rule, left_centre + body / 4, rule), fill=INK, width=3)
    y += px(12)
    _number_and_date(pages, doc, left_centre, right_centre, y, rng)
    y += pitch
    if doc.doc_type == "Công văn":
        for text in pages.wrap(doc.subject, left_width - 80, "r", 12.5):
            pages.centred(text, left_centre, y, "r", 12.5, "header_left")
            y += pages.pitch(12.5)
    y += px(4)
    for mark in (doc.secrecy, doc.urgency):
        if mark:
            line = pages.centred(mark, left_centre, y, "b", 13.5, "mark", fill=RED)
            box = line.bbox
            pages.draw.rectangle((box[0] - 18, box[1] - 12, box[2] + 18, box[3] + 12), outline=RED, width=4)
            y += pages.pitch(13.5) + 20
    pages.y = y + px(10)


def _number_and_date(
    pages: _Pages, doc: Document, left_c: float, right_c: float, y: int, rng: random.Random
) -> None:
    number_text = doc.number_line
    date_text = doc.date_line
    hand = handwriting_font()
    if doc.variant == "draft":  # blanks left for the number and the day: drawn wide, read single-spaced
        _spaced(pages, f"Số:{' ' * 14}/{doc.notation}", left_c, y, "r", "header_left")
        day = f"{doc.place}, ngày{' ' * 8}tháng{' ' * 8}năm {doc.date.year}"
        _spaced(pages, day, right_c, y, "i", "header_right")
        return
    if "number" not in doc.handwritten or hand is None:
        pages.centred(number_text, left_c, y, "r", 13, "header_left")
    else:
        _with_hand(pages, ("Số: ", doc.number, f"/{doc.notation}"), left_c, y, "r", number_text, rng)
    if "day" not in doc.handwritten or hand is None:
        pages.centred(date_text, right_c, y, "i", 13.5, "header_right")
    else:
        before, after = f"{doc.place}, ngày ", f" tháng {_month(doc.date)} năm {doc.date.year}"
        _with_hand(pages, (before, _day(doc.date), after), right_c, y, "i", date_text, rng)


def _spaced(pages: _Pages, drawn: str, centre: float, y: int, style: str, region: str) -> None:
    line = pages.centred(drawn, centre, y, style, 13, region)
    line.text = " ".join(drawn.split())


def _citizen_header(pages: _Pages, doc: Document, motto: list[tuple[str, str, float]]) -> None:
    """A citizen's petition or a form: the motto centred, no issuing body, the date at the right."""
    x0, x1 = pages.style.margins[0], pages.style.margins[2]
    centre, y = (x0 + x1) / 2, pages.style.margins[1]
    for text, weight, points in motto:
        pages.centred(text, centre, y, weight, points, "header_right")
        y += pages.pitch(13)
    width = pages.font("b", 14).getlength(motto[-1][0])
    rule = pages.style.margins[1] + px(14) + 10 + (len(motto) - 1) * pages.pitch(13)
    pages.draw.line((centre - width / 2, rule, centre + width / 2, rule), fill=INK, width=3)
    y += px(12)
    if doc.variant == "petition":
        pages.centred(doc.date_line, x0 + (x1 - x0) * 0.68, y, "i", 13.5, "header_right")
        y += pages.pitch(13)
    pages.y = y + px(14)


def _top_lines(pages: _Pages, doc: Document) -> None:
    """'DỰ THẢO', 'Mẫu số 02' boxed at the top right of the first page, above the header."""
    for row, text in enumerate(doc.top_lines):
        font = pages.font("b", 13)
        x = pages.style.margins[2] - font.getlength(text) - 20
        line = pages.text(text, x, 110 + row * pages.pitch(13), "b", 13, "mark")
        box = line.bbox
        pages.draw.rectangle((box[0] - 16, box[1] - 10, box[2] + 16, box[3] + 10), outline=INK, width=3)


def _with_hand(
    pages: _Pages,
    parts: tuple[str, str, str],
    centre: float,
    y: int,
    style: str,
    text: str,
    rng: random.Random,
) -> None:
    """A printed line with a gap where `parts[1]` is written by hand in blue ink."""
    printed = pages.font(style, 13)
    hand = load(handwriting_font(), px(rng.uniform(15, 19)))
    gap = hand.getlength(parts[1]) + px(rng.uniform(4, 10))
    width = printed.getlength(parts[0]) + gap + printed.getlength(parts[2])
    x = centre - width / 2
    pages.draw.text((x, y), parts[0], font=printed, fill=INK)
    hand_x = x + printed.getlength(parts[0]) + px(2)
    pages.draw.text((hand_x, y - px(rng.uniform(2, 5))), parts[1], font=hand, fill=BLUE)
    pages.draw.text((x + printed.getlength(parts[0]) + gap, y), parts[2], font=printed, fill=INK)
    line = Line(
        text,
        (round(x), y, round(x + width), y + px(13)),
        "header_right" if style == "i" else "header_left",
        style,
        13.0,
        [parts[1]],
    )
    pages.page.lines.append(line)


def _title(pages: _Pages, doc: Document) -> None:
    x0, x1 = pages.style.margins[0], pages.style.margins[2]
    centre, width = (x0 + x1) / 2, (x1 - x0) * 0.8
    if doc.title_lines:
        for index, line in enumerate(doc.title_lines):
            style = "i" if line.startswith("(") else "b"
            for text in pages.wrap(line, width, style, 14):
                pages.centred(text, centre, pages.y, style, 14 if index == 0 else 13.5, "title")
                pages.y += pages.pitch(14)
        pages.y += px(14)
    elif doc.doc_type != "Công văn":
        pages.centred(doc.doc_type.upper(), centre, pages.y, "b", 14, "title")
        pages.y += pages.pitch(14)
        for text in pages.wrap(doc.subject, width, "b", 14):
            pages.centred(text, centre, pages.y, "b", 14, "title")
            pages.y += pages.pitch(14)
        pages.draw.line((centre - 150, pages.y + 4, centre + 150, pages.y + 4), fill=INK, width=3)
        pages.y += px(14)
    if doc.kinh_gui:
        points = pages.style.body_pt
        label = "Kính gửi: "
        x = x0 + (x1 - x0) * 0.22
        indent = pages.font("r", points).getlength(label)
        for index, recipient in enumerate(doc.kinh_gui):
            text = ("- " if len(doc.kinh_gui) > 1 else "") + recipient
            if index == 0:
                pages.text(label + text, x, pages.y, "r", points, "body")
            else:
                pages.text(text, x + indent, pages.y, "r", points, "body")
            pages.y += pages.pitch(points)
        pages.y += px(6)


def _paragraph(pages: _Pages, text: str, style: str, hanging: bool = False) -> None:
    x0, x1 = pages.style.margins[0], pages.style.margins[2]
    points = pages.style.body_pt
    indent = px(36)  # 1.27 cm
    lines = pages.wrap(text, x1 - x0, style, points, indent=0 if hanging else indent)
    for number, line in enumerate(lines):
        pages.need(pages.pitch(points))
        x = x0 + (indent if number == 0 and not hanging else 0)
        last = number == len(lines) - 1
        if pages.style.justify and not last:
            pages.justified(line, x, x1 - x, style, points, "body")
        else:
            pages.text(line, x, pages.y, style, points, "body")
        pages.y += pages.pitch(points)
    pages.y += px(3)


def _table(pages: _Pages, rows: list[list[str]]) -> None:
    x0, x1 = pages.style.margins[0], pages.style.margins[2]
    points = 12.0
    font_b, font_r = pages.font("b", points), pages.font("r", points)
    pad = 16
    widths = [
        max(font_b.getlength(row[i]) if n == 0 else font_r.getlength(row[i]) for n, row in enumerate(rows))
        + 2 * pad
        for i in range(len(rows[0]))
    ]
    spare = (x1 - x0) - sum(widths)
    widths[1] += max(spare, 0)
    height = pages.pitch(points) + 16
    for n, row in enumerate(rows):
        if not pages.room(height):
            pages.new_page()
        top, x = pages.y, x0
        for width in widths:
            pages.draw.rectangle((x, top, x + width, top + height), outline=INK, width=2)
            x += width
        x, boxes = x0, []
        for cell, width in zip(row, widths, strict=True):
            font = font_b if n == 0 else font_r
            pages.draw.text((x + pad, top + 8), cell, font=font, fill=INK)
            boxes.append(pages.draw.textbbox((x + pad, top + 8), cell, font=font))
            x += width
        box = (
            round(boxes[0][0]),
            round(min(b[1] for b in boxes)),
            round(boxes[-1][2]),
            round(max(b[3] for b in boxes)),
        )
        pages.page.lines.append(Line(" ".join(row), box, "table", "b" if n == 0 else "r", points))
        pages.y += height
    pages.y += px(8)


def _ending(pages: _Pages, doc: Document, rng: random.Random) -> None:
    x0, x1 = pages.style.margins[0], pages.style.margins[2]
    pitch = pages.pitch(13)
    right_centre = x0 + (x1 - x0) * 0.72
    right = [(text, "b", 13.5) for text in doc.signer_titles]
    sign_rows = 4
    name_row = len(right) + sign_rows
    left = [("Nơi nhận:", "bi", 12)] + [(text, "r", 11) for text in doc.recipients] if doc.recipients else []
    if not doc.signer_titles:
        return
    rows = max(len(left), name_row + 1)
    pages.need(rows * pitch + px(10))
    y = pages.y + px(6)
    for row in range(rows):
        if row < len(left):
            text, style, points = left[row]
            pages.text(text, x0, y + (4 if points < 12 else 0), style, points, "recipients")
        if row < len(right):
            pages.centred(right[row][0], right_centre, y, right[row][1], right[row][2], "signer")
        if row == name_row and doc.signer_name:
            pages.centred(doc.signer_name, right_centre, y, "b", 13.5, "signer")
        y += pitch
    if not doc.signer_name:  # a draft or a form: not signed
        pages.y = y
        return
    top = pages.y + px(6) + len(right) * pitch
    box = (round(right_centre - 330), top, round(right_centre + 330), top + sign_rows * pitch)
    _scribble(pages.draw, box, rng)
    pages.page.signature_box = box
    pages.page.role = "signature" if pages.page.role != "first" else "first"
    pages.y = y


def _scribble(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A signature: a few looping strokes in blue-black ink (not text)."""
    x0, y0, x1, y1 = box
    points = []
    x = x0 + (x1 - x0) * rng.uniform(0.2, 0.35)
    for _ in range(rng.randint(8, 14)):
        points.append((x, rng.uniform(y0 + (y1 - y0) * 0.25, y1 - (y1 - y0) * 0.2)))
        x += rng.uniform(15, 45)
    colour = rng.choice((BLUE, (25, 25, 60)))
    draw.line(points, fill=colour, width=rng.randint(3, 5), joint="curve")


def render_document(doc: Document, style: Style, rng: random.Random) -> list[RenderedPage]:
    """The document's pages, clean, at 300 dpi, with their lines."""
    pages = _Pages(style, rng)
    _top_lines(pages, doc)
    if doc.variant != "list":
        _header(pages, doc, rng)
    _title(pages, doc)
    blocks = list(doc.blocks)
    appendix_at = next((i for i, b in enumerate(blocks) if b.kind == "appendix_start"), len(blocks))
    body, appendix = blocks[:appendix_at], blocks[appendix_at:]
    for index, block in enumerate(body):
        alone = style.ending_alone and doc.variant not in ("list", "form")  # one-page by nature
        if alone and index == len(body) - 1 and len(pages.pages) >= 1:
            pages.new_page()
        _block(pages, block)
    _ending(pages, doc, rng)
    for block in appendix:
        if block.kind == "appendix_start":
            pages.new_page("appendix")
            if block.text:  # an appendix may open with its title, the heading under it
                centre = (style.margins[0] + style.margins[2]) / 2
                pages.centred(block.text, centre, pages.y, "b", 14, "title")
                pages.y += pages.pitch(14)
        else:
            _block(pages, block)
    _number_pages(pages.pages, style)
    for page in pages.pages:
        page.free_boxes = _free_boxes(page, style)
    return pages.pages


def _number_pages(pages: list[RenderedPage], style: Style) -> None:
    """Pages 2+ numbered in the document's style, centred at the top (the first line of the page's
    text) or at the foot (its last line; "Trang 2/5" and "2/5" at the right)."""
    if style.page_numbers == "none":
        return
    total = len(pages)
    for number, page in enumerate(pages[1:], 2):
        text = {
            "bare": str(number),
            "dash": f"- {number} -",
            "trang": f"Trang {number}/{total}",
            "fraction": f"{number}/{total}",
        }[style.page_numbers]
        font = load(style.family.files["r"], px(13))
        x = (A4[0] - font.getlength(text)) / 2
        y = 120
        if style.page_number_foot:
            y = A4[1] - 190
            if style.page_numbers in ("trang", "fraction"):
                x = style.margins[2] - font.getlength(text)
        draw = ImageDraw.Draw(page.image)
        draw.text((x, y), text, font=font, fill=INK)
        box = tuple(round(v) for v in draw.textbbox((x, y), text, font=font))
        line = Line(text, box, "page_number", "r", 13)
        if style.page_number_foot:
            page.lines.append(line)
        else:
            page.lines.insert(0, line)


def _block(pages: _Pages, block: Block) -> None:
    if block.kind == "paragraph":
        _paragraph(pages, block.text, block.style)
    elif block.kind == "item":
        _paragraph(pages, block.text, block.style, hanging=False)
    elif block.kind == "centre":
        x0, x1 = pages.style.margins[0], pages.style.margins[2]
        for text in pages.wrap(block.text, (x1 - x0) * 0.9, block.style, pages.style.body_pt):
            pages.need(pages.pitch(pages.style.body_pt))
            pages.centred(text, (x0 + x1) / 2, pages.y, block.style, pages.style.body_pt, "body")
            pages.y += pages.pitch(pages.style.body_pt)
        pages.y += px(4)
    elif block.kind == "table":
        _table(pages, block.rows)


def _free_boxes(page: RenderedPage, style: Style) -> list[tuple[int, int, int, int]]:
    """Empty bands across the text area, at least 300 px high (for stamps)."""
    x0, _, x1, y_end = style.margins
    tops = sorted((line.bbox[1], line.bbox[3]) for line in page.lines if line.region != "page_number")
    boxes, y = [], style.margins[1]
    if page.signature_box:
        tops.append((page.signature_box[1], page.signature_box[3]))
        tops.sort()
    for top, bottom in tops:
        if top - y >= 300:
            boxes.append((x0, y + 20, x1, top - 20))
        y = max(y, bottom)
    if y_end - y >= 300:
        boxes.append((x0, y + 20, x1, y_end))
    return boxes
