"""What an archivist reads on the web record page about versions that sohoa itself wrote
(`sohoa reprocess`, `sohoa migrate`, an undone review) is Vietnamese: the version's why, who
wrote it, the decisions reprocess adds and a bad ?version= (walkthrough s14)."""

from __future__ import annotations

import re

from application.reprocess import CLOSE_RULE, HOLD_RULE, OPENING_REASON, REPROCESSOR, _why
from schemas import Decision
from storage import read_record, update_record
from storage.migrate import MIGRATION_MESSAGE
from storage.ocfl_inventory import VersionInfo
from tests.api.conftest import Archive, Keys, TestClient

ENGLISH = re.compile(
    r"\b(rules|classification|changed|access|proposed|held|kept|closed|migrated|sohoa reprocess)\b"
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_reprocess_version_and_its_decisions_read_in_vietnamese(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    store = archive.services.store
    record = read_record(store, archive.records["public_plain"].id)
    new = record.model_copy(deep=True)
    old_rules = record.classification.rules_version
    new.classification.rules_version = "2026.01-1:vn-2020/vn-2023"
    new.classification.needs_review = True
    reason = f"{OPENING_REASON}: «chưa xác định» → «công khai» theo bộ quy tắc 2026.01-1"
    new.classification.review_reasons = [reason]
    new.classification.decisions = [
        *record.classification.decisions,
        Decision(rule=HOLD_RULE, outcome="kept undetermined: proposed public", evidence=reason),
        Decision(rule=CLOSE_RULE, outcome="closed public -> conditional", evidence=reason),
    ]
    changes = {"access": {"old": "public", "new": "conditional"}, "metadata.date": {"old": None, "new": "x"}}
    why = _why(record, new, changes, "public")  # the message `sohoa reprocess` writes
    assert why.startswith("reprocess: rules ") and "access public→conditional" in why
    assert update_record(store, new, VersionInfo(why, REPROCESSOR)) == 2

    page = client.get(f"/ui/records/{record.id}", headers=keys.headers("archivist"))
    assert page.status_code == 200
    shown = _text(page.text)
    versions = shown[shown.index("Các phiên bản") :]
    assert re.search(
        r"2 \(mới nhất\) \d\d/\d\d/\d{4} \d\d:\d\d UTC Hệ thống \(sohoa\) Xử lý lại: bộ quy tắc "
        + re.escape(f"{old_rules} → 2026.01-1:vn-2020/vn-2023; phân loại thay đổi; ")
        + "mức tiếp cận «công khai» → «tiếp cận có điều kiện»; đề xuất «công khai» chưa áp dụng",
        versions,
    ), versions[:600]
    assert "Xử lý lại: mức tiếp cận mở hơn chưa áp dụng" in shown
    assert "Giữ «chưa xác định»; đề xuất «công khai» chờ duyệt" in shown
    assert "Xử lý lại: thu hẹp mức tiếp cận Thu hẹp: «công khai» → «tiếp cận có điều kiện»" in shown
    assert not ENGLISH.search(versions[: versions.find("Trang 1")]), versions[:600]


def test_migrated_and_undone_versions_and_a_bad_version_number() -> None:
    from api.web import version_why_vi

    assert version_why_vi(MIGRATION_MESSAGE) == "Chuyển sang cách lưu trữ mới"
    undone = version_why_vi("review undone: version 2 was committed meanwhile (its state again)")
    assert undone.startswith("Hoàn lại quyết định duyệt") and not ENGLISH.search(undone)
    assert version_why_vi("reprocess: undone, version 3 was committed meanwhile (its state again)") == (
        "Xử lý lại: ghi lại phiên bản của một tiến trình khác"
    )
    assert version_why_vi("secret hold: document 0123") == "Chuyển nội dung vào khu lưu giữ tài liệu mật"
    assert version_why_vi("review: Đã đối chiếu bản giấy") == "Lưu trữ viên duyệt: Đã đối chiếu bản giấy"
    assert version_why_vi("something new: in English") == "Cập nhật"


def test_a_bad_version_number_is_refused_in_vietnamese(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    record_id = archive.records["public_plain"].id
    for path in (f"/records/{record_id}?version=0", f"/ui/records/{record_id}?version=abc"):
        answer = client.get(path, headers=keys.headers("archivist"))
        assert answer.status_code in (400, 422), path
        assert "Phiên bản: phải" in answer.text and "Version" not in answer.text, path


def test_an_archivist_asking_for_a_secret_records_content_is_told_its_class_in_vietnamese(
    archive: Archive, client: TestClient, keys: Keys
) -> None:
    record_id = archive.records["secret"].id
    for path in (f"/records/{record_id}", f"/records/{record_id}?version=1"):
        answer = client.get(path, headers=keys.headers("archivist"))
        assert answer.status_code == 403, path
        assert "«Không được tiếp cận (mật)»" in answer.text and "not_accessible" not in answer.text, path
