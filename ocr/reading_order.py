"""Reading order of a page's lines: top to bottom, side-by-side lines left before right.

Tesseract gives a page block by block: the two header columns of a Decree 30 page, or "Nơi
nhận" beside the signer block, come out one column after the other, and a line it took for a
block of its own can come first. A reader of the page (and the archive's ground truth) goes row
by row: lines whose heights overlap are one row, read left to right; rows top to bottom.
"""

from __future__ import annotations

from itertools import groupby

from schemas import Word

__all__ = ["order_lines"]

# A line belongs to the row above when its middle lies within that row's first line.
_SAME_ROW = 0.5


def order_lines(words: list[Word]) -> list[Word]:
    """The words in reading order, `line` renumbered from 1 in that order (pure). Words within a
    line keep their order; boxes are those of an upright page."""
    lines = [list(group) for _, group in groupby(words, key=lambda w: (w.block, w.line))]
    if len(lines) < 2:
        return words
    spans = [_span(line) for line in lines]
    order = sorted(range(len(lines)), key=lambda i: (spans[i][0] + spans[i][1]) / 2)
    rows: list[list[int]] = []
    for index in order:
        top, bottom, _ = spans[index]
        middle = (top + bottom) / 2
        if rows:
            first_top, first_bottom, _ = spans[rows[-1][0]]
            reach = (first_bottom - first_top) * _SAME_ROW
            if first_top <= middle <= first_bottom and abs(middle - (first_top + first_bottom) / 2) <= reach:
                rows[-1].append(index)
                continue
        rows.append([index])
    out: list[Word] = []
    number = 0
    for row in rows:
        for index in sorted(row, key=lambda i: spans[i][2]):
            number += 1
            out.extend(word.model_copy(update={"line": number}) for word in lines[index])
    return out


def _span(line: list[Word]) -> tuple[int, int, int]:
    """(top, bottom, left) of a line's words."""
    return (
        min(w.box.top for w in line),
        max(w.box.top + w.box.height for w in line),
        min(w.box.left for w in line),
    )
