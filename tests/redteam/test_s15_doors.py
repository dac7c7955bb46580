"""Red team, session 15: what a record marked secret after intake leaves behind outside its own
object, what OCR noise lets through the public's masking, and what the search server keeps at
rest (notes: /tmp/s15/notes/redteam.md).

Found open and closed by their owners this session (guards here, through the API):
- A name cut by a page break ("… cho bà Hoàng Thị" | "Quyxmai, sinh ngày …") was neither listed
  by the classifier nor masked on either page: the public read it whole across the two pages
  (a phone number cut so kept its second page's digits: "••••• " | "237, thường trú …").
  Closed in session 16: classify/personal.py reads a page's last lines and the next page's first
  as one text; indexing/masking.py `values_of` masks each piece of a listed value at its page's
  edge.
- A listed name that OCR read with a space dropped ("NguyễnVăn Quyxthắng", as the dev corpus's
  reading gives "SốCCCD") was not masked where it is so written (indexing/masking.py: a listed
  value's spaces optional).
- A scan whose page 2 bears a MẬT mark (read: "a secrecy mark on page 2") and whose page 3
  cannot be read (over the pixel limit, a damaged page) was quarantined with a byte-for-byte
  copy of the file in the store, as a record and as a one-file dossier alike (fad9e0d,
  application/page_reading.py `SecretBadInput`: no copy kept).
- A near-duplicate of a record an archivist marks MẬT (the same paper scanned twice) stayed
  public, its text served and searched (e48a7f5, application/secret_docs.py `close_twin`).
- The batch report and the document's outcome kept the office's path (a name telling the
  subject) and review reasons quoting its text and personal data after a review sent the record
  to the hold (4538a9f, application/batches.py `name_by_id`).
- A date of birth, a birth year or a phone number read by OCR with a letter for a digit ("sinh
  năm l976", "Ngày sinh: 12/04/l995", "0912 486 2S7"; the dev corpus's own reading gives "l" for
  "1") was served to the public in clear (be50bd1, indexing/masking.py).

Guard added for a door opening in work in progress (not committed when this was written): a
cleaning step for bilevel pages (speckle fields, ocr/preprocess.py) erased the MẬT mark of the
dev corpus's secret report scanned bilevel, so that the document would be stored in clear.

Found open and fixed here:
- `sohoa serve` wrote every request line to its log with its query string (uvicorn's access
  log): a citizen's CCCD typed into the public search (which the search itself masks, so the
  archive never reads it), a name a staff member looked for, rested in clear in the server's log
  (journald, `docker logs`). The access log line keeps the method, path and status, not the query.
- An archivist reading the review queue (`GET /review`, `/ui/review`) or `GET /restricted` got a
  not_accessible record's decisions without their evidence ("text from the record"), and its
  review reasons whole: the classifier writes each soft hit's evidence into its reason, so the
  same text and personal data (a phone number, a name) were read there. A secret record's
  reasons are now shown without any decision's evidence, its personal data masked.
- `cache/search-lists.json` (the page lists a search server saves for the next one's warm-up,
  "common words on 1,000+ pages") took every word a search had used since the last write to the
  index, however rare: a write (a review, an ingest) forgot the lists' page counts and an unknown
  count passed the bound. A staff member's search for a citizen's name then rested on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import warnings
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from api import create_app
from api.key_store import KeyStore, keys_path
from api.state import ApiState, lists_path
from application.batches import record_outcome, save_report
from application.dossier_intake import ingest_dossier
from application.ingest import ingest_file
from application.searching import SearchParams, search_as
from application.services import services_for
from classify import classify_pages
from core.settings import Settings
from dedup import fingerprint
from dedup.link import link_near_duplicate
from dedup.match import DuplicateMatch
from indexing import SqliteIndex
from indexing.postings import WARM_MIN_PAGES
from schemas import IngestOutcome, Page, PersonalData, Record
from storage import is_held, read_record
from storage.hold import new_key
from storage.layout import FINGERPRINT_FILE
from tests.api.conftest import Archive, make_record, page_with_words
from tests.indexing.conformance import make_record as bare_record
from tests.redteam.contract_world import ELASTICSEARCH_URL
from tests.secret_leaks import leaks

with warnings.catch_warnings():  # Starlette's TestClient asks for httpx2, which we do not need
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

MARK = {
    "action": "override",
    "reason": "Phát hiện dấu mật trên bản giấy",
    "access": "not_accessible",
    "fields": {"secrecy": "MẬT"},
}
WORD = "Quyxhamchua"  # a word of the secret's text


def _hold_settings(root: Path) -> Settings:
    key = root / "keys" / "hold.key"
    key.parent.mkdir(parents=True)
    new_key(key)
    return Settings(home=root / "home", workers=1, secret_hold=root / "hold", secret_key_file=key)


def _archive(root: Path) -> tuple[Archive, dict[str, dict[str, str]]]:
    settings = _hold_settings(root)
    archive = Archive(settings=settings, services=services_for(settings), records={})
    store = KeyStore(keys_path(settings))
    headers = {role: {"X-API-Key": store.create(role, role)[1]} for role in ("staff", "archivist")}
    return archive, {"public": {}, **headers}


def _as_ingested(archive: Archive, name: str, record: Record, image: Image.Image) -> Record:
    """`record` stored as ingest stores it: its fingerprint in its package and in the lookup."""
    fp = fingerprint(record.pages, image, record.metadata)
    stored = archive.add(name, record, image, {FINGERPRINT_FILE: fp.to_json()})
    archive.services.similar.add(stored.id, fp)
    return stored


def test_a_near_duplicate_of_a_record_marked_secret_is_not_served(tmp_path: Path) -> None:
    """Found open (the twin stayed public, its text served and searched); closed by e48a7f5
    (application/secret_docs.py `close_twin`): guarded here through the review API."""
    archive, headers = _archive(tmp_path)
    lines = ["BÁO CÁO", f"Kết quả khảo sát {WORD} tại kho K3 của đơn vị trong quý ba"]
    page, image = page_with_words(1, lines, "first scan")
    first = _as_ingested(
        archive, "first", make_record([page], access="conditional", doc_type="Báo cáo"), image
    )
    page, image = page_with_words(1, lines, "second scan")  # the same paper, scanned again later
    match = DuplicateMatch(record_id=first.id, basis="text+image", text=0.97, image=2)
    twin = link_near_duplicate(make_record([page], access="public", doc_type="Báo cáo"), match)
    twin = _as_ingested(archive, "second", twin, image)
    with TestClient(create_app(archive.settings)) as client:
        assert client.get(f"/records/{twin.id}/text").status_code == 200  # an archivist opened it
        answer = client.post(f"/review/{first.id}", json=MARK, headers=headers["archivist"])
        assert answer.status_code == 200 and answer.json()["access"] == "not_accessible"
        for role in ("public", "staff"):
            assert client.get(f"/records/{twin.id}/text", headers=headers[role]).status_code == 404, role
            found = client.get("/search", params={"q": WORD}, headers=headers[role]).json()
            assert found["total"] == 0, role


def test_a_record_held_after_intake_leaves_no_path_or_reasons_in_its_batch_report(tmp_path: Path) -> None:
    """Found open; closed by 4538a9f (application/batches.py `name_by_id`): guarded here through
    the review API."""
    archive, headers = _archive(tmp_path)
    name, stem = "Trần Văn Quyxthanh", "Bao_cao_kho_vu_khi_Quyxthanh"
    page, image = page_with_words(1, ["BÁO CÁO", f"Ông {name} phụ trách {WORD}"], "batch")
    record = make_record(
        [page],
        access="undetermined",
        doc_type="Báo cáo",
        personal=(PersonalData(kind="full_name", value=name, page=1),),
        needs_review=True,
        reasons=(f"A7.2.contact (M) suggests conditional: personal data (full_name): full_name {name}",),
    )
    batch = "batch-20261207T010203-abcdef"
    record = archive.add(stem, record.model_copy(update={"batch": batch}), image)  # as ingest names it
    store = archive.services.store
    path = f"/srv/inbox/{stem}.png"
    record_outcome(store, batch, IngestOutcome(path=path, status="ingested", id=record.id, pages=1))
    save_report(store, batch, started_at=dt.datetime.now(dt.UTC), run_pages=1)
    assert leaks(archive.settings.home / "store" / "batches", [stem, name]) != []  # as ingest leaves it
    with TestClient(create_app(archive.settings)) as client:
        answer = client.post(f"/review/{record.id}", json=MARK, headers=headers["archivist"])
        assert answer.status_code == 200 and answer.json()["access"] == "not_accessible"
    archive.services.close()
    assert leaks(archive.settings.home / "store", [stem, name, WORD]) == []


@pytest.mark.skipif(bool(ELASTICSEARCH_URL), reason="the SQLite engine's page lists")
def test_the_saved_search_lists_hold_only_common_words_after_the_index_changed(tmp_path: Path) -> None:
    """A staff search of a rare word beside a word on a few dozen pages reads that word's page
    list; a write to the index before the server stops must not make it a "common word" saved
    to cache/search-lists.json (the bound is WARM_MIN_PAGES pages)."""
    name, folded = "Thắng", "thang"  # a given name, on 41 pages
    index = SqliteIndex(tmp_path / "index.sqlite3")
    for n in range(40):
        index.add(bare_record(f"list{n:02}", f"Danh sách thí sinh {name} số {n}", access="conditional"))
    index.add(bare_record("rare", f"Biên bản hiếm kỳlạxyz {name}", access="conditional"))
    found = search_as(index, "staff", SearchParams(q=f"kỳlạxyz {name}", limit=10))
    assert found.result.total == 1
    used = [key for key, _ in index.lists_used(min_pages=1)]
    assert any(folded in " ".join(tokens) for _, _, tokens in used)  # the name's list was read
    index.add(bare_record("later", "Một văn bản mới được tiếp nhận", access="public"))  # a write
    settings = Settings(home=tmp_path / "home")
    state = ApiState.build(settings, services_for(settings).store, index)
    state.save_lists()
    saved = json.loads(lists_path(settings).read_text(encoding="utf-8"))["lists"]
    assert WARM_MIN_PAGES > 41
    assert not any(folded in " ".join(tokens) for _, _, tokens, _ in saved), saved
    # the bound still lets a list through that is on enough pages, after the write too
    kept = [key for key, _ in index.lists_used(min_pages=41)]
    assert any(folded in " ".join(tokens) for _, _, tokens in kept), kept
    assert not any(folded in " ".join(t) for _, _, t in index.lists_used(min_pages=42))


def test_a_secret_records_review_reasons_quote_nothing_of_it(tmp_path: Path) -> None:
    """The minutes of an internal meeting (A6.2c: not_accessible) naming a contact with a phone
    number (A7.2.contact, a soft hit: to review), classified by the real classifier."""
    archive, headers = _archive(tmp_path)
    name, phone = "Trần Văn Quyxthanh", "0912 345 678"
    lines = [
        "ỦY BAN NHÂN DÂN TỈNH VĨNH PHÚC",
        "Số: 12/BB-UBND Vĩnh Phúc, ngày 5 tháng 3 năm 2019",
        "BIÊN BẢN",
        f"Cuộc họp nội bộ về kho {WORD}",
        f"Liên hệ ông {name}, điện thoại {phone}.",
        "Nơi nhận: như trên; lưu VT.",
    ]
    page, image = page_with_words(1, lines, "minutes")
    metadata, classification = classify_pages([Page(number=1, text=page.text)])
    assert classification.access == "not_accessible" and classification.needs_review
    assert any(phone in reason for reason in classification.review_reasons)  # as the classifier says
    record = make_record([page], access="not_accessible")
    record = record.model_copy(update={"metadata": metadata, "classification": classification})
    record = archive.add("minutes", record, image)
    with TestClient(create_app(archive.settings)) as client:
        for path in ("/review", "/restricted", "/ui/review"):
            answer = client.get(path, headers=headers["archivist"])
            assert answer.status_code == 200 and record.id in answer.text, path
            for quoted in (phone, phone.replace(" ", ""), name, WORD):
                assert quoted not in answer.text, (path, quoted)
        (item,) = [i for i in client.get("/review", headers=headers["archivist"]).json()["items"]]
        assert any(reason.startswith("A7.2.contact (chưa xác nhận) gợi ý") for reason in item["reasons"])
        assert "rule_suggests" in item["reason_codes"]


# The top of a synthetic MẬT report's page 1 (the dev corpus, d03_bc_mat_thaibinh__seal_p1.png):
# its header and its mark (grey, as scanned), so that Tesseract reads it in about a second.
SECRET_HEADER = Path(__file__).parent / "fixtures" / "mat_header.png"
SECRET_HEADER_BILEVEL = Path(__file__).parent / "fixtures" / "mat_header_bilevel.png"  # photocopy mode


@pytest.mark.parametrize("as_dossier", [False, True], ids=["record", "dossier"])
def test_a_scan_with_a_secret_page_and_an_unreadable_one_is_not_copied(
    tmp_path: Path, as_dossier: bool, caplog: pytest.LogCaptureFixture
) -> None:
    secret = Image.open(SECRET_HEADER).convert("L")
    cover = Image.new("L", (1240, 1754), 255)
    ImageDraw.Draw(cover).text((100, 100), "TRANG BIA", fill=0)
    too_large = Image.new("L", (6000, 6000), 255)  # 36 megapixels, over the limit below
    scan = tmp_path / "Bao_cao_kho_vu_khi.tif"
    cover.save(scan, save_all=True, append_images=[secret, too_large], compression="tiff_deflate")
    settings = _hold_settings(tmp_path).model_copy(update={"max_image_pixels": 20_000_000})
    services = services_for(settings)
    caplog.set_level(logging.WARNING, logger="application.page_reading")
    if as_dossier:
        (outcome,) = ingest_dossier(scan, services).outcomes
    else:
        outcome = ingest_file(scan, services)
    services.close()
    assert outcome.status == "quarantined" and "page 3" in (outcome.reason or "")
    assert "secrecy mark on page 2" in caplog.text  # the mark was read before the failure
    data = scan.read_bytes()
    copies = [p for p in settings.home.rglob("*") if p.is_file() and p.read_bytes() == data]
    assert copies == []


def test_the_server_log_keeps_no_query(tmp_path: Path) -> None:
    """`sohoa serve` as it runs (a process of its own), searched for a CCCD by the public and for
    a name by staff: its log names the requests, never what was searched."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from tests.api.live import free_port

    cccd, name = "087195003214", "Quyxngọc Hân"
    home = tmp_path / "home"
    staff = KeyStore(keys_path(Settings(home=home))).create("staff", "Lan")[1]
    port = free_port()
    env = {**os.environ, "SOHOA_HOME": str(home)}
    env.pop("SOHOA_INDEX", None), env.pop("SOHOA_STORAGE", None)
    command = [str(Path(sys.executable).parent / "sohoa"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline and server.poll() is None, "sohoa serve did not answer"
            try:
                answer = httpx.get(f"{url}/search", params={"q": f"CCCD {cccd}"})
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer.status_code == 200
        assert httpx.get(f"{url}/search", params={"q": name}, headers={"X-API-Key": staff}).status_code == 200
        assert httpx.get(f"{url}/ui", params={"q": cccd}).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    log = output.decode("utf-8", "replace")
    for said in (cccd, name, "Quyxng", "Qu%E1%BB"):
        assert said.lower() not in log.lower(), (said, log)
    assert '"GET /search HTTP/1.1" 200' in log and '"GET /ui HTTP/1.1" 200' in log  # still logged


def test_personal_numbers_read_with_a_letter_for_a_digit_are_masked(tmp_path: Path) -> None:
    """Found open; closed by be50bd1 (indexing/masking.py: look-alike letters at a number's edge
    read as digits): guarded here through the public text."""
    archive, _ = _archive(tmp_path)
    lines = [
        "QUYẾT ĐỊNH Về việc cấp lại giấy tờ cho công dân",
        "Cấp lại cho ông Lò Văn Quyxsa, sinh năm l976, thường trú tại bản Tả Phìn.",
        "Bà Hoàng Thị Quyxmai, Ngày sinh: 12/04/l995, điện thoại 0912 486 2S7.",
    ]
    page, image = page_with_words(1, lines, "lookalike")
    metadata, _ = classify_pages([Page(number=1, text=page.text)])
    record = make_record([page], access="public", personal=tuple(metadata.personal_data))
    record = archive.add("lookalike", record, image)
    with TestClient(create_app(archive.settings)) as client:
        text = client.get(f"/records/{record.id}/text").json()["pages"][0]["text"]
    for value in ("l976", "12/04/l995", "2S7"):
        assert value not in text, (value, text)


def test_a_name_cut_by_a_page_break_is_masked_on_both_pages(tmp_path: Path) -> None:
    archive, _ = _archive(tmp_path)
    first = [
        "QUYẾT ĐỊNH Về việc cấp lại giấy tờ cho công dân",
        "Điều 1. Cấp lại sổ hộ khẩu cho bà Hoàng Thị",
    ]
    second = [
        "Quyxmai, sinh ngày 12/04/1995, CCCD số 087195003214, thường trú tại bản Tả Phìn.",
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
    ]
    (page1, image), (page2, _) = page_with_words(1, first, "break"), page_with_words(2, second, "break2")
    metadata, _ = classify_pages([Page(number=1, text=page1.text), Page(number=2, text=page2.text)])
    assert any(p.kind == "cccd" for p in metadata.personal_data)  # the page's other data is read
    record = make_record([page1, page2], access="public", personal=tuple(metadata.personal_data))
    record = archive.add("page-break", record, image)
    with TestClient(create_app(archive.settings)) as client:
        pages = [p["text"] for p in client.get(f"/records/{record.id}/text").json()["pages"]]
    assert "087195003214" not in "".join(pages)
    assert "Quyxmai" not in pages[1] and "Hoàng Thị" not in pages[0], pages


def test_a_listed_name_read_with_a_space_dropped_is_masked(tmp_path: Path) -> None:
    archive, _ = _archive(tmp_path)
    name = "Nguyễn Văn Quyxthắng"
    lines = [
        "QUYẾT ĐỊNH Về việc khen thưởng",
        f"Điều 1. Khen thưởng ông {name}, sinh năm 1980.",
        "Điều 2. Ông NguyễnVăn Quyxthắng được nhận tiền thưởng.",
    ]
    page, image = page_with_words(1, lines, "space")
    record = make_record(
        [page], access="public", personal=(PersonalData(kind="full_name", value=name, page=1),)
    )
    record = archive.add("space", record, image)
    with TestClient(create_app(archive.settings)) as client:
        text = client.get(f"/records/{record.id}/text").json()["pages"][0]["text"]
    assert "Quyxthắng" not in text, text


def test_a_mat_mark_on_a_bilevel_scan_is_read_and_the_document_held(tmp_path: Path) -> None:
    """The same header scanned bilevel (a photocopier's or a fax's mode, mode "1"): its MẬT mark
    is read and the document goes to the hold, nothing of it in clear. Guard: a cleaning step for
    bilevel pages in progress this session (speckle fields) erased the mark (marked: False), and
    the document would have been stored in clear under its class."""
    scan = tmp_path / "Bao_cao_photocopy.png"
    Image.open(SECRET_HEADER_BILEVEL).save(scan, dpi=(300, 300))
    settings = _hold_settings(tmp_path)
    services = services_for(settings)
    outcome = ingest_file(scan, services)
    services.close()
    assert outcome.status == "ingested" and outcome.id is not None, outcome
    assert is_held(read_record(services.store, outcome.id)), "the MẬT mark was not read"
    assert leaks(settings.home, ["xác minh nội dung đơn"]) == []  # the subject: not in the row
