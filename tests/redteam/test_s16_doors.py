"""Red team, session 16: what changed this session, attacked (notes: /tmp/s16/notes/redteam.md).

Found open and fixed here:
- A name cut by a page break was masked (0888273, 0c36f94) only when nothing but a bare page
  number ("2", "- 2 -", "2/5") stood between its pieces. A page numbered "Trang 2" (or "Trang
  1/3" at its foot, as a word processor prints it), or a line of punctuation at a page's edge (a
  rule read as "—", a speck as "."), cut the sentence: the classifier listed "Hoàng Thị Trang"
  or nothing, and the public read the given name "Quyxmai" at the top of page 2, in its text, in
  a search (1 hit for the name) and on the page image. classify/personal.py and
  indexing/masking.py now pass over such lines at a page's edge, alike.
- POST /review/{id} on a not_accessible record (one held back by rule, its content in the
  store: internal minutes, work secrets) answered the archivist with the classification's
  decisions and the event's resolved reasons whole, quoting the text that GET /review and GET
  /restricted withhold ("evidence text withheld"), and with the old value of every field the
  decision changed (its subject): the archivist may list such a record, never read it.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from pathlib import Path

import pytest
from PIL import Image

from api import create_app
from api.key_store import KeyStore, keys_path
from application.services import services_for
from classify import classify_pages
from core.settings import Settings
from schemas import Decision, Page, Record
from storage import write_package
from tests.api.conftest import Archive, make_record, page_with_words

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

GIVEN = "Quyxmai"
FIRST = ["QUYẾT ĐỊNH Về việc cấp lại giấy tờ cho công dân", "Điều 1. Cấp lại sổ hộ khẩu cho bà Hoàng Thị"]
SECOND = [
    f"{GIVEN}, sinh ngày 12/04/1995, thường trú tại bản Tả Phìn.",
    "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
]
# what stands between the pieces of the name: on page 1 after its last line, on page 2 before its first
EDGES = {
    "trang-head": ([], ["Trang 2"]),
    "trang-foot": (["Trang 1/2"], []),
    "rule-head": ([], ["—"]),
    "speck-foot": (["."], []),
    "underscores-head": ([], ["______"]),
    "trang-of-foot": (["Trang 1 của 2"], []),
}


def _add(archive: Archive, name: str, record: Record, images: list[Image.Image]) -> Record:
    """`record` stored with `images` as its original, one page each (a TIFF), and indexed."""
    folder = archive.settings.home / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.tif"
    images[0].save(path, "TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    update = {
        "id": sha[:32],
        "sha256": sha,
        "size": len(data),
        "source": path.name,
        "media_type": "image/tiff",
    }
    record = record.model_copy(update=update)
    write_package(archive.services.store, record, path, {})
    archive.services.index.add(record)
    return record


def _archive(root: Path) -> tuple[Archive, dict[str, str]]:
    settings = Settings(home=root / "home")
    archive = Archive(settings=settings, services=services_for(settings), records={})
    store = KeyStore(keys_path(settings))
    return archive, {"X-API-Key": store.create("archivist", "archivist")[1]}


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_a_name_cut_by_a_page_break_past_a_page_header_is_masked(tmp_path: Path, edge: str) -> None:
    foot, head = EDGES[edge]
    archive, _ = _archive(tmp_path)
    (page1, image1), (page2, image2) = (
        page_with_words(1, FIRST + foot, f"{edge}-1"),
        page_with_words(2, head + SECOND, f"{edge}-2"),
    )
    metadata, _ = classify_pages([Page(number=1, text=page1.text), Page(number=2, text=page2.text)])
    names = [p.value for p in metadata.personal_data if p.kind in ("full_name", "name")]
    record = make_record([page1, page2], access="public", personal=tuple(metadata.personal_data))
    record = _add(archive, edge, record, [image1, image2])
    with TestClient(create_app(archive.settings)) as client:
        pages = [p["text"] for p in client.get(f"/records/{record.id}/text").json()["pages"]]
        found = client.get("/search", params={"q": GIVEN}).json()["total"]
        boxed = client.get(f"/records/{record.id}/pages/2")
    assert GIVEN not in pages[1] and "Hoàng Thị" not in pages[0], pages
    assert found == 0
    assert boxed.status_code == 200
    shown = Image.open(io.BytesIO(boxed.content)).convert("L")
    first = next(w for w in page2.words if w.text.startswith(GIVEN))
    centre = (first.box.left + first.box.width // 2, first.box.top + first.box.height // 2)
    scale = shown.width / page2.width
    assert shown.getpixel((round(centre[0] * scale), round(centre[1] * scale))) < 30  # blacked out
    assert names == [f"Hoàng Thị {GIVEN}"], names


SECRET_SUBJECT = "Biên bản họp nội bộ về Quyxkhoa"
EVIDENCE = "text: cuộc họp nội bộ bàn việc Quyxkhoa"


def test_a_review_of_a_not_accessible_record_answers_nothing_of_its_content(tmp_path: Path) -> None:
    archive, archivist = _archive(tmp_path)
    page, image = page_with_words(1, ["BIÊN BẢN", "Cuộc họp nội bộ bàn việc Quyxkhoa"], "minutes")
    record = make_record(
        [page],
        access="not_accessible",
        doc_type="Biên bản",
        subject=SECRET_SUBJECT,
        needs_review=True,
        reasons=(f"A6.2c: Minutes of an internal meeting of a state body — {EVIDENCE}",),
    )
    record.classification.decisions = [Decision(rule="A6.2c", outcome="not_accessible", evidence=EVIDENCE)]
    record = archive.add("minutes", record, image)
    decision = {
        "action": "override",
        "reason": "Giữ không tiếp cận, sửa trích yếu",
        "retention": "10 năm",
        "fields": {"subject": "Biên bản họp"},
    }
    with TestClient(create_app(archive.settings)) as client:
        queue = client.get("/review", headers=archivist).json()
        answer = client.post(f"/review/{record.id}", headers=archivist, json=decision)
    assert "Quyxkhoa" not in str(queue)  # what the queue withholds ...
    assert answer.status_code == 200, answer.text
    assert answer.json()["access"] == "not_accessible"
    assert "Quyxkhoa" not in answer.text, answer.json()  # ... the answer to a decision withholds too


@pytest.mark.parametrize(
    ("first", "second", "hidden"),
    [
        (  # a CCCD in groups: the classifier lists its first two groups only (page 1)
            "Điều 1. Cấp lại cho bà Hoàng Thị Quyxmai, CCCD số 0871 9500",
            "3214, thường trú tại bản Tả Phìn.",
            ("9500", "3214"),
        ),
        (  # a number no label names, so no one listed it: 12 digits across the break
            "Điều 1. Chuyển khoản cho hộ gia đình vào tài khoản 0871 9500",
            "3214 tại Ngân hàng Chính sách xã hội.",
            ("9500", "3214"),
        ),
    ],
)
def test_a_number_cut_by_a_page_break_is_masked_on_both_pages(
    tmp_path: Path, first: str, second: str, hidden: tuple[str, str]
) -> None:
    """Found open: each page alone held too few digits to be a number the masker hides (8, then
    4), and the pieces of a number cut by the break were masked only when the classifier listed
    it whole; the public read '0871 9500' | '3214'."""
    archive, _ = _archive(tmp_path)
    (page1, image1), (page2, image2) = (
        page_with_words(1, ["QUYẾT ĐỊNH Về việc hỗ trợ", first], "number-1"),
        page_with_words(2, [second, "Điều 2. Quyết định có hiệu lực kể từ ngày ký."], "number-2"),
    )
    metadata, _ = classify_pages([Page(number=1, text=page1.text), Page(number=2, text=page2.text)])
    record = make_record([page1, page2], access="public", personal=tuple(metadata.personal_data))
    record = _add(archive, f"number-{hidden[1]}-{len(first)}", record, [image1, image2])
    with TestClient(create_app(archive.settings)) as client:
        pages = [p["text"] for p in client.get(f"/records/{record.id}/text").json()["pages"]]
        found = client.get("/search", params={"q": hidden[1]}).json()["total"]
    assert hidden[0] not in pages[0] and hidden[1] not in pages[1], pages
    assert found == 0


SECRET_HEADER = Path(__file__).parent / "fixtures" / "mat_header.png"


def test_a_damaged_tiff_whose_first_page_is_marked_secret_is_not_copied(tmp_path: Path) -> None:
    """A secret report's scan cut short (a copy interrupted, a driver's broken directory chain):
    its first page, whole, bears MẬT; the next page's directory points past the end."""
    from application.ingest import ingest_file
    from storage.hold import new_key

    secret = Image.open(SECRET_HEADER).convert("L")
    blank = Image.new("L", secret.size, 255)
    out = io.BytesIO()
    secret.save(out, format="TIFF", save_all=True, append_images=[blank, blank], dpi=(300, 300))
    data = bytearray(out.getvalue())
    first = struct.unpack_from("<I", data, 4)[0]
    next_field = first + 2 + 12 * struct.unpack_from("<H", data, first)[0]
    struct.pack_into("<I", data, next_field, len(data) + 10_000)
    scan = tmp_path / "Bao_cao_mat.tif"
    scan.write_bytes(bytes(data))
    key = tmp_path / "keys" / "hold.key"
    key.parent.mkdir(parents=True)
    new_key(key)
    settings = Settings(home=tmp_path / "home", workers=1, secret_hold=tmp_path / "hold", secret_key_file=key)
    services = services_for(settings)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Corrupt EXIF data")
        outcome = ingest_file(scan, services)
    services.close()
    assert outcome.status == "quarantined", outcome
    copies = [p for p in settings.home.rglob("*") if p.is_file() and p.read_bytes() == bytes(data)]
    assert copies == []


def test_a_quarantined_secret_leaves_no_name_in_the_store(tmp_path: Path) -> None:
    from application.ingest import ingest_into_batch
    from storage.hold import new_key

    secret = Image.open(SECRET_HEADER).convert("L")
    cover = Image.new("L", (400, 300), 255)  # page 1; the mark on page 2
    too_large = Image.new("L", (6000, 6000), 255)  # over the pixel limit below: page 3 fails
    folder = tmp_path / "drop"
    folder.mkdir()
    scan = folder / "Bao_cao_kho_Quyxvukhi.tif"
    cover.save(scan, save_all=True, append_images=[secret, too_large], compression="tiff_deflate")
    key = tmp_path / "keys" / "hold.key"
    key.parent.mkdir(parents=True)
    new_key(key)
    settings = Settings(
        home=tmp_path / "home",
        workers=1,
        secret_hold=tmp_path / "hold",
        secret_key_file=key,
        max_image_pixels=20_000_000,
    )
    services = services_for(settings)
    outcome = ingest_into_batch(scan, services, "s16")
    services.close()
    assert outcome.status == "quarantined" and "secrecy mark" in (outcome.reason or ""), outcome
    named = [p for p in settings.home.rglob("*") if p.is_file() and b"Quyxvukhi" in p.read_bytes()]
    assert named == []


def test_a_labelled_number_on_the_line_or_page_after_its_label_is_masked(tmp_path: Path) -> None:
    """Found open: a number of 5-8 digits is personal data only after its label ('điện thoại',
    'BHXH', 'tài khoản'); the label's reach stopped at a line break, so 'số BHXH:' | '12345678'
    (a line break, or a page break read as one) was served in clear, on one page and across two."""
    archive, _ = _archive(tmp_path)
    (page1, image1), (page2, image2) = (
        page_with_words(1, ["QUYẾT ĐỊNH Về việc hưởng trợ cấp", "Bà Lò Thị Quyxa, số BHXH:"], "label-1"),
        page_with_words(
            2, ["- 2 -", "12345678, được hưởng trợ cấp; liên hệ điện thoại:", "3861245."], "label-2"
        ),
    )
    metadata, _ = classify_pages([Page(number=1, text=page1.text), Page(number=2, text=page2.text)])
    record = make_record([page1, page2], access="public", personal=tuple(metadata.personal_data))
    record = _add(archive, "label", record, [image1, image2])
    with TestClient(create_app(archive.settings)) as client:
        pages = [p["text"] for p in client.get(f"/records/{record.id}/text").json()["pages"]]
        found = [client.get("/search", params={"q": q}).json()["total"] for q in ("12345678", "3861245")]
    assert "12345678" not in pages[1] and "3861245" not in pages[1], pages
    assert found == [0, 0]


def test_a_record_marked_secret_after_it_taught_the_syllable_model_leaves_no_pairs(tmp_path: Path) -> None:
    from application.syllable_learning import learn_syllables, learned_path
    from storage.hold import new_key

    key = tmp_path / "keys" / "hold.key"
    key.parent.mkdir(parents=True)
    new_key(key)
    settings = Settings(home=tmp_path / "home", workers=1, secret_hold=tmp_path / "hold", secret_key_file=key)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    archivist = {"X-API-Key": KeyStore(keys_path(settings)).create("archivist", "archivist")[1]}
    lines = ["BÁO CÁO Về việc kiểm kê kho vũ khí", "Kho vũ khí quân khu có súng trường và đạn dược"]
    page, image = page_with_words(1, lines, "taught")
    record = archive.add("taught", make_record([page], access="public"), image)
    learn_syllables(archive.services)
    taught = learned_path(settings).read_text(encoding="utf-8")
    assert "vũ khí" in taught.lower() or "vu khi" in taught.lower(), taught  # it was learned from
    mark = {
        "action": "override",
        "reason": "Phát hiện dấu mật trên bản giấy",
        "access": "not_accessible",
        "fields": {"secrecy": "MẬT"},
    }
    with TestClient(create_app(settings)) as client:
        answer = client.post(f"/review/{record.id}", headers=archivist, json=mark)
    assert answer.status_code == 200, answer.text
    left = learned_path(settings).read_text(encoding="utf-8") if learned_path(settings).exists() else ""
    assert "vũ khí" not in left.lower() and "vu khi" not in left.lower(), left
