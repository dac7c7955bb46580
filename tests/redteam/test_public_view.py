"""Side doors in what the public is shown of a record: a search hit titled with the office's file
name (finding 4), metadata fields served unmasked and a short listed name masked nowhere (5), and
review state (6 → finding 12). Served by uvicorn over the red-team archive plus the attacker's
records (reproductions of /tmp/notes/redteam.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from indexing.page_keys import folded_view
from schemas import IncomingStamp, PersonalData, Signer
from tests.api.conftest import make_record, page_with_words
from tests.redteam.conftest import Live, build_archive, serving
from vntext.normalise import nfc

FILE_STEM = "Don_Hoang_Thi_Mai_sinh_1988"
KHOI, KHOI_PHONE, SHORT = "Đỗ Minh Khôi", "0983 111 222", "Lò A"
KHOI_LINES = [
    "UBND XÃ TẢ PHÌN",
    f"Kính gửi: Ông {KHOI}, điện thoại {KHOI_PHONE}",
    f"Trả lời đơn của ông {KHOI} và bà {SHORT} về đất rừng.",
]


def _add_attackers_records(live_archive) -> None:  # noqa: ANN001 - tests.api.conftest.Archive
    page, image = page_with_words(1, ["ĐƠN ĐỀ NGHỊ", "Xin cấp lại sổ hộ khẩu."], "file-stem")
    live_archive.add(FILE_STEM, make_record([page], access="public", doc_type="Đơn", subject=None), image)
    page, image = page_with_words(1, KHOI_LINES, "khoi")
    record = make_record(
        [page],
        access="public",
        doc_type="Công văn",
        subject="Về việc trả lời đơn về đất rừng",
        personal=(
            PersonalData(kind="name", value=KHOI, page=1),
            PersonalData(kind="phone", value=KHOI_PHONE, page=1),
            PersonalData(kind="name", value=SHORT, page=1),
        ),
    )
    meta = record.metadata
    meta.addressees = [f"Ông {KHOI}, điện thoại {KHOI_PHONE}"]
    meta.review = [f"Kính gửi đọc được: Ông {KHOI} ({KHOI_PHONE})"]
    meta.issuer_printed = f"UBND xã gửi ông {KHOI}"
    meta.incoming = IncomingStamp(number=KHOI_PHONE.replace(" ", ""))
    meta.signer = Signer(position="Chủ tịch", name=SHORT)
    meta.recipients = [f"Ông {KHOI}", "Lưu VT"]
    live_archive.add("khoi", record, image)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    archive, keys = build_archive(tmp_path_factory.mktemp("public-view") / "home")
    _add_attackers_records(archive)
    with serving(archive, keys) as server:
        yield server


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", folded_view(nfc(text)))


def holds(text: str, value: str) -> bool:
    """Does `text` hold `value` as whole words, accents and case aside (the folded comparison)?"""
    have, want = _tokens(text), _tokens(value)
    return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))


def test_public_view_a_hit_is_never_titled_with_the_file_name(world: Live) -> None:
    record = world.archive.records[FILE_STEM]
    shown = [
        world.get("/search", params={"q": "đơn đề nghị"}).text,
        world.get("/ui", params={"q": "đơn đề nghị"}).text,
        world.get(f"/records/{record.id}").text,
        world.get(f"/ui/records/{record.id}").text,
    ]
    hits = world.get("/search", params={"q": "đơn đề nghị"}).json()["hits"]
    assert [hit["id"] for hit in hits] == [record.id]
    assert hits[0]["title"] == "Đơn số 15 (không có trích yếu)"
    for text in shown:
        assert "Hoang_Thi_Mai" not in text and "1988" not in text and not holds(text, "Hoàng Thị Mai")
    staff = world.get(f"/records/{record.id}", "staff").json()  # staff still see the file's name
    assert staff["source"] == f"{FILE_STEM}.png" and "Hoang_Thi_Mai" not in staff["title"]


def test_public_view_record_json_and_page_hold_no_listed_value(world: Live) -> None:
    record = world.archive.records["khoi"]
    body = world.get(f"/records/{record.id}").json()
    page = world.get(f"/ui/records/{record.id}").text
    text = world.get(f"/records/{record.id}/text").text
    for shown in (str(body), page, text):
        for value in (KHOI, KHOI_PHONE, SHORT, KHOI_PHONE.replace(" ", "")):
            assert not holds(shown, value), value
    meta = body["metadata"]
    assert meta["addressees"] == [] and meta["review"] == [] and meta["incoming"] is None
    assert meta["issuer_printed"] is None and meta["confidence"] == {}
    assert meta["recipients"] == ["Ông •••••", "Lưu VT"] and meta["signer"]["name"] == "•••••"
    assert [item["value"] for item in meta["personal_data"]] == ["•••••"] * 3
    staff = world.get(f"/records/{record.id}", "staff").json()["metadata"]
    assert staff["addressees"] == [f"Ông {KHOI}, điện thoại {KHOI_PHONE}"]
    assert staff["signer"]["name"] == SHORT


def test_public_view_a_short_listed_name_is_masked_in_search_too(world: Live) -> None:
    record = world.archive.records["khoi"]
    for q in (f'"{SHORT}"', "bà Lò", '"bà Lò A về"'):
        assert world.get("/search", params={"q": q}).json()["total"] == 0, q
        staff = world.get("/search", "staff", params={"q": q}).json()
        assert [hit["id"] for hit in staff["hits"]] == [record.id], q
    snippet = world.get("/search", params={"q": "đất rừng"}).json()["hits"][0]["snippet"]
    assert not holds(snippet, SHORT) and not holds(snippet, KHOI)


def test_public_view_shows_no_review_state(world: Live) -> None:
    victim = world.archive.records["victim"]
    assert victim.classification.needs_review
    everything = world.get("/search", params={"q": "cấp lại"}).json()
    for flag in ("true", "false"):
        asked = world.get("/search", params={"q": "cấp lại", "needs_review": flag}).json()
        assert (asked["total"], asked["hits"]) == (everything["total"], everything["hits"])
    assert "needs_review" not in everything["facets"]
    assert "Cần duyệt" not in world.get("/ui", params={"q": "cấp lại"}).text
    body = world.get(f"/records/{victim.id}").json()
    assert body["classification"]["needs_review"] is False
    assert not any(page["needs_review"] for page in body["pages"])
    staff = world.get("/search", "staff", params={"q": "cấp lại"}).json()
    assert "needs_review" not in staff["facets"]  # the archivists' review queue
    archivist = world.get("/search", "archivist", params={"q": "cấp lại"}).json()
    assert "needs_review" in archivist["facets"]
    assert world.get(f"/records/{victim.id}", "staff").json()["classification"]["needs_review"] is True
