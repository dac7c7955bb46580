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
