"""Documents of a dossier (hồ sơ) in the index beyond the conformance cases: what a reindex and
its journal catch-up make of their packages, and that both engines store the same fields (one
module, indexing.fields, builds them)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from indexing import SqliteIndex, reindex
from indexing.elastic_mapping import record_document
from indexing.masking import MASKED
from indexing.rebuild import CatchUp, ReindexReport, catch_up
from schemas import PersonalData, Record
from storage import LocalStore, write_package
from storage.package import write_document_package
from tests.indexing.conformance import FILLER, make_record, search
from tests.indexing.stored import stored_record

NAME = "Bùi Văn Thắng"


def _document(record_id: str, order: int, text: str, access: str = "public") -> Record:
    return make_record(record_id, text, subject=text, access=access, dossier=("hs-7", order))


def _store(tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    write_document_package(store, _document("d2", 2, "Biên bản nghiệm thu công trình"))
    write_document_package(store, _document("d1", 1, "Tờ trình xin nghiệm thu", access="conditional"))
    for filler in FILLER:
        record, original = stored_record(tmp_path, filler.id, *(p.text for p in filler.pages))
        write_package(store, record, original)
    return store


def test_reindex_and_its_catch_up_keep_each_documents_dossier_and_order(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with SqliteIndex(tmp_path / "index.sqlite3") as index:
        since = datetime.now(UTC)
        report = reindex(store, index)
        assert report.ok and report.indexed == 2 + len(FILLER)
        listed = search(index, "", filters={"dossier": "hs-7"}, sort="dossier_order")
        assert [(h.id, h.dossier, h.order) for h in listed.hits] == [("d1", "hs-7", 1), ("d2", "hs-7", 2)]
        public = search(index, "nghiệm thu", classes=("public",), masked=True, filters={"dossier": "hs-7"})
        assert [h.id for h in public.hits] == ["d2"] and public.total == 1
        # A third document committed later (a boundary moved): the journal catch-up adds it.
        write_document_package(store, _document("d3", 3, "Quyết định phê duyệt quyết toán"))
        applied = catch_up(
            store, index, CatchUp(since=since), ReindexReport(store=store.url, index=index.url)
        )
        assert "d3" in applied
        listed = search(index, "", filters={"dossier": "hs-7"}, sort="dossier_order")
        assert [(h.id, h.order) for h in listed.hits] == [("d1", 1), ("d2", 2), ("d3", 3)]


def _odd_document() -> Record:
    """A document whose every metadata value holds a listed name (an archivist may type any)."""
    record = make_record(
        "odd",
        f"Đơn của ông {NAME}",
        subject=f"Đơn của ông {NAME}",
        doc_type=f"Đơn của {NAME}",
        issuer=f"Hộ kinh doanh {NAME}",
        retention=f"Đến khi {NAME} thôi kinh doanh",
        province=f"Tỉnh {NAME}",
        province_present=f"Tỉnh {NAME} mới",
        dossier=("hs-9", 4),
    )
    record.metadata.personal_data = [PersonalData(kind="name", value=NAME, page=1)]
    return record


def test_both_engines_store_the_same_values_and_public_forms(tmp_path: Path) -> None:
    record = _odd_document()
    path = tmp_path / "index.sqlite3"
    with SqliteIndex(path) as index:
        index.add(record)
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM records").fetchone())
    document = record_document(record)
    public = {
        "title": document["title"],
        "doc_type": document["doc_type"],
        "issuer": document["issuer"],
        "province_present": document["province_present"],
        "retention": document["retention"],
    }
    assert public == {
        "title": row["public_title"],
        "doc_type": row["public_doc_type"],
        "issuer": row["public_issuer"],
        "province_present": row["public_province_present"],
        "retention": row["public_retention"],
    }
    assert all(MASKED in value and "Thắng" not in value for value in public.values()), public
    assert document["province_key"] == f"tỉnh {MASKED}" and row["public_province"] == f"Tỉnh {MASKED}"
    full = ("doc_type", "issuer", "province_present", "retention")
    assert {name: document[f"private_{name}"] for name in full} == {name: row[name] for name in full}
    assert document["private_province_key"] == row["province_key"] == f"tỉnh {NAME.lower()}"
    assert (
        (document["dossier"], document["dossier_order"])
        == (row["dossier"], row["dossier_order"])
        == ("hs-9", 4)
    )
