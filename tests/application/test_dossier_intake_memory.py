"""Dossier intake in memory flat in the number of pages, with real OCR: the scan is cut from
what was read of each page as it was read (no page's words held), each document's words are
loaded back from the page spool when it is built and stored (and are what was read), nothing is
rendered twice (a document's near-duplicate fingerprint takes its first page's hashes, taken
while the page was read); a rerun of a dossier whose original went to the secret hold names the
secret document by its id alone."""

from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path

import pytest

import application.dossier_intake as intake_module
import ocr.pipeline as pipeline_module
from application.dossier_intake import ingest_dossier
from application.dossier_scan import ScanPages
from application.services import build_services
from core.settings import Settings
from corpusgen.dossier import make_dossier, write_dossier
from dedup import Fingerprint, fingerprint, hamming, page_hashes
from ocr import detect_media_type
from ocr.load import load_page
from storage import read_package_bytes, read_record
from storage.dossier_package import read_dossier
from storage.hold import new_key
from storage.package import package_key

fingerprint_module = importlib.import_module("dedup.fingerprint")  # `dedup.fingerprint`: the function

PLAIN = 3  # tuning dossier 3 with two documents: pages [1, 2] and [3]
SECRET = 0  # tuning dossier 0 with two documents: page 1, a separator, a MẬT report on 3-4


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, dict]]:
    out = tmp_path_factory.mktemp("dossiers")
    made = {}
    for index in (PLAIN, SECRET):
        dossier = make_dossier("tuning", index, documents=2, plain=True)
        made[index] = (write_dossier(dossier, out / str(index)), dossier.truth())
    return made


class Watch:
    """What the intake did, seen through the real functions: the words of each scan page as
    read, the scan at the moment it is cut, the page images loaded and the pages rendered for a
    fingerprint."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.words: dict[int, list[dict]] = {}
        self.scan: ScanPages | None = None
        self.held_at_cut: list[int] | None = None
        self.cues_at_cut: list = []
        self.loaded: list[int] = []
        self.rendered: list[Path] = []
        lock = threading.Lock()
        add, cut = ScanPages.add, intake_module.segment_cues
        load, render = pipeline_module.load_page, fingerprint_module.first_page_image

        def spy_add(scan: ScanPages, read):  # noqa: ANN001, ANN202
            self.scan = scan
            head = add(scan, read)
            self.words[head.number] = [w.model_dump() for w in read.result.page.words]
            return head

        def spy_cut(cues, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            assert self.scan is not None
            self.held_at_cut, self.cues_at_cut = self.scan.held_whole, list(cues)
            return cut(cues, *args, **kwargs)

        def spy_load(path, media_type, number, **kwargs):  # noqa: ANN001, ANN003, ANN202
            with lock:
                self.loaded.append(number)
            return load(path, media_type, number, **kwargs)

        def spy_render(path, **kwargs):  # noqa: ANN001, ANN003, ANN202
            self.rendered.append(Path(path))
            return render(path, **kwargs)

        monkeypatch.setattr(ScanPages, "add", spy_add)
        monkeypatch.setattr(intake_module, "segment_cues", spy_cut)
        monkeypatch.setattr(pipeline_module, "load_page", spy_load)
        monkeypatch.setattr(fingerprint_module, "first_page_image", spy_render)


@pytest.mark.slow
def test_the_scan_is_cut_from_its_cues_and_each_document_loads_back_the_words_read(
    scans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, truth = scans[PLAIN]
    watch = Watch(monkeypatch)
    services = build_services(Settings(home=tmp_path / "home", workers=2))
    try:
        intake = ingest_dossier(path, services)
        assert intake.dossier is not None, intake.outcomes
        pages = len(truth["pages"])

        # cut with no page's words in memory, from a few lines of each page, without words
        assert watch.held_at_cut == []
        assert len(watch.cues_at_cut) == pages
        assert all(len(v.lines) <= 4 and not any(x.words for x in v.lines) for v in watch.cues_at_cut)
        assert [d.pages for d in intake.dossier.documents] == [(1, 2), (3, 3)]

        # each page image loaded once, by the reading; none rendered again for a fingerprint
        assert sorted(watch.loaded) == list(range(1, pages + 1))
        assert watch.rendered == []

        # a document's words, and the dossier's, are those read of its pages
        for document in intake.dossier.documents:
            record = read_record(services.store, document.id)
            assert record.dossier is not None
            stored = [[w.model_dump() for w in page.words] for page in record.pages]
            assert stored == [watch.words[n] for n in record.dossier.pages]
            assert any(stored)
        dossier = read_dossier(services.store, intake.dossier.id, with_words=True)
        assert [[w.model_dump() for w in p.words] for p in dossier.pages] == [
            watch.words[n] for n in range(1, pages + 1)
        ]

        # the fingerprint a single-file ingest of the first page would take: its image as loaded,
        # turned upright; the old way (page 1 of the document's PDF rendered, upright) agrees
        media_type = detect_media_type(path)
        for document in intake.dossier.documents:
            record = read_record(services.store, document.id)
            kept = Fingerprint.from_json(read_package_bytes(services.store, document.id, "fingerprint.json"))
            image = load_page(
                path, media_type, document.pages[0], max_pixels=services.settings.max_image_pixels
            )
            hashes = page_hashes(image.image, record.pages[0].orientation)
            assert kept == fingerprint(record.pages, hashes, record.metadata)
            pdf = tmp_path / f"{document.id}.pdf"
            services.store.get_file(package_key(services.store, document.id, "document.pdf"), pdf)
            rendered = page_hashes(fingerprint_module.first_page_image(pdf, max_pixels=10**8), 0)
            assert hamming(kept.phash_int, rendered.phash) <= 8, (kept.phash, f"{rendered.phash:x}")
        assert not list((tmp_path / "home" / "work").glob("*/0*.json"))  # the spool gone
    finally:
        services.close()


@pytest.mark.slow
def test_a_rerun_of_a_held_dossier_names_its_secret_document_by_its_id_alone(
    scans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path, truth = scans[SECRET]
    secret_doc = next(d for d in truth["documents"] if d["metadata"].get("secrecy"))
    secret_text = [p["text"] for p in truth["pages"] if p.get("doc_id") == secret_doc["doc_id"]]
    phrases = [line for text in secret_text for line in text.splitlines() if len(line) > 30][:8]
    assert phrases
    new_key(tmp_path / "keys" / "hold.key")
    settings = Settings(
        home=tmp_path / "home",
        workers=2,
        secret_hold=tmp_path / "hold",
        secret_key_file=tmp_path / "keys" / "hold.key",
    )
    watch = Watch(monkeypatch)
    services = build_services(settings)
    try:
        first = ingest_dossier(path, services)
        assert first.dossier is not None
        first_page = secret_doc["pages"][0]
        # at the mark the file's spool goes (nothing of a secret at rest in clear): its pages'
        # words, those before the mark taken back from it, are held in memory only
        assert watch.held_at_cut == list(range(1, len(truth["pages"]) + 1))
        secret = next(d for d in first.dossier.documents if d.pages[0] == first_page)
        assert read_dossier(services.store, first.dossier.id).held
        caplog.set_level(logging.DEBUG)
        again = ingest_dossier(path, services)
    finally:
        services.close()
    assert again.dossier is not None and again.dossier.status == "duplicate"
    assert [o.status for o in again.outcomes] == ["duplicate"] * len(first.outcomes)
    by_id = {o.id: o for o in again.outcomes}
    assert by_id[secret.id].path == secret.id == {o.id: o for o in first.outcomes}[secret.id].path
    others = [o for o in again.outcomes if o.id != secret.id]
    assert others and all(o.path.startswith(f"{path}#") for o in others)
    said = [o.model_dump_json() for o in again.outcomes] + [again.dossier.model_dump_json()]
    said += [r.getMessage() for r in caplog.records] + [str(r.__dict__) for r in caplog.records]
    assert not [s for s in said if f"#{secret.order}" in s]
    assert not [(s, p) for s in said for p in phrases if p in s]


@pytest.mark.slow
def test_a_killed_dossier_rerun_takes_the_pages_and_their_hashes_from_the_spool(
    scans, tmp_path: Path
) -> None:
    """A kill in the middle of a dossier loses only the pages in flight: the rerun reads only the
    rest, and its documents' fingerprints, from the first pages' hashes kept in the spool, are
    those of a run never killed."""
    from core.settings import load_settings
    from ocr.engine import TesseractEngine
    from tests.application.test_page_reading import Killed, WatchedEngine

    path, truth = scans[PLAIN]
    tesseract = TesseractEngine(lang="vie")

    def services(home: Path, engine):  # noqa: ANN001, ANN202
        return build_services(load_settings(home=home, workers=1), engine=engine)

    reference = services(tmp_path / "reference", tesseract)
    try:
        done = ingest_dossier(path, reference)
        assert done.dossier is not None
        store = reference.store
        expected = {d.id: read_package_bytes(store, d.id, "fingerprint.json") for d in done.dossier.documents}
    finally:
        reference.close()

    home = tmp_path / "home"
    killed = services(home, WatchedEngine(tesseract, kill_at=3))
    try:
        with pytest.raises(Killed):
            ingest_dossier(path, killed)
    finally:
        killed.close()
    assert sorted(p.name for p in (home / "work").glob("*/0*.json")) == ["0001.json", "0002.json"]

    watched = WatchedEngine(tesseract)
    rerun = services(home, watched)
    try:
        again = ingest_dossier(path, rerun)
        assert again.dossier is not None and again.dossier.id == done.dossier.id
        assert watched.pages == {3}  # pages 1-2 taken from the spool, not read again
        for document_id, fingerprint_json in expected.items():
            assert read_package_bytes(rerun.store, document_id, "fingerprint.json") == fingerprint_json
    finally:
        rerun.close()
    assert len(truth["pages"]) == 3
