"""The second readings (application/second_readings.py) wired beyond a single file's ingest, real
Tesseract: a document cut out of a dossier scan whose first reading gives its signer's name
incomplete gets it from the signature region read again, as a single document does; so does
`sohoa reprocess --ocr` of a record stored without it (a dossier's document: from the dossier's
stored original; a record of its own: from its original), each logging the reading; and
`--classify`, which reads no image, keeps the name the logged reading gave instead of losing it.

The page: the signature page of tuning document 47 of the corpus generator (the tuning split; the
first reading gives the name without its family name)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image

from application.dossier_intake import ingest_dossier
from application.reprocess import ReprocessOptions, reprocess_record
from application.second_readings import DATE_STEP, SIGNATURE_STEP, SecondReadings, recorded
from application.services import build_services
from classify import extract_metadata
from core.settings import Settings
from corpusgen.split import SPLITS, document_pages
from ocr import FixedTextEngine
from schemas import Event, Page, Record
from storage import read_record, update_record

_INDEX = 47  # tuning document: its signer's name on page 2, under the titles


@pytest.fixture(scope="module")
def signature_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The document's signature page as a scan (PNG, 300 dpi), and the signer's name on it."""
    pages = document_pages("tuning", SPLITS["tuning"], _INDEX)
    page = pages[-1]
    folder = tmp_path_factory.mktemp("scan")
    path = folder / "0002.png"
    page.scanned.image.save(path, "PNG", dpi=(page.scanned.dpi, page.scanned.dpi))
    return path, page.doc.signer_name


@pytest.fixture(scope="module")
def dossier(signature_page, tmp_path_factory: pytest.TempPathFactory):
    """A dossier folder of that page, taken in with real OCR."""
    path, _ = signature_page
    services = build_services(Settings(home=tmp_path_factory.mktemp("home"), workers=1))
    intake = ingest_dossier(path.parent, services, code="H47.2017.01")
    assert intake.dossier is not None, intake.outcomes
    yield services, intake.dossier.documents[0].id
    services.close()


def _signer(record: Record) -> str | None:
    return record.metadata.signer.name if record.metadata.signer else None


def _readings(record: Record) -> list:
    return [e for e in record.events if e.step == SIGNATURE_STEP]


def _as_an_older_sohoa_stored_it(services, record: Record) -> Record:
    """The record without the logged reading and its metadata from the first reading alone, as
    stored before second readings were made."""
    metadata = extract_metadata(record.pages)
    older = record.model_copy(
        update={"metadata": metadata, "events": [e for e in record.events if e.step != SIGNATURE_STEP]}
    )
    update_record(services.store, older)
    return read_record(services.store, record.id)


def test_a_dossier_document_gets_its_signer_from_the_second_reading(dossier, signature_page) -> None:
    services, doc_id = dossier
    _, name = signature_page
    record = read_record(services.store, doc_id)
    assert _signer(record) == name
    [event] = _readings(record)
    assert event.parameters["page"] == 1 and event.parameters["calls"] >= 1
    assert any(name in text for text, _ in event.parameters["lines"])
    assert services.index.has(doc_id)


def test_reprocess_classify_keeps_what_the_logged_reading_gave(dossier, signature_page) -> None:
    """--classify reads no image: the reading in the log is applied again to the stored text (the
    name is not lost, nothing changes); a record whose log holds none stays without it."""
    services, doc_id = dossier
    _, name = signature_page
    result = reprocess_record(doc_id, services, ReprocessOptions(classify=True))
    assert result is not None and result.status == "unchanged", result
    assert _signer(read_record(services.store, doc_id)) == name

    older = _as_an_older_sohoa_stored_it(services, read_record(services.store, doc_id))
    assert _signer(older) != name and not _readings(older)
    result = reprocess_record(doc_id, services, ReprocessOptions(classify=True))
    assert result is not None and result.status != "failed", result
    assert _signer(read_record(services.store, doc_id)) == _signer(older)


def test_reprocess_ocr_reads_a_dossier_document_s_region_from_the_dossier_original(
    dossier, signature_page
) -> None:
    services, doc_id = dossier
    _, name = signature_page
    older = _as_an_older_sohoa_stored_it(services, read_record(services.store, doc_id))
    assert _signer(older) != name
    result = reprocess_record(doc_id, services, ReprocessOptions(ocr=True))
    assert result is not None and result.status == "changed", result
    assert "metadata.signer" in result.changes
    record = read_record(services.store, doc_id)
    assert _signer(record) == name and record.pages == older.pages  # its stored pages kept
    [event] = _readings(record)
    assert record.events[-1].step == "reprocess" and record.events[-2] == event
    assert any(name in text for text, _ in event.parameters["lines"])


def test_reprocess_ocr_of_a_record_of_its_own(signature_page, tmp_path: Path) -> None:
    """A record an older reading stored without the name (a fixed text standing for it) is read
    again by Tesseract: the region too, the name taken, the reading logged in the new version."""
    path, name = signature_page
    from application.ingest import ingest_file

    home = tmp_path / "home"
    older = build_services(Settings(home=home, workers=1), engine=FixedTextEngine("Nơi nhận:\n- Như trên;"))
    outcome = ingest_file(path, older)
    assert outcome.status == "ingested", outcome.reason
    assert _signer(read_record(older.store, outcome.id)) is None
    older.close()

    services = build_services(Settings(home=home, workers=1))
    result = reprocess_record(outcome.id, services, ReprocessOptions(ocr=True))
    assert result is not None and result.status == "changed", result
    record = read_record(services.store, outcome.id)
    assert _signer(record) == name
    [event] = _readings(record)
    assert event.tool == "tesseract" and any(name in text for text, _ in event.parameters["lines"])
    services.close()


_DATE_AS_LETTERS = (
    "ỦY BAN NHÂN DÂN\nTỈNH PHÚ THỌ\nSố: 15/QĐ-UBND\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Phú Thọ, ngày 1S tháng 01 năm 2019\nQUYẾT ĐỊNH\nVề việc thành lập tổ công tác"
)


def test_a_dossier_document_logs_its_date_reading(tmp_path: Path) -> None:
    """The date's wiring in the intake: a day read as letters ('1S') is read again (an injected
    engine reading the same text each time: no digits), the date left partial, the reading logged."""
    folder = tmp_path / "scan"
    folder.mkdir()
    Image.new("L", (400, 300), 255).save(folder / "0001.png")
    services = build_services(
        Settings(home=tmp_path / "home", workers=1), engine=FixedTextEngine(_DATE_AS_LETTERS)
    )
    intake = ingest_dossier(folder, services, code="H1.2019.01")
    assert intake.dossier is not None, intake.outcomes
    record = read_record(services.store, intake.dossier.documents[0].id)
    assert record.metadata.date is None and record.metadata.date_partial == "2019-01"
    [event] = [e for e in record.events if e.step == DATE_STEP]
    assert event.parameters["calls"] >= 1 and event.parameters["digits_taken"] is False
    assert event.parameters["digits"] == {} and event.parameters["page"] == 1
    services.close()


def test_logged_date_digits_fill_the_day_again_only_on_their_page() -> None:
    """`recorded`: the digits a date reading took, applied again to the stored text that still
    reads the day as letters; not to another page's date line, not once the day is read."""
    page = Page(number=1, text=_DATE_AS_LETTERS)
    logged = Event(step=DATE_STEP, tool="tesseract", parameters={"page": 1, "digits": {"day": "15"}})
    assert SecondReadings().metadata([page]).date is None
    assert recorded([page], [logged]).metadata([page]).date == dt.date(2019, 1, 15)
    elsewhere = logged.model_copy(update={"parameters": {"page": 2, "digits": {"day": "15"}}})
    assert recorded([page], [elsewhere]).metadata([page]).date is None
    read = Page(number=1, text=_DATE_AS_LETTERS.replace("1S", "16"))
    assert recorded([read], [logged]).metadata([read]).date == dt.date(2019, 1, 16)
