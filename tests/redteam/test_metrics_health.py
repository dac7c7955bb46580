"""Side door 3: /metrics published counts of non-public records (by access class, conditional,
undetermined) and per-route 403 counts to anyone; /health is for anyone and says up or down."""

from __future__ import annotations

from api.key_store import KeyStore, keys_path
from tests.redteam.conftest import Live


def test_metrics_without_a_key_says_nothing(shared: Live) -> None:
    shared.get("/records/" + shared.archive.records["secret"].id)  # a 404 to count
    for headers in ({}, {"Cookie": "sohoa_key=nonsense"}, {"X-API-Key": ""}):
        response = shared.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert "sohoa_" not in response.text and "not_accessible" not in response.text
    assert shared.get("/metrics", headers={"X-API-Key": "sohoa_deadbeef_x"}).status_code == 401
    staff = shared.get("/metrics", "staff")
    assert staff.status_code == 403 and "sohoa_" not in staff.text


def test_metrics_with_an_archivist_or_a_metrics_key(shared: Live) -> None:
    body = shared.get("/metrics", "archivist")
    assert body.status_code == 200 and 'sohoa_records_by_access{access="not_accessible"}' in body.text
    _, token = KeyStore(keys_path(shared.archive.settings)).create("metrics", "prometheus")
    scraped = shared.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200 and "sohoa_http_requests_total" in scraped.text
    victim = shared.archive.records["victim"].id
    # a metrics key reads /metrics and nothing else, not even public records
    assert shared.get(f"/records/{victim}", headers={"X-API-Key": token}).status_code == 404
    assert shared.get("/search", headers={"X-API-Key": token}).json()["total"] == 0


def test_health_says_only_up_or_down(shared: Live) -> None:
    response = shared.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
