"""The Số line read again through application/second_readings.py, real Tesseract on a rendered
line: read_again makes the reading, the metadata takes the number, the provenance log holds the
words read (`ocr_number`), and `recorded` (reprocess --classify, no image) gives the same number
from the log while the stored text still has that unsure number on that line."""

from __future__ import annotations

import pytest

from application.second_readings import NUMBER_STEP, read_again, recorded
from ocr import TesseractEngine
from tests.application.test_number_reading import _rendered


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


@pytest.fixture(scope="module")
def line():
    return _rendered([("Số:", "Số:", 93), ("760/BC-UBND", "7ó0/BC-UBND", 30)])


def test_read_again_gives_the_number_and_logs_the_reading(line, engine) -> None:
    image, page = line
    second = read_again([page], lambda number: image, engine)
    assert second.number.reading is not None and second.metadata([page]).number == "760"
    [event] = [e for e in second.events(engine) if e.step == NUMBER_STEP]
    assert event.parameters["page"] == 1 and event.parameters["number"] == "760"
    assert event.parameters["calls"] == len(event.parameters["readings"]) >= 1
    again = recorded([page], second.events(engine))
    assert again.metadata([page]).number == "760"


def test_a_logged_reading_counts_only_while_the_text_still_needs_it(line, engine) -> None:
    image, page = line
    events = read_again([page], lambda number: image, engine).events(engine)
    surely = page.model_copy(
        update={
            "words": [
                page.words[0],
                page.words[1].model_copy(update={"text": "760/BC-UBND", "confidence": 92}),
            ]
        }
    )
    assert recorded([surely], events).number.reading is None  # read since: nothing to apply
    other = page.model_copy(
        update={"words": [page.words[0], page.words[1].model_copy(update={"text": "7ó1/BC-UBND"})]}
    )
    assert recorded([other], events).metadata([other]).number is None  # another number now
