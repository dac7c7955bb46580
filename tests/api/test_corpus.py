"""One real scan through the whole house: OCR and classification (application.ingest), then the API.

The corpus page (a Giấy mời) names a contact person with a phone number and an e-mail address;
classification sends it to review. An archivist finds it, makes it public with a reason, and the
public then finds it without accents, with the contact details masked in text and on the image.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from application.ingest import ingest_file
from storage import read_record
from tests.api.conftest import Archive, Keys
from tests.support import JPEG_PAGE

PHONE = "0238.3598.612"


@pytest.mark.skipif(not JPEG_PAGE.exists(), reason="corpus fixture page missing")
def test_ingested_page_is_reviewed_then_served_masked(client, archive: Archive, keys: Keys) -> None:
    outcome = ingest_file(JPEG_PAGE, archive.services)
    assert outcome.status == "ingested", outcome.reason
    record_id = outcome.id
    archivist = keys.headers("archivist")

    assert client.get("/search", params={"q": "tap huan"}).json()["total"] == 0  # not public yet
    found = client.get("/search", params={"q": "tap huan"}, headers=archivist).json()
    assert [hit["id"] for hit in found["hits"]] == [record_id]
    queue = {item["id"]: item for item in client.get("/review", headers=archivist).json()["items"]}
    assert record_id in queue and queue[record_id]["reasons"]

    decision = {"action": "override", "access": "public", "reason": "Giấy mời hội nghị: thông tin công khai"}
    assert client.post(f"/review/{record_id}", json=decision, headers=archivist).status_code == 200

    body = client.get("/search", params={"q": "tap huan van thu"}).json()
    assert [hit["id"] for hit in body["hits"]] == [record_id]
    assert "<mark>" in body["hits"][0]["snippet"]
    text = json.dumps(client.get(f"/records/{record_id}/text").json(), ensure_ascii=False)
    assert "tập huấn" in text and PHONE not in text and "3598" not in text
    staff_text = client.get(f"/records/{record_id}/text", headers=keys.headers("staff")).json()
    assert PHONE in staff_text["pages"][0]["text"]

    page = read_record(archive.services.store, record_id).pages[0]
    box = next(w.box for w in page.words if "3598" in w.text)
    scale = 700 / page.width
    region = tuple(int(v * scale) for v in (box.left, box.top, box.left + box.width, box.top + box.height))
    public = client.get(f"/records/{record_id}/pages/1", params={"width": 700})
    staff = client.get(f"/records/{record_id}/pages/1", params={"width": 700}, headers=keys.headers("staff"))
    assert Image.open(io.BytesIO(public.content)).width == 700
    assert _mean(public.content, region) < 10  # blacked out
    assert _mean(staff.content, region) > 100  # paper with ink, as scanned


def _mean(data: bytes, region: tuple[int, ...]) -> float:
    return float(np.asarray(Image.open(io.BytesIO(data)).convert("L").crop(region)).mean())
