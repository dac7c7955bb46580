"""classify.segment: a dossier scan cut into its documents by reading its pages."""

from __future__ import annotations

import pytest

from classify.segment import (
    REVIEW_BELOW,
    document_pages,
    page_cues,
    read_page_cues,
    segment_cues,
    segment_dossier,
    split_at,
)
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


def _draft(notation: str = "/QĐ-UBND") -> str:
    """Page 1 of an attached draft decision: 'DỰ THẢO' boxed at the top, its number and day left
    blank, a header of its own, unsigned."""
    lines = [
        "DỰ THẢO",
        "ỦY BAN NHÂN DÂN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TỈNH HẢI DƯƠNG",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {notation}",
        "Hải Dương, ngày tháng năm 2019",
        "QUYẾT ĐỊNH",
        "Ban hành quy chế phối hợp",
        _BODY,
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
        "- Như Điều 3;",
        "CHỦ TỊCH",
        "- Lưu: VT, TH.",
    ]
    return "\n".join(lines)


def _form(dots: str = " " + "." * 40, label: str = "Mẫu số 02") -> str:
    """A blank form: 'Mẫu số 02' boxed at the top, the motto, its title, fields left to fill
    (the dots after each label may be lost in reading), unsigned."""
    fields = ["Họ và tên", "Ngày, tháng, năm sinh", "Chức vụ", "Đơn vị công tác", "Số điện thoại"]
    lines = [
        *([label] if label else []),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "PHIẾU ĐĂNG KÝ",
        "Tham gia lớp bồi dưỡng nghiệp vụ",
        *[f"{x}:{dots}" for x in fields],
        "NGƯỜI KHAI",
    ]
    return "\n".join(lines)


def test_an_attached_draft_stays_with_the_to_trinh_that_submits_it():
    """A tờ trình submits a draft decision for approval: the draft follows it with a full header
    of its own, 'DỰ THẢO' at the top, its number and day blank. It is part of the tờ trình (one
    entry of the catalogue), not a document of its own; the decision after it is."""
    result = segment_dossier(
        _pages(
            _first("20/TTr-UBND", "TỜ TRÌNH", "Đề nghị ban hành quy chế", _BODY),
            _draft(),
            _continuation("2", "tổ chức thực hiện Quyết định này.\nĐiều 3. Chánh Văn phòng thi hành./."),
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Về việc ban hành quy chế", _BODY),
        )
    )
    assert _spans(result) == [[1, 2, 3], [4]]
    page = result.pages[1]
    assert page.role == "continuation" and not page.review and page.confidence >= 0.95
    cues = _cues(result, 2)
    assert cues["attachment"] == "DỰ THẢO"
    assert cues["attached_to"] == "Tờ trình"  # the document before submits it
    weights = {c.cue: c.weight for c in page.cues}
    assert weights["motto"] == weights["number"] == 0.0  # its header is its own: no start
    assert result.pages[3].role == "start" and not result.pages[3].review


def test_a_draft_whose_label_went_unread_is_known_by_its_blank_number_and_day():
    """The boxed 'DỰ THẢO' missed: 'Số: /QĐ-UBND' and 'ngày tháng năm 2019' (number and day left
    blank) still say it is not issued. After the tờ trình that submits it: part of it; after a
    báo cáo: most likely too, but a person decides. A number left blank with its day given (a
    number written in by hand and not read) is an issued document."""
    unlabelled = _draft().split("\n", 1)[1]
    after_submission = segment_dossier(
        _pages(_first("20/TTr-UBND", "TỜ TRÌNH", "Đề nghị ban hành quy chế", _BODY), unlabelled)
    )
    assert _spans(after_submission) == [[1, 2]] and not after_submission.review_pages
    assert "ngày tháng năm 2019" in _cues(after_submission, 2)["unissued"]
    after_report = segment_dossier(
        _pages(_first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY), unlabelled)
    )
    assert after_report.review_pages == [2]
    hand_numbered = _first("   /QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY)
    issued = segment_dossier(
        _pages(_first("20/TTr-UBND", "TỜ TRÌNH", "Đề nghị ban hành quy chế", _BODY), hand_numbered)
    )
    assert _spans(issued) == [[1], [2]] and "unissued" not in _cues(issued, 2)


def test_an_attachment_named_by_the_document_before_it():
    """A công văn that says a draft comes with it ('có dự thảo … kèm theo'): its draft stays."""
    body = _BODY + "\nỦy ban nhân dân tỉnh gửi xin ý kiến (có dự thảo Quyết\nđịnh kèm theo)."
    result = segment_dossier(_pages(_first("399/UBND-KT", "", "V/v góp ý dự thảo quy chế", body), _draft()))
    assert _spans(result) == [[1, 2]]
    assert _cues(result, 2)["attached_to"] == "dự thảo Quyết định kèm theo"  # over two lines
    assert not result.pages[1].review


def test_a_draft_no_document_names_stays_but_is_less_sure():
    """After a báo cáo (which submits nothing) a draft is still not a document of its own, but
    less surely; behind a separator sheet, a person decides."""
    after_report = segment_dossier(
        _pages(_first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY), _draft())
    )
    assert _spans(after_report) == [[1, 2]]
    assert "attached_to" not in _cues(after_report, 2)
    submitted = segment_dossier(
        _pages(_first("20/TTr-UBND", "TỜ TRÌNH", "Đề nghị ban hành quy chế", _BODY), _draft())
    )
    assert after_report.pages[1].confidence < submitted.pages[1].confidence
    separated = segment_dossier(
        _pages(_first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY), "", _draft())
    )
    assert separated.pages[2].review and separated.pages[2].confidence < REVIEW_BELOW


@pytest.mark.parametrize(
    ("dots", "label"),
    [(" " + "." * 40, "Mẫu số 02"), (" " + "." * 40, ""), ("", "")],
    ids=["label-and-dots", "dots", "as-read-without-label-or-dots"],
)
def test_a_blank_form_stays_with_the_document_it_comes_with(dots: str, label: str):
    """A form (the motto, a title, fields left to fill, unsigned) after a decision: an attachment.
    The OCR may miss the boxed 'Mẫu số' and the dots: the empty fields one under the other still
    say it."""
    result = segment_dossier(
        _pages(
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY),
            _form(dots, label),
            _first("40/BC-UBND", "BÁO CÁO", "Tình hình thực hiện", _BODY),
        )
    )
    assert _spans(result) == [[1, 2], [3]]
    assert "Họ và tên" in _cues(result, 2)["form_fields"]
    assert ("attachment" in _cues(result, 2)) == bool(label)
    assert not result.review_pages


def test_a_document_on_a_form_with_its_number_read_is_a_document_of_its_own():
    """'Mẫu số 02' at the top of an issued document (drawn up on a prescribed form, its number
    given): not a blank attachment; it starts a document."""
    issued = "Mẫu số 02\n" + _first("45/GCN-UBND", "GIẤY CHỨNG NHẬN", "Hoàn thành khóa bồi dưỡng", _BODY)
    result = segment_dossier(_pages(_first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành", _BODY), issued))
    assert _spans(result) == [[1], [2]]
    assert _cues(result, 2)["attachment"] == "Mẫu số 02"
    assert not result.review_pages


def test_a_filled_petition_is_a_document_not_a_form():
    petition = "\n".join(
        [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Hải Dương, ngày 02 tháng 8 năm 2019",
            "ĐƠN ĐỀ NGHỊ",
            "Về việc cấp giấy chứng nhận quyền sử dụng đất",
            "Kính gửi: Ủy ban nhân dân xã",
            "Tôi tên là: Nguyễn Văn An, sinh ngày 18/03/1968.",
            "Số định danh cá nhân (CCCD): 016168350662.",
            "Nơi thường trú: xã Quang Minh, tỉnh Hải Dương.",
            "Tôi xin cam đoan những nội dung trình bày trên là đúng sự thật./.",
            "NGƯỜI LÀM ĐƠN",
            "Nguyễn Văn An",
        ]
    )
    result = segment_dossier(_pages(_first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành", _BODY), petition))
    assert _spans(result) == [[1], [2]]
    assert "form_fields" not in _cues(result, 2)


def test_wrapped_lines_ending_in_a_colon_are_not_empty_fields():
    """The engine reads the ';' ending a list item as ':' ('định kỳ hằng quý:'), and reads the
    ends of wrapped lines one under the other when it takes them for a column; a document's own
    labels ('Kính gửi:', 'QUYẾT ĐỊNH:', 'Nơi nhận:') stand alone on their lines too. None of these
    is an empty field: the decision after a document still starts one."""
    items = "\n".join(
        [
            "Kính gửi:",
            "QUYẾT ĐỊNH:",
            "Nơi nhận:",
            "a) Chủ động đề xuất kết quả giải quyết hồ sơ định kỳ",
            "b) Xây dựng kế hoạch đội ngũ cán bộ bảo đảm tiến độ và",
            "c) Đánh giá kết quả các mô hình theo hướng dẫn của cơ quan",
            "hằng quý:",
            "chất lượng:",
            "chuyên môn:",
        ]
    )
    result = segment_dossier(
        _pages(
            _first("2972/BC-UBND", "BÁO CÁO", "Kết quả thực hiện", _BODY),
            _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", items),
        )
    )
    assert _spans(result) == [[1], [2]]
    assert "form_fields" not in _cues(result, 2)


def _list(title: str, rows: int = 6) -> str:
    lines = [title, "(Tính đến ngày 21 tháng 3 năm 2021)", "STT Nội dung Đơn vị thực hiện Thời gian"]
    lines += [f"{n} Kiểm tra, đôn đốc Văn phòng Quý I/2021" for n in range(1, rows + 1)]
    return "\n".join(lines)


def test_a_list_after_a_list_starts_a_document():
    """One-page lists (a title and a table; no header, no number, no ending): the second one
    opens with its title, so it starts a document even though the one before never ended."""
    result = segment_dossier(
        _pages(
            _list("DANH SÁCH CÁN BỘ, CÔNG CHỨC THAM GIA TẬP HUẤN"),
            _list("DANH MỤC HỒ SƠ, TÀI LIỆU GIAO NỘP VÀO LƯU TRỮ"),
            _continuation("2", "7 Rà soát, thống kê Sở Tài chính Quý III/2021"),
        )
    )
    assert _spans(result) == [[1], [2, 3]]
    assert _cues(result, 2)["list_title"].startswith("DANH MỤC")


def test_an_appendix_headed_by_its_title_is_not_a_list_of_its_own():
    appendix = "\n".join(
        [
            "DANH MỤC NHIỆM VỤ CHUYỂN ĐỔI SỐ",
            "Phụ lục I",
            "(Kèm theo Quyết định số 15/QĐ-UBND ngày 14 tháng 4 năm 2019)",
            "STT Nội dung Đơn vị thực hiện Thời gian",
            "1 Rà soát, thống kê Sở Nội vụ Quý III/2019",
        ]
    )
    result = segment_dossier(_pages(_first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành", _BODY), appendix))
    assert _spans(result) == [[1, 2]]


def _unread(number: int) -> Page:
    """A page with no text and its lettering unread: the front showing through a blank back, or
    a page of text the OCR could not read."""
    return Page(
        number=number,
        text="",
        needs_review=True,
        review_reasons=["no text recognised", "100% of the lettering was not read (>= 15%)"],
    )


def test_a_show_through_back_the_numbering_runs_across_is_a_blank_back():
    first = _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY, ending=False)
    second = _continuation("2", "các cơ quan, đơn vị thực hiện.", ending=True)
    result = segment_dossier([Page(number=1, text=first), _unread(2), Page(number=3, text=second)])
    assert _spans(result) == [[1, 3]]
    assert result.blank_pages == [2]
    page = result.pages[1]
    assert "'2'" in _cues(result, 2)["blank_back"] and "unreadable" in _cues(result, 2)
    assert page.confidence < 1 and not page.review
    # the page after a page numbered 2 is numbered 4: the unread page is page 3, to be read
    pages = [
        Page(number=1, text=first),
        Page(number=2, text=_continuation("2", "các cơ quan, đơn vị thực hiện;")),
        _unread(3),
        Page(number=4, text=_continuation("4", "bảo đảm tiến độ.", ending=True)),
    ]
    unread = segment_dossier(pages)
    assert unread.blank_pages == [] and unread.review_pages == [3]
    assert _spans(unread) == [[1, 2, 3, 4]]


def _seen_through(number: int) -> Page:
    """A blank back with the front's lettering seen through the paper, mirrored: the engine
    reads noise ('CHHIAGH THỌU'), unsure, and most of the lettering not at all."""
    return Page(
        number=number,
        text="CHHIAGH THỌU\nHHU (AC)\nHỌY Xý HỘI CHÍ\nđ90 A9U bDou5",
        confidence=41.0,
        needs_review=True,
        review_reasons=[
            "low OCR confidence (41 < 60)",
            "37% of what was read was noise (>= 15%)",
            "64% of the lettering was not read (>= 15%)",
        ],
    )


def test_a_back_read_as_noise_is_a_blank_back_where_the_text_runs_across_it():
    first = _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY, ending=False)
    second = _continuation("2", "các cơ quan, đơn vị thực hiện.", ending=True)
    result = segment_dossier([Page(number=1, text=first), _seen_through(2), Page(number=3, text=second)])
    assert _spans(result) == [[1, 3]] and result.blank_pages == [2]
    assert not result.review_pages
    # between a document's ending and its appendix: a back too, but a person looks
    appendix = "Phụ lục\nDANH MỤC NHIỆM VỤ\n(Kèm theo Quyết định số 15/QĐ-UBND ngày 14 tháng 4 năm 2019)"
    ended = _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành", _BODY)
    result = segment_dossier([Page(number=1, text=ended), _seen_through(2), Page(number=3, text=appendix)])
    assert _spans(result) == [[1, 3]] and result.blank_pages == [2] and result.review_pages == [2]
    assert "appendix" in _cues(result, 2)["blank_back"]
    # read as noise but not a back: between two documents it stays a page, and goes to review
    other = _first("40/BC-UBND", "BÁO CÁO", "Tình hình thực hiện", _BODY)
    result = segment_dossier([Page(number=1, text=ended), _seen_through(2), Page(number=3, text=other)])
    assert result.blank_pages == [] and 2 in result.review_pages
    assert _spans(result) == [[1, 2], [3]]


def test_a_blank_back_inside_a_document_is_sure_when_the_text_runs_across_it():
    """A blank sheet after a page whose document has not ended would be sent to review (a page
    the OCR missed?), but the sentence it interrupts goes on after it: the back of a sheet."""
    result = segment_dossier(
        _pages(
            _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY, ending=False),
            "",
            "và bảo đảm tiến độ theo kế hoạch đã đề ra.\n" + "\n".join(_ENDING),
        )
    )
    assert _spans(result) == [[1, 3]]
    assert result.blank_pages == [2] and not result.review_pages
    assert "blank_back" in _cues(result, 2)


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


def test_a_blank_between_an_open_page_and_one_that_goes_on_is_a_back():
    """No page numbers, no sentence across: the page before has not closed its document and the
    page after goes on with it (no header, no appendix): the blank is the back of a sheet. After
    a page that has not ended, before an appendix, it may be the signature page the OCR missed:
    a person looks."""
    inside = segment_dossier(
        _pages(
            _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY + ".", ending=False),
            "",
            "Trong quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh về Văn phòng./.\n"
            + "\n".join(_ENDING[1:]),
        )
    )
    assert _spans(inside) == [[1, 3]] and inside.blank_pages == [2]
    assert not inside.review_pages
    assert "not ended" in _cues(inside, 2)["blank_back"]
    appendix = "Phụ lục\nDANH MỤC NHIỆM VỤ\n(Kèm theo Kế hoạch số 12/KH-UBND ngày 14 tháng 4 năm 2019)"
    before_appendix = segment_dossier(
        _pages(_first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY + ".", ending=False), "", appendix)
    )
    assert _spans(before_appendix) == [[1, 3]]
    assert before_appendix.review_pages == [2] and "blank_back" not in _cues(before_appendix, 2)
    # all of its lettering unread, with nothing to say the numbering runs across: blank, reviewed
    unread = segment_dossier(
        [
            Page(number=1, text=_first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY + ".", ending=False)),
            _unread(2),
            Page(number=3, text="Trong quá trình thực hiện, đề nghị phản ánh về Văn phòng./."),
        ]
    )
    assert unread.blank_pages == [2] and unread.review_pages == [2]
    assert _spans(unread) == [[1, 3]]


def test_a_blank_after_a_closed_text_without_its_ending_goes_to_review():
    """'./.' closes the text, the signature and 'Nơi nhận' may stand overleaf: a page read empty
    after it may be that ending page the OCR did not read (a text-poor page). When the ending is
    read on the page after it, the blank was the back of the sheet."""
    closed = _first("12/KH-UBND", "KẾ HOẠCH", "Triển khai", _BODY + "./.", ending=False)
    missed = segment_dossier(
        _pages(closed, "", _first("15/QĐ-UBND", "QUYẾT ĐỊNH", "Ban hành quy chế", _BODY))
    )
    assert _spans(missed) == [[1], [3]] and missed.review_pages == [2]
    back = segment_dossier(_pages(closed, "", "\n".join(_ENDING[1:])))
    assert _spans(back) == [[1, 3]] and back.blank_pages == [2] and not back.review_pages
    assert "blank_back" in _cues(back, 2)


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


@pytest.mark.skipif(
    _fonts_missing(),
    reason="generator fonts missing (fonts-liberation2, fonts-texgyre, fonts-dkg-handwriting)",
)
@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_the_cut_reads_each_pages_cues_not_its_words(index: int):
    """A long scan is cut from what was read of each page as it was read (`page_cues`: a few
    lines' text, no word, no header), not from its pages' words: the same cut, cue for cue, as
    from every line of every page. The harder version 2 dossiers (attachments, lists, backs)."""
    from corpusgen.dossier import make_dossier

    truth = make_dossier("tuning", index).truth()
    pages = [Page(number=p["page"], text=p.get("text", "")) for p in truth["pages"]]
    pages.append(_boxed_continuation(len(pages) + 1))  # read with the engine's words
    full = [read_page_cues(page) for page in pages]
    small = [page_cues(page) for page in pages]
    assert any(line.words for view in full for line in view.lines)  # the words were there
    for view in small:
        assert view.header is None and len(view.lines) <= 4
        assert all(not line.words for line in view.lines)
    assert segment_cues(small) == segment_cues(full) == segment_dossier(pages)
    assert segment_cues(list(reversed(small))) == segment_dossier(pages)  # taken in page order


def _boxed_continuation(number: int) -> Page:
    """Page 2 of a document (its centred page number, then its text), with the words' boxes."""
    words = [_word("2", 1220, 100, 0)]
    body = [
        "còn",
        "chậm",
        "chưa",
        "đồng",
        "bộ",
        "và",
        "chưa",
        "bảo",
        "đảm",
        "tiến",
        "độ",
        "theo",
        "kế",
        "hoạch",
        "đã",
        "đề",
        "ra",
        "trong",
        "năm",
    ]
    words += [_word(w, 300 + 150 * (i % 12), 200 + 60 * (i // 12), 1 + i // 12) for i, w in enumerate(body)]
    text = "2\n" + "\n".join(" ".join(body[i : i + 12]) for i in range(0, len(body), 12))
    return Page(number=number, text=text, words=words, width=2480, height=3508)
