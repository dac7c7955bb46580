"""`GET /review` and `GET /restricted` give every review reason in Vietnamese, as a clerk reads
it, with its kind beside it (machine-readable): the reasons the classifier, the OCR quality
check and near-duplicate linking really write, on a record and on its pages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient

from api import create_app
from api.key_store import KeyStore, keys_path
from api.vietnamese import GENERIC_REASON
from application.services import services_for
from classify import load_rules
from classify.decide import classify
from core.settings import Settings
from ocr.quality import assess_page
from schemas import Metadata
from tests.api.conftest import Archive, make_record, page_with_words

ENGLISH = re.compile(
    r"\b(no|rule|matched|archivist|must|period|retention|access|undated|judged|newest|before|earliest|"
    r"secrecy|mark|confidence|confirm|protection|ended|review|release|unconfirmed|appraised|type|"
    r"notation|form|subject|title|personal|data|public|conditional|not_accessible|undetermined|"
    r"low|words|syllables|recognised|page|the|of|read|suggests|evidence|weak)\b"
)


def test_review_reasons_are_vietnamese_with_their_codes_beside(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    archive = Archive(settings=settings, services=services_for(settings), records={})
    headers = {"X-API-Key": KeyStore(keys_path(settings)).create("archivist", "Minh")[1]}
    page, image = page_with_words(1, ["xin chào"], "reasons")
    page = page.model_copy(update={"review_reasons": assess_page([], "").reasons, "needs_review": True})
    c = classify(Metadata(), [page], load_rules(), today=dt.date(2026, 1, 1))  # undated, no rule
    assert c.needs_review and c.review_reasons
    record = make_record([page], access="undetermined", needs_review=True)
    record = archive.add("reasons", record.model_copy(update={"classification": c}), image)
    secret_page, secret_image = page_with_words(1, ["MẬT", "Báo cáo nội bộ"], "secret")
    secret = make_record(
        [secret_page], access="not_accessible", needs_review=True, reasons=("no text recognised",)
    )
    secret = archive.add("secret", secret, secret_image)

    with TestClient(create_app(settings)) as client:
        queue = client.get("/review", headers=headers).json()
        restricted = client.get("/restricted", headers=headers).json()
    (item,) = [i for i in queue["items"] if i["id"] == record.id]
    assert len(item["reasons"]) == len(item["reason_codes"]) == len(c.review_reasons) + 1
    for reason in item["reasons"]:
        assert reason != GENERIC_REASON and not ENGLISH.search(reason), reason
    assert item["reasons"][-1] == "trang 1: Không nhận dạng được chữ."
    assert item["reason_codes"][-1] == "no_text"
    assert "other" not in item["reason_codes"] and "noted" not in item["reason_codes"], item["reason_codes"]

    (held,) = [i for i in restricted["items"] if i["id"] == secret.id]
    assert held["review_reasons"] == ["Không nhận dạng được chữ."]
    assert held["review_reason_codes"] == ["no_text"]
    (queued,) = [i for i in queue["items"] if i["id"] == secret.id]
    assert queued["reasons"] == ["Không nhận dạng được chữ."] and queued["reason_codes"] == ["no_text"]


def test_record_dossier_and_review_event_give_reasons_in_vietnamese(tmp_path: Path) -> None:
    """GET /records/{id} (staff and archivist), a dossier's document and the dossier itself, and
    the event a review decision writes (POST /review/{id}, then GET /records/{id}) give the
    review reasons in Vietnamese with their codes beside them; the record keeps them as the
    steps wrote them (application/secret_docs.py reads them in English)."""
    from schemas import Event
    from storage import read_record
    from tests.api.dossier_archive import DocSpec, add_dossier

    settings = Settings(home=tmp_path / "home")
    archive = Archive(settings=settings, services=services_for(settings), records={})
    keys = KeyStore(keys_path(settings))
    archivist = {"X-API-Key": keys.create("archivist", "Minh")[1]}
    staff = {"X-API-Key": keys.create("staff", "Lan")[1]}
    page, image = page_with_words(1, ["xin chào"], "record-reasons")
    page = page.model_copy(update={"review_reasons": assess_page([], "").reasons, "needs_review": True})
    c = classify(Metadata(), [page], load_rules(), today=dt.date(2026, 1, 1))
    assert c.needs_review and len(c.review_reasons) >= 2
    c = c.model_copy(update={"access": "conditional"})  # staff read it too
    record = make_record([page], access="conditional", needs_review=True)
    classify_event = Event(
        step="classify", tool="sohoa", tool_version="t", detail="; ".join(c.review_reasons)
    )
    reprocess_event = Event(  # application/reprocess.py `_why`
        step="reprocess",
        tool="sohoa",
        tool_version="t",
        detail="rules 2020.1→2020.2, classification changed (access undetermined→conditional)",
    )
    events = [classify_event, reprocess_event]
    record = record.model_copy(update={"classification": c, "events": events})
    record = archive.add("record-reasons", record, image)
    built = add_dossier(
        archive,
        None,
        [
            DocSpec(
                review_reasons=(
                    "low confidence in date (0.40)",
                    "no retention rule matched: an archivist must set the period",
                )
            )
        ],
    )
    (document,) = built.records

    with TestClient(create_app(settings)) as client:
        shown = {
            role: client.get(f"/records/{record.id}", headers=h).json()
            for role, h in [("staff", staff), ("archivist", archivist)]
        }
        doc = {
            role: client.get(f"/records/{document.id}", headers=h).json()
            for role, h in [("staff", staff), ("archivist", archivist)]
        }
        dossier = client.get(f"/dossiers/{built.id}", headers=archivist).json()
        decided = client.post(
            f"/review/{record.id}",
            headers=archivist,
            json={"action": "override", "access": "public", "reason": "Đã xem, công khai"},
        )
        after = client.get(f"/records/{record.id}", headers=archivist).json()

    for role, out in shown.items():
        reasons = out["classification"]["review_reasons"]
        assert len(reasons) == len(out["review_reason_codes"]) == len(c.review_reasons), role
        for reason in reasons:
            assert reason != GENERIC_REASON and not ENGLISH.search(reason), (role, reason)
        assert "other" not in out["review_reason_codes"], out["review_reason_codes"]
        (p,) = out["pages"]
        assert p["review_reasons"] == ["Không nhận dạng được chữ."] and p["review_reason_codes"] == [
            "no_text"
        ]
        event, reprocessed = out["events"]
        assert not ENGLISH.search(event["detail"]), event["detail"]
        assert event["parameters"]["detail_codes"] == out["review_reason_codes"]
        assert reprocessed["detail"] == (
            "Xử lý lại: bộ quy tắc 2020.1 → 2020.2; phân loại thay đổi; "
            "mức tiếp cận «chưa xác định» → «tiếp cận có điều kiện»"
        )
    for role, out in doc.items():
        assert out["classification"]["review_reasons"] == [
            "Độ tin cậy thấp ở trường ngày văn bản (0.40).",
            "Không quy tắc thời hạn bảo quản nào phù hợp: lưu trữ viên cần xác định thời hạn.",
        ], role
        assert out["review_reason_codes"] == ["low_field_confidence", "no_retention_rule"]
    assert dossier["review_reasons"] == [] and dossier["review_reason_codes"] == []

    assert decided.status_code == 200, decided.text
    parameters = decided.json()["event"]["parameters"]
    resolved = parameters["reasons_resolved"]
    assert len(resolved) == len(parameters["reasons_resolved_codes"]) == len(c.review_reasons)
    for reason in resolved:
        assert reason != GENERIC_REASON and not ENGLISH.search(reason), reason
    assert [v["why"] for v in after["versions"]] == [
        "Tiếp nhận, số hóa",
        "Lưu trữ viên duyệt: Đã xem, công khai",
    ]
    (review,) = [e for e in after["events"] if e["step"] == "review"]
    assert review["parameters"]["reasons_resolved"] == resolved
    assert review["parameters"]["reasons_resolved_codes"] == parameters["reasons_resolved_codes"]
    stored = read_record(archive.services.store, record.id)
    (kept,) = [e for e in stored.events if e.step == "review"]
    assert kept.parameters["reasons_resolved"] == list(c.review_reasons)  # as the steps wrote them
