"""A review decision that marks a record MẬT forgets its near-duplicate fingerprint (its first
page's hashes, its number and notation), as `sohoa secret sweep` does: both go through
application.secret_docs.hold_content. Other records' fingerprints stay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.services import services_for
from dedup.fingerprint import Fingerprint
from storage import is_held, read_record
from storage.hold import new_key
from tests.api.conftest import Archive, Keys, make_record, page_with_words

REASON = "Phát hiện dấu mật trên bản giấy"
MARK = {"action": "override", "reason": REASON, "access": "not_accessible", "fields": {"secrecy": "MẬT"}}


def _fingerprint(seed: int) -> Fingerprint:
    return Fingerprint(
        phash=f"{0x9F3A_5C7E_1234_ABCD ^ seed:x}",
        dhash=f"{0x0F0F_F0F0_3C3C_C3C3 ^ seed:x}",
        ink=0.12,
        shingles=40,
        minhash=[seed * 7 + n for n in range(16)],
        code=f"{seed}/qd-ubnd",
    )


@pytest.fixture
def held_client(archive: Archive, tmp_path: Path) -> Iterator[TestClient]:
    new_key(tmp_path / "keys" / "hold.key")
    archive.settings = archive.settings.model_copy(
        update={"secret_hold": tmp_path / "hold", "secret_key_file": tmp_path / "keys" / "hold.key"}
    )
    with TestClient(create_app(archive.settings)) as test_client:
        yield test_client


def test_marking_secret_in_a_review_forgets_the_fingerprint(
    held_client: TestClient, archive: Archive, keys: Keys
) -> None:
    page, image = page_with_words(1, ["Báo cáo", "Kết quả kiểm tra kho"], "fp-target")
    target = archive.add("fp-target", make_record([page], access="conditional", doc_type="Báo cáo"), image)
    other = next(record for record in archive.records.values() if record.id != target.id)
    similar = services_for(archive.settings).similar  # the API's lookup
    similar.add(target.id, _fingerprint(1))
    similar.add(other.id, _fingerprint(2))
    assert target.id in similar and other.id in similar

    response = held_client.post(f"/review/{target.id}", json=MARK, headers=keys.headers("archivist"))

    assert response.status_code == 200, response.text
    assert is_held(read_record(archive.services.store, target.id))
    assert target.id not in similar
    assert other.id in similar
    match = similar.find(_fingerprint(1))
    assert match is None or match.record_id != target.id


def test_a_review_that_does_not_mark_secret_keeps_the_fingerprint(
    held_client: TestClient, archive: Archive, keys: Keys
) -> None:
    page, image = page_with_words(1, ["Kế hoạch", "Trồng rừng phòng hộ"], "fp-kept")
    target = archive.add("fp-kept", make_record([page], access="public", doc_type="Kế hoạch"), image)
    similar = services_for(archive.settings).similar
    similar.add(target.id, _fingerprint(3))
    body = {"action": "override", "reason": "Có thông tin nội bộ", "access": "conditional"}

    response = held_client.post(f"/review/{target.id}", json=body, headers=keys.headers("archivist"))

    assert response.status_code == 200, response.text
    assert target.id in similar
