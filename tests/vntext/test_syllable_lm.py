"""The syllable model of the diacritic correction: the shipped data, its bigram estimate, growth."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from vntext.syllable_lm import BASE_MODEL, SyllableModel, base_model, syllable_key


@pytest.fixture(scope="module")
def model() -> SyllableModel:
    return base_model()


def test_the_data_file_names_its_sources_and_licence() -> None:
    with gzip.open(BASE_MODEL, "rt", encoding="utf-8") as lines:
        header = "".join(line for line in lines if line.startswith("#"))
    for source in ("Tesseract", "wordfreq", "pyvi", "vietnamadminunits", "CC BY-SA 4.0", "Apache-2.0", "MIT"):
        assert source in header


def test_variants_are_the_known_syllables_with_the_same_letters(model: SyllableModel) -> None:
    assert {"khẩn", "khăn", "khán"} <= set(model.variants("khân"))
    assert {"sống", "sông", "sóng", "song"} <= set(model.variants("Sông"))
    assert "dữ" in model.variants("đữ")  # đ and d are the same letter to OCR
    assert model.variants("xyzq") == []


def test_one_tone_mark_convention() -> None:
    assert syllable_key("Hoà") == syllable_key("hòa") == "hòa"
    assert syllable_key("THUỶ") == "thủy"


def test_a_known_pair_makes_its_second_syllable_likelier(model: SyllableModel) -> None:
    assert model.log_prob("cấp", "khẩn") > model.log_prob("cấp", "khân") + 1
    assert model.log_prob("khiếu", "năng") > model.log_prob("khiêu", "năng") + 1
    # no context: the unigram frequency alone (sống is commoner than sông)
    assert model.log_prob("sống") > model.log_prob("sông")


def test_word_pairs_and_place_name_pairs_are_apart(model: SyllableModel) -> None:
    assert not model.known_pair("hà", "nam")  # not a word
    assert model.known_pair("hà", "nam", kind="names")  # Tỉnh Hà Nam
    assert model.known_pair("thành", "phố", kind="names") and model.known_pair("đô", "thị")
    assert not model.known_pair("đô", "thị", kind="names")  # Đỗ Thị is no "đô thị"


def test_the_model_grows_from_confident_lines_and_keeps_what_it_learned(tmp_path: Path) -> None:
    model = SyllableModel.load()
    before = model.log_prob("tỉnh", "dân")
    other = model.log_prob("tình", "dân")
    assert not model.known_pair("dân", "tỉnh") and other > before  # "dân tình" is a word
    model.learn([["Ủy", "ban", "nhân", "dân", "tỉnh,", "thành", "phố"]] * 20)
    assert model.learned[("dân", "tỉnh")] == 20
    assert model.learned[("tỉnh", "thành")] == 0  # a comma ends the phrase
    assert model.log_prob("tỉnh", "dân") > before + 1
    assert model.log_prob("tỉnh", "dân") > model.log_prob("tình", "dân")
    saved = tmp_path / "pairs.tsv"
    model.save_learned(saved)
    again = SyllableModel.load()
    again.load_learned(saved)
    assert again.log_prob("tỉnh", "dân") == pytest.approx(model.log_prob("tỉnh", "dân"))
    assert base_model().log_prob("tỉnh", "dân") == pytest.approx(before)  # the shared model is untouched
