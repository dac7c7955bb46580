"""Archives for attacking the search contract through the real API (TestClient over the app of
`create_app`, on the engine ELASTICSEARCH_URL names, else SQLite): records are added to the index
alone (a search reads nothing else), with the attacker's question always the same — do two
archives that differ only in what a role may not see answer that role alike?"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api import create_app
from api.key_store import KeyStore, keys_path
from application.services import Services, services_for
from core.settings import Settings
from schemas import PersonalData, Record
from tests.api.conftest import ELASTICSEARCH_URL, Keys, archive_settings, drop_archive_index

with warnings.catch_warnings():  # Starlette's TestClient asks for httpx2, which we do not need
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

__all__ = ["ELASTICSEARCH_URL", "World", "answer", "personal", "world"]


@dataclass
class World:
    client: TestClient
    services: Services
    keys: Keys

    def search(self, role: str = "public", **params: Any) -> dict[str, Any]:
        """GET /search as `role`; the JSON answer (asserting a 200)."""
        response = self.client.get("/search", params=params, headers=self.keys.headers(role))
        assert response.status_code == 200, response.text
        return response.json()


@contextmanager
def world(home: Path, records: Iterable[Record], settings: Settings | None = None) -> Iterator[World]:
    """The API over an index holding `records` (added in the order given), with a staff and an
    archivist key; `settings` for an archive of its own (default: the test archive's)."""
    settings = settings or archive_settings(home)
    services = services_for(settings)
    for record in records:
        services.index.add(record)
    store = KeyStore(keys_path(settings))
    keys = Keys(staff=store.create("staff", "Lan")[1], archivist=store.create("archivist", "Minh")[1])
    try:
        with TestClient(create_app(settings)) as client:
            yield World(client, services, keys)
    finally:
        drop_archive_index(services)


def answer(found: dict[str, Any], *, order: bool = True) -> dict[str, Any]:
    """What a search answer tells its reader, for comparing two archives: everything but the
    echo of the request; with `order=False` the hits as a set (for the doors left open on the
    order of ranked hits)."""
    told = {k: v for k, v in found.items() if k not in ("q", "page", "per_page", "sort", "role")}
    if not order:
        told["hits"] = sorted(told["hits"], key=lambda hit: hit["id"])
    return told


def personal(record: Record, *items: tuple[str, str]) -> Record:
    """`record` with (kind, value) listed as its personal data, page 1."""
    listed = [PersonalData(kind=kind, value=value, page=1) for kind, value in items]
    metadata = record.metadata.model_copy(update={"personal_data": listed})
    return record.model_copy(update={"metadata": metadata})
