"""Red team on dossiers (hồ sơ): side doors through which the public (or staff) could learn of a
document of a dossier it may not see. The app under uvicorn, attacked over HTTP.

World: a dossier whose scan holds a conditional letter (pages 1-3, hidden from the public), a
public decision (pages 4-5) and a not_accessible report (page 6); a dossier of one
not_accessible document; and a dossier of two public documents (the control)."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.key_store import KeyStore, keys_path
from application.dossier_review import KEPT_CLASS
from dedup.link import link_near_duplicate
from dedup.match import DuplicateMatch
from schemas import Event, document_id_for
from storage import read_record
from storage.layout import SEARCHABLE_PDF
from storage.package import package_key, write_document_package
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier
from tests.redteam.conftest import Live, build_archive, serving


@dataclass
class World:
    live: Live
    mixed: StoredDossier  # conditional (3 pages), public (2), not_accessible (1)
    hidden: StoredDossier  # one not_accessible document
    plain: StoredDossier  # two public documents, a blank sheet between them
    resplit: StoredDossier  # not_accessible (2 pages), conditional re-cut by a split (2)
    metrics_key: str  # a Prometheus scraper's key

    @property
    def public_doc(self):  # noqa: ANN201
        return self.mixed.records[1]


def _world(home: Path) -> tuple:
    archive, keys = build_archive(home)
    mixed = add_dossier(
        archive,
        "000.00.01.H43.2020.07",
        [
            DocSpec(access="conditional", pages=3, doc_type="Công văn", date=dt.date(2021, 6, 1)),
            DocSpec(
                access="public",
                pages=2,
                date=dt.date(2020, 3, 1),
                events=(  # as the intake writes them: the OCR of the whole scan, then the cut
                    Event(step="ocr", tool="tesseract", detail="6 scan pages", seconds=61.25),
                    Event(step="segment", tool="sohoa", parameters={"order": 2}, detail="scan pages 4-5"),
                ),
            ),
            DocSpec(access="not_accessible", pages=1, doc_type="Báo cáo", date=dt.date(2022, 1, 1)),
        ],
        title="Hồ sơ về việc giải phóng mặt bằng",
    )
    hidden = add_dossier(
        archive, "000.00.01.H43.2020.08", [DocSpec(access="not_accessible", pages=2, doc_type="Báo cáo")]
    )
    plain = add_dossier(  # a blank separator sheet between them (scan page 3)
        archive, "000.00.01.H43.2020.09", [DocSpec(pages=2, blank_after=True), DocSpec(pages=1)]
    )
    resplit = add_dossier(  # a split made the second document of scan pages 3-4 (a split keeps the class)
        archive,
        "000.00.01.H43.2020.10",
        [
            DocSpec(access="not_accessible", pages=2, doc_type="Báo cáo"),
            DocSpec(
                access="conditional",
                pages=2,
                review_reasons=(KEPT_CLASS.format(pages="3,4", was="conditional", now="public"),),
            ),
        ],
    )
    _near_duplicate(archive, mixed.records[1], mixed.records[0].id)
    _near_duplicate(archive, plain.records[1], mixed.records[2].id)
    return archive, keys, mixed, hidden, plain, resplit


def _near_duplicate(archive, record, of: str) -> None:  # noqa: ANN001
    """Store `record` as the intake does when its fingerprint matches `of`'s (store_document:
    link_near_duplicate, then the package), and index it again."""
    store = archive.services.store
    linked = link_near_duplicate(record, DuplicateMatch(record_id=of, basis="text+image", text=0.97, image=2))
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / SEARCHABLE_PDF
        pdf.write_bytes(store.get_bytes(package_key(store, record.id, SEARCHABLE_PDF)))
        write_document_package(store, linked, {SEARCHABLE_PDF: pdf})
    archive.services.index.add(linked)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    archive, keys, mixed, hidden, plain, resplit = _world(tmp_path_factory.mktemp("dossier-doors") / "home")
    metrics_key = KeyStore(keys_path(archive.settings)).create("metrics", "Prometheus")[1]
    with serving(archive, keys) as live:
        yield World(live, mixed, hidden, plain, resplit, metrics_key)


# ---- the record id is a hash of the dossier id and the scan pages ----


def _spans(dossier_id: str, target: str, max_pages: int = 300) -> list[int] | None:
    """The scan pages whose document id is `target`: every contiguous span tried (a few tens of
    thousands of sha256s, well under a second)."""
    for first in range(1, max_pages + 1):
        for last in range(first, max_pages + 1):
            pages = list(range(first, last + 1))
            if document_id_for(dossier_id, pages) == target:
                return pages
    return None


def test_public_cannot_recover_scan_pages_from_a_documents_id(world: World) -> None:
    doc = world.public_doc
    body = world.live.get(f"/records/{doc.id}").json()
    dossier_id = body["dossier"]["id"]
    assert body["dossier"]["order"] == 1 and body["dossier"]["pages"] == [1, 2]  # renumbered
    # closed in ee8d7f6: a document's id comes from the dossier's whole content hash, of which
    # the public id is only half (it was sha256('<dossier id>:<scan pages>'): pages 4-5 came out)
    recovered = _spans(dossier_id, body["id"], max_pages=40)
    assert recovered is None, f"the public read scan pages {recovered} from the ids"


# ---- a near-duplicate link names a hidden sibling ----


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_public_record_does_not_name_its_hidden_near_duplicate(world: World) -> None:
    """A document found to be a near-duplicate of a conditional sibling (an attached copy, a draft)
    is flagged by dedup with a DUP.near decision whose evidence is "record <id>": the public record
    JSON and page must not carry that id (nor the decision that says a twin exists)."""
    doc, sibling = world.public_doc, world.mixed.records[0]
    stored = read_record(world.live.archive.services.store, doc.id)
    assert any(d.rule == "DUP.near" for d in stored.classification.decisions)  # the door is set up
    body = world.live.get(f"/records/{doc.id}").json()
    assert sibling.id not in _text(body)
    assert all(d["rule"] != "DUP.near" for d in body["classification"]["decisions"])
    page = world.live.get(f"/ui/records/{doc.id}").text
    assert sibling.id not in page


def test_staff_record_does_not_name_a_not_accessible_near_duplicate(world: World) -> None:
    """The same for staff when the twin is one they may not know of (not_accessible)."""
    doc, secret = world.plain.records[1], world.mixed.records[2]
    stored = read_record(world.live.archive.services.store, doc.id)
    assert any(d.evidence == f"record {secret.id}" for d in stored.classification.decisions)
    body = world.live.get(f"/records/{doc.id}", "staff").json()
    assert secret.id not in _text(body)
    page = world.live.get(f"/ui/records/{doc.id}", "staff").text
    assert secret.id not in page


# ---- guards: doors found closed (these pass; they keep them closed) ----

UNKNOWN = "0123456789abcdef0123456789abcdef"


def test_search_in_a_dossier_counts_and_facets_what_the_public_sees(world: World) -> None:
    live = world.live
    body = live.get("/search", params={"dossier": world.mixed.id, "facet_limit": 100}).json()
    assert body["total"] == 1 and [h["id"] for h in body["hits"]] == [world.public_doc.id]
    assert all("order" not in h for h in body["hits"])
    text = _text(body["facets"])
    for hidden in ("Công văn", "Báo cáo", "2021", "2022", "conditional", "not_accessible"):
        assert hidden not in text
    counts = [v["count"] for values in body["facets"].values() for v in values]
    assert counts and max(counts) == 1
    # a dossier of hidden documents only answers exactly as an unknown one
    hidden = live.get("/search", params={"dossier": world.hidden.id, "sort": "dossier_order"}).json()
    unknown = live.get("/search", params={"dossier": UNKNOWN, "sort": "dossier_order"}).json()
    assert hidden == unknown and hidden["total"] == 0


def test_dossier_order_paging_leaves_no_gap(world: World) -> None:
    """Paging one hit at a time in dossier order: the public's hits are the visible documents,
    none carries its order, the totals agree."""
    live = world.live
    seen = []
    for page in (1, 2, 3):
        body = live.get(
            "/search",
            params={"dossier": world.plain.id, "sort": "dossier_order", "per_page": 1, "page": page},
        ).json()
        assert body["total"] == 2
        seen += [h["id"] for h in body["hits"]]
    assert seen == [r.id for r in world.plain.records]


def test_dossier_list_counts_only_what_the_role_may_know_of(world: World) -> None:
    live = world.live
    public = live.get("/dossiers", params={"per_page": 1}).json()
    assert public["total"] == 2  # mixed and plain; the hidden one is not counted
    everything = live.get("/dossiers", params={"per_page": 100}).json()
    items = {i["id"]: i for i in everything["items"]}
    assert set(items) == {world.mixed.id, world.plain.id}
    mixed = items[world.mixed.id]
    assert (mixed["documents"], mixed["pages"], mixed["start_date"], mixed["end_date"]) == (
        1,
        2,
        "2020-03-01",
        "2020-03-01",
    )
    assert mixed["access"] == "public"
    staff = live.get("/dossiers", "staff", params={"per_page": 100}).json()
    assert staff["total"] == 3  # and the re-cut one (its conditional document)
    s_mixed = next(i for i in staff["items"] if i["id"] == world.mixed.id)
    assert (s_mixed["documents"], s_mixed["pages"], s_mixed["end_date"]) == (2, 5, "2021-06-01")


def test_hidden_and_unknown_dossiers_answer_alike(world: World) -> None:
    live = world.live
    for role in ("public", "staff"):
        for path in ("/dossiers/{}", "/ui/dossiers/{}"):
            hidden = live.get(path.format(world.hidden.id), role)
            unknown = live.get(path.format(UNKNOWN), role)
            assert hidden.status_code == unknown.status_code == 404
            assert hidden.text.replace(world.hidden.id, "ID") == unknown.text.replace(UNKNOWN, "ID")
            assert dict(hidden.headers).keys() == dict(unknown.headers).keys()


def test_split_as_public_or_staff_tells_nothing(world: World) -> None:
    live = world.live
    answers = set()
    for role in ("public", "staff"):
        for dossier in (world.hidden.id, world.mixed.id, UNKNOWN):
            for body in ({"at": [1, 4]}, {"at": [999]}, {"at": "x"}):
                r = live.post(f"/dossiers/{dossier}/split", role, json=body)
                answers.add((role, r.status_code, r.text.replace(dossier, "ID")))
    by_role = {}
    for role, status, text in answers:
        by_role.setdefault(role, set()).add((status, text))
    assert all(len(v) == 1 for v in by_role.values()), by_role
    assert {status for _, status, _ in answers} <= {401, 403}


def test_dossier_answers_are_not_cached(world: World) -> None:
    live = world.live
    for path in (
        f"/dossiers/{world.mixed.id}",
        "/dossiers",
        f"/ui/dossiers/{world.mixed.id}",
        "/ui/dossiers",
    ):
        r = live.get(path)
        assert r.status_code == 200
        assert "no-store" in r.headers["cache-control"]
        assert "Authorization" in r.headers["vary"] and "Cookie" in r.headers["vary"]
        assert "etag" not in r.headers and "last-modified" not in r.headers


def test_public_dossier_page_and_record_say_nothing_of_the_hidden_documents(world: World) -> None:
    live = world.live
    conditional, public, secret = world.mixed.records
    page = live.get(f"/ui/dossiers/{world.mixed.id}").text
    record = live.get(f"/records/{public.id}").json()
    record_page = live.get(f"/ui/records/{public.id}").text
    for text in (page, _text(record), record_page):
        for hidden in (
            conditional.id,
            secret.id,
            "Công văn",
            "Báo cáo",
            "2021",
            "2022",
            "trang 4",
            "4–5",
            "4-5",
        ):
            assert hidden not in text, hidden
    assert record["dossier"]["order"] == 1 and record["dossier"]["pages"] == [1, 2]
    assert record["events"] is None and record["classification"]["review_reasons"] == []
    assert record["page_count"] == 2 and [p["number"] for p in record["pages"]] == [1, 2]


def test_a_page_beyond_the_document_answers_as_any_missing_page(world: World) -> None:
    """Page 3 of the public document (2 pages; scan page 3 is the conditional letter's) and page
    99 give the same 404."""
    live = world.live
    doc = world.public_doc
    three = live.get(f"/records/{doc.id}/pages/3")
    far = live.get(f"/records/{doc.id}/pages/99")
    assert three.status_code == far.status_code == 404
    assert three.text.replace("trang 3", "trang N") == far.text.replace("trang 99", "trang N")


def test_staff_see_the_conditional_document_but_not_the_secret_one(world: World) -> None:
    live = world.live
    conditional, public, secret = world.mixed.records
    body = live.get(f"/dossiers/{world.mixed.id}", "staff").json()
    assert [(d["id"], d["order"], d["pages"]) for d in body["documents"]] == [
        (conditional.id, 1, [1, 3]),
        (public.id, 2, [4, 5]),
    ]
    assert body["pages"] == 5 and body["end_date"] == "2021-06-01" and body["access"] == "conditional"
    assert secret.id not in _text(body) and "2022" not in _text(body) and body["withheld"] is None


def test_staff_are_not_told_the_scans_length_by_the_ocr_time(world: World) -> None:
    """A document's provenance keeps the intake's OCR event, whose `seconds` is the time to read
    the whole scan (hidden documents' pages too): ~10 s a page tells staff how many pages the scan
    holds beyond those they see. Scrubbed like the event's detail ("6 scan pages")."""
    body = world.live.get(f"/records/{world.public_doc.id}", "staff").json()
    events = body["events"]
    assert events and [e["step"] for e in events] == ["ocr", "segment"]
    assert all(e["detail"] == "" and e["parameters"] == {} for e in events)
    assert all(e["seconds"] == 0 for e in events), events


class _BytesRead:
    """The store, the bytes each read returns added up."""

    def __init__(self, store: object) -> None:
        self._store, self.read = store, 0

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._store, name)
        if name != "get_bytes":
            return attr

        def counted(*args: object, **kw: object) -> bytes:
            data = attr(*args, **kw)
            self.read += len(data)
            return data

        return counted


def test_a_public_dossier_answer_does_no_work_for_hidden_pages(tmp_path: Path) -> None:
    """Bytes read from the store to answer /dossiers/{id} and a document's record: the same
    whether its hidden neighbour has 1 page or 40. Found open (the whole dossier.json, every scan
    page's text, read for each answer: 13x the bytes), closed in 444b368 (dossier.json is the
    head, scan.json read only when asked)."""
    archive, keys = build_archive(tmp_path / "home")
    lines = ("Nội dung báo cáo " * 12,) * 6  # a page of text
    public = DocSpec(pages=2, date=dt.date(2020, 3, 1))
    short = add_dossier(
        archive, "H1.2020.01", [public, DocSpec(access="not_accessible", pages=1, lines=lines)]
    )
    long = add_dossier(
        archive, "H1.2020.02", [public, DocSpec(access="not_accessible", pages=40, lines=lines)]
    )
    with serving(archive, keys) as live:
        state = live.app.state.api
        read = {}
        for built in (short, long):
            for path in (f"/dossiers/{built.id}", f"/records/{built.records[0].id}"):
                counting = _BytesRead(state.store)
                state.store = counting
                try:
                    assert live.get(path).status_code == 200
                finally:
                    state.store = counting._store
                read[(built.id, path.split("/")[1])] = counting.read
    for kind in ("dossiers", "records"):
        few, many = read[(short.id, kind)], read[(long.id, kind)]
        assert many <= few * 1.05 + 512, f"/{kind}: {few} bytes read for 1 hidden page, {many} for 40"


def test_staff_are_not_told_the_scan_pages_by_a_splits_review_reason(world: World) -> None:
    """A split that would open a document keeps its stricter class and says why: "Văn bản được
    tách lại từ trang 3,4 …". Staff see review reasons; these scan pages tell them that 2 pages
    precede the document they are shown as pages 1-2 of its dossier."""
    doc = world.resplit.records[1]
    body = world.live.get(f"/records/{doc.id}", "staff").json()
    assert body["dossier"]["order"] == 1 and body["dossier"]["pages"] == [1, 2]
    assert "3,4" not in _text(body["classification"]), body["classification"]["review_reasons"]
    page = world.live.get(f"/ui/records/{doc.id}", "staff").text
    assert "3,4" not in page


@pytest.mark.parametrize("role", ["public", "staff"])
def test_a_dossier_with_nothing_hidden_looks_like_one_with_something_hidden(world: World, role: str) -> None:
    """A dossier with a hidden document is shown numbered over the visible documents alone (pages
    consecutive, the page count their sum). One with nothing hidden must be shown the same way:
    shown with the scan's own numbering, a blank separator sheet makes a jump in the page numbers
    (1-2, then 4) and a page count above the documents' (4 for 3), which says "nothing is hidden
    here" — and a dossier without such a jump is then more likely to hide something."""
    body = world.live.get(f"/dossiers/{world.plain.id}", role).json()
    assert [d["pages"] for d in body["documents"]] == [[1, 2], [3, 3]]
    assert body["pages"] == 3
    listed = world.live.get("/dossiers", role, params={"per_page": 100}).json()
    assert next(i for i in listed["items"] if i["id"] == world.plain.id)["pages"] == 3
    second = world.live.get(f"/records/{world.plain.records[1].id}", role).json()
    assert second["dossier"]["pages"] == [3, 3]


def test_an_access_filter_does_not_reach_past_the_role(world: World) -> None:
    """Asking for the hidden classes by name inside a dossier finds what asking in an unknown
    dossier finds: nothing (public), the conditional letter only (staff: not the secret report)."""
    live = world.live
    for role, expected in (("public", []), ("staff", [world.mixed.records[0].id])):
        asked = live.get(
            "/search",
            role,
            params={"dossier": world.mixed.id, "access": ["conditional", "not_accessible", "undetermined"]},
        )
        assert asked.status_code == 200
        assert [h["id"] for h in asked.json()["hits"]] == expected
        assert asked.json()["total"] == len(expected)
        facets = _text(asked.json()["facets"])
        assert "not_accessible" not in facets and "Báo cáo" not in facets and "2022" not in facets


def test_a_metrics_key_knows_of_no_dossier(world: World) -> None:
    """A scraper's key reads /metrics and nothing else: no dossier listed, counted or found."""
    live, headers = world.live, {"X-API-Key": world.metrics_key}
    listed = live.client.get(f"{live.url}/dossiers", headers=headers).json()
    assert listed["total"] == 0 and listed["items"] == []
    for dossier in (world.mixed, world.plain):
        assert live.client.get(f"{live.url}/dossiers/{dossier.id}", headers=headers).status_code == 404
        found = live.client.get(f"{live.url}/search", params={"dossier": dossier.id}, headers=headers).json()
        assert found["total"] == 0


def test_a_split_among_hidden_documents_changes_nothing_the_public_or_staff_see(tmp_path: Path) -> None:
    """An archivist cuts an undetermined letter (hidden from public and staff) in two: the public
    decision after it keeps its pages and record, only its order in the dossier moves (2 -> 3),
    which is rewritten with the split's event. Neither the public nor staff may see any change."""
    archive, keys = build_archive(tmp_path / "home")
    built = add_dossier(
        archive,
        "H1.2020.05",
        [DocSpec(access="undetermined", pages=2, doc_type="Công văn"), DocSpec(pages=1)],
    )
    public = built.records[1]
    with serving(archive, keys) as live:
        before = {role: live.get(f"/records/{public.id}", role).json() for role in ("public", "staff")}
        pages = {role: live.get(f"/ui/records/{public.id}", role).text for role in ("public", "staff")}
        done = live.post(f"/dossiers/{built.id}/split", "archivist", json={"at": [1, 2, 3]})
        assert done.status_code == 200, done.text
        assert done.json()["kept"] == [public.id]
        assert live.get(f"/records/{public.id}", "archivist").json()["dossier"]["order"] == 3
        for role in ("public", "staff"):
            assert live.get(f"/records/{public.id}", role).json() == before[role], role
            assert live.get(f"/ui/records/{public.id}", role).text == pages[role], role


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z?|\d\d/\d\d/\d{4} \d\d:\d\d(:\d\d)?")


def test_a_held_dossier_looks_like_any_other_to_public_and_staff(tmp_path: Path) -> None:
    """A dossier holding a MẬT report is held (its original in the secret hold): the archivist's
    page says so, the public's and staff's must not — their view of it is that of a dossier with
    the same visible document and a not_accessible one that is not marked secret."""
    archive, keys = build_archive(tmp_path / "home")
    docs = [DocSpec(pages=2, date=dt.date(2020, 3, 1)), DocSpec(access="not_accessible", pages=1)]
    held = add_dossier(
        archive,
        "H1.2020.07",
        [docs[0], DocSpec(access="not_accessible", pages=1, secrecy="MẬT")],
        held=True,
        seed="held",
    )
    plain = add_dossier(archive, "H1.2020.07", docs, seed="plain")
    with serving(archive, keys) as live:
        assert "split-held" in live.get(f"/ui/dossiers/{held.id}", "archivist").text
        for role in ("public", "staff"):
            views = []
            for built in (held, plain):
                swap = {built.id: "DOSSIER", built.records[0].id: "DOC"}
                texts = [
                    live.get(f"/dossiers/{built.id}", role).text,
                    live.get(f"/ui/dossiers/{built.id}", role).text,
                    live.get(f"/records/{built.records[0].id}", role).text,
                    live.get(f"/ui/records/{built.records[0].id}", role).text,
                    live.get("/search", role, params={"dossier": built.id}).text,
                ]
                for old, new in swap.items():
                    texts = [t.replace(old, new) for t in texts]
                views.append([_STAMP.sub("TIME", t) for t in texts])  # made a moment apart
            assert views[0] == views[1], role
