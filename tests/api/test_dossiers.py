"""Dossiers (hồ sơ) in the API and on the web page, with access per document: a role is shown
only the documents it may see, and the dossier's fields (count, dates, retention, pages, the
documents' order and page numbers) are computed over those alone."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PIL import ImageChops, ImageStat

from api import create_app
from application.dossier_intake import UNSURE_BOUNDARY
from schemas import Event, PersonalData
from storage.package import package_key
from tests.api.conftest import Archive, Keys, TestClient
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier, image_objects, png_image

CCCD = "001095004567"


@dataclass
class Dossiers:
    mixed: StoredDossier  # secret report (3 pages), public decision (2), conditional (1)
    secret_only: StoredDossier
    public_plain: StoredDossier


@pytest.fixture
def dossiers(archive: Archive) -> Dossiers:
    mixed = add_dossier(
        archive,
        "000.00.01.H43.2019.01",
        [
            DocSpec(
                access="not_accessible",
                pages=3,
                doc_type="Báo cáo",
                secrecy="MẬT",
                date=dt.date(2021, 5, 5),
                retention="Vĩnh viễn",
                subject="Báo cáo mật tuyệtmật",
            ),
            DocSpec(
                access="public",
                pages=2,
                date=dt.date(2019, 3, 1),
                retention="10 năm",
                subject="Về việc công nhận xã đạt chuẩn",
                lines=(f"Ông Lê Văn Tám CCCD {CCCD}",),
                personal=(PersonalData(kind="id", value=CCCD, page=1),),
                review_reasons=(UNSURE_BOUNDARY.format(page=4, confidence=0.41), "no rule decided"),
                events=(
                    Event(step="ocr", tool="tesseract", detail="6 scan pages"),
                    Event(step="segment", tool="sohoa", parameters={"order": 2}, detail="scan pages 4-5"),
                ),
            ),
            DocSpec(
                access="conditional",
                pages=1,
                doc_type="Công văn",
                date=dt.date(2020, 1, 2),
                retention="20 năm",
            ),
        ],
        title="Hồ sơ công nhận xã đạt chuẩn nông thôn mới",
    )
    secret_only = add_dossier(
        archive, "000.00.01.H43.2019.02", [DocSpec(access="not_accessible", secrecy="MẬT", pages=2)]
    )
    public_plain = add_dossier(
        archive,
        "000.00.01.H43.2019.03",
        [
            DocSpec(pages=1, date=dt.date(2018, 1, 1)),
            DocSpec(pages=2, date=dt.date(2018, 2, 1), blank_after=True),
        ],
    )
    return Dossiers(mixed, secret_only, public_plain)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_public_sees_one_document_counted_dated_and_paged_alone(
    client: TestClient, dossiers: Dossiers
) -> None:
    mixed = dossiers.mixed
    secret, public, conditional = mixed.records
    body = client.get(f"/dossiers/{mixed.id}").json()
    assert [d["id"] for d in body["documents"]] == [public.id]
    doc = body["documents"][0]
    assert (doc["order"], doc["pages"], doc["page_count"]) == (1, [1, 2], 2)  # not 2, [4, 5]
    assert body["pages"] == 2
    assert (body["start_date"], body["end_date"]) == ("2019-03-01", "2019-03-01")
    assert body["retention"] == "10 năm" and body["access"] == "public"
    assert body["withheld"] is None and body["review_reasons"] is None
    text = json.dumps(body, ensure_ascii=False)
    assert secret.id not in text and conditional.id not in text
    words = re.sub(r"\b[0-9a-f]{32}\b", "ID", text)  # a hex id may hold "2021" by chance
    for hidden in ("Vĩnh viễn", "2021", "2020", "tuyệtmật", "Báo cáo", "Công văn"):
        assert hidden not in words


def test_staff_see_public_and_conditional_renumbered(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    mixed = dossiers.mixed
    secret, public, conditional = mixed.records
    body = client.get(f"/dossiers/{mixed.id}", headers=keys.headers("staff")).json()
    assert [(d["id"], d["order"], d["pages"]) for d in body["documents"]] == [
        (public.id, 1, [1, 2]),
        (conditional.id, 2, [3, 3]),
    ]
    assert (body["pages"], body["start_date"], body["end_date"]) == (3, "2019-03-01", "2020-01-02")
    assert body["retention"] == "20 năm" and body["access"] == "conditional"
    assert secret.id not in json.dumps(body)


def test_archivist_lists_the_secret_document_without_its_content(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    mixed = dossiers.mixed
    secret, public, conditional = mixed.records
    body = client.get(f"/dossiers/{mixed.id}", headers=keys.headers("archivist")).json()
    assert [(d["id"], d["order"], d["pages"]) for d in body["documents"]] == [
        (public.id, 2, [4, 5]),
        (conditional.id, 3, [6, 6]),
    ]
    assert body["withheld"] == [{"id": secret.id, "order": 1, "pages": [1, 3], "access": "not_accessible"}]
    assert body["pages"] == 6
    assert body["access"] == "not_accessible"  # the dossier's class: its most restricted document's
    assert "tuyệtmật" not in json.dumps(body, ensure_ascii=False)
    only = client.get(f"/dossiers/{dossiers.secret_only.id}", headers=keys.headers("archivist")).json()
    assert only["documents"] == [] and len(only["withheld"]) == 1 and only["access"] == "not_accessible"
    page = client.get(f"/ui/dossiers/{mixed.id}", headers=keys.headers("archivist")).text
    assert '<dd id="document-count">3</dd>' in page and "Không được tiếp cận" in page


class CountingStore:
    """The store, each call counted (to see which path a request took)."""

    def __init__(self, store: object) -> None:
        self._store, self.calls = store, []

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._store, name)
        if callable(attr):

            def counted(*args: object, **kw: object) -> object:
                self.calls.append(name)
                return attr(*args, **kw)

            return counted
        return attr


@pytest.mark.parametrize("role", ["public", "staff"])
def test_unknown_and_hidden_dossier_take_the_same_path(
    client: TestClient, dossiers: Dossiers, keys: Keys, role: str
) -> None:
    state = client.app.state.api
    unknown = "f" * 32
    answers = {}
    for dossier_id in (dossiers.secret_only.id, unknown):
        counting = CountingStore(state.store)
        state.store = counting
        try:
            response = client.get(f"/dossiers/{dossier_id}", headers=keys.headers(role))
        finally:
            state.store = counting._store
        assert response.status_code == 404
        assert counting.calls == [], f"{role}: a storage read for {dossier_id}"
        answers[dossier_id] = response.json()["detail"].replace(dossier_id, "ID")
    assert answers[dossiers.secret_only.id] == answers[unknown]
    assert "Không có hồ sơ ID" in answers[unknown]


def test_dossier_list_shows_what_the_role_may_know_of(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    public = client.get("/dossiers").json()
    assert {item["id"] for item in public["items"]} == {dossiers.mixed.id, dossiers.public_plain.id}
    assert public["total"] == 2
    mixed = next(i for i in public["items"] if i["id"] == dossiers.mixed.id)
    assert (mixed["documents"], mixed["pages"], mixed["retention"]) == (1, 2, "10 năm")
    plain = next(i for i in public["items"] if i["id"] == dossiers.public_plain.id)
    # every document seen, still their pages only: the scan's 4 (blank sheet too) would say "nothing hidden"
    assert (plain["documents"], plain["pages"]) == (2, 3)
    archivist = client.get("/dossiers", headers=keys.headers("archivist")).json()
    assert archivist["total"] == 3
    paged = client.get("/dossiers", params={"per_page": 1, "page": 2}).json()
    assert paged["total"] == 2 and len(paged["items"]) == 1


def test_record_links_to_its_dossier_as_the_role_sees_it(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    secret, public, conditional = dossiers.mixed.records
    body = client.get(f"/records/{public.id}").json()
    assert body["dossier"] == {
        "id": dossiers.mixed.id,
        "code": "000.00.01.H43.2019.01",
        "order": 1,
        "pages": [1, 2],
    }
    assert body["has_original"] is False
    assert secret.id not in json.dumps(body) and CCCD not in json.dumps(body)
    staff = client.get(f"/records/{conditional.id}", headers=keys.headers("staff")).json()
    assert (staff["dossier"]["order"], staff["dossier"]["pages"]) == (2, [3, 3])
    archivist = client.get(f"/records/{public.id}", headers=keys.headers("archivist")).json()
    assert (archivist["dossier"]["order"], archivist["dossier"]["pages"]) == (2, [4, 5])
    plain = client.get(f"/records/{dossiers.public_plain.records[1].id}").json()
    assert plain["dossier"]["pages"] == [2, 3]  # nothing hidden: the scan's own numbering
    for hidden in (secret, conditional):
        assert client.get(f"/records/{hidden.id}").status_code == 404


def test_document_page_image_comes_from_its_own_pdf_and_is_redacted(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    mixed = dossiers.mixed
    public = mixed.records[1]
    for number in (1, 2):
        response = client.get(
            f"/records/{public.id}/pages/{number}", params={"width": 400}, headers=keys.headers("staff")
        )
        assert response.status_code == 200, response.text
        shown = png_image(response.content)
        own = mixed.image(public.id, number)
        assert shown.size == own.size
        assert ImageStat.Stat(ImageChops.difference(shown, own)).mean[0] < 4  # its own page
        scan_page = mixed.image(mixed.records[0].id, number)  # the dossier scan's page `number`
        assert ImageStat.Stat(ImageChops.difference(shown, scan_page)).mean[0] > 4
    # the public's render: the CCCD's word boxes are blacked out, the heading is not
    word = next(w for w in public.pages[0].words if w.text == CCCD)
    staff_image = png_image(
        client.get(
            f"/records/{public.id}/pages/1", params={"width": 400}, headers=keys.headers("staff")
        ).content
    )
    public_image = png_image(client.get(f"/records/{public.id}/pages/1", params={"width": 400}).content)
    box = (word.box.left, word.box.top, word.box.left + word.box.width, word.box.top + 2)
    assert ImageStat.Stat(public_image.crop(box)).mean[0] < 30  # covered
    assert ImageStat.Stat(staff_image.crop(box)).mean[0] > 100  # the grey above the bar
    assert client.get(f"/records/{public.id}/pages/3").status_code == 404
    assert client.get(f"/records/{mixed.records[0].id}/pages/1").status_code == 404


def test_document_original_is_refused_and_its_pdf_holds_its_pages(
    client: TestClient, archive: Archive, dossiers: Dossiers, keys: Keys
) -> None:
    plain = dossiers.public_plain.records[1]
    response = client.get(f"/records/{plain.id}/original")
    assert response.status_code == 404
    assert (
        "bản quét của cả hồ sơ" in response.json()["detail"]
        and f"/records/{plain.id}/pdf" in response.json()["detail"]
    )
    pdf = client.get(f"/records/{plain.id}/pdf")
    assert pdf.status_code == 200
    store = archive.services.store
    assert pdf.content == store.get_bytes(package_key(store, plain.id, "document.pdf"))
    public = dossiers.mixed.records[1]  # personal data: no whole file for the public
    assert client.get(f"/records/{public.id}/pdf").status_code == 403
    assert client.get(f"/records/{public.id}/original", headers=keys.headers("staff")).status_code == 404


def test_search_in_a_dossier_counts_what_the_role_sees(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    mixed = dossiers.mixed
    secret, public, conditional = mixed.records
    body = client.get("/search", params={"dossier": mixed.id, "sort": "dossier_order"}).json()
    assert body["total"] == 1 and [h["id"] for h in body["hits"]] == [public.id]
    assert body["hits"][0]["dossier"] == mixed.id and "order" not in body["hits"][0]
    assert {f["value"] for f in body["facets"]["access"]} == {"public"}
    assert {f["value"] for f in body["facets"]["doc_type"]} == {"Quyết định"}
    staff = client.get(
        "/search", params={"dossier": mixed.id, "sort": "dossier_order"}, headers=keys.headers("staff")
    ).json()
    assert [h["id"] for h in staff["hits"]] == [public.id, conditional.id]
    assert client.get("/search", params={"dossier": dossiers.secret_only.id}).json()["total"] == 0
    assert client.get("/search", params={"dossier": "zz"}).status_code == 422


def test_web_dossier_page_lists_the_visible_documents(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    mixed = dossiers.mixed
    secret, public, conditional = mixed.records
    page = client.get(f"/ui/dossiers/{mixed.id}")
    assert page.status_code == 200
    html = page.text
    assert "Mục lục văn bản" in html and "Về việc công nhận xã đạt chuẩn" in html
    assert f"/ui/records/{public.id}" in html and secret.id not in html and conditional.id not in html
    assert 'id="document-count">1<' in html and 'id="page-count">2<' in html
    assert "Tách lại hồ sơ" not in html
    record = client.get(f"/ui/records/{public.id}").text
    assert (
        "Thuộc hồ sơ" in record and "văn bản số thứ tự 1" in record and f"/ui/dossiers/{mixed.id}" in record
    )
    assert "Tải tệp gốc" not in record
    hidden = client.get(f"/ui/dossiers/{dossiers.secret_only.id}")
    unknown = client.get(f"/ui/dossiers/{'e' * 32}")
    assert hidden.status_code == unknown.status_code == 404 and "Không tìm thấy" in hidden.text
    listing = client.get("/ui/dossiers").text
    assert "000.00.01.H43.2019.01" in listing and "000.00.01.H43.2019.02" not in listing
    archivist = client.get(f"/ui/dossiers/{mixed.id}", headers=keys.headers("archivist")).text
    assert secret.id in archivist and "chỉ liệt kê" in archivist and "tuyệtmật" not in archivist


def test_app_without_dossiers_lists_none(archive: Archive) -> None:
    with TestClient(create_app(archive.settings)) as fresh:
        assert fresh.get("/dossiers").json() == {"total": 0, "page": 1, "per_page": 20, "items": []}


def test_archivist_moves_boundaries_and_others_may_not(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    plain = dossiers.public_plain  # documents at scan pages [1] and [2, 3], a blank page 4
    first, second = plain.records
    url = f"/dossiers/{plain.id}/split"
    assert client.post(url, json={"at": [1, 2, 3]}).status_code == 401
    refused = client.post(url, json={"at": [1, 2, 3]}, headers=keys.headers("staff"))
    assert refused.status_code == 403 and "lưu trữ viên" in refused.json()["detail"]
    unknown = client.post(f"/dossiers/{'d' * 32}/split", json={"at": [1]}, headers=keys.headers("archivist"))
    assert unknown.status_code == 404 and "Không có hồ sơ" in unknown.json()["detail"]
    bad = client.post(url, json={"at": [1, 4]}, headers=keys.headers("archivist"))  # 4 is blank
    assert bad.status_code == 400 and "Chưa thay đổi gì" in bad.json()["detail"]
    assert client.post(url, json={"at": []}, headers=keys.headers("archivist")).status_code == 422

    done = client.post(url, json={"at": [1, 2, 3]}, headers=keys.headers("archivist"))
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["kept"] == [first.id] and body["withdrawn"] == [second.id] and len(body["added"]) == 2
    assert [d["pages"] for d in body["documents"]] == [[1, 1], [2, 2], [3, 3]]
    shown = client.get(f"/dossiers/{plain.id}", headers=keys.headers("archivist")).json()
    listed = shown["documents"] + (shown["withheld"] or [])
    assert sorted(d["pages"][0] for d in listed) == [1, 2, 3]
    assert client.get(f"/records/{second.id}", headers=keys.headers("archivist")).status_code == 404


def test_staff_are_not_told_of_the_scan_by_a_documents_provenance(
    client: TestClient, dossiers: Dossiers, keys: Keys
) -> None:
    public = dossiers.mixed.records[1]
    staff = client.get(f"/records/{public.id}", headers=keys.headers("staff")).json()
    assert [e["step"] for e in staff["events"]] == ["ocr", "segment"]
    assert all(e["parameters"] == {} and e["detail"] == "" for e in staff["events"])
    # the fixture's reason is written by no step: said generically (api.vietnamese), its kind "other"
    assert staff["classification"]["review_reasons"] == ["Cần lưu trữ viên xem xét."]
    assert staff["review_reason_codes"] == ["other"]
    page = client.get(f"/ui/records/{public.id}", headers=keys.headers("staff")).text
    assert "trang 4 của hồ sơ" not in page
    archivist = client.get(f"/records/{public.id}", headers=keys.headers("archivist")).json()
    assert [e["detail"] for e in archivist["events"]] == ["6 trang quét", "trang quét 4–5"]  # in Vietnamese
    assert len(archivist["classification"]["review_reasons"]) == 2
    assert client.get(f"/records/{public.id}").json()["events"] is None


def test_web_search_within_a_dossier(client: TestClient, dossiers: Dossiers, keys: Keys) -> None:
    mixed = dossiers.mixed
    secret, public, conditional = mixed.records
    assert 'name="dossier"' in client.get(f"/ui/dossiers/{mixed.id}").text
    page = client.get("/ui", params={"dossier": mixed.id}).text
    assert 'id="in-dossier"' in page and f"/ui/records/{public.id}" in page
    assert secret.id[:12] not in page and conditional.id[:12] not in page
    assert f'value="{mixed.id}"' in page  # a new search from the form stays in the dossier
    staff = client.get("/ui", params={"dossier": mixed.id}, headers=keys.headers("staff")).text
    assert conditional.id[:12] in staff and secret.id[:12] not in staff
    everything = client.get("/ui").text
    assert f"/ui/dossiers/{mixed.id}" in everything  # a hit names its dossier


def test_a_documents_pdf_cut_from_a_plain_scan_holds_its_own_images(
    client: TestClient, archive: Archive
) -> None:
    built = add_dossier(
        archive, "H.CUT", [DocSpec(pages=1), DocSpec(access="not_accessible", pages=2)], cut=True
    )
    pdf = client.get(f"/records/{built.records[0].id}/pdf")
    assert pdf.status_code == 200 and image_objects(pdf.content) == 1


def test_a_documents_pdf_holds_no_image_of_another_document(client: TestClient, archive: Archive) -> None:
    built = add_dossier(
        archive,
        "H.SHARED",
        [DocSpec(pages=1), DocSpec(access="not_accessible", secrecy="MẬT", pages=2)],
        cut=True,
        shared_resources=True,
    )
    pdf = client.get(f"/records/{built.records[0].id}/pdf")
    assert pdf.status_code == 200
    assert image_objects(pdf.content) == 1  # not the secret document's two pages too


def test_a_held_dossier_is_not_split_from_the_api(client: TestClient, archive: Archive, keys: Keys) -> None:
    held = add_dossier(archive, "H.HELD", [DocSpec(pages=1), DocSpec(pages=1)], held=True)
    page = client.get(f"/ui/dossiers/{held.id}", headers=keys.headers("archivist")).text
    assert 'id="split-held"' in page and 'class="split-form"' not in page
    refused = client.post(f"/dossiers/{held.id}/split", json={"at": [1]}, headers=keys.headers("archivist"))
    assert refused.status_code == 400 and "khu lưu giữ tài liệu mật" in refused.json()["detail"]
    assert client.get(f"/dossiers/{held.id}").json()["pages"] == 2  # its documents still served


def test_a_split_never_cuts_up_a_secret_document(client: TestClient, dossiers: Dossiers, keys: Keys) -> None:
    mixed = dossiers.mixed  # secret p.1-3 (its class; no mark on its pages), public p.4-5, conditional p.6
    secret, public, conditional = mixed.records
    url, archivist = f"/dossiers/{mixed.id}/split", keys.headers("archivist")
    for at in ([1, 2], [1, 5], [1, 6]):  # the secret one cut, or joined with the public one
        refused = client.post(url, json={"at": at}, headers=archivist)
        assert refused.status_code == 400, at
        assert "các trang 1–3 là một văn bản không được tiếp cận" in refused.json()["detail"]
    assert client.get(f"/records/{secret.id}", headers=archivist).status_code == 403  # still there
    done = client.post(url, json={"at": [1, 4, 5, 6]}, headers=archivist)  # the secret one kept whole
    assert done.status_code == 200, done.text
    assert secret.id in done.json()["kept"] and public.id in done.json()["withdrawn"]
