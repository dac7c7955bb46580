"""A long document's pages spread over the page threads: the pages of one by one, in order; pages
already read reused; page 1 alone when asked; a bad page after the good."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from core.errors import BadInput
from ocr.engine import FixedTextEngine, TesseractEngine
from ocr.load import PDF, load_page, pdf_gray_pages
from ocr.page_reader import PageResult
from ocr.parallel import page_threads
from ocr.pipeline import ocr_file_results, read_file_spread
from tests.support import CORPUS_FIXTURES

PAGES = CORPUS_FIXTURES / "pages"
FOUR = ["d01_qd_phutho__clean_p1.png", "d02_cv_khan_bacninh__skew_p1.png", "d04_gm_nghean__jpeg_p1.jpg"]
FOUR.append("d03_bc_mat_thaibinh__rot90_p2.png")  # a page turned: the document's hint is tried


def multi_page_pdf(folder: Path, names: list[str], name: str = "dossier.pdf") -> Path:
    """An image-only PDF of these corpus pages, one page each, at 300 dpi."""
    images = [Image.open(PAGES / n).convert("L") for n in names]
    path = folder / name
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=300)
    return path


class CountingEngine:
    """The real engine, its calls counted (recognise and orientation), in any thread."""

    def __init__(self, inner: TesseractEngine | FixedTextEngine) -> None:
        self.inner = inner
        self.name, self.version = inner.name, inner.version
        self.calls = 0
        self._lock = threading.Lock()

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

    def recognise(self, image, *, dpi=None):
        self._count()
        return self.inner.recognise(image, dpi=dpi)

    def orientation(self, image):
        self._count()
        return self.inner.orientation(image)


@pytest.fixture(scope="module")
def four_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return multi_page_pdf(tmp_path_factory.mktemp("long"), FOUR)


@pytest.fixture(scope="module")
def one_by_one(four_pages: Path, engine: TesseractEngine) -> list[PageResult]:
    return list(ocr_file_results(four_pages, engine))


def test_two_page_threads_give_the_pages_of_one_by_one_in_order(
    four_pages: Path, engine: TesseractEngine, one_by_one: list[PageResult]
) -> None:
    alone = one_by_one
    spread = list(read_file_spread(four_pages, engine, page_threads(2), in_flight=4))
    assert [r.page.number for r in spread] == [1, 2, 3, 4]
    assert [r.page.orientation for r in spread] == [0, 0, 0, 270]
    # a page told the document's orientation is spared the engine's OSD: only the confidence
    # shown may differ from reading the pages one after the other
    unsure = {"orientation_confidence"}
    assert [r.page.model_dump(exclude=unsure) for r in spread] == [
        r.page.model_dump(exclude=unsure) for r in alone
    ]


def test_pages_already_read_are_taken_as_they_are(
    four_pages: Path, engine: TesseractEngine, one_by_one: list[PageResult]
) -> None:
    alone = one_by_one
    before = {r.page.number: PageResult(page=r.page, orientation_known=r.orientation_known) for r in alone}
    counting = CountingEngine(engine)
    taken = list(
        read_file_spread(
            four_pages, counting, page_threads(2), in_flight=4, reuse=before.get, keep_first=True
        )
    )
    assert counting.calls == 0  # not one page read again: page 1 only loaded, for its image
    assert [r.page for r in taken] == [r.page for r in alone]
    assert taken[0].source_image is not None and taken[1].source_image is None
    assert all(taken[n] is before[n + 1] for n in (1, 2, 3))  # handed back as kept, not loaded


def test_page_1_alone_no_other_page_begun_before_it_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "pages.tif"
    frames = [Image.new("L", (300, 400), 255) for _ in range(6)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))

    def calls_once_page_1_is_taken(first_alone: bool) -> int:
        counting = CountingEngine(FixedTextEngine("MẬT", rotation=(0, 15.0)))
        results = read_file_spread(path, counting, page_threads(2), in_flight=4, first_alone=first_alone)
        assert next(results).page.number == 1
        time.sleep(0.5)  # a page begun in the background is counted by now
        results.close()
        return counting.calls

    alone, spread = calls_once_page_1_is_taken(True), calls_once_page_1_is_taken(False)
    assert 1 <= alone < spread  # page 1's calls only; without first_alone pages 2-4 were read too
    counting = CountingEngine(FixedTextEngine("MẬT", rotation=(0, 15.0)))
    rest = list(read_file_spread(path, counting, page_threads(2), in_flight=4, first_alone=True))
    assert [r.page.number for r in rest] == [1, 2, 3, 4, 5, 6]  # taken page 1, the rest follows


def test_a_bad_page_is_bad_input_after_the_good_ones_and_the_rest_is_not_begun(tmp_path: Path) -> None:
    path = tmp_path / "pages.tif"
    frames = [Image.new("L", size, 255) for size in [(100, 100), (100, 100), (400, 400)] + [(100, 100)] * 20]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    counting = CountingEngine(FixedTextEngine("Quyết định", rotation=(0, 15.0)))
    pages = read_file_spread(path, counting, page_threads(2), in_flight=4, max_pixels=50_000)
    assert next(pages).page.number == 1
    assert next(pages).page.number == 2
    with pytest.raises(BadInput, match=re.escape("page 3 is 400x400 pixels")):
        next(pages)
    time.sleep(0.3)
    assert counting.calls < 2 * 10  # the pages in flight at most, not the 20 after page 3


def test_a_pdf_page_of_gray_images_is_rendered_gray_a_colour_one_in_colour(tmp_path: Path) -> None:
    gray = Image.new("L", (620, 877), 200)
    colour = Image.new("RGB", (620, 877), (200, 30, 30))  # a red seal's colour must stay
    path = tmp_path / "mixed.pdf"
    gray.save(path, "PDF", save_all=True, append_images=[colour], resolution=75)
    assert pdf_gray_pages(path) == {1}
    first, second = (load_page(path, PDF, n, max_pixels=50_000_000) for n in (1, 2))
    assert (first.image.mode, second.image.mode) == ("L", "RGB")
    red, green, _ = second.image.getpixel((100, 100))  # JPEG inside the PDF: near the colour
    assert first.image.getpixel((100, 100)) == 200 and red > 180 and green < 50
