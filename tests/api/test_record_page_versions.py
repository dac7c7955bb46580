"""The web record page's versions (/ui/records/{id}): an archivist sees the record's versions with
who, when and why and opens an older one (?version=N); public and staff see no version, and a
?version= from them is refused in Vietnamese (a hidden record's as an unknown id's)."""

from __future__ import annotations

import re

from schemas import Event
from storage import read_record, update_record
from tests.api.conftest import Archive, Keys, TestClient

NEW_SUBJECT = "Về việc lập danh mục hồ sơ"


def _reviewed(archive: Archive, name: str) -> tuple[str, str]:
    """A second version of the record `name` (its subject changed by Lan); (id, old subject)."""
    store = archive.services.store
    record = read_record(store, archive.records[name].id)
    new = record.model_copy(deep=True)
    new.metadata.subject = NEW_SUBJECT
    new.events.append(
        Event(step="review", tool="sohoa-api", detail="sửa trích yếu", parameters={"by": "Lan"})
    )
    assert update_record(store, new) == 2
    return record.id, record.metadata.subject or ""


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_archivist_lists_the_versions_and_opens_an_older_one(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    record_id, old = _reviewed(archive, "public_plain")
    headers = keys.headers("archivist")
    page = client.get(f"/ui/records/{record_id}", headers=headers)
    assert page.status_code == 200
    shown = _text(page.text)
    assert "Các phiên bản" in shown
    for label in ("Phiên bản", "Thời điểm", "Người thực hiện", "Lý do"):
        assert f"<th>{label}</th>" in page.text
    assert re.search(
        r"2 \(mới nhất\) \d\d/\d\d/\d{4} \d\d:\d\d UTC Lan Lưu trữ viên duyệt: sửa trích yếu", shown
    )
    assert re.search(r"1 \d\d/\d\d/\d{4} \d\d:\d\d UTC Hệ thống \(sohoa\) Tiếp nhận, số hóa", shown)
    assert f'href="/ui/records/{record_id}?version=1"' in page.text
    assert NEW_SUBJECT in shown and "Đang xem phiên bản" not in shown

    older = client.get(f"/ui/records/{record_id}?version=1", headers=headers)
    assert older.status_code == 200
    shown = _text(older.text)
    assert old in shown and NEW_SUBJECT not in shown
    assert "Đang xem phiên bản 1 (bản cũ); phiên bản mới nhất là 2" in shown
    assert f'href="/ui/records/{record_id}?version=2"' in older.text  # back to the newest by its row
    assert f'href="/records/{record_id}?version=1"' in older.text  # its JSON is that version's

    missing = client.get(f"/ui/records/{record_id}?version=3", headers=headers)
    assert missing.status_code == 404 and "không có phiên bản 3" in missing.text


def test_public_and_staff_see_no_version_and_may_not_ask_for_one(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    record_id, _ = _reviewed(archive, "public_plain")
    unknown = "0123456789abcdef0123456789abcdef"
    for role, hidden in (("public", "conditional"), ("staff", "undetermined")):
        headers = keys.headers(role)
        page = client.get(f"/ui/records/{record_id}", headers=headers)
        assert page.status_code == 200, role
        assert "phiên bản" not in page.text.lower() and 'id="versions"' not in page.text, role
        assert "sửa trích yếu" not in page.text, role  # the version's why
        asked = client.get(f"/ui/records/{record_id}?version=1", headers=headers)
        assert asked.status_code == 403, role
        assert "Chỉ cán bộ lưu trữ được xem các phiên bản trước của hồ sơ." in asked.text, role
        assert asked.headers["content-type"].startswith("text/html"), role
        # a record they may not see answers ?version= as an unknown id does
        hidden_id = archive.records[hidden].id
        answers = [client.get(f"/ui/records/{i}?version=1", headers=headers) for i in (hidden_id, unknown)]
        assert [a.status_code for a in answers] == [404, 404], role
        assert answers[0].text.replace(hidden_id, "ID") == answers[1].text.replace(unknown, "ID"), role
