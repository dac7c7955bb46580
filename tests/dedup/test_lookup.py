"""The near-duplicate lookup in SQLite (one machine): the shared behaviour, and its file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import NotFound
from dedup import NearDuplicateIndex, fingerprint, read_fingerprint
from schemas import Metadata, Page
from storage import LocalStore
from tests.dedup.lookup_conformance import *  # noqa: F403 (the suite's test functions)
from tests.dedup.lookup_conformance import LETTER, RESCAN
from tests.dedup.pages import corpus_page


@pytest.fixture
def lookup(tmp_path: Path) -> Iterator[NearDuplicateIndex]:
    index = NearDuplicateIndex(tmp_path / "similarity.sqlite3")
    yield index
    index.close()


def test_the_lookup_persists_in_its_file(tmp_path: Path) -> None:
    first = NearDuplicateIndex(tmp_path / "s.sqlite3")
    first.add("a", LETTER)
    first.close()
    again = NearDuplicateIndex(tmp_path / "s.sqlite3")
    assert again.find(RESCAN).record_id == "a"
    again.close()


def test_read_fingerprint_of_an_unknown_record_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        read_fingerprint(LocalStore(tmp_path / "store"), "0" * 32)


def test_a_fingerprint_can_start_from_hashes_taken_during_ocr() -> None:
    from dedup import page_hashes

    image = corpus_page("d01_qd_phutho__clean_p1.png")
    pages = [Page(number=1, text="Quyết định thành lập Tổ công tác")]
    assert fingerprint(pages, page_hashes(image), Metadata()) == fingerprint(pages, image, Metadata())
