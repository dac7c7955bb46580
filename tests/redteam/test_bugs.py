"""Side door 7: the bugs an attacker found. facet_limit=0 answered 500 (and the 500 was missing
from /metrics); the date filter was a day off; a hidden record's 404 took longer than an unknown
id's (the hidden record was read from storage first)."""

from __future__ import annotations

import httpx
import pytest

import api.reading
from tests.redteam.conftest import Live


def test_bug_facet_limit_zero_gives_no_facet_values(shared: Live) -> None:
    for role in ("public", "staff", "archivist"):
        response = shared.get("/search", role, params={"q": "số hóa", "facet_limit": 0})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] > 0 and all(values == [] for values in body["facets"].values())
    assert shared.get("/ui", params={"q": "số hóa"}).status_code == 200


def test_bug_a_500_is_counted_in_metrics(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_request: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(live.app.state.api.index, "search", broken)
    response = live.get("/search", params={"q": "số hóa"})
    assert response.status_code == 500 and "exploded" not in response.text
    assert response.json()["detail"].startswith("Lỗi máy chủ")
    # uvicorn closes the connection after an unhandled error: ask on a new one
    text = httpx.get(f"{live.url}/metrics", headers=live.keys.headers("archivist")).text
    assert 'sohoa_http_requests_total{method="GET",route="/search",status="500"} 1.0' in text


@pytest.mark.parametrize(
    ("date_from", "date_to", "found"),
    [
        ("2018-06-29", "2018-06-29", True),
        (None, "2018-06-29", True),
        ("2018-06-29", None, True),
        (None, "2018-06-28", False),
        ("2018-06-30", None, False),
    ],
)
def test_bug_date_filter_includes_the_days_named(
    shared: Live, date_from: str | None, date_to: str | None, found: bool
) -> None:
    victim = shared.archive.records["victim"]
    assert victim.metadata.date is not None and victim.metadata.date.isoformat() == "2018-06-29"
    params = {"q": "cấp lại", "date_from": date_from, "date_to": date_to}
    hits = shared.get("/search", params={k: v for k, v in params.items() if v}).json()["hits"]
    assert (victim.id in [hit["id"] for hit in hits]) is found
    ui = shared.get("/ui", params={k: v for k, v in params.items() if v}).text
    assert (victim.id[:12] in ui) is found


ROUTES = ["/records/{id}", "/records/{id}/text", "/records/{id}/pages/1", "/records/{id}/pdf",
          "/records/{id}/original", "/ui/records/{id}"]  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["public", "staff"])
def test_bug_a_hidden_record_and_an_unknown_id_take_the_same_path(
    shared: Live, monkeypatch: pytest.MonkeyPatch, route: str, role: str
) -> None:
    """Structure, not timing: both answers come from one index lookup and no storage read."""
    calls: list[str] = []
    index = shared.app.state.api.index
    lookup, read = index.access_of, api.reading.read_record
    monkeypatch.setattr(index, "access_of", lambda rid: calls.append("index") or lookup(rid))
    monkeypatch.setattr(api.reading, "read_record", lambda *a, **k: calls.append("storage") or read(*a, **k))
    hidden = shared.archive.records["secret" if role == "staff" else "conditional"].id
    unknown = "0123456789abcdef" * 2
    answers = []
    for record_id in (hidden, unknown):
        calls.clear()
        response = shared.get(route.format(id=record_id), role)
        answers.append((response.status_code, calls[:], response.text.replace(record_id, "ID")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404 and answers[0][1] == ["index"]
