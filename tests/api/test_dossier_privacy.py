"""What a dossier's own text and a document's review flag tell of the documents a role may not see
(red-team s13 doors 2 and 3, record side; the published list's side is tests/export/test_lists.py).

- The dossier's title and code are shown to the public in one public form, the dossier's own:
  masked with the personal data EVERY document lists (a conditional document's too) and with what
  the detector finds in the text itself; staff and archivists read them in clear.
- A review reason taken away from staff (a boundary doubt naming the scan's pages, a near-duplicate
  link to a record they may not know of) takes its "awaiting review" with it, on the record and on
  the web page: a flag without a reason would say a page follows the document, or a twin exists.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from application.dossier_intake import UNSURE_BOUNDARY
from application.dossiers import public_text
from dedup.link import link_near_duplicate
from dedup.match import DuplicateMatch
from indexing.masking import MASKED
from schemas import PersonalData, Record
from storage.layout import SEARCHABLE_PDF
from storage.package import package_key, write_document_package
from tests.api.conftest import Archive, Keys, TestClient
from tests.api.dossier_archive import DocSpec, add_dossier

NAME = "Bùi Văn Thắng"


def _listing(access: str) -> DocSpec:
    return DocSpec(
        access=access,
        lines=(f"Ông {NAME} đề nghị cấp đất",),
        personal=(PersonalData(kind="name", value=NAME, page=1),),
    )


def _shown(client: TestClient, keys: Keys, role: str, dossier_id: str) -> list[str]:
    """The dossier's title and code on /dossiers/{id}, /dossiers and the web page."""
    headers = keys.headers(role)
    one = client.get(f"/dossiers/{dossier_id}", headers=headers).json()
    item = next(i for i in client.get("/dossiers", headers=headers).json()["items"] if i["id"] == dossier_id)
    page = client.get(f"/ui/dossiers/{dossier_id}", headers=headers).text
    return [one["title"], one["code"], item["title"], item["code"], page]


def test_a_title_and_code_naming_a_hidden_documents_person_are_masked_for_the_public(
    client: TestClient, archive: Archive, keys: Keys
) -> None:
    """The name is listed by the conditional document alone, without a lead word in the title:
    only the hidden document's personal data can mask it."""
    title = f"Hồ sơ cấp đất {NAME}"
    built = add_dossier(archive, "BuiVanThang.2020.01", [DocSpec(), _listing("conditional")], title=title)
    public = _shown(client, keys, "public", built.id)
    assert public[:4] == [f"Hồ sơ cấp đất {MASKED}", f"{MASKED}.2020.01"] * 2
    assert NAME not in public[4] and "BuiVanThang" not in public[4]
    record = client.get(f"/records/{built.records[0].id}").json()
    assert record["dossier"]["code"] == f"{MASKED}.2020.01"
    staff = client.get(f"/dossiers/{built.id}", headers=keys.headers("staff")).json()
    assert (staff["title"], staff["code"]) == (title, "BuiVanThang.2020.01")


def test_the_publics_title_is_the_dossiers_own_whichever_document_lists_the_name(
    client: TestClient, archive: Archive, keys: Keys
) -> None:
    """The same title over a public document that lists the person and over a conditional one
    that does: the public is shown the very same text."""
    title = f"Hồ sơ cấp đất {NAME}"
    hidden = add_dossier(archive, "H1.2020.02", [DocSpec(), _listing("conditional")], title=title)
    shown = add_dossier(archive, "H1.2020.02", [DocSpec(), _listing("public")], title=title, seed="twin")
    titles = [client.get(f"/dossiers/{built.id}").json()["title"] for built in (hidden, shown)]
    assert titles[0] == titles[1] == f"Hồ sơ cấp đất {MASKED}"


def test_the_detector_masks_a_person_the_documents_do_not_list() -> None:
    for title, shown in (
        (f"Hồ sơ cấp đất cho ông {NAME}", f"Hồ sơ cấp đất cho ông {MASKED}"),
        (f"HỒ SƠ CẤP ĐẤT CHO ÔNG {NAME.upper()}", f"HỒ SƠ CẤP ĐẤT CHO ÔNG {MASKED}"),
        ("Hồ sơ của bà Lò Thị A, CCCD 001090012345", f"Hồ sơ của bà {MASKED}, CCCD {MASKED}"),
        ("Hồ sơ xây dựng trường tỉnh Bà Rịa - Vũng Tàu", "Hồ sơ xây dựng trường tỉnh Bà Rịa - Vũng Tàu"),
        ("Hồ sơ anh hùng lao động", "Hồ sơ anh hùng lao động"),
    ):
        assert public_text(title, ()) == shown


# ---- the review flag staff are shown ----


def _linked(archive: Archive, record: Record, of: str) -> None:
    """`record` stored and indexed as the intake leaves a near-duplicate of `of`."""
    store = archive.services.store
    linked = link_near_duplicate(record, DuplicateMatch(record_id=of, basis="text+image", text=0.97, image=2))
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / SEARCHABLE_PDF
        pdf.write_bytes(store.get_bytes(package_key(store, record.id, SEARCHABLE_PDF)))
        write_document_package(store, linked, {SEARCHABLE_PDF: pdf})
    archive.services.index.add(linked)


def test_staff_are_not_shown_awaiting_review_for_a_reason_taken_away(
    client: TestClient, archive: Archive, keys: Keys
) -> None:
    doubt = UNSURE_BOUNDARY.format(page=3, confidence=0.41)  # about the next document's first page
    built = add_dossier(
        archive,
        "H1.2020.03",
        [
            DocSpec(access="conditional", pages=2, review_reasons=(doubt,)),
            DocSpec(access="conditional", pages=2, review_reasons=(doubt, "no rule decided")),
            DocSpec(access="conditional"),
            DocSpec(access="not_accessible"),
        ],
    )
    doubted, kept, twin, hidden = built.records
    _linked(archive, twin, hidden.id)
    staff, archivist = keys.headers("staff"), keys.headers("archivist")
    flags = {}
    for record in (doubted, kept, twin):
        shown = client.get(f"/records/{record.id}", headers=staff).json()["classification"]
        flags[record.id] = (shown["needs_review"], shown["review_reasons"])
        page = client.get(f"/ui/records/{record.id}", headers=staff).text
        assert ("Cần duyệt</strong>" in page) is shown["needs_review"]
        assert client.get(f"/records/{record.id}", headers=archivist).json()["classification"]["needs_review"]
    assert flags == {
        doubted.id: (False, []),
        kept.id: (True, ["Cần lưu trữ viên xem xét."]),
        twin.id: (False, []),
    }
