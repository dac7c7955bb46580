"""A dossier document marked as a state secret AFTER intake (`sohoa secret sweep`, an archivist's
review decision, `sohoa reprocess`) ends as a dossier intake leaves one it finds secret
(application/secret_docs.py `move_document_to_hold`, `hold_dossier`): the dossier's original in
the hold, its scan object one version without original and without the secret pages' text,
words or cues, the document a catalogue row, its index entry and rendered pages gone; the other
documents served as before, byte for byte. No form of the secret word is left under SOHOA_HOME.

Dossiers built without OCR (tests/api/dossier_archive.py): each test a few seconds."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.key_store import KeyStore, keys_path
from api.state import page_cache_dir
from application.dossiers import load_form, public_form_files
from application.secret_docs import held_original_name, open_hold, sweep_secrets
from application.services import Services, services_for
from core.settings import Settings
from schemas import BoundaryCue, Box, Record, Word
from storage import is_held, read_package_bytes, read_record, record_versions, update_record
from storage.dossier_package import dossier_file_key, read_dossier, write_dossier_package
from storage.fixity import verify
from storage.hold import new_key
from storage.layout import DOSSIER_SCAN_FILE, SEARCHABLE_PDF
from storage.ocfl_layout import dossier_scan_object_id
from storage.package import ocfl_root, write_document_package
from tests.api.conftest import Archive
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier
from tests.secret_leaks import leaks
from tests.storage.ocfl_helpers import ocfl_py_validate

WORD = "Quyxbaomatdoc"  # in the secret document's text and in a cue the next page keeps of it
ARCHIVIST = "Minh"


@dataclass
class World:
    settings: Settings
    services: Services
    built: StoredDossier
    secret: str  # the document marked secret after intake (the second of three)
    others: list[str]
    before: dict[str, dict[str, bytes]]  # the other documents' files as stored, by id

    @property
    def store(self):  # noqa: ANN201
        return self.services.store


def _settings(root: Path, *, hold: bool = True) -> Settings:
    if not hold:
        return Settings(home=root / "home", workers=1)
    key = root / "keys" / "hold.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    if not key.exists():
        new_key(key)
    return Settings(home=root / "home", workers=1, secret_hold=root / "hold", secret_key_file=key)


def _files(services: Services, record_id: str) -> dict[str, bytes]:
    ocfl = ocfl_root(services.store)
    object_id = f"urn:sohoa:record:{record_id}"
    return {name: read_package_bytes(services.store, record_id, name) for name in ocfl.files(object_id)}


def _world(root: Path, *, hold: bool = True) -> World:
    settings = _settings(root, hold=hold)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    docs = [
        DocSpec(access="public"),
        DocSpec(access="public", pages=2, lines=(f"Nội dung {WORD} của báo cáo",)),
        DocSpec(access="public"),
    ]
    built = add_dossier(archive, "H07.2019.03", docs)
    store = archive.services.store
    secret, others = built.records[1].id, [built.records[0].id, built.records[2].id]
    # the scan as a real intake keeps it: the third document's first page quotes the close of
    # the page before it ('previous_ended'), a page of the secret document (a second scan version)
    dossier = read_dossier(store, built.id, scan=True, with_words=True)
    last = built.records[1].dossier.last  # type: ignore[union-attr]
    cue = BoundaryCue(cue="previous_ended", weight=1.5, text=f"Kết thúc {WORD} ./.", page=last)
    pages = [
        s.model_copy(update={"cues": [cue]}) if s.number == last + 1 else s
        for s in dossier.segmentation.pages
    ]
    dossier = dossier.model_copy(
        update={"segmentation": dossier.segmentation.model_copy(update={"pages": pages})}
    )
    original = root / "scan-copy.pdf"
    store.get_file(dossier_file_key(store, dossier, 0), original)
    write_dossier_package(store, dossier, [original], public_form_files(dossier, built.records))
    original.unlink()
    before = {i: _files(archive.services, i) for i in others}
    return World(settings, archive.services, built, secret, others, before)


def _mark(world: World) -> None:
    """An archivist's metadata edit outside the API (or a rule change): the document is MẬT now."""
    record = read_record(world.store, world.secret)
    marked = record.metadata.model_copy(update={"secrecy": "MẬT"})
    update_record(world.store, record.model_copy(update={"metadata": marked}))


def _assert_held_as_at_intake(world: World) -> None:
    store, settings = world.store, world.settings
    # the document: its catalogue row alone, one version; its PDF and record in the hold
    row = read_record(store, world.secret)
    assert is_held(row) and row.pages == [] and row.classification.access == "not_accessible"
    assert len(record_versions(store, world.secret)) == 1
    hold = open_hold(settings)
    assert hold is not None
    out = settings.home.parent / "out"
    out.mkdir(exist_ok=True)
    hold.open_to(world.secret, "record.json.enc", out / "record.json")
    assert WORD in (out / "record.json").read_text()
    # the dossier: its original in the hold, its scan one version without it nor the secret text
    dossier = read_dossier(store, world.built.id, scan=True, with_words=True)
    assert dossier.held
    hold.open_to(world.built.id, held_original_name(0), out / "original")
    assert hashlib.sha256((out / "original").read_bytes()).hexdigest() == dossier.files[0].sha256
    scan_id = dossier_scan_object_id(world.built.id)
    ocfl = ocfl_root(store)
    assert [v.number for v in ocfl.versions(scan_id)] == [1]
    assert not [name for name in ocfl.files(scan_id) if name.startswith("original/")]
    hidden = set(world.built.records[1].dossier.pages)  # type: ignore[union-attr]
    for page in dossier.pages:
        assert (page.text == "" and page.words == []) == (page.number in hidden), page.number
    scan = json.loads(ocfl.read_bytes(scan_id, DOSSIER_SCAN_FILE))
    cues = [c for s in scan["segmentation"]["pages"] for c in s["cues"] if c["page"] in hidden]
    assert cues and all(c["text"] == "" for c in cues)
    # its head: public and staff no longer list the document
    for audience in ("public", "staff"):
        assert world.secret not in load_form(store, world.built.id, audience).documents
    # the other documents: every file as it was, nothing new
    for record_id in world.others:
        assert _files(world.services, record_id) == world.before[record_id]
    # nothing of the secret anywhere under SOHOA_HOME; the store valid and verified
    world.services.close()
    assert leaks(settings.home, [WORD]) == []
    assert ocfl_py_validate(str(settings.home / "store" / "ocfl")).clean
    report = verify(store)
    assert report.ok, report.problems


def test_a_sweep_sends_a_dossier_document_marked_later_where_intake_would(tmp_path: Path) -> None:
    world = _world(tmp_path)
    _mark(world)
    hold = open_hold(world.settings)
    assert hold is not None
    moved = sweep_secrets(world.services, hold, page_cache_dir(world.settings))
    assert moved == [world.secret]
    assert world.services.index.access_of(world.secret) == "not_accessible"
    _assert_held_as_at_intake(world)
    world.services = services_for(world.settings)
    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == []  # idempotent
    world.services.close()


def test_an_archivists_decision_holds_it_and_the_other_documents_stay_served(tmp_path: Path) -> None:
    world = _world(tmp_path)
    archivist = {"X-API-Key": KeyStore(keys_path(world.settings)).create("archivist", ARCHIVIST)[1]}
    decision = {
        "action": "override",
        "reason": "Văn bản mang dấu mật",
        "access": "not_accessible",
        "fields": {"secrecy": "MẬT"},
    }
    other = world.others[1]  # after the secret one in the scan
    cache = page_cache_dir(world.settings)
    with TestClient(create_app(world.settings)) as client:
        served = {
            path: client.get(path).content
            for path in (f"/records/{other}/pdf", f"/records/{other}/pages/1", f"/records/{other}/text")
        }
        assert client.get(f"/records/{world.secret}/pages/1").status_code == 200
        assert list(cache.glob(f"{world.secret}-*"))  # a render of the secret page at rest
        answer = client.post(f"/review/{world.secret}", json=decision, headers=archivist)
        assert answer.status_code == 200 and answer.json()["access"] == "not_accessible"
        assert WORD not in answer.text
        assert client.get(f"/records/{world.secret}").status_code == 404
        assert not list(cache.glob(f"{world.secret}-*"))
        for path, content in served.items():
            again = client.get(path)
            assert again.status_code == 200 and again.content == content, path
        dossier = client.get(f"/dossiers/{world.built.id}").text
        assert other in dossier and world.secret not in dossier
    _assert_held_as_at_intake(world)


def _with_mark(world: World) -> None:
    """The secret document's stored text shows a MẬT mark its first reading missed."""
    record = read_record(world.store, world.secret)
    page = record.pages[0]
    mark = Word(text="MẬT", confidence=96, box=Box(left=200, top=2, width=40, height=12), block=0, line=0)
    marked = page.model_copy(update={"text": "MẬT\n" + page.text, "words": [mark, *page.words]})
    pdf = world.settings.home / "marked.pdf"
    pdf.write_bytes(read_package_bytes(world.store, world.secret, SEARCHABLE_PDF))
    write_document_package(world.store, record.model_copy(update={"pages": [marked, *record.pages[1:]]}),
                           {SEARCHABLE_PDF: pdf})  # fmt: skip
    pdf.unlink()


def test_reprocess_finding_the_mark_holds_it_and_without_a_hold_closes_it(tmp_path: Path) -> None:
    from application.reprocess import ReprocessOptions, reprocess_record

    world = _world(tmp_path, hold=False)
    _with_mark(world)
    result = reprocess_record(world.secret, world.services, ReprocessOptions())
    assert result is not None and result.status == "changed" and "sweep" in (result.reason or "")
    closed = read_record(world.store, world.secret, with_words=False)
    assert closed.classification.access == "not_accessible" and closed.classification.needs_review
    assert not is_held(closed)  # closed and sent to review, never left open; the sweep finishes
    world.services.close()

    world.settings = _settings(tmp_path)
    world.services = services_for(world.settings)
    record = read_record(world.store, world.secret)
    update_record(world.store, record.model_copy(update={"metadata": record.metadata.model_copy(
        update={"secrecy": None})}))  # fmt: skip
    result = reprocess_record(world.secret, world.services, ReprocessOptions())
    assert result is not None and "hold" in (result.reason or ""), result
    _assert_held_as_at_intake(world)


class Crash(Exception):
    pass


@pytest.mark.parametrize("where", ["scan", "catalogue"])
def test_a_move_killed_midway_is_finished_by_a_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Killed after the dossier's head says held but before its scan is rewritten, or after the
    scan but before the document's catalogue row: the next sweep finishes the move."""
    import application.secret_docs as secret_docs
    import storage.dossier_package as dossier_package

    world = _world(tmp_path)
    _mark(world)
    hold = open_hold(world.settings)
    assert hold is not None

    def crash(*args: object, **kw: object) -> None:
        raise Crash(where)

    if where == "scan":
        monkeypatch.setattr(dossier_package, "_write_held_scan", crash)
    else:
        monkeypatch.setattr(secret_docs, "write_catalogue", crash)
    with pytest.raises(Crash):
        sweep_secrets(world.services, hold, page_cache_dir(world.settings))
    monkeypatch.undo()
    assert read_dossier(world.store, world.built.id).held  # the head first
    assert not is_held(read_record(world.store, world.secret, with_words=False))
    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == [world.secret]
    _assert_held_as_at_intake(world)


def test_a_second_document_marked_later_purges_the_held_scan_again(tmp_path: Path) -> None:
    """A dossier already held (its original in the hold) whose other document is marked later:
    the scan is rewritten again as one version, the original is not needed from the store."""
    world = _world(tmp_path)
    _mark(world)
    hold = open_hold(world.settings)
    assert hold is not None
    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == [world.secret]
    first = world.others[0]
    record: Record = read_record(world.store, first)
    update_record(world.store, record.model_copy(update={"metadata": record.metadata.model_copy(
        update={"secrecy": "MẬT"})}))  # fmt: skip
    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == [first]
    scan_id = dossier_scan_object_id(world.built.id)
    assert [v.number for v in ocfl_root(world.store).versions(scan_id)] == [1]
    dossier = read_dossier(world.store, world.built.id, scan=True)
    hidden = {*world.built.records[0].dossier.pages, *world.built.records[1].dossier.pages}  # type: ignore[union-attr]
    assert {p.number for p in dossier.pages if p.text == ""} == hidden
    world.services.close()
    assert leaks(world.settings.home, [WORD]) == []
    assert ocfl_py_validate(str(world.settings.home / "store" / "ocfl")).clean


def test_a_move_killed_while_the_scan_was_purged_still_holds_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the scan object's purge and its new version (the head says held, the scan
    is gone): the rerun cannot rewrite the scan, but the document still goes to the hold, never
    left in clear; the lost scan is an error in the log."""
    from storage.ocfl_store import OcflStore

    world = _world(tmp_path)
    _mark(world)
    hold = open_hold(world.settings)
    assert hold is not None

    def crash(*args: object, **kw: object) -> None:
        raise Crash("purged")

    monkeypatch.setattr(OcflStore, "discard_incomplete", crash)
    with pytest.raises(Crash):
        sweep_secrets(world.services, hold, page_cache_dir(world.settings))
    monkeypatch.undo()
    assert not ocfl_root(world.store).exists(dossier_scan_object_id(world.built.id))
    assert sweep_secrets(world.services, hold, page_cache_dir(world.settings)) == [world.secret]
    assert is_held(read_record(world.store, world.secret))
    for audience in ("public", "staff"):
        assert world.secret not in load_form(world.store, world.built.id, audience).documents
    world.services.close()
    assert leaks(world.settings.home, [WORD]) == []
    assert ocfl_py_validate(str(world.settings.home / "store" / "ocfl")).clean
