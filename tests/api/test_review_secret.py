"""A review decision that marks a record MẬT: any class but not_accessible is refused; without a
configured hold nothing changes (409); with one the record is held at once (the store keeps the
catalogue row, the index and the page cache lose its content, no byte of its text stays under
SOHOA_HOME). Lifting the mark is a declassification. A record whose metadata carries a mark is
never served, whatever its class says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access_log import audit_path, read_entries
from schemas import SearchQuery
from storage import is_held, read_manifest, read_record, update_record
from storage.hold import ORIGINAL, RECORD, SecretHold, load_key, new_key
from tests.api.conftest import Archive, Keys, make_record, page_with_words
from tests.secret_leaks import leaks

TOKEN = "hầmđạnxyzquỹ"  # one word of the record's text, as FTS5 keeps it: a single term
REASON = "Phát hiện dấu mật trên bản giấy"
MARK = {"action": "override", "reason": REASON, "access": "not_accessible", "fields": {"secrecy": "MẬT"}}


def _leaks(home: Path) -> list[tuple[str, str]]:
    return leaks(home, (TOKEN,))


@pytest.fixture
def target(archive: Archive):
    page, image = page_with_words(1, ["Báo cáo", f"Kết quả kiểm tra {TOKEN} tại kho"], "target")
    return archive.add("target", make_record([page], access="conditional", doc_type="Báo cáo"), image)


@pytest.fixture
def held_client(archive: Archive, tmp_path: Path) -> Iterator[TestClient]:
    new_key(tmp_path / "keys" / "hold.key")
    archive.settings = archive.settings.model_copy(
        update={"secret_hold": tmp_path / "hold", "secret_key_file": tmp_path / "keys" / "hold.key"}
    )
    with TestClient(create_app(archive.settings)) as test_client:
        yield test_client


def _found(archive: Archive) -> int:
    return archive.services.index.search(SearchQuery(q=TOKEN)).total


def _post(client: TestClient, keys: Keys, record_id: str, body: dict):
    return client.post(f"/review/{record_id}", json=body, headers=keys.headers("archivist"))


def test_a_mark_with_any_other_class_is_refused(client, archive: Archive, keys: Keys, target) -> None:
    for body in (
        {"action": "override", "reason": REASON, "fields": {"secrecy": "MẬT"}},
        {**MARK, "access": "public"},
    ):
        refused = _post(client, keys, target.id, body)
        assert refused.status_code == 409 and "not_accessible" in refused.json()["detail"]
        assert "bí mật nhà nước" in refused.json()["detail"]
    assert read_record(archive.services.store, target.id).metadata.secrecy is None


def test_without_a_hold_marking_secret_is_refused_and_changes_nothing(
    client, archive: Archive, keys: Keys, target
) -> None:
    refused = _post(client, keys, target.id, MARK)
    assert refused.status_code == 409 and "SOHOA_SECRET_HOLD" in refused.json()["detail"]
    stored = read_record(archive.services.store, target.id)
    assert stored.classification.access == "conditional" and not is_held(stored)
    assert client.get(f"/records/{target.id}/text", headers=keys.headers("staff")).status_code == 200


def test_marking_secret_holds_the_record_at_once(
    held_client: TestClient, archive: Archive, keys: Keys, target, tmp_path: Path
) -> None:
    staff = keys.headers("staff")
    assert held_client.get(f"/records/{target.id}/pages/1", headers=staff).status_code == 200
    cache = archive.settings.home / "cache" / "pages"  # staff renders are not cached: plant one
    cache.mkdir(parents=True, exist_ok=True)  # as a version before the public-only cache left it
    (cache / f"{target.id}-0001-1000-000000000000.png").write_bytes(held_client.get(
        f"/records/{target.id}/pages/1", headers=staff).content)  # fmt: skip
    assert _found(archive) == 1
    assert _leaks(archive.settings.home)

    done = _post(held_client, keys, target.id, MARK)
    assert done.status_code == 200, done.text
    assert done.json()["access"] == "not_accessible" and done.json()["metadata"]["secrecy"] == "MẬT"

    store = archive.services.store
    row = read_record(store, target.id)
    assert is_held(row) and row.pages == [] and row.source == f"{target.id}.png"
    assert set(read_manifest(store, target.id)) == {
        "record.json", "metadata.json", "classification.json", "events.json"
    }  # fmt: skip
    assert row.events[-2].step == "review" and row.events[-2].parameters["changes"]["access"]["new"] == (
        "not_accessible"
    )
    assert row.events[-2].detail == ""  # the reason typed (free text) stays with the held record only
    assert list(cache.glob(f"{target.id}-*")) == []
    for path in (f"/records/{target.id}", f"/records/{target.id}/text", f"/records/{target.id}/pages/1"):
        assert held_client.get(path, headers=staff).status_code == 404
    assert _found(archive) == 0
    assert _leaks(archive.settings.home) == [], _leaks(archive.settings.home)  # store, index, WAL, cache, log

    hold = SecretHold(tmp_path / "hold", load_key(tmp_path / "keys" / "hold.key"))
    hold.open_to(target.id, ORIGINAL, tmp_path / "back.png")
    original = archive.settings.home / "originals" / "target.png"
    assert (tmp_path / "back.png").read_bytes() == original.read_bytes()
    hold.open_to(target.id, RECORD, tmp_path / "record.json")
    assert TOKEN in (tmp_path / "record.json").read_text()
    assert REASON in (tmp_path / "record.json").read_text()


def test_lifting_the_mark_is_a_declassification(client, archive: Archive, keys: Keys) -> None:
    secret = archive.records["secret"]
    lift = {"action": "override", "reason": "Gỡ dấu nhầm theo QĐ 5/QĐ", "fields": {"secrecy": None}}
    refused = _post(client, keys, secret.id, lift)
    assert refused.status_code == 409 and "declassify" in refused.json()["detail"]
    assert read_record(archive.services.store, secret.id).metadata.secrecy == "MẬT"
    public = {"action": "override", "reason": "Công bố", "access": "public", "declassify": True}
    done = _post(client, keys, secret.id, public)
    assert done.status_code == 200 and done.json()["event"]["outcome"] == "declassified"
    stored = read_record(archive.services.store, secret.id)
    assert stored.metadata.secrecy is None  # a declassification lifts the mark
    assert stored.events[-1].parameters["changes"]["metadata.secrecy"] == {"old": "MẬT", "new": None}
    actions = [e["action"] for e in read_entries(audit_path(archive.settings))]
    assert actions.count("review:declassified") == 1


def test_a_marked_record_is_never_served_whatever_its_class(
    client, archive: Archive, keys: Keys, target
) -> None:
    marked = read_record(archive.services.store, target.id)
    update_record(archive.services.store, marked.model_copy(update={"metadata": marked.metadata.model_copy(
        update={"secrecy": "MẬT"})}))  # fmt: skip
    assert client.get(f"/records/{target.id}/text", headers=keys.headers("staff")).status_code == 404
    assert client.get(f"/records/{target.id}", headers=keys.headers("archivist")).status_code == 403
