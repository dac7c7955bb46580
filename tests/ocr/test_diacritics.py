"""Contextual diacritic correction of words the engine is unsure of (ocr/diacritics.py)."""

from __future__ import annotations

from PIL import Image

from ocr import FixedTextEngine
from ocr.diacritics import UNSURE_BELOW, correct_diacritics, learn_from_words
from ocr.load import SourcePage
from ocr.page_reader import process_page
from schemas import Box, Word
from vntext.syllable_lm import SyllableModel


def _words(text: str, unsure: dict[int, float] | None = None, conf: float = 97.0) -> list[Word]:
    """One line of words; `unsure` maps a word's position to its (low) confidence."""
    unsure = unsure or {}
    return [
        Word(
            text=token,
            confidence=unsure.get(i, conf),
            box=Box(left=60 * i, top=10, width=50, height=30),
            line=1,
        )
        for i, token in enumerate(text.split())
    ]


def _texts(words: list[Word]) -> str:
    return " ".join(word.text for word in words)


def test_the_low_resolution_misreadings_are_put_right_in_context() -> None:
    cases = {
        "Tình trạng khân cấp về thiên tai": "Tình trạng khẩn cấp về thiên tai",
        "Giải quyết vân đề tồn đọng": "Giải quyết vấn đề tồn đọng",
        "Lớp năng khiêu của trường": "Lớp năng khiếu của trường",
        "Trường mâm non Hoa Sen": "Trường mầm non Hoa Sen",
        "Giáo viên ngừ văn lớp 9": "Giáo viên ngữ văn lớp 9",
        "công tác phòng chông tham nhũng": "công tác phòng chống tham nhũng",
        "nâng cao chất lượng cuộc sông": "nâng cao chất lượng cuộc sống",
    }
    for read, truth in cases.items():
        position = next(i for i, (a, b) in enumerate(zip(read.split(), truth.split(), strict=True)) if a != b)
        corrected, fixes = correct_diacritics(_words(read, {position: 60.0}))
        assert _texts(corrected) == truth
        assert [(fix.index, fix.read) for fix in fixes] == [(position, read.split()[position])]


def test_a_confident_word_is_left_as_read() -> None:
    words = _words("Tình trạng khân cấp", {2: UNSURE_BELOW})
    assert correct_diacritics(words) == (words, [])


def test_unsure_words_that_are_right_stay() -> None:
    text = "Ủy ban nhân dân tỉnh Nam Định quyết định thành lập Tổ công tác kiểm tra việc sử dụng đất"
    words = _words(text, conf=50.0)
    corrected, fixes = correct_diacritics(words)
    assert fixes == []
    assert corrected == words


def test_a_person_s_name_is_not_read_as_words() -> None:
    words = _words("Giao bà Đỗ Thị Hoa chủ trì", {2: 60.0})
    assert correct_diacritics(words)[1] == []  # "đô thị" is a word, "Đỗ Thị" a name
    words = _words("khu đỗ thị mới", {1: 60.0})
    assert _texts(correct_diacritics(words)[0]) == "khu đô thị mới"


def test_case_and_punctuation_are_kept() -> None:
    corrected, _ = correct_diacritics(_words("TÌNH TRẠNG KHÂN CẤP", {2: 40.0}))
    assert _texts(corrected) == "TÌNH TRẠNG KHẨN CẤP"
    corrected, _ = correct_diacritics(_words("(Khân cấp)", {0: 40.0}))
    assert _texts(corrected) == "(Khẩn cấp)"


def test_punctuation_and_blocks_cut_the_context() -> None:
    # "khân" alone: no pair with "cấp" across a full stop, and the unigram does not decide
    words = _words("khân. Cấp", {0: 40.0})
    assert correct_diacritics(words)[1] == []
    words = _words("khân cấp", {0: 40.0})
    words[1] = words[1].model_copy(update={"block": 2})
    assert correct_diacritics(words)[1] == []


def test_the_page_reader_stores_the_corrected_text() -> None:
    source = SourcePage(number=1, image=Image.new("RGB", (600, 300), "white"), dpi=300)
    result = process_page(source, FixedTextEngine("Tình trạng khân cấp", confidence=60.0))
    assert result.page.text == "Tình trạng khẩn cấp"
    assert [word.text for word in result.page.words] == ["Tình", "trạng", "khẩn", "cấp"]
    step = next(step for step in result.steps if step.name == "text")
    assert step.result["diacritics"] == ["khân>khẩn"]


def test_pages_read_with_confidence_teach_the_model_the_archive_s_own_phrases() -> None:
    model = SyllableModel.load()
    unsure = _words("Ủy ban nhân dân tính Hà Nam", {4: 70.0})
    assert correct_diacritics(unsure, model)[1] == []  # "dân tình" is a word: too close to tell
    page = _words("Ủy ban nhân dân tỉnh Bắc Ninh") + _words("nhân dân tỉnh", {1: 60.0})
    for _ in range(10):
        learn_from_words(page, model)
    assert model.learned[("nhân", "dân")] == 10  # "nhân dân tỉnh" (dân unsure) taught nothing
    corrected, _ = correct_diacritics(unsure, model)
    assert _texts(corrected) == "Ủy ban nhân dân tỉnh Hà Nam"
