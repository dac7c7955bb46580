"""Review s15 (4538a9f): a record held after intake is named by its id in its batch's report by
patching the report where it names the record, not by folding the whole batch again: a batch of
thousands is not read record by record inside a review, and a record of the batch that cannot be
read does not stop the hold after its content moved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from application.batches import load_report, record_outcome, save_report
from application.secret_docs import hold_content
from application.services import Services
from core.settings import page_cache_dir
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

    hold_content(
        store,
        services.index,
        services.similar,
        hold,
        _marked(read_record(store, secret.id)),
        page_cache_dir(services.settings),
    )

    assert is_held(read_record(store, secret.id))
    report = load_report(store, BATCH)
    notes = {note.id: note for note in report.needs_review}
    assert notes[secret.id].path == secret.id
    assert not any("Quyxhamchua" in reason for reason in notes[secret.id].reasons)
    assert notes[other.id] == {n.id: n for n in before.needs_review}[other.id]  # untouched
    assert report.counts == before.counts and report.files == before.files


def test_a_dossier_document_held_later_is_named_by_its_id_in_its_batch(tmp_path: Path) -> None:
    """As a dossier intake names a document it holds (its id alone, dossier_intake._document_path)
    and a rerun does: not the dossier's path and its order, nor reasons quoting its text."""
    from api.state import page_cache_dir
    from application.secret_docs import open_hold, sweep_secrets
    from storage import update_record
    from tests.application.test_dossier_hold import WORD, _mark
    from tests.application.test_dossier_hold import _world as _dossier_world
    from tests.secret_leaks import leaks

    world = _dossier_world(tmp_path)
    store = world.store
    folder = f"/srv/inbox/Ho_so_kho_{WORD}"
    for order, record in enumerate(world.built.records, start=1):
        stored = read_record(store, record.id)
        reasons = [f"quoted: {WORD}"] if record.id == world.secret else []
        classification = stored.classification.model_copy(
            update={"needs_review": True, "review_reasons": reasons}
        )
        update_record(store, stored.model_copy(update={"batch": BATCH, "classification": classification}))
        outcome = IngestOutcome(path=f"{folder}#{order}", status="ingested", id=record.id, pages=1)
        record_outcome(store, BATCH, outcome)
    save_report(store, BATCH, started_at=dt.datetime.now(dt.UTC), run_pages=4)
    batches = world.settings.home / "store" / "batches"
    assert leaks(batches, [WORD]) != []  # as the batch left it
    _mark(world)
    hold = open_hold(world.settings)
    assert hold is not None

    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == [world.secret]

    notes = {note.id: note for note in load_report(store, BATCH).needs_review}
    assert notes[world.secret].path == world.secret
    assert leaks(batches, [f"quoted: {WORD}", f"{folder}#2"]) == []
    world.services.close()


def test_a_second_hold_in_the_batch_names_the_first_again_after_a_stale_report(tmp_path: Path) -> None:
    """Two records of one batch held by two processes at once: the second wrote the report as
    it read it before the first's patch (stale). Its own patch names the first by id again."""
    from application.batches import report_key

    archive, hold = _world(tmp_path)
    services, store = archive.services, archive.services.store
    first = _in_batch(archive, "Bao_cao_kho_Quyxhamchua", SECRET_TEXT, "quoted: Quyxhamchua tại kho K3")
    second = _in_batch(archive, "thong_bao_Quyxmat", OTHER_TEXT, "quoted: Quyxmat lịch tiếp")
    save_report(store, BATCH, started_at=dt.datetime.now(dt.UTC), run_pages=2)
    stale = store.get_bytes(report_key(BATCH))
    hold_content(
        store,
        services.index,
        services.similar,
        hold,
        _marked(read_record(store, first.id)),
        page_cache_dir(services.settings),
    )
    store.put_bytes(report_key(BATCH), stale)  # the other process's write, from before the patch

    hold_content(
        store,
        services.index,
        services.similar,
        hold,
        _marked(read_record(store, second.id)),
        page_cache_dir(services.settings),
    )

    notes = {note.id: note for note in load_report(store, BATCH).needs_review}
    assert notes[first.id].path == first.id and notes[second.id].path == second.id
    assert not any("quoted" in reason for note in notes.values() for reason in note.reasons)


def _pages(services: Services) -> Path:
    return page_cache_dir(services.settings)
