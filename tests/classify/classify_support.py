"""Test support for classify: the fixture documents, and pages with word boxes built from the
corpus's line boxes (so the word-box path is tested deterministically, in either reading
order and in any of the four orientations an engine may report boxes in)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from schemas import Box, Page, Word

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "classify"
SHARED_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
WIDTH, HEIGHT = 2480, 3508  # the corpus renders at 300 dpi, A4


@dataclass(frozen=True)
class Doc:
    doc_id: str
    pages: list[Page]  # ground-truth text, no words
    lines: list[list[dict]]  # per page: the lines with region and bbox
    manifests: list[dict]  # per page

    @property
    def metadata(self) -> dict:
        return self.manifests[0]["metadata"]


def text_page(text: str, number: int = 1) -> Page:
    return Page(number=number, text=text)


# A one-page kế hoạch as plain text, its header and date line to fill in (number and day may be
# left blank or dotted, as on a form awaiting a hand).
PLAN = """ỦY BAN NHÂN DÂN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
{unit}
Độc lập - Tự do - Hạnh phúc
Số: {number}/KH-UBND
{place}, ngày {day} tháng {month} năm {year}
KẾ HOẠCH
Về việc chỉnh lý tài liệu lưu trữ
Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011;
Nơi nhận:
KT. CHỦ TỊCH
- Như trên;
PHÓ CHỦ TỊCH
- Lưu: VT.
Lê Trung Chinh"""


def plan(
    unit: str = "THÀNH PHỐ ĐÀ NẴNG",
    place: str = "Đà Nẵng",
    number: str = "115",
    day: str = "26",
    month: str = "5",
    year: str = "2019",
) -> str:
    return PLAN.format(unit=unit, place=place, number=number, day=day, month=month, year=year)


def fixture_docs() -> list[Doc]:
    docs = []
    for first in sorted(FIXTURES.glob("*_p1.gt.txt")):
        doc_id = first.name.removesuffix("_p1.gt.txt")
        pages, lines, manifests = [], [], []
        for number in (1, 2, 3):
            stem = FIXTURES / f"{doc_id}_p{number}"
            if not stem.with_suffix(".gt.txt").exists():
                break
            pages.append(Page(number=number, text=stem.with_suffix(".gt.txt").read_text("utf-8")))
            lines.append(json.loads(stem.with_suffix(".lines.json").read_text("utf-8"))["lines"])
            manifests.append(json.loads(stem.with_suffix(".json").read_text("utf-8")))
        docs.append(Doc(doc_id, pages, lines, manifests))
    return docs


def _words_of(line: dict, block: int, number: int) -> list[Word]:
    """Split a line box into word boxes in proportion to the characters of each word."""
    x0, y0, x1, y1 = line["bbox"]
    text = line["text"]
    per_char = (x1 - x0) / max(1, len(text))
    words, pos = [], 0
    for token in text.split(" "):
        if token:
            left = x0 + int(pos * per_char)
            width = max(1, int(len(token) * per_char))
            words.append(
                Word(
                    text=token,
                    confidence=95.0,
                    block=block,
                    line=number,
                    box=Box(left=left, top=y0, width=width, height=y1 - y0),
                )
            )
        pos += len(token) + 1
    return words


def _turn_box(box: Box, turn: int) -> Box:
    """The box on the page as scanned when the page was turned `turn` degrees clockwise."""
    x0, y0 = box.left, box.top
    x1, y1 = x0 + box.width, y0 + box.height
    if turn == 90:  # upright (x, y) -> scanned (H - y, x)
        return Box(left=HEIGHT - y1, top=x0, width=y1 - y0, height=x1 - x0)
    if turn == 180:
        return Box(left=WIDTH - x1, top=HEIGHT - y1, width=box.width, height=box.height)
    if turn == 270:  # upright (x, y) -> scanned (y, W - x)
        return Box(left=y0, top=WIDTH - x1, width=y1 - y0, height=x1 - x0)
    return box


def word_page(
    lines: list[dict], number: int = 1, *, order: str = "rows", turn: int = 0, merge_rows: bool = False
) -> Page:
    """A Page with words built from the line boxes.

    order="rows": lines in the ground truth's order (header columns interleaved row by row);
    order="columns": each region as one block, left column before right (Tesseract's way).
    merge_rows: side-by-side lines of the same row become ONE engine line (a merged row).
    """
    if order == "columns":
        regions: dict[str, list[dict]] = {}
        for line in lines:
            regions.setdefault(line["region"], []).append(line)
        ordered = [line for group in regions.values() for line in group]
    else:
        ordered = list(lines)
    words: list[Word] = []
    line_no = 0
    block_of = {region: i + 1 for i, region in enumerate(dict.fromkeys(x["region"] for x in ordered))}
    previous_top = None
    for line in ordered:
        same_row = merge_rows and previous_top is not None and abs(line["bbox"][1] - previous_top) < 20
        if not same_row:
            line_no += 1
        block = 1 if merge_rows else block_of[line["region"]]
        words.extend(_words_of(line, block, line_no))
        previous_top = line["bbox"][1]
    if turn:
        words = [w.model_copy(update={"box": _turn_box(w.box, turn)}) for w in words]
    width, height = (HEIGHT, WIDTH) if turn in (90, 270) else (WIDTH, HEIGHT)
    text = "\n".join(x["text"] for x in ordered)
    return Page(number=number, text=text, words=words, width=width, height=height, orientation=turn)
