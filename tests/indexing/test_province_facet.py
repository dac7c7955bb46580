"""Facets use canonical names: one issuer across spellings, and the province today (a record of
tỉnh Vĩnh Phúc, 2018, counts under Phú Thọ and is found under either name)."""

from __future__ import annotations

from pathlib import Path

from classify import extract_metadata
from indexing import SqliteIndex
from schemas import Record, SearchFilters, SearchQuery
from tests.indexing.conformance import make_record

HEADER = """{issuer}
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
{place_line}
Độc lập - Tự do - Hạnh phúc
Số: 1{number}/QĐ-UBND
{place}, ngày 12 tháng 9 năm {year}
QUYẾT ĐỊNH
Về việc số hóa tài liệu lưu trữ
Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011;"""


def _record(rid: str, **parts: str) -> Record:
    record = make_record(rid, HEADER.format(**parts))
    return record.model_copy(update={"metadata": extract_metadata(record.pages)})


def test_issuer_and_province_facets_use_canonical_names(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = SqliteIndex(path)
    rows = [  # id, the place line of the header as printed, place, year
        ("a", "TỈNH VĨNH PHÚC", "Vĩnh Phúc", "2018"),
        ("b", "TỈNH I VĨNH P PHÚC", "Vĩnh Phúc", "2019"),  # OCR debris in the name
        ("c", "TỈNH PHÚ THỌ", "Phú Thọ", "2019"),
        ("d", "TỈNH BẮC NINH", "Bắc Ninh", "2021"),
    ]
    for rid, line, place, year in rows:
        record = _record(rid, issuer="ỦY BAN NHÂN DÂN", place_line=line, number=rid, place=place, year=year)
        index.add(record)
    index.close()
    index = SqliteIndex(path)
    found = index.search(SearchQuery(q="", limit=50, facets=("issuer", "province")))
    issuers = {v.value: v.count for v in found.facets["issuer"]}
    assert issuers["Ủy ban nhân dân tỉnh Vĩnh Phúc"] == 2  # one body, two spellings on paper
    assert {v.value: v.count for v in found.facets["province"]} == {"Phú Thọ": 3, "Bắc Ninh": 1}
    for name, expected in (("Phú Thọ", ["a", "b", "c"]), ("Vĩnh Phúc", ["a", "b"])):
        query = SearchQuery(q="", limit=50, filters=SearchFilters(province=name))
        assert sorted(h.id for h in index.search(query).hits) == expected
    index.close()
