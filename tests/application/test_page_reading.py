"""Ingest of a long document: a kill in the middle loses only the pages in flight (the page spool),
the rerun reads only the rest and stores the same record, the spool goes once the record is
committed; a bad page still quarantines the file; a secret page 1 is never spooled."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from application.ingest import ingest_file
from application.logs import current_context
from application.page_spool import spool_folder
from application.services import build_services
from core.settings import load_settings
from ocr.engine import FixedTextEngine, TesseractEngine
from schemas import Record
from storage import package_exists, read_record
from tests.ocr.test_long_documents import multi_page_pdf

FIVE = [
    "d01_qd_phutho__clean_p1.png",
    "d02_cv_khan_bacninh__skew_p1.png",
    "d04_gm_nghean__jpeg_p1.jpg",
    "d02_cv_khan_bacninh__photocopy_p1.png",
    "d03_bc_mat_thaibinh__seal_p2.png",
]


class Killed(Exception):
    """Stands for the process being killed while a page is read."""


class WatchedEngine:
    """The real Tesseract, each call noted with the page it reads (from the log context);
    `kill_at`: the call for that page raises, as a kill in the middle of the document would."""

    def __init__(self, inner: TesseractEngine, kill_at: int | None = None) -> None:
        self.inner, self.kill_at = inner, kill_at
        self.name, self.version = inner.name, inner.version
        self.pages: set[int] = set()
        self._lock = threading.Lock()

    def _note(self) -> None:
        page = current_context()["page"]
        with self._lock:
            self.pages.add(page)
        if page == self.kill_at:
            raise Killed(f"killed while page {page} was read")

    def recognise(self, image, *, dpi=None):
        self._note()
        return self.inner.recognise(image, dpi=dpi)

    def orientation(self, image):
        self._note()
        return self.inner.orientation(image)


@pytest.fixture(scope="module")
def tesseract() -> TesseractEngine:
    engine = TesseractEngine(lang="vie")
    engine.check()
    return engine


def _services(home: Path, engine, workers: int = 2, **settings):
    return build_services(load_settings(home=home, workers=workers, **settings), engine=engine)


def _same_reading(record: Record) -> dict:
    """What a record says of its pages, metadata and classification (not when nor how long)."""
    unsure = {"orientation_confidence"}  # a page told the document's orientation skips OSD
    return {
        "pages": [page.model_dump(exclude=unsure) for page in record.pages],
        "metadata": record.metadata.model_dump(),
        "access": record.classification.access,
        "page_count": record.page_count,
    }


def test_a_killed_ingest_loses_the_pages_in_flight_only_and_the_rerun_stores_the_same_record(
    tmp_path: Path, tesseract: TesseractEngine
) -> None:
    pdf = multi_page_pdf(tmp_path, FIVE)
    reference = _services(tmp_path / "reference", tesseract)
    done = ingest_file(pdf, reference)
    assert done.status == "ingested", done.reason
    expected = read_record(reference.store, done.id)

    home = tmp_path / "home"
    killer = WatchedEngine(tesseract, kill_at=4)
    with pytest.raises(Killed):
        ingest_file(pdf, _services(home, killer, workers=1))
    assert sorted(p.name for p in spool_folder(home, done.id).glob("0*.json")) == [
        "0001.json",
        "0002.json",
        "0003.json",
    ]
    assert not package_exists(_services(home, tesseract).store, done.id)

    watched = WatchedEngine(tesseract)
    rerun_services = _services(home, watched)
    again = ingest_file(pdf, rerun_services)
    assert again.status == "ingested" and again.id == done.id and again.pages == 5
    assert watched.pages == {4, 5}  # pages 1-3 taken from the spool, not read again
    assert _same_reading(read_record(rerun_services.store, done.id)) == _same_reading(expected)
    assert not spool_folder(home, done.id).exists()  # committed: the spool is gone


def test_a_bad_page_quarantines_the_file_and_leaves_no_spool(
    tmp_path: Path, tesseract: TesseractEngine
) -> None:
    path = tmp_path / "scan.tif"
    frames = [Image.new("L", size, 255) for size in [(600, 800), (600, 800), (3000, 3000), (600, 800)]]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    services = _services(tmp_path / "home", tesseract, max_image_pixels=1_000_000)
    outcome = ingest_file(path, services)
    assert outcome.status == "quarantined"
    assert "page 3 is 3000x3000 pixels" in (outcome.reason or "")
    assert not (tmp_path / "home" / "work").exists() or not any((tmp_path / "home" / "work").iterdir())


def test_a_document_marked_secret_on_page_1_is_read_no_further_and_never_spooled(tmp_path: Path) -> None:
    path = tmp_path / "secret.tif"
    frames = [Image.new("L", (600, 800), 255) for _ in range(5)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    engine = WatchedEngine(FixedTextEngine("MẬT\nQUYẾT ĐỊNH\nVề việc thử", rotation=(0, 15.0)))  # type: ignore[arg-type]
    services = _services(tmp_path / "home", engine)
    outcome = ingest_file(path, services)
    assert engine.pages == {1}
    assert outcome.status in ("quarantined", "ingested")  # held, or refused without a holding area
    assert not (tmp_path / "home" / "work").exists() or not any((tmp_path / "home" / "work").iterdir())


class PerPageEngine:
    """A fixed text per page (from the log context's page number); `kill_at` raises there."""

    name, version = "per-page", "1"

    def __init__(self, texts: dict[int, str], kill_at: int) -> None:
        self.texts, self.kill_at = texts, kill_at

    def recognise(self, image, *, dpi=None):
        page = current_context()["page"]
        if page == self.kill_at:
            raise Killed(f"killed while page {page} was read")
        return FixedTextEngine(self.texts.get(page, "QUYẾT ĐỊNH\nVề việc thử")).recognise(image, dpi=dpi)

    def orientation(self, image):
        return (0, 15.0)


def _killed_spool(tmp_path: Path, texts: dict[int, str]) -> list[str]:
    path = tmp_path / f"scan{len(texts)}.tif"
    frames = [Image.new("L", (600, 800), 255) for _ in range(5)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    home = tmp_path / f"home{len(texts)}"
    with pytest.raises(Killed):
        ingest_file(path, _services(home, PerPageEngine(texts, kill_at=4), workers=1))
    return sorted(p.name for p in (home / "work").glob("*/0*.json"))


def test_from_a_page_with_a_secrecy_mark_on_nothing_of_the_document_stays_in_the_spool(
    tmp_path: Path,
) -> None:
    assert _killed_spool(tmp_path, {}) == ["0001.json", "0002.json", "0003.json"]
    assert _killed_spool(tmp_path, {2: "MẬT\nQUYẾT ĐỊNH\nVề việc thử"}) == []


@pytest.mark.parametrize("as_dossier", [False, True], ids=["record", "dossier"])
def test_a_file_failing_after_a_page_showed_a_secrecy_mark_is_not_copied(
    tmp_path: Path, as_dossier: bool
) -> None:
    """Page 2 bears a MẬT mark, page 3 cannot be read: the file is quarantined with the reason
    only — no copy of a state secret is kept in clear, the file stays where it is."""
    from application.dossier_intake import ingest_dossier

    path = tmp_path / "Bao_cao_kho.tif"
    frames = [Image.new("L", size, 255) for size in [(600, 800), (600, 800), (3000, 3000), (600, 800)]]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    engine = PerPageEngine({2: "MẬT\nBÁO CÁO\nVề việc kiểm kê kho"}, kill_at=99)
    services = _services(tmp_path / "home", engine, workers=1, max_image_pixels=1_000_000)
    outcome = ingest_dossier(path, services).outcomes[0] if as_dossier else ingest_file(path, services)
    services.close()
    assert outcome.status == "quarantined" and "page 3 is 3000x3000 pixels" in (outcome.reason or "")
    assert "no copy kept" in (outcome.reason or "")
    data = path.read_bytes()
    assert [p for p in (tmp_path / "home").rglob("*") if p.is_file() and p.read_bytes() == data] == []
    assert path.read_bytes() == data  # left where it is


def test_reading_a_stored_record_again_leaves_the_spools_of_other_stored_records(tmp_path: Path) -> None:
    """Reprocess reads committed records several at once: a read that swept the spools of what
    is committed removed the others' pages while they were written (FileNotFoundError)."""
    from application.page_reading import read_pages

    frames = {name: Image.new("L", (600, 800), 255) for name in ("a", "b")}
    paths = {}
    for name, frame in frames.items():
        frame.putpixel((0, 0), 0 if name == "a" else 128)
        paths[name] = tmp_path / f"{name}.png"
        frame.save(paths[name], dpi=(300, 300))
    services = _services(tmp_path / "home", FixedTextEngine("QUYẾT ĐỊNH\nVề việc thử"), workers=1)
    stored = {name: ingest_file(path, services).id for name, path in paths.items()}
    assert all(package_exists(services.store, record_id) for record_id in stored.values())
    other = spool_folder(services.settings.home, str(stored["a"]))
    other.mkdir(parents=True)  # record a being read again by another thread
    read_pages(paths["b"], services, str(stored["b"]), sweep_first=False)
    assert other.exists()
    read_pages(paths["b"], services, str(stored["b"]))  # ingest's reading: a committed record's spool goes
    assert not other.exists()
    services.close()


def test_page_one_as_read_is_handed_to_the_second_readings_not_loaded_again(
    tmp_path: Path, tesseract: TesseractEngine
) -> None:
    """read_pages keeps page 1's image as loaded (a PDF page is not rendered a second time for
    the stamp, date and number re-reads), also when page 1 is taken from the spool (its image is
    loaded for the near-duplicate hashes then)."""
    from application.page_reading import read_pages
    from ocr import detect_media_type
    from ocr.load import load_page, page_images

    pdf = multi_page_pdf(tmp_path, FIVE[:2])
    services = _services(tmp_path / "home", tesseract)
    read = read_pages(pdf, services, "1" * 32)
    assert [p.number for p in read.pages] == [1, 2] and not read.marked
    loaded = load_page(pdf, detect_media_type(pdf), 1, max_pixels=200_000_000).image
    assert read.first_image is not None and read.first_image.size == loaded.size
    assert read.first_image.tobytes() == loaded.tobytes()
    image_of = page_images(pdf, "application/pdf", max_pixels=200_000_000, first=read.first_image)
    assert image_of(1) is read.first_image and image_of(2).size == loaded.size
    again = read_pages(pdf, services, "1" * 32)  # pages 1-2 from the spool now
    assert [p.text for p in again.pages] == [p.text for p in read.pages]
    assert again.first_image is not None and again.first_image.tobytes() == loaded.tobytes()
