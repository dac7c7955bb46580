"""Red team, session 14: the surfaces OCFL phase 2 and its follow-ups opened -- older versions,
`sohoa reprocess`, the dossier head's public forms, `sohoa migrate` (notes: /tmp/s14/notes/redteam.md).

Closed (guards):
- An older, more open version is never reached by public or staff: `?version=` on a record they
  may not see answers as an unknown id's does, with no byte of the store read (API and web); on
  a record they may see, the text, PDF and page routes serve the head whatever `?version=` says
  (a personal-data value an archivist added to the masking later stays masked).
- A dossier document that reprocess finds marked secret leaves its dossier's public form.
- Found open and fixed: a review (api/routes_review.py) wrote over a reprocess version another
  process committed between the review's read and its commit: a record reprocess had closed as
  secret was served to the public again. That state is written again now, the decision refused.
- Found open and fixed: an archivist marking a public dossier document MẬT got 404 in English,
  nothing changed, the public still read it (api/routes_review.py `_hold`). Closed now.
- Found open and fixed: a review's field values (a subject the archivist typed) rested in the
  access log and stayed there once the record was found secret and held: a review's line names
  the fields, not the values (application/access_log.py `review_detail`).
- Found open and fixed: a dossier document marked secret after intake had no way to the hold
  (move_to_hold needs an original of its own; the dossier's scan holds it): its text stayed in
  the store after a review decision, a sweep or a reprocess closed it, and `sohoa secret sweep`
  aborted there. It goes as at a dossier intake now (application/secret_docs.py
  `move_document_to_hold`, `hold_dossier`; more in tests/application/test_dossier_hold.py).
(reprocess's own doors, fixed, are tested in tests/application/test_reprocess.py: a secret found
by reprocess goes to the hold as at ingest; a review committed just before its commit is written
again; the report withholds a closed record's values.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.key_store import KeyStore, keys_path
from application.services import services_for
from core.settings import Settings
from schemas import PersonalData
from storage import read_record, update_record
from tests.api.conftest import (
    Archive,
    Keys,
    archive_settings,
    drop_archive_index,
    make_record,
    page_with_words,
)
from tests.redteam.store_reads import StoreReads
from tests.secret_leaks import leaks

UNKNOWN = "0123456789abcdef0123456789abcdef"
NAME = "Trịnh Thị Hoài"
CLOSED_WORD = "Quyxdongcua"  # a word of the record closed since


@dataclass
class World:
    archive: Archive
    keys: Keys
    client: TestClient
    closed: str  # v1 public, v2 not_accessible
    hidden: str  # conditional (hidden from the public), v1 only
    masked: str  # v1 public without NAME in its personal data, v2 with it

    def get(self, path: str, role: str = "public") -> object:
        return self.client.get(path, headers=self.keys.headers(role))


def _record(archive: Archive, name: str, access: str, lines: list[str]) -> str:
    page, image = page_with_words(1, lines, name)
    return archive.add(name, make_record([page], access=access, subject=f"Về việc {name}"), image).id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = archive_settings(tmp_path_factory.mktemp("s14doors") / "home")
    archive = Archive(settings=settings, services=services_for(settings), records={})
    store = archive.services.store
    closed = _record(archive, "closed", "public", ["QUYẾT ĐỊNH", f"Nội dung {CLOSED_WORD} công khai"])
    hidden = _record(archive, "hidden", "conditional", ["QUYẾT ĐỊNH", "Nội dung có điều kiện"])
    masked = _record(archive, "masked", "public", ["QUYẾT ĐỊNH", f"Cấp cho bà {NAME} giấy phép"])
    r = read_record(store, closed)
    shut = r.model_copy(
        update={"classification": r.classification.model_copy(update={"access": "not_accessible"})}
    )
    update_record(store, shut)
    archive.services.index.delete(closed)
    archive.services.index.add(shut)
    r = read_record(store, masked)
    named = [PersonalData(kind="name", value=NAME, page=1)]
    more = r.model_copy(update={"metadata": r.metadata.model_copy(update={"personal_data": named})})
    update_record(store, more)
    archive.services.index.add(more)
    keys_store = KeyStore(keys_path(settings))
    keys = Keys(
        staff=keys_store.create("staff", "Lan")[1], archivist=keys_store.create("archivist", "Minh")[1]
    )
    try:
        with TestClient(create_app(settings)) as client:
            yield World(archive, keys, client, closed, hidden, masked)
    finally:
        drop_archive_index(archive.services)


def _answer(world: World, path: str, role: str) -> tuple[int, str, int]:
    state = world.client.app.state.api  # type: ignore[attr-defined]
    counting = StoreReads(state.store)
    state.store = counting
    try:
        answer = world.get(path, role)
    finally:
        state.store = counting._store
    return answer.status_code, answer.text, counting.read  # type: ignore[attr-defined]


@pytest.mark.parametrize("route", ["/records/{id}?version={v}", "/ui/records/{id}?version={v}"])
def test_a_hidden_records_versions_answer_as_an_unknown_ids(world: World, route: str) -> None:
    """Public and staff asking for a version of a record closed since (its v1 was public), or of
    one hidden from them: the very answer an unknown id gets, and no store byte read for either."""
    cases = [("public", world.closed), ("staff", world.closed), ("public", world.hidden)]
    for role, record_id in cases:
        for version in (1, 2, 99):
            status, text, read = _answer(world, route.format(id=record_id, v=version), role)
            u_status, u_text, u_read = _answer(world, route.format(id=UNKNOWN, v=version), role)
            assert (status, read) == (u_status, u_read) == (404, 0), (role, record_id, version)
            assert text.replace(record_id, "ID") == u_text.replace(UNKNOWN, "ID"), (role, version)


def test_no_route_serves_an_older_version_to_public_or_staff(world: World) -> None:
    """The content routes ignore ?version= (the head is served): the closed record is unknown to
    public and staff whatever version is asked, and a name an archivist added to the masking
    after v1 stays masked in the text the public gets with ?version=1."""
    for role in ("public", "staff"):
        for sub in ("", "/text", "/pdf", "/original", "/pages/1"):
            status, text, _ = _answer(world, f"/records/{world.closed}{sub}?version=1", role)
            assert status == 404 and CLOSED_WORD not in text, (role, sub)
    status, text, _ = _answer(world, f"/records/{world.masked}/text?version=1", "public")
    assert status == 200 and NAME not in text and "Cấp cho bà" in text
    hits = world.get(f"/search?q={CLOSED_WORD}", "staff").json()  # type: ignore[attr-defined]
    assert hits["total"] == 0


def test_a_dossier_document_found_secret_by_reprocess_leaves_the_public_form(tmp_path: Path) -> None:
    """A dossier document whose stored text now shows a MẬT mark (an earlier reading missed it):
    reprocess closes it and the head's public and staff forms no longer list it."""
    from application.dossiers import load_form
    from application.reprocess import ReprocessOptions, reprocess_record
    from schemas import Box, Word
    from storage.package import write_document_package
    from tests.api.dossier_archive import DocSpec, add_dossier

    settings = Settings(home=tmp_path / "home", workers=1)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    built = add_dossier(archive, "H02.2019.01", [DocSpec(access="public"), DocSpec(access="public")])
    services = archive.services
    first = built.records[0].id
    record = read_record(services.store, first)
    page = record.pages[0]
    mark = Word(text="MẬT", confidence=96, box=Box(left=900, top=4, width=90, height=30), block=0, line=0)
    marked = page.model_copy(update={"text": "MẬT\n" + page.text, "words": [mark, *page.words]})
    write_document_package(services.store, record.model_copy(update={"pages": [marked]}))
    assert first in load_form(services.store, built.id, "public").documents

    result = reprocess_record(first, services, ReprocessOptions())
    assert result is not None and result.status == "changed"
    for audience in ("public", "staff"):
        assert first not in load_form(services.store, built.id, audience).documents, audience
    assert services.index.access_of(first) == "not_accessible"


def _hold_settings(root: Path, **kw: object) -> Settings:
    from storage.hold import new_key

    key = root / "keys" / "hold.key"
    if not key.exists():
        key.parent.mkdir(parents=True)
        new_key(key)
    return Settings(home=root / "home", workers=1, secret_hold=root / "hold", secret_key_file=key, **kw)


def _marked(services: object, record_id: str) -> None:
    store = services.store  # type: ignore[attr-defined]
    record = read_record(store, record_id)
    update_record(
        store, record.model_copy(update={"metadata": record.metadata.model_copy(update={"secrecy": "MẬT"})})
    )


def test_sweep_goes_on_past_a_dossier_document_marked_secret(tmp_path: Path) -> None:
    """Found open: `sohoa secret sweep` stopped (NotFound) at a dossier document marked secret,
    and the secrets after it stayed in clear. It goes on now, the document moved too (its
    dossier's way to the hold: the test below, tests/application/test_dossier_hold.py)."""
    from application.secret_docs import open_hold, sweep_secrets
    from storage import is_held
    from tests.api.dossier_archive import DocSpec, add_dossier

    settings = _hold_settings(tmp_path)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    built = add_dossier(archive, "H04.2019.01", [DocSpec(access="public"), DocSpec(access="public")])
    # ids sort so that the dossier document comes first: sweep meets it before the other record
    plain = [_record(archive, f"plain{n}", "public", ["QUYẾT ĐỊNH", f"Nội dung {n}"]) for n in range(4)]
    services = archive.services
    document = built.records[0].id
    others = [p for p in plain if p > document] or plain
    for record_id in (document, *others):
        _marked(services, record_id)
    hold = open_hold(settings)
    assert hold is not None
    moved = sweep_secrets(services, hold, tmp_path / "cache")
    assert sorted(moved) == sorted([document, *others])
    assert all(is_held(read_record(services.store, i)) for i in (document, *others))


def test_sweep_moves_a_dossier_document_marked_secret(tmp_path: Path) -> None:
    from application.secret_docs import open_hold, sweep_secrets
    from tests.api.dossier_archive import DocSpec, add_dossier

    settings = _hold_settings(tmp_path)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    word = "Quyxhamngam"
    built = add_dossier(
        archive,
        "H03.2019.01",
        [DocSpec(access="public", lines=(f"{word} bí mật",)), DocSpec(access="public")],
    )
    services = archive.services
    record = read_record(services.store, built.records[0].id)
    update_record(
        services.store,
        record.model_copy(update={"metadata": record.metadata.model_copy(update={"secrecy": "MẬT"})}),
    )
    hold = open_hold(settings)
    assert hold is not None
    sweep_secrets(services, hold, tmp_path / "cache")
    services.close()
    assert leaks(tmp_path / "home", [word]) == []


def test_a_review_does_not_write_over_a_reprocess_committed_meanwhile(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found open: a reprocess version committed by another process between the review's read and
    its commit (a secrecy mark found, the record closed) was overwritten by the decision, judged on
    the older state, and the record served to the public. Now that state is written again and the
    decision refused (409), to be made again."""
    import api.routes_review as module
    from application.reprocess import REPROCESSOR
    from storage.ocfl_inventory import VersionInfo

    store = world.archive.services.store
    record_id = _record(world.archive, "raced", "undetermined", ["QUYẾT ĐỊNH", "Nội dung chưa xác định"])
    real = module.update_record
    played = []

    def reprocess_lands_first(store_, new, info=None):  # noqa: ANN001, ANN202
        if not played:  # sohoa reprocess in another process: a MẬT mark read, the record closed
            r = read_record(store_, record_id)
            secret = r.model_copy(
                update={
                    "metadata": r.metadata.model_copy(update={"secrecy": "MẬT"}),
                    "classification": r.classification.model_copy(update={"access": "not_accessible"}),
                }
            )
            played.append(real(store_, secret, VersionInfo("reprocess: secrecy mark read", REPROCESSOR)))
        return real(store_, new, info)

    monkeypatch.setattr(module, "update_record", reprocess_lands_first)
    decision = {"action": "override", "access": "public", "reason": "Đã xem xét, công khai được"}
    answer = world.client.post(f"/review/{record_id}", json=decision, headers=world.keys.headers("archivist"))
    monkeypatch.undo()
    assert played == [2]
    assert answer.status_code == 409 and "quyết định lại" in answer.text
    head = read_record(store, record_id, with_words=False)
    assert head.metadata.secrecy == "MẬT" and head.classification.access == "not_accessible"
    assert world.archive.services.index.access_of(record_id) == "not_accessible"
    assert world.get(f"/records/{record_id}", "public").status_code == 404  # type: ignore[attr-defined]


def test_a_records_reviewed_subject_leaves_no_trace_once_it_is_held(tmp_path: Path) -> None:
    from application.reprocess import ReprocessOptions, reprocess_record
    from schemas import Box, Word
    from storage.package import write_package

    settings = _hold_settings(tmp_path)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    record_id = _record(archive, "later", "undetermined", ["QUYẾT ĐỊNH", "Nội dung chưa xác định"])
    keys_store = KeyStore(keys_path(settings))
    archivist = {"X-API-Key": keys_store.create("archivist", "Minh")[1]}
    phrase = "Quyxkhovukhi"
    decision = {"action": "override", "reason": "Sửa trích yếu", "fields": {"subject": f"Về {phrase}"}}
    with TestClient(create_app(settings)) as client:
        assert client.post(f"/review/{record_id}", json=decision, headers=archivist).status_code == 200
    services = archive.services
    record = read_record(services.store, record_id)
    page = record.pages[0]
    mark = Word(text="MẬT", confidence=96, box=Box(left=900, top=4, width=90, height=30), block=0, line=0)
    marked = page.model_copy(update={"text": "MẬT\n" + page.text, "words": [mark, *page.words]})
    original = settings.home / "originals" / "later.png"
    write_package(services.store, record.model_copy(update={"pages": [marked]}), original, {})
    result = reprocess_record(record_id, services, ReprocessOptions())
    assert result is not None and "hold" in (result.reason or "")
    services.close()
    assert leaks(settings.home, [phrase]) == []


def test_reprocess_erases_the_page_images_the_api_renders(tmp_path: Path) -> None:
    """reprocess (application, below the API) names the API's page cache itself: the same folder,
    or a secret's rendered pages would stay after its move to the hold."""
    from api.state import page_cache_dir as api_cache
    from application.reprocess import page_cache_dir

    settings = Settings(home=tmp_path / "home")
    assert page_cache_dir(settings) == api_cache(settings)


def test_an_archivist_can_mark_a_dossier_document_secret(tmp_path: Path) -> None:
    """Found open: an archivist marking a public dossier document MẬT got 404 (in English: no
    original of its own to move to the hold), nothing changed, the public still read it. The
    decision is applied now: closed, its content moved to the hold with its dossier's original."""
    from tests.api.dossier_archive import DocSpec, add_dossier

    settings = _hold_settings(tmp_path)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    built = add_dossier(archive, "H05.2019.01", [DocSpec(access="public"), DocSpec(access="public")])
    document = built.records[0].id
    archivist = {"X-API-Key": KeyStore(keys_path(settings)).create("archivist", "Minh")[1]}
    decision = {
        "action": "override",
        "reason": "Văn bản mang dấu mật",
        "access": "not_accessible",
        "fields": {"secrecy": "MẬT"},
    }
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/records/{document}").status_code == 200
        answer = client.post(f"/review/{document}", json=decision, headers=archivist)
        assert answer.status_code == 200 and answer.json()["access"] == "not_accessible"
        assert client.get(f"/records/{document}").status_code == 404
        assert document not in client.get(f"/dossiers/{built.id}").text
