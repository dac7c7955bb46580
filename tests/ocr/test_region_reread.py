"""A second reading of the signature region (ocr/region.py, application/signature_reading.py):
real Tesseract on a small rendered signature block whose name a red seal covers, upright and
scanned sideways; the pure image steps; and no engine call when the signer was read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from application.ingest import ingest_file
from application.services import build_services
from application.signature_reading import reread_signature
from classify import extract
from core.errors import OcrTimeout
from core.settings import load_settings
from ocr import FailingEngine, FixedTextEngine
from ocr.region import (
    binarise,
    crop_upright,
    digit_by_shape,
    drop_colour,
    enlarge,
    glyph_shapes,
    region_engine,
    shape_digits,
)
from schemas import Box, Page, Word
from storage import read_record

_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf")
NAME = "Bùi Hữu Khánh"


def _block() -> tuple[Image.Image, list[Word]]:
    """A 1400 x 900 signature block at 300 dpi: its titles as the first reading gave them
    (word boxes), the name under a red seal, which the first reading is taken to have lost."""
    image = Image.new("RGB", (1400, 900), "white")
    draw = ImageDraw.Draw(image)
    # the seal's ink lies with the print (stamped over it, the print still shows through)
    draw.ellipse((330, 280, 690, 640), outline=(200, 40, 40), width=14)
    draw.line((700, 300, 760, 420, 820, 320, 880, 430), fill=(30, 30, 120), width=4)
    font = ImageFont.truetype(str(_FONT), 42) if _FONT.exists() else ImageFont.load_default(42)
    words: list[Word] = []
    for line, (text, top) in enumerate([("KT. CHỦ TỊCH", 80), ("PHÓ CHỦ TỊCH", 150)]):
        x = 560
        for token in text.split():
            left, _, right, _ = draw.textbbox((x, top), token, font=font)
            draw.text((x, top), token, font=font, fill="black")
            box = Box(left=x, top=top, width=right - left, height=50)
            words.append(Word(text=token, confidence=96, box=box, line=line))
            x = right + 14
    draw.text((560, 480), NAME, font=font, fill="black")
    return image, words


def _turned(image: Image.Image, words: list[Word]) -> tuple[Image.Image, list[Word]]:
    """The block scanned a quarter turn clockwise: text runs downwards, boxes follow."""
    height = image.height
    turned = image.rotate(-90, expand=True)
    moved = []
    for w in words:
        left = height - w.box.top - w.box.height
        box = Box(left=left, top=w.box.left, width=w.box.height, height=w.box.width)
        moved.append(w.model_copy(update={"box": box}))
    return turned, moved


@pytest.mark.parametrize("sideways", [False, True])
def test_name_under_a_seal_read_again(sideways: bool) -> None:
    image, words = _block()
    if sideways:
        image, words = _turned(image, words)
    page = Page(number=1, text="", words=words, width=image.width, height=image.height)
    assert extract([page]).metadata.signer is None  # the first reading: no name
    found = reread_signature([page], lambda number: image, region_engine())
    assert found.calls == 1 and found.reason == "no name" and found.seconds < 20
    assert found.reading is not None
    assert extract([page], found.reading).metadata.signer.name == NAME


def test_no_engine_call_when_the_signer_was_read() -> None:
    image, words = _block()
    named = [
        *words,
        Word(text="Bùi", confidence=95, box=Box(left=560, top=480, width=80, height=50), line=5),
        Word(text="Hữu", confidence=95, box=Box(left=660, top=480, width=90, height=50), line=5),
        Word(text="Khánh", confidence=95, box=Box(left=770, top=480, width=130, height=50), line=5),
    ]
    page = Page(number=1, text="", words=named, width=image.width, height=image.height)
    found = reread_signature([page], lambda number: image, FailingEngine(RuntimeError("no call wanted")))
    assert found.reading is None and found.calls == 0


def test_crop_upright_and_colour() -> None:
    array = np.full((100, 200, 3), 255, np.uint8)
    array[10:20, 30:40] = (0, 0, 0)  # black print
    array[50:60, 30:40] = (210, 40, 40)  # seal red
    image = Image.fromarray(array)
    crop = crop_upright(image, (20, 0, 60, 80), 1)
    assert crop.size == (80, 40)  # a quarter turn: text that ran downwards runs to the right
    grey = np.asarray(drop_colour(image))
    assert grey[15, 35] == 0 and grey[55, 35] >= 200  # print stays, the seal goes pale
    assert crop_upright(image, (-10, -10, 500, 500), 0).size == (200, 100)  # clipped to the page
    assert enlarge(image, 12).width == 4 * 200 and enlarge(image, 60).width == 200
    assert enlarge(image, None).width == 200
    assert set(np.unique(np.asarray(binarise(drop_colour(image))))) == {0, 255}


def test_a_second_reading_that_times_out_is_given_up() -> None:
    image, words = _block()
    page = Page(number=1, text="", words=words, width=image.width, height=image.height)
    found = reread_signature([page], lambda number: image, FailingEngine(OcrTimeout("too slow")))
    assert found.reading is None and found.calls == 1
    assert extract([page], found.reading).metadata.signer is None


def test_ingest_reads_the_region_again_and_logs_it(tmp_path: Path) -> None:
    """The wiring: a record whose first reading has titles and no name gets the region read
    again (an injected engine that reads the same text each time: still no name), the name
    left empty with a review reason, and the second reading in its provenance log."""
    scan = tmp_path / "block.png"
    Image.new("L", (400, 300), 255).save(scan)
    engine = FixedTextEngine("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    services = build_services(load_settings(home=tmp_path / "home"), engine=engine)
    outcome = ingest_file(scan, services)
    assert outcome.status == "ingested", outcome.reason
    record = read_record(services.store, outcome.id, with_words=False)
    assert record.metadata.signer is None or record.metadata.signer.name is None
    assert any("đã đọc lại vùng chữ ký" in reason for reason in record.metadata.review)
    [event] = [e for e in record.events if e.step == "ocr_signature"]
    assert event.parameters["calls"] == 2 and event.parameters["reason"] == "no name"


def test_ingest_reads_the_date_digits_again_and_logs_it(tmp_path: Path) -> None:
    """The date's wiring: a day read as letters ('1S') is read again (an injected engine that
    reads the same text each time: no digits), the date left partial, the reading logged."""
    scan = tmp_path / "date.png"
    Image.new("L", (400, 300), 255).save(scan)
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH PHÚ THỌ\nSố: 15/QĐ-UBND\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Phú Thọ, ngày 1S tháng 01 năm 2019\nQUYẾT ĐỊNH\nVề việc thành lập tổ công tác"
    )
    services = build_services(load_settings(home=tmp_path / "home"), engine=FixedTextEngine(text))
    outcome = ingest_file(scan, services)
    assert outcome.status == "ingested", outcome.reason
    record = read_record(services.store, outcome.id, with_words=False)
    assert record.metadata.date is None and record.metadata.date_partial == "2019-01"
    [event] = [e for e in record.events if e.step == "ocr_date"]
    assert event.parameters["calls"] >= 1 and event.parameters["digits_taken"] is False


_ITALIC = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf")


def _word(text: str, size: int = 40, filled: bool = False) -> Image.Image:
    """A date word printed in italic at 300 dpi, as the date line is; `filled`: its loops
    closed with ink, as toner fills an 8 on a dark photocopy."""
    image = Image.new("L", (40 + size * len(text), 2 * size), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(_ITALIC), size) if _ITALIC.exists() else ImageFont.load_default(size)
    draw.text((20, size // 3), text, font=font, fill=0)
    if filled:
        for x, y in zip(*np.nonzero(np.asarray(image).T < 128), strict=True):
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=0)
    return image


@pytest.mark.parametrize(
    ("printed", "read", "expected"),
    [
        ("15", "1S", "15"),
        ("18", "1S", "18"),
        ("08", "0S", "08"),
        ("5", "S", "5"),
        ("01", "0T", "01"),
        ("07", "0T", "07"),
        ("3", "S", None),  # a 3 read as S: neither the 5's open side nor the 8's loops
        ("6", "S", None),
        ("28", "2B", "28"),  # B: 8 or 3 -- an 8's loops tell it
        ("23", "2B", None),  # a 3 is never told by shape alone (a filled 8 has no loops either)
        ("15", "S", None),  # two glyphs where one letter was read
        ("05", "0S", "05"),
        ("55", "0S", None),  # the digit read as such must show its loops: a 5 has no 0's
    ],
)
def test_digits_told_by_their_shape(printed: str, read: str, expected: str | None) -> None:
    image = _word(printed)
    box = (0, 0, image.width, image.height)
    lookalikes = {"S": "58", "T": "17", "B": "83"}
    found = shape_digits(image, box, 0, 28, read, lookalikes)
    assert found == expected


def test_a_filled_eight_is_neither_an_eight_nor_a_five() -> None:
    image = _word("8", filled=True)
    shapes = glyph_shapes(image, 1)
    assert shapes is not None and shapes[0].loops == 0
    assert digit_by_shape(shapes[0], "58") is None


def test_a_word_turned_sideways_is_read_upright() -> None:
    image = _word("18").rotate(-90, expand=True)  # text runs downwards: one clockwise turn
    box = (0, 0, image.width, image.height)
    assert shape_digits(image, box, 1, 28, "1S", {"S": "58"}) == "18"


def test_a_seven_that_lost_its_bar_is_not_a_one() -> None:
    """Its stem alone is narrow over a foot, as a 1 is, but shorter than the word's digits."""
    one, seven = _word("1"), _word("7")
    ink = np.asarray(seven) < 128
    rows = np.flatnonzero(ink.any(axis=1))
    ImageDraw.Draw(seven).rectangle((0, 0, seven.width, rows[0] + (rows[-1] - rows[0]) // 3), fill=255)
    image = Image.new("L", (one.width + seven.width, one.height), 255)
    image.paste(one, (0, 0))
    image.paste(seven, (one.width - 20, 0))
    box = (0, 0, image.width, image.height)
    shapes = glyph_shapes(image, 2)
    assert shapes is not None and shapes[1].stature < 0.9
    assert shape_digits(image, box, 0, 28, "1T", {"T": "17"}) is None
