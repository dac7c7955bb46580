"""Lines of a page, from its word boxes when present, else from its plain text.

A `Line` is one run of text that belongs to ONE column: Tesseract's lines are split where the
horizontal gap between two words is far wider than a word space, so the two header columns
(issuer | motto) and the ending (Nơi nhận | signer) come apart even when the engine merged
them into one line. Boxes are turned upright first (text progressing left to right), whatever
convention the engine used for rotated pages, so `side` means the same on every page.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from typing import Literal

from classify.norm import clean
from schemas import Page, Word

Side = Literal["left", "center", "right"]

# A gap wider than this many word heights splits a line into two columns.
_COLUMN_GAP = 2.6


@dataclass(frozen=True)
class Token:
    """One word as the engine read it: its confidence (0-1) and height, relative to the
    median word height of the page (a handwritten number stands out by both)."""

    text: str
    confidence: float
    height: float
    base: float | None = None  # where it stands: its foot (skew taken out), in word heights


@dataclass(frozen=True)
class Line:
    """One line of text of one column. `box` is (x0, y0, x1, y1) upright, None for plain text."""

    text: str
    page: int
    index: int
    box: tuple[int, int, int, int] | None = None
    page_width: int = 0
    confidence: float | None = None  # mean word confidence, 0-1
    words: tuple[Token, ...] = ()  # the engine's words, when it gave them

    def token_at(self, offset: int) -> Token | None:
        """The engine's word that holds character `offset` of `text` (words joined by one space)."""
        pos = 0
        for token in self.words:
            end = pos + len(token.text)
            if pos <= offset < end:
                return token
            pos = end + 1
        return None

    @property
    def side(self) -> Side | None:
        if self.box is None or self.page_width <= 0:
            return None
        x0, _, x1, _ = self.box
        width = self.page_width
        if x1 <= width * 0.55 and (x0 + x1) / 2 < width * 0.42:
            return "left"
        if x0 >= width * 0.42:
            return "right"
        return "center"

    def weight(self, base: float) -> float:
        """`base` confidence scaled by how sure the engine was of this line's words."""
        if self.confidence is None:
            return base
        return round(base * (0.6 + 0.4 * self.confidence), 3)


def page_lines(page: Page, *, columns: bool = True) -> list[Line]:
    """The lines of one page in reading order: top to bottom (skew taken out), then left to
    right, so side-by-side blocks interleave row by row as in the ground truth.

    `columns=False` keeps the engine's lines whole (a table row stays one line), for reading
    running text; the default splits them into columns, for reading the layout.
    """
    if page.words:
        return _lines_from_words(page, columns=columns)
    texts = (clean(raw) for raw in page.text.splitlines())
    return [Line(text=t, page=page.number, index=i) for i, t in enumerate(x for x in texts if x)]


def document_lines(pages: list[Page], *, columns: bool = True) -> list[list[Line]]:
    return [page_lines(page, columns=columns) for page in pages]


def _center(word: Word) -> tuple[float, float]:
    box = word.box
    return box.left + box.width / 2, box.top + box.height / 2


def _runs(words: list[Word]) -> list[list[Word]]:
    """Consecutive words sharing (block, line): the engine's own lines."""
    runs: list[list[Word]] = []
    for word in words:
        if not word.text.strip():
            continue
        if runs and (runs[-1][-1].block, runs[-1][-1].line) == (word.block, word.line):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _turn(runs: list[list[Word]]) -> int:
    """Clockwise quarter turns that make the words progress left to right (0, 1, 2 or 3)."""
    dx = dy = 0.0
    for run in runs:
        for a, b in zip(run, run[1:], strict=False):
            (ax, ay), (bx, by) = _center(a), _center(b)
            dx += bx - ax
            dy += by - ay
    if dx == 0 and dy == 0:
        return 0
    angle = math.degrees(math.atan2(dy, dx)) % 360
    return round(angle / 90) % 4


def _upright(box: tuple[int, int, int, int], turn: int, w: int, h: int) -> tuple[int, ...]:
    """Rotate a box so that the progression direction of the text becomes +x."""
    x0, y0, x1, y1 = box
    if turn == 1:  # text runs downwards
        return (y0, w - x1, y1, w - x0)
    if turn == 2:  # text runs right to left
        return (w - x1, h - y1, w - x0, h - y0)
    if turn == 3:  # text runs upwards
        return (h - y1, x0, h - y0, x1)
    return box


def upright_frame(page: Page) -> tuple[int, int, int]:
    """(turn, width, height) that `page_lines` turned the page's word boxes upright with."""
    runs = _runs(page.words)
    if not runs:
        return 0, page.width, page.height
    right = max(w.box.left + w.box.width for run in runs for w in run)
    bottom = max(w.box.top + w.box.height for run in runs for w in run)
    return _turn(runs), max(page.width, right), max(page.height, bottom)


def original_box(box: tuple[int, int, int, int], turn: int, w: int, h: int) -> tuple[int, int, int, int]:
    """An upright box (as `Line.box`) back in the page's coordinates as scanned: `_upright` undone."""
    x0, y0, x1, y1 = box
    if turn == 1:
        return (w - y1, x0, w - y0, x1)
    if turn == 2:
        return (w - x1, h - y1, w - x0, h - y0)
    if turn == 3:
        return (y0, h - x1, y1, h - x0)
    return box


def _lines_from_words(page: Page, *, columns: bool) -> list[Line]:
    runs = _runs(page.words)
    if not runs:
        return []
    turn, w, h = upright_frame(page)
    width = h if turn in (1, 3) else w
    boxes = {
        id(word): _upright(
            (word.box.left, word.box.top, word.box.left + word.box.width, word.box.top + word.box.height),
            turn,
            w,
            h,
        )
        for run in runs
        for word in run
    }
    heights = [boxes[id(x)][3] - boxes[id(x)][1] for run in runs for x in run]
    word_height = max(1.0, statistics.median(heights))
    slope = _slope(runs, boxes)

    def token(x: Word, read: str) -> Token:
        x0, _, x1, y1 = boxes[id(x)]
        foot = (y1 - slope * (x0 + x1) / 2) / word_height
        return Token(read, x.confidence / 100, (y1 - boxes[id(x)][1]) / word_height, round(foot, 3))

    found: list[tuple[str, tuple[int, int, int, int], float, tuple[Token, ...]]] = []
    for run in runs:
        segments = _split_at_gaps(run, boxes, word_height) if columns else [run]
        for segment in segments:
            seg_boxes = [boxes[id(x)] for x in segment]
            tokens = tuple(token(x, read) for x in segment if (read := clean(x.text)))
            text = " ".join(t.text for t in tokens)
            if text:
                box = (
                    min(b[0] for b in seg_boxes),
                    min(b[1] for b in seg_boxes),
                    max(b[2] for b in seg_boxes),
                    max(b[3] for b in seg_boxes),
                )
                confidence = round(sum(x.confidence for x in segment) / len(segment) / 100, 3)
                found.append((text, box, confidence, tokens))
    found.sort(key=lambda item: (item[1][1] - slope * item[1][0], item[1][0]))
    lines = [
        Line(
            text=text, page=page.number, index=i, box=box, page_width=int(width), confidence=conf, words=words
        )
        for i, (text, box, conf, words) in enumerate(found)
    ]
    return lines


def _slope(runs: list[list[Word]], boxes: dict[int, tuple[int, ...]]) -> float:
    """dy/dx of the text lines (a skew the engine did not correct), median over long lines."""
    slopes = []
    for run in runs:
        if len(run) < 3:
            continue
        points = [((boxes[id(w)][0] + boxes[id(w)][2]) / 2, boxes[id(w)][3]) for w in run]
        (xa, ya), (xb, yb) = points[0], points[-1]
        if xb - xa > 200:
            slopes.append((yb - ya) / (xb - xa))
    return statistics.median(slopes) if slopes else 0.0


def _split_at_gaps(
    run: list[Word], boxes: dict[int, tuple[int, ...]], word_height: float
) -> list[list[Word]]:
    ordered = sorted(run, key=lambda x: boxes[id(x)][0])
    segments = [[ordered[0]]]
    for prev, word in zip(ordered, ordered[1:], strict=False):
        gap = boxes[id(word)][0] - boxes[id(prev)][2]
        if gap > _COLUMN_GAP * word_height:
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments


def body_width(lines: list[Line]) -> int:
    """The length in characters of a full body line on this page (a high percentile of the
    lines long enough to be running text, so table cells do not drag it down)."""
    lengths = sorted(len(line.text) for line in lines if len(line.text) >= 15)
    if not lengths:
        return 80
    return max(40, lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))])


def full_width(line: Line, lines: list[Line], width: int | None = None) -> bool:
    """A line as wide as the running text (a body line, not a centred title or abstract).

    With boxes: at least 80 % of the width of the page's text block; without: at least 80 %
    of `body_width` characters.
    """
    boxes = [x.box for x in lines if x.box is not None]
    if line.box is not None and boxes:
        left = min(b[0] for b in boxes)
        right = max(b[2] for b in boxes)
        return (line.box[2] - line.box[0]) >= 0.8 * (right - left)
    return len(line.text) >= 0.8 * (width or body_width(lines))


# Letters that are not Vietnamese (Tesseract emits them on noise: §8.3 of the rules file).
_FOREIGN = set("öïäåůñÎīšçðßęěÏÖÄÅŮÑŠÇÐĘĚ€¢£¥§¤")


def unreadable(line: Line) -> bool:
    """A line the engine could not really read: low confidence, or mostly debris tokens
    (foreign letters, digits inside words, capitals inside lower-case words)."""
    if line.confidence is not None and line.confidence < 0.45 and len(line.text) > 8:
        return True
    tokens = [t for t in line.text.split() if any(c.isalnum() for c in t)]
    if len(tokens) < 3:
        return False
    odd = sum(1 for t in tokens if _odd_token(t.strip(".,;:()[]|'\"")))
    return odd / len(tokens) >= 0.4


def _odd_token(token: str) -> bool:
    if not token:
        return False
    if any(c in _FOREIGN for c in token):
        return True
    letters = [c for c in token if c.isalpha()]
    digits = [c for c in token if c.isdigit()]
    if letters and digits and not re.fullmatch(r"[\dA-ZĐ/.\-]+", token):
        return True  # 'iw0lSm' (but '02/2019/TT-BNV', 'QH13' are fine)
    inner = token[1:]
    return any(c.isupper() for c in inner) and any(c.islower() for c in inner)


def far_below(line: Line, previous: Line) -> bool:
    """True when boxes show a blank band of more than one and a half lines between them."""
    if line.box is None or previous.box is None:
        return False
    height = max(1, previous.box[3] - previous.box[1])
    return line.box[1] - previous.box[3] > 1.5 * height
