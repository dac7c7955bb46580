"""classify.segment: a dossier scan cut into its documents by reading its pages."""

from __future__ import annotations

import pytest

from classify.segment import REVIEW_BELOW, document_pages, segment_dossier, split_at
from schemas import Box, Page, Segmentation, Word


def _first(number: str, title: str, subject: str, body: str, *, ending: bool = True) -> str:
    """Page 1 of a document in the Decree 30 layout, in the ground truth's reading order."""
    lines = [
        "ỦY BAN NHÂN DÂN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TỈNH HẢI DƯƠNG",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {number}",
        "Hải Dương, ngày 14 tháng 4 năm 2019",
        title,
        subject,
        body,
    ]
    return "\n".join(lines + (_ENDING if ending else []))


_ENDING = [
    "Trên đây là báo cáo của Ủy ban nhân dân tỉnh./.",
    "Nơi nhận:",
    "TM. ỦY BAN NHÂN DÂN",
    "- Như trên;",
    "CHỦ TỊCH",
    "- Lưu: VT, TH.",
    "Vũ Minh Hiếu",
]
_BODY = (
    "Căn cứ tình hình thực tế và kết quả kiểm tra, trong thời gian qua các cơ quan, đơn vị đã\n"
    "quan tâm chỉ đạo và đạt được một số kết quả bước đầu; tuy nhiên việc thực hiện ở một số nơi\n"
    "còn chậm, chưa đồng bộ và chưa bảo đảm tiến độ theo kế hoạch đã đề ra"
)


def _continuation(page_number: str, text: str, *, ending: bool = False) -> str:
    return "\n".join([page_number, text, *(_ENDING if ending else [])])


def _pages(*texts: str) -> list[Page]:
    return [Page(number=n, text=text) for n, text in enumerate(texts, 1)]


def _spans(result: Segmentation) -> list[list[int]]:
    return [d.pages for d in result.documents]


def _cues(result: Segmentation, number: int) -> dict[str, str]:
    page = next(p for p in result.pages if p.number == number)
    return {c.cue: c.text for c in page.cues}


def test_two_documents_with_their_evidence():
    result = segment_dossier(
        _pages(
            _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện năm 2019", _BODY, ending=False),
            _continuation("2", "thực hiện ở các cấp, các ngành trong tỉnh.", ending=True),
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Về việc ban hành quy chế", _BODY),
        )
    )
    assert _spans(result) == [[1, 2], [3]]
    assert [p.role for p in result.pages] == ["start", "continuation", "start"]
    assert not result.review_pages
    assert all(p.confidence >= REVIEW_BELOW for p in result.pages)
    cues = _cues(result, 3)
    assert cues["motto"] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert cues["number"] == "Số: 15/QĐ-UBND"
    assert cues["title"] == "QUYẾT ĐỊNH"
    assert "Vũ Minh Hiếu" in cues["previous_ended"]  # the document before closed on page 2
    assert _cues(result, 2)["page_number"] == "2"
    assert [p.document for p in result.pages] == [1, 1, 2]


def test_one_page_document_between_two_long_ones():
    result = segment_dossier(
        _pages(
            _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai chuyển đổi số", _BODY, ending=False),
            _continuation("2", "các cơ quan, đơn vị triển khai thực hiện đúng tiến độ;"),
            _continuation("3", "bảo đảm chất lượng và hiệu quả.", ending=True),
            _first("399/UBND-KT", "", "V/v triển khai thu gom chất thải", _BODY),
            _first("30/TB-UBND", "THÔNG BÁO", "Kết luận của Chủ tịch", _BODY, ending=False),
            _continuation("2", "theo đúng quy định hiện hành.", ending=True),
        )
    )
    assert _spans(result) == [[1, 2, 3], [4], [5, 6]]
    assert not result.review_pages


def test_an_appendix_without_a_header_stays_with_its_document():
    appendix = "\n".join(
        [
            "3",
            "Phụ lục",
            "DANH MỤC NHIỆM VỤ CHUYỂN ĐỔI SỐ",
            "(Kèm theo Quyết định số 15/QĐ-UBND ngày 14 tháng 4 năm 2019)",
            "STT Nội dung Đơn vị thực hiện Thời gian",
            "1 Rà soát, thống kê Sở Nội vụ Quý III/2019",
        ]
    )
    result = segment_dossier(
        _pages(
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành kế hoạch", _BODY, ending=False),
            _continuation("2", "tổ chức thực hiện Quyết định này.", ending=True),
            appendix,
            _first("40/BC-UBND", "BÁO CÁO", "Tình hình thực hiện", _BODY),
        )
    )
    assert _spans(result) == [[1, 2, 3], [4]]
    cues = _cues(result, 3)
    assert cues["appendix"].startswith("Phụ lục")
    assert cues["appendix"].endswith("= 15/QĐ-UBND")  # it names the decision it belongs to
    page = result.pages[2]
    assert page.role == "continuation" and not page.review


def test_a_blank_separator_sheet_is_dropped_from_the_documents():
    result = segment_dossier(
        _pages(
            _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY),
            "",
            "  \n . \n",
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY),
        )
    )
    assert _spans(result) == [[1], [4]]
    assert result.blank_pages == [2, 3]
    assert [p.role for p in result.pages] == ["start", "blank", "blank", "start"]
    assert result.pages[1].document is None
    assert "after_blank" in _cues(result, 4)


def test_a_blank_sheet_inside_a_document_does_not_split_it():
    result = segment_dossier(
        _pages(
            _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY, ending=False),
            "",
            _continuation("2", "các cơ quan, đơn vị thực hiện.", ending=True),
        )
    )
    assert _spans(result) == [[1, 3]]
    assert result.blank_pages == [2]


@pytest.mark.parametrize("number", ["2", "- 2 -", "Trang 2/5", "Trang 2", "2/5"])
def test_a_continuation_page_with_a_page_number(number: str):
    result = segment_dossier(
        _pages(
            _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY),  # closes with its ending
            _continuation(number, "Nhằm nâng cao hiệu quả công tác, đề nghị các cơ quan phối hợp."),
        )
    )
    assert _spans(result) == [[1, 2]]
    assert _cues(result, 2)["page_number"] == number
    assert not result.pages[1].review


def test_a_continuation_page_goes_on_with_the_sentence():
    result = segment_dossier(
        _pages(
            _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY, ending=False),
            "và chưa bảo đảm tiến độ theo kế hoạch đã đề ra.\n" + "\n".join(_ENDING),
        )
    )
    assert _spans(result) == [[1, 2]]
    assert "continuation_text" in _cues(result, 2)


def test_an_uncertain_boundary_goes_to_review_and_is_not_taken_as_sure():
    # The page after a closed document shows no header and no page number: a new document whose
    # header was lost, or a page of the one before? The segmenter guesses and asks a person.
    result = segment_dossier(
        _pages(
            _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY),
            "Nhằm nâng cao hiệu quả công tác văn thư, lưu trữ trên địa bàn tỉnh, các cơ quan đã\n"
            "triển khai nhiều giải pháp đồng bộ.",
        )
    )
    page = result.pages[1]
    assert page.review and page.confidence < REVIEW_BELOW
    assert result.review_pages == [2]
    assert result.documents[-1].review
    assert 2 in [n for d in result.documents for n in d.pages]  # kept, in one document or another


def test_a_page_the_ocr_could_not_read_is_not_a_blank_sheet():
    unread = Page(
        number=2,
        text="",
        needs_review=True,
        review_reasons=["no text recognised", "100% of the lettering was not read (>= 15%)"],
    )
    result = segment_dossier(
        [Page(number=1, text=_first("5/TB-UBND", "THÔNG BÁO", "Kết luận", _BODY)), unread]
    )
    assert result.blank_pages == []
    assert result.pages[1].review
    assert "unreadable" in _cues(result, 2)


def test_an_attached_draft_with_a_header_goes_to_review():
    draft = _first("      /QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY).replace(
        "Hải Dương, ngày", "DỰ THẢO\nHải Dương, ngày", 1
    )
    draft = "DỰ THẢO\n" + draft
    result = segment_dossier(
        _pages(_first("20/TTr-UBND", "TỜ TRÌNH", "Đề nghị ban hành quy chế", _BODY), draft)
    )
    assert result.pages[1].review
    assert "attachment" in _cues(result, 2)


def _word(text: str, left: int, top: int, line: int) -> Word:
    return Word(
        text=text, confidence=95, box=Box(left=left, top=top, width=40 * len(text), height=50), line=line
    )


def test_a_lone_number_off_centre_is_a_table_cell_not_a_page_number():
    """With word boxes: '3' at the left edge starts a table row; '3' centred is a page number."""

    def page(number: int, x: int) -> Page:
        words = [_word("3", x, 100, 0)]
        words += [
            _word(w, 300 + 260 * i, 200, 1)
            for i, w in enumerate(["Tổ", "chức", "triển", "khai", "thực", "hiện"])
        ]
        return Page(
            number=number, text="3\nTổ chức triển khai thực hiện", words=words, width=2480, height=3508
        )

    first = Page(number=1, text=_first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY))
    centred = segment_dossier([first, page(2, 1220)])
    assert "page_number" in _cues(centred, 2)
    left = segment_dossier([first, page(2, 300)])
    assert "page_number" not in _cues(left, 2)


def _fonts_missing() -> bool:
    from corpusgen.fonts import FAMILIES, available_families, handwriting_font

    return len(available_families()) < len(FAMILIES) or handwriting_font() is None


@pytest.mark.skipif(
    _fonts_missing(),
    reason="generator fonts missing (fonts-liberation2, fonts-texgyre, fonts-dkg-handwriting)",
)
@pytest.mark.parametrize("index", [0, 2])
def test_generated_dossiers_are_segmented_exactly_from_their_text(index: int):
    """Plain dossiers of the tuning split (state documents with one-page documents, appendices,
    blank sheets; the generator's version 1 material): the documents found from each page's
    ground-truth text are the generator's, page for page. The harder version 2 dossiers
    (attachments, lists, petitions, page-number styles, blank backs) are measured by
    bench/segment_bench.py, not pinned here."""
    from corpusgen.dossier import make_dossier

    truth = make_dossier("tuning", index, plain=True).truth()
    result = segment_dossier([Page(number=p["page"], text=p.get("text", "")) for p in truth["pages"]])
    # blank sheets stand between documents, never inside one
    assert _spans(result) == [list(range(d["pages"][0], d["pages"][1] + 1)) for d in truth["documents"]]
    assert result.blank_pages == truth["blank_pages"]
    assert len(result.documents) == len(truth["documents"]) >= 2
    assert not result.review_pages


def test_a_blank_after_a_document_that_has_not_ended_goes_to_review():
    """A page read empty where the document before has shown no ending may be one of its pages
    the OCR did not read (a faint signature page): blank, but a person looks."""
    result = segment_dossier(
        _pages(
            _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY, ending=False),
            "",
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY),
        )
    )
    assert result.blank_pages == [2]
    assert result.review_pages == [2]
    assert _spans(result) == [[1], [3]]


def test_a_numbered_first_page_opens_a_document_without_a_readable_header():
    result = segment_dossier(
        _pages(
            _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY),
            "Trang 1/2\nNhằm nâng cao hiệu quả công tác văn thư, các cơ quan đã triển khai nhiều giải pháp.",
            "Trang 2/2\nđồng bộ và bảo đảm tiến độ./.\n" + "\n".join(_ENDING),
        )
    )
    assert _spans(result) == [[1], [2, 3]]
    assert _cues(result, 2)["first_page_number"] == "Trang 1/2"


def test_a_person_moves_a_boundary():
    pages = _pages(
        _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY),
        "Nhằm nâng cao hiệu quả công tác văn thư, các cơ quan đã triển khai nhiều giải pháp.",
        "",
        _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY),
    )
    found = segment_dossier(pages)
    assert found.review_pages == [2]
    fixed = split_at(found, [2, 4])
    assert _spans(fixed) == [[1], [2], [4]]
    assert fixed.review_pages == [] and fixed.blank_pages == [3]
    assert _cues(fixed, 2)["reviewed"] == "start"
    assert [[p.number for p in doc] for doc in document_pages(pages, fixed)] == [[1], [2], [4]]
    assert _spans(split_at(found, [])) == [[1, 2, 4]]
    with pytest.raises(ValueError):
        split_at(found, [3])  # a blank sheet starts nothing
