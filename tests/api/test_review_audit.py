"""A review decision's line in the access log names what changed, never a value typed: the log is
hash-chained and cannot be purged when the record is later found secret and held, while the
record's own history (which keeps the values and the reason) is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from api import create_app
from api.key_store import KeyStore, keys_path
from application.access_log import audit_path, read_entries, verify_chain
from application.services import services_for
from storage import read_record
from tests.api.conftest import Archive, archive_settings, drop_archive_index, make_record, page_with_words

SUBJECT = "Về việc cấp đất cho ông Hoàng Quyxbaclieu"
RETENTION = "Đến khi ông Hoàng Quyxbaclieu nghỉ hưu"
REASON = "Đối chiếu bản giấy: ông Hoàng Quyxbaclieu"
TYPED = ("Quyxbaclieu", "2019-03-04", "Quyxtenmoi")


def test_no_review_line_holds_a_value_typed(tmp_path: Path) -> None:
    settings = archive_settings(tmp_path / "home")
    archive = Archive(settings=settings, services=services_for(settings), records={})
    try:
        page, image = page_with_words(1, ["QUYẾT ĐỊNH", "Nội dung chưa xác định"], "audit")
        record_id = archive.add("audit", make_record([page], access="undetermined"), image).id
        archivist = {"X-API-Key": KeyStore(keys_path(settings)).create("archivist", "Minh")[1]}
        decisions = [
            {
                "action": "override",
                "access": "conditional",
                "retention": RETENTION,
                "reason": REASON,
                "fields": {"subject": SUBJECT, "date": "2019-03-04", "issuer": "UBND XÃ Quyxtenmoi"},
            },
            {"action": "accept", "reason": "Đúng như trên, ông Hoàng Quyxbaclieu"},
        ]
        with TestClient(create_app(settings)) as client:
            for decision in decisions:
                answer = client.post(f"/review/{record_id}", json=decision, headers=archivist)
                assert answer.status_code == 200, answer.text
        log = audit_path(settings)
        text = log.read_text(encoding="utf-8")
        assert [typed for typed in TYPED if typed in text] == []
        overridden, accepted = [e for e in read_entries(log) if e["action"].startswith("review:")]
        assert overridden["records"] == [record_id] and overridden["who"].startswith("Minh")
        assert overridden["action"] == "review:overridden" and accepted["action"] == "review:accepted"
        assert overridden["detail"]["access"] == {"old": "undetermined", "new": "conditional"}
        assert "retention" in overridden["detail"]["fields"] and "retention" not in overridden["detail"]
        assert {"metadata.subject", "metadata.date", "metadata.issuer"} <= set(overridden["detail"]["fields"])
        assert accepted["detail"]["fields"] == []
        # the line finds the decision's event, which keeps the values and the reason
        events = {e.at: e for e in read_record(archive.services.store, record_id).events}
        event = events[datetime.fromisoformat(overridden["detail"]["event"])]
        assert event.step == "review" and event.detail == REASON
        assert event.parameters["changes"]["metadata.subject"]["new"] == SUBJECT  # type: ignore[index]
        assert verify_chain(log) is None
    finally:
        archive.services.close()
        drop_archive_index(archive.services)
