"""The signer's name from a second reading of the signature region (classify.signer): where
the region is asked for, and what is taken from its reading — only a name read surely, never
a guess (an unsure reading leaves the name empty, with a review reason)."""

from __future__ import annotations

import pytest

from classify import extract
from classify.layout import document_lines
from classify.signer import SecondReading, signature_gap
from schemas import Box, Page, Word

BODY = "Các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này./."


def page(rows: list[tuple], number: int = 1) -> Page:
    """Words of each (text, left, top[, confidence]) row, 24 px a letter, 50 px tall, one
    engine line a row, read at 96 % unless the row says."""
    words = []
    for line, (text, left, top, *sure) in enumerate(rows):
        x = left
        for token in text.split():
            width = 24 * len(token)
            box = Box(left=x, top=top, width=width, height=50)
            words.append(Word(text=token, confidence=sure[0] if sure else 96, box=box, line=line))
            x += width + 20
    return Page(number=number, text="\n".join(r[0] for r in rows), words=words, width=2480, height=3508)


def signature_page(*below: tuple[str, int, int], position: str = "PHÓ CHỦ TỊCH") -> Page:
    return page(
        [
            ("ỦY BAN NHÂN DÂN", 300, 200),
            ("TỈNH NGHỆ AN", 360, 270),
            ("QUYẾT ĐỊNH", 1000, 600),
            (BODY[:40], 300, 800),
            (BODY[40:], 300, 870),
            ("Nơi nhận:", 300, 1000),
            ("KT. CHỦ TỊCH", 1500, 1000),
            ("- Như trên;", 300, 1070),
            (position, 1480, 1070),
            ("- Lưu: VT, VP.", 300, 1140),
            *below,
        ]
    )


def test_a_name_read_surely_is_taken_as_read() -> None:
    assert signature_gap(document_lines([signature_page(("Nguyễn Văn An", 1500, 1450))])) is None


def test_a_name_read_unsurely_is_checked_on_its_own_line() -> None:
    doc = document_lines([signature_page(("Nguyễn Văn An", 1500, 1450, 84))])
    gap = signature_gap(doc)
    assert gap is not None and gap.reason == "check name" and gap.page == 1
    x0, y0, x1, y1 = gap.box
    assert 1420 < y0 < 1450 and 1500 < y1 < 1530  # the name's line alone, not the titles above
    assert x0 < 1500 and x1 > 1500 + 24 * 11


def test_no_check_of_a_name_left_for_a_person() -> None:
    doc = document_lines([signature_page(("Đinh Công Chỉnh", 1500, 1450, 84))])
    assert signature_gap(doc) is None  # left empty whatever a second look reads


@pytest.mark.parametrize(
    ("below", "reason"),
    [
        ((), "no name"),
        ((("Hữu Khánh", 1560, 1450),), "incomplete name"),
        ((("Nguyễn Vănz An", 1500, 1450),), "misspelled name"),
    ],
)
def test_region_under_the_position_line(below, reason) -> None:
    gap = signature_gap(document_lines([signature_page(*below)]))
    assert gap is not None and gap.reason == reason and gap.page == 1
    x0, y0, x1, y1 = gap.box
    assert 1120 < y0 < 1200 and y1 > 1500  # from under 'PHÓ CHỦ TỊCH' down past the name
    assert x0 < 1480 and x1 > 1480 + 24 * 12  # around the position line, wider than it


def test_a_position_above_the_body_is_no_signature_block() -> None:
    # 'CHỦ TỊCH ỦY BAN NHÂN DÂN' heads a decision's text: the body follows it, no region there
    doc = document_lines([page([("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH", 900, 600), (BODY, 300, 700)])])
    gap = signature_gap(doc)
    assert gap is not None and gap.reason == "no block"  # not under the position: under the body
    assert gap.box[1] > 750 and gap.box[0] > 2480 * 0.4


def test_no_region_after_the_body_when_more_text_follows() -> None:
    doc = document_lines([page([(BODY, 300, 700), (BODY[:-3] + " và các phòng ban liên quan", 300, 800)])])
    assert signature_gap(doc) is None


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        ([("GIÁM ĐỐC", 0.6), ("Hồ Hữu Hằng", 0.95)], "Hồ Hữu Hằng"),  # the titles lost with the name
        ([("xương Hữu Hằng", 0.95)], None),  # no common family name
        ([("Hồ Hữu Hằng", 0.6)], None),  # read unsurely
        ([("Hồ Hữu Hằng", 0.95), ("Hồ Hữu Hăng", 0.9)], None),  # two readings, two names
    ],
)
def test_name_read_under_the_body_when_no_block_was(lines, name) -> None:
    pages = [page([("QUYẾT ĐỊNH", 1000, 300), (BODY[:40], 300, 800), (BODY[40:], 300, 870)])]
    gap = signature_gap(document_lines(pages))
    assert gap is not None and gap.reason == "no block" and gap.box[1] > 900
    assert _signer(pages, lines)[0] == name


def test_a_name_read_twice_under_the_body_is_taken_less_surely() -> None:
    rows = [("QUYẾT ĐỊNH", 1000, 300), (BODY[:40], 300, 800), (BODY[40:], 300, 870)]
    named = [page([*rows, ("Hồ Hữu Hằng", 1600, 1400)])]  # read the first time, no title above
    assert signature_gap(document_lines(named)).reason == "no block"
    assert _signer(named, [("Hồ Hữu Hằng", 0.74)])[0] == "Hồ Hữu Hằng"
    assert _signer([page(rows)], [("Hồ Hữu Hằng", 0.74)])[0] is None  # read once only: unsure


def test_an_empty_page_is_read_again_whole() -> None:
    pages = [page([("QUYẾT ĐỊNH", 1000, 600), (BODY, 300, 700)]), Page(number=2)]
    gap = signature_gap(document_lines(pages), [1, 2])
    assert gap is not None and gap.box is None and gap.page == 2 and gap.reason == "page read empty"


def _signer(pages: list[Page], lines: list[tuple[str, float]], on: int = 1):
    second = SecondReading(page=on, lines=tuple(lines))
    metadata = extract(pages, second).metadata
    return (metadata.signer.name if metadata.signer else None), metadata.review


@pytest.mark.parametrize(
    ("below", "lines", "name"),
    [
        # no name under the position line: a sure name read again is taken
        ((), [("—~ ,", 0.3), ("Nguyễn Văn An -", 0.95)], "Nguyễn Văn An"),
        ((), [("Nguyễn Văn An", 0.55)], None),  # a word read unsurely: no name
        ((), [("Văn An", 0.97)], None),  # no family name
        ((), [("Nguyễn Vănz An", 0.97)], None),  # a word no syllable spells
        # the family name lost under a seal: given names as first read, a family name before them
        ((("Hữu Khánh", 1560, 1450),), [("Bùi Hữu Khánh", 0.9)], "Bùi Hữu Khánh"),
        ((("Hữu Khánh", 1560, 1450),), [("Bùi Hữu Khảnh", 0.9)], None),  # given names differ
        ((("Hữu Khánh", 1560, 1450),), [("Đùi Hữu Khánh", 0.9)], None),  # no common family name
        ((("Hữu Khánh", 1560, 1450),), [("Bùi Hữu Khánh", 0.23)], None),
        ((("Hữu Khánh", 1560, 1450),), [("Bùi Hữu Khánh", 0.75)], "Bùi Hữu Khánh"),  # as first read
        ((), [("Bùi Hữu Khánh", 0.75)], None),  # nothing read first to agree with: less sure
        # what was read first spells no name: the one sure name read again under the position
        ((("V Xa", 1500, 1450),), [("Trần Ngọc Khánh", 0.96)], "Trần Ngọc Khánh"),
        ((("V Xa", 1500, 1450),), [("Trần Ngọc Khánh", 0.96), ("Trần Ngọc Khanh", 0.9)], None),
    ],
)
def test_name_from_the_second_reading(below, lines, name) -> None:
    found, review = _signer([signature_page(*below)], lines)
    assert found == name
    if name is None:
        assert any("người ký" in reason for reason in review)


def test_second_reading_of_a_page_read_empty() -> None:
    pages = [page([("QUYẾT ĐỊNH", 1000, 600), (BODY, 300, 700)]), Page(number=2)]
    lines = [
        ("Yêu cầu các đơn vị thi hành ./.", 0.95),
        ("Nơi nhận: CHÁNH VĂN PHÒNG", 0.95),
        ("- Như Điều 3;", 0.95),
        ("- Lưu: VT, KHTC. Võ Minh Dũng", 0.94),
    ]
    assert _signer(pages, lines, on=2)[0] == "Võ Minh Dũng"
    assert _signer(pages, [(t, 0.5) for t, _ in lines], on=2)[0] is None


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        ([("Nguyễn Văn An", 0.6), ("Nguyễn Văn An", 0.9)], "Nguyễn Văn An"),  # read alike
        ([("ẢX Nguyen Văn An |", 0.5)], "Nguyễn Văn An"),  # debris, a family name's accents
        ([("—~ ,", 0.3), ("Văn An", 0.9), ("Nguyễn Văn An", 0.9)], "Nguyễn Văn An"),  # one alike
        ([("—~ ,", 0.3), ("Văn An", 0.9), ("Nguyễn Vănz An", 0.9)], None),  # none reads a name
        ([("Nguyễn Văn An", 0.9), ("Nguyễn Văn Ân", 0.4)], None),  # another accent, however unsure
        ([("Nguyễn Văn Anh", 0.99)], None),  # another given name
        ([("Trần Văn An", 0.99)], None),  # another family name
    ],
)
def test_a_name_read_unsurely_checked_by_a_second_reading(lines, name) -> None:
    found, review = _signer([signature_page(("Nguyễn Văn An", 1500, 1450, 84))], lines)
    assert found == name
    if name is None:
        assert any("Nguyễn Văn An" in r and "cần kiểm tra" in r for r in review)


def test_a_name_read_surely_is_not_checked() -> None:
    found, _ = _signer([signature_page(("Nguyễn Văn An", 1500, 1450))], [("Nguyễn Văn Anh", 0.99)])
    assert found == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("read", "why"),
    [
        ("Võ Nưọc Hằng", "đọc không rõ"),  # a word no Vietnamese syllable spells
        ("V Xa", "đọc không rõ"),
        ("Lương Đức Chỉnh", "dấu hỏi trên chữ i"),  # a bold i's dot read as a hook
    ],
)
def test_a_name_that_is_not_sure_is_left_empty(read, why) -> None:
    metadata = extract([signature_page((read, 1500, 1450))]).metadata
    assert metadata.signer.name is None and metadata.signer.position == "PHÓ CHỦ TỊCH"
    assert metadata.confidence["signer"] == 0.0
    assert any(why in r and read in r for r in metadata.review)


def test_a_family_name_completed_takes_its_accents() -> None:
    # the seal over 'Dương': the second reading gives 'Đương', a common family name's key
    found, _ = _signer([signature_page(("Công Thảo", 1560, 1450))], [("Đương Công Thảo", 0.9)])
    assert found == "Dương Công Thảo"


def test_readings_that_disagree_give_no_name() -> None:
    lines = [("Nguyễn Văn An", 0.95), ("Nguyễn Văn Ân", 0.95)]  # black-and-white, then grey
    found, review = _signer([signature_page()], lines)
    assert found is None and any("người ký" in reason for reason in review)
