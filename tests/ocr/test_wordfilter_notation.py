"""A số/ký hiệu whose number the engine misread stays in the text (real Tesseract): the unsure
word '7ó0/BC-UBND' is the notation line of a clean generated page, not noise; the metadata
reader judges its number (left empty for a person, the ký hiệu kept)."""

from __future__ import annotations

import pytest

from classify.notation import parse_number_line
from ocr.wordfilter import filter_words, is_noise_word
from schemas import Box, Word


@pytest.fixture(scope="module")
def header_band(engine):
    """The header band of the tuning split's first page (clean, generated), read by Tesseract."""
    from corpusgen.split import SPLITS, document_pages

    image = document_pages("tuning", SPLITS["tuning"], 0)[0].scanned.image
    return engine.recognise(image.crop((0, 0, image.width, image.height // 6)), dpi=300).words


def test_a_misread_notation_word_is_kept(header_band):
    notation = [w for w in header_band if w.text.endswith("/BC-UBND")]
    assert notation, [w.text for w in header_band]
    kept = [w.text for w in filter_words(header_band).words]
    assert notation[0].text in kept
    line = " ".join(t for t in kept if t.startswith(("Số", notation[0].text)))
    found = parse_number_line(line)
    assert found is not None and found.notation == "BC-UBND"


@pytest.mark.parametrize("text", ["7ó0/BC-UBND", "184ó/UBND-KHTC", "1&2-NQ/TU"])
def test_notation_shapes_are_no_noise(text):
    assert not is_noise_word(Word(text=text, confidence=20.0, box=Box(left=0, top=0, width=300, height=40)))


@pytest.mark.parametrize("text", ["ẽ:..Ỏẳằ", "/ẳ-Ỏ", "ó/ẳằ-x", "//"])
def test_other_unsure_words_are_still_noise(text):
    assert is_noise_word(Word(text=text, confidence=20.0, box=Box(left=0, top=0, width=300, height=40)))
