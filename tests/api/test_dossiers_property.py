"""Property: the public (and staff) never learn of a document they may not see through a dossier.

For random dossiers of documents with random classes, what a role is served about the dossier is
exactly what it would be served about a twin dossier holding only the documents that role may
see (the same records, the hidden ones never written): the dossier (GET /dossiers/{id}: count,
dates, retention, pages, each document's order and page numbers), its entry in GET /dossiers, a
search filtered by it (hits, total, facets), the record JSON of each visible document (its link
to the dossier included) and, for the public, its page images. A dossier with nothing the role
may see answers as an unknown id does. Twins are compared with their ids replaced by position.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import create_app
from api.key_store import KeyStore, keys_path
from application.services import services_for
from tests.api.conftest import Archive, TestClient, archive_settings, drop_archive_index, fill_archive
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier

CLASSES = ["public", "conditional", "undetermined", "not_accessible"]
VISIBLE = {"public": {"public"}, "staff": {"public", "conditional"}}
TYPES = ["Quyết định", "Công văn", "Báo cáo", "Tờ trình"]
RETENTIONS = [None, "5 năm", "10 năm", "20 năm", "70 năm", "Vĩnh viễn"]
_TIMES = ("ingested_at", "updated_at")


@dataclass(repr=False)
class World:
    client: TestClient
    archive: Archive
    headers: dict[str, dict[str, str]]
    serial: Iterator[int]

    def __repr__(self) -> str:  # hypothesis prints it with a failing example
        return "World()"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings_ = archive_settings(tmp_path_factory.mktemp("dossier-prop") / "home")
    archive = Archive(settings=settings_, services=services_for(settings_), records={})
    fill_archive(archive)  # records outside any dossier beside them
    store = KeyStore(keys_path(settings_))
    headers = {"public": {}, "staff": {"X-API-Key": store.create("staff")[1]}}
    with TestClient(create_app(settings_)) as client:
        yield World(client, archive, headers, itertools.count())
    drop_archive_index(archive.services)


@st.composite
def documents(draw: st.DrawFn) -> DocSpec:
    access = draw(st.sampled_from(CLASSES))
    n = draw(st.integers(min_value=0, max_value=999))
    return DocSpec(
        access=access,
        pages=draw(st.integers(min_value=1, max_value=3)),
        date=draw(st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2024, 12, 31))),
        retention=draw(st.sampled_from(RETENTIONS)),
        doc_type=draw(st.sampled_from(TYPES)),
        number=str(n),
        subject=f"Về việc số {n}",
        secrecy="MẬT" if access == "not_accessible" and draw(st.booleans()) else None,
        heading=f"VĂN BẢN {n}",
        level=120 + draw(st.integers(min_value=0, max_value=40)) * 2,
    )


def _ids(built: StoredDossier, records: list | None = None) -> dict[str, str]:
    """Each id of the dossier and of its documents -> a placeholder by position."""
    records = built.records if records is None else records
    return {built.id: "DOSSIER", **{r.id: f"DOC{i}" for i, r in enumerate(records)}}


def _same(value: object, ids: dict[str, str]) -> str:
    """`value` as JSON with the ids replaced by their placeholders and the times left out."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in _TIMES}
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    for real, placeholder in ids.items():
        text = text.replace(real, placeholder)
    return text


def _item(client: TestClient, headers: dict, dossier_id: str) -> dict | None:
    page, seen = 1, 0
    while True:
        body = client.get("/dossiers", params={"page": page, "per_page": 100}, headers=headers).json()
        for item in body["items"]:
            if item["id"] == dossier_id:
                return item
        seen += len(body["items"])
        if seen >= body["total"] or not body["items"]:
            return None
        page += 1


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=st.lists(documents(), min_size=1, max_size=6), role=st.sampled_from(["public", "staff"]))
def test_a_dossier_tells_a_role_nothing_of_what_it_may_not_see(
    world: World, docs: list[DocSpec], role: str
) -> None:
    client, headers = world.client, world.headers[role]
    serial = next(world.serial)
    code = f"000.00.01.H43.2024.{serial:03d}"
    whole = add_dossier(world.archive, code, docs, seed="whole")
    seen = [d for d in docs if d.access in VISIBLE[role]]
    seen_records = [r for r, d in zip(whole.records, docs, strict=True) if d.access in VISIBLE[role]]
    hidden = [r for r, d in zip(whole.records, docs, strict=True) if d.access not in VISIBLE[role]]
    served = client.get(f"/dossiers/{whole.id}", headers=headers)
    unknown = client.get(f"/dossiers/{'0' * 31}{serial % 10}", headers=headers)

    if not seen:  # nothing the role may see: the dossier does not exist for it
        assert served.status_code == unknown.status_code == 404
        assert served.json()["detail"].replace(whole.id, "X") == unknown.json()["detail"].replace(
            f"{'0' * 31}{serial % 10}", "X"
        )
        assert _item(client, headers, whole.id) is None
        assert client.get("/search", params={"dossier": whole.id}, headers=headers).json()["total"] == 0
        return

    twin = add_dossier(world.archive, code, seen, seed=f"twin-{role}")
    mine, theirs = _ids(whole, seen_records), _ids(twin)
    assert served.status_code == 200, served.text
    body = served.json()
    assert _same(body, mine) == _same(client.get(f"/dossiers/{twin.id}", headers=headers).json(), theirs)
    assert len(body["documents"]) == len(seen)
    assert body["pages"] == sum(d.pages for d in seen)
    assert _same(_item(client, headers, whole.id), mine) == _same(_item(client, headers, twin.id), theirs)

    for params in (
        {"sort": "dossier_order"},
        {"q": "văn bản", "sort": "relevance"},
        {"q": "van ban trang", "sort": "date"},
    ):
        found = client.get("/search", params={**params, "dossier": whole.id}, headers=headers).json()
        twin_found = client.get("/search", params={**params, "dossier": twin.id}, headers=headers).json()
        if params.get("sort") != "dossier_order":  # ties are ordered by ingest time: compare as sets
            found["hits"] = sorted(_same(hit, mine) for hit in found["hits"])
            twin_found["hits"] = sorted(_same(hit, theirs) for hit in twin_found["hits"])
        assert _same(found, mine) == _same(twin_found, theirs)
        assert found["total"] == len(seen)

    for record, twin_record in zip(seen_records, twin.records, strict=True):
        shown = client.get(f"/records/{record.id}", headers=headers).json()
        assert _same(shown, mine) == _same(
            client.get(f"/records/{twin_record.id}", headers=headers).json(), theirs
        )
        if role == "public":
            image = client.get(f"/records/{record.id}/pages/1", params={"width": 400})
            assert image.status_code == 200
            assert (
                image.content
                == client.get(f"/records/{twin_record.id}/pages/1", params={"width": 400}).content
            )
    text = json.dumps(body) + json.dumps(_item(client, headers, whole.id))
    for record in hidden:
        assert record.id not in text
        assert client.get(f"/records/{record.id}", headers=headers).status_code == 404
        assert client.get(f"/records/{record.id}/pages/1", headers=headers).status_code == 404
