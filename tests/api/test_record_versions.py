"""GET /records/{id}?version=N: an archivist sees every version of a record with who, when and
why, and any one of them; nobody else sees versions, and no version is served more openly than
the record is now."""

from __future__ import annotations

from schemas import Event
from storage import read_record, update_record
from tests.api.conftest import Archive, Keys, TestClient


def _reviewed(archive: Archive, name: str, **classification: object) -> tuple[str, str]:
    """A second version of the record `name` (its subject changed by Lan); (id, old subject)."""
    store = archive.services.store
    record = read_record(store, archive.records[name].id)
    old = record.metadata.subject or ""
    new = record.model_copy(deep=True)
    new.metadata.subject = "Về việc lập danh mục hồ sơ"
    new.classification = new.classification.model_copy(update=classification)
    new.events.append(
        Event(step="review", tool="sohoa-api", detail="sửa trích yếu", parameters={"by": "Lan"})
    )
    assert update_record(store, new) == 2
    return record.id, old


def test_an_archivist_lists_the_versions_and_reads_an_earlier_one(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    record_id, old = _reviewed(archive, "public_plain")
    body = client.get(f"/records/{record_id}", headers=keys.headers("archivist")).json()
    assert body["version"] == 2 and body["metadata"]["subject"] == "Về việc lập danh mục hồ sơ"
    assert [(v["number"], v["user"], v["message"]) for v in body["versions"]] == [
        (1, "sohoa", "ingest"),
        (2, "Lan", "review: sửa trích yếu"),
    ]
    first = client.get(f"/records/{record_id}?version=1", headers=keys.headers("archivist"))
    assert first.status_code == 200
    assert first.json()["version"] == 1 and first.json()["metadata"]["subject"] == old
    missing = client.get(f"/records/{record_id}?version=3", headers=keys.headers("archivist"))
    assert missing.status_code == 404


def test_only_archivists_see_versions(archive: Archive, client: TestClient, keys: Keys) -> None:
    record_id, _ = _reviewed(archive, "public_plain")
    for role in ("public", "staff"):
        body = client.get(f"/records/{record_id}", headers=keys.headers(role)).json()
        assert body["versions"] is None and body["version"] is None, role
        asked = client.get(f"/records/{record_id}?version=1", headers=keys.headers(role))
        assert asked.status_code == 403, role


def test_an_earlier_version_of_a_record_closed_since_is_not_served(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    record_id, _ = _reviewed(archive, "public_plain", access="not_accessible")
    asked = client.get(f"/records/{record_id}?version=1", headers=keys.headers("archivist"))
    assert asked.status_code == 403  # v1 was public; the record is a state secret now
