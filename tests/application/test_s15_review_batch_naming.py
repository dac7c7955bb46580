"""Review s15 (4538a9f): a record held after intake is named by its id in its batch's report by
patching the report where it names the record, not by folding the whole batch again: a batch of
thousands is not read record by record inside a review, and a record of the batch that cannot be
read does not stop the hold after its content moved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from application.batches import load_report, record_outcome, save_report
from application.secret_docs import hold_content
from schemas import IngestOutcome, Record
from storage import is_held, read_record
from storage.layout import RECORD_FILE
from tests.api.conftest import Archive, make_record, page_with_words
from tests.application.test_secret_twins import OTHER_TEXT, SECRET_TEXT, _marked, _world
from tests.storage.ocfl_helpers import logical_files, object_folder

BATCH = "batch-20261207T010203-review"


def _in_batch(archive: Archive, name: str, lines: list[str], reason: str) -> Record:
    page, image = page_with_words(1, lines, name)
    record = make_record([page], access="public", doc_type="Báo cáo", needs_review=True, reasons=(reason,))
    stored = archive.add(name, record.model_copy(update={"batch": BATCH}), image)
    path = f"/srv/inbox/{name}.png"
    record_outcome(
        archive.services.store, BATCH, IngestOutcome(path=path, status="ingested", id=stored.id, pages=1)
    )
    return stored


def test_a_hold_patches_its_batch_report_and_reads_no_other_record(tmp_path: Path) -> None:
    archive, hold = _world(tmp_path)
    services, store = archive.services, archive.services.store
    secret = _in_batch(archive, "Bao_cao_kho_Quyxhamchua", SECRET_TEXT, "quoted: Quyxhamchua tại kho K3")
    other = _in_batch(archive, "thong_bao", OTHER_TEXT, "low OCR confidence (50 < 60)")
    save_report(store, BATCH, started_at=dt.datetime.now(dt.UTC), run_pages=2)
    before = load_report(store, BATCH)
    damaged = logical_files(object_folder(archive.settings.home / "store", "record", other.id))[RECORD_FILE]
    damaged.write_bytes(b"{")  # the other record of the batch can no longer be read

    hold_content(store, services.index, services.similar, hold, _marked(read_record(store, secret.id)))

    assert is_held(read_record(store, secret.id))
    report = load_report(store, BATCH)
    notes = {note.id: note for note in report.needs_review}
    assert notes[secret.id].path == secret.id
    assert not any("Quyxhamchua" in reason for reason in notes[secret.id].reasons)
    assert notes[other.id] == {n.id: n for n in before.needs_review}[other.id]  # untouched
    assert report.counts == before.counts and report.files == before.files
