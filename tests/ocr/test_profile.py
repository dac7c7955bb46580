"""The stage profile: seconds and runs per page of each step, Tesseract calls counted (pure)."""

from __future__ import annotations

import pytest

from ocr.preprocess import StepRecord
from ocr.profile import stage_profile, tesseract_calls


def _page(osd: bool, reads: int) -> list[StepRecord]:
    steps = [
        StepRecord("deskew", 0.2),
        StepRecord("orientation", 0.5 if osd else 0.01, {}, {"method": "osd" if osd else "script"}),
    ]
    return steps + [StepRecord("recognise", 1.0) for _ in range(reads)]


def test_calls_count_recognition_passes_and_osd() -> None:
    assert tesseract_calls(_page(osd=True, reads=2)) == 3
    assert tesseract_calls(_page(osd=False, reads=1)) == 1


def test_profile_is_per_page() -> None:
    profile = stage_profile([_page(osd=True, reads=2), _page(osd=False, reads=1)])
    assert profile.pages == 2
    assert profile.seconds["recognise"] == pytest.approx(1.5)
    assert profile.runs["recognise"] == pytest.approx(1.5)
    assert profile.seconds["orientation"] == pytest.approx(0.255)
    assert profile.tesseract_calls == pytest.approx(2.0)
    assert profile.total == pytest.approx(0.2 + 0.255 + 1.5)


def test_no_pages_is_an_empty_profile() -> None:
    assert stage_profile([]).pages == 0
