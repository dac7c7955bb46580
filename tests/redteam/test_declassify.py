"""Side door 4: declassification took "yes", "true" or 1 for the explicit human decision. It must
be the JSON literal true; every review decision needs the archivist's key and a reason, and is
logged in the access log (as is every read of the review queue)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from application.access_log import audit_path, read_entries
from storage import read_record
from tests.redteam.conftest import Live

REASON = "Quyết định giải mật số 12/QĐ-GM ngày 01/02/2025"


@pytest.mark.parametrize("value", ["yes", "true", "True", 1, "1", "on", 1.0, [True], {"x": True}])
def test_declassify_only_the_json_literal_true(shared: Live, value: object) -> None:
    secret = shared.archive.records["secret"]
    body = {"action": "override", "access": "public", "reason": REASON, "declassify": value}
    response = shared.post(f"/review/{secret.id}", "archivist", json=body)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "declassify" and "giải mật" in error["msg"].lower()
    assert not re.search(r"[A-Za-z]{4,} (?:should|must|input|valid)", error["msg"])  # no English
    assert read_record(shared.archive.services.store, secret.id).classification.access == "not_accessible"


def test_declassify_true_with_the_archivists_key_and_reason_is_applied_and_logged(live: Live) -> None:
    secret = live.archive.records["secret"]
    body = {"action": "override", "access": "public", "reason": REASON, "declassify": True}
    assert live.post(f"/review/{secret.id}", json=body).status_code == 401
    assert live.post(f"/review/{secret.id}", "staff", json=body).status_code == 403
    cookie_only = live.post(
        f"/review/{secret.id}", json=body, headers={"Cookie": f"sohoa_key={live.keys.archivist}"}
    )
    assert cookie_only.status_code == 401  # a change needs the key in a header, never a cookie alone
    no_reason = live.post(f"/review/{secret.id}", "archivist", json={**body, "reason": "ok"})
    assert no_reason.status_code == 422 and "\\S" not in no_reason.text and "lý do" in no_reason.text.lower()
    done = live.post(f"/review/{secret.id}", "archivist", json=body)
    assert done.status_code == 200 and done.json()["access"] == "public"
    (entry,) = [
        e for e in read_entries(audit_path(live.archive.settings)) if e["action"].startswith("review:")
    ]
    assert entry["action"] == "review:declassified" and entry["records"] == [secret.id]
    assert entry["role"] == "archivist" and entry["detail"]["access"] == {
        "old": "not_accessible",
        "new": "public",
    }
    assert REASON not in str(entry)  # the reason is in the record's event the line points to
    events = read_record(live.archive.services.store, secret.id).events
    assert [e.detail for e in events if e.at == datetime.fromisoformat(entry["detail"]["event"])] == [REASON]


def test_declassify_reading_the_review_queue_is_logged(live: Live) -> None:
    queue = live.get("/review", "archivist").json()
    live.get("/ui/review", "archivist")
    entries = [e for e in read_entries(audit_path(live.archive.settings)) if e["action"] == "review-queue"]
    assert [e["detail"]["via"] for e in entries] == ["api", "web"]
    assert entries[0]["records"] == [item["id"] for item in queue["items"]] and entries[0]["who"].startswith(
        "Minh"
    )
