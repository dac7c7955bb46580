"""The dossier catalogues (mục lục hồ sơ, mục lục văn bản): rows from a stored dossier, the
standard's Vietnamese headings and values, and CSV / JSON / XLSX read back with their own
readers (csv module, json, openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest

from application.dossiers import load_summary
from export.cells import unguard
from export.dossier_catalogue import (
    DOCUMENT,
    DOSSIER,
    DocumentEntry,
    DossierEntry,
    document_entries,
    dossier_entry,
    headings,
    to_csv,
    to_json,
    to_xlsx,
)
from storage import LocalStore
from tests.dossier_fixtures import Doc, store_dossier

MARCH, JUNE, DECEMBER = dt.date(2019, 3, 4), dt.date(2019, 6, 15), dt.date(2019, 12, 31)
DOCS = [
    Doc(pages=2, date=JUNE, retention="10 năm"),
    Doc(pages=1, access="conditional", date=MARCH, retention="Vĩnh viễn", blank_after=True),
    Doc(pages=3, access="undetermined", date=DECEMBER, retention="20 năm", subject='=HYPERLINK("x")'),
]


@pytest.fixture
def summary(tmp_path: Path):
    store = LocalStore(tmp_path / "store")
    built = store_dossier(store, tmp_path, DOCS, code="000.00.01.H43.2019.07", title="Hồ sơ đề án số hóa")
    return load_summary(store, built.id)


def test_dossier_row_has_the_file_level_fields_from_its_documents(summary) -> None:
    entry = dossier_entry(summary)
    assert entry == DossierEntry(
        code="000.00.01.H43.2019.07",
        title="Hồ sơ đề án số hóa",
        start_date=MARCH,
        end_date=DECEMBER,
        documents=3,
        pages=7,  # 2 + 1 + the blank separator sheet + 3
        retention="Vĩnh viễn",
        access="Chưa xác định",  # the most restricted class is undetermined: not guessed
        language="Tiếng Việt",
        reliability="Số hóa",
        id=summary.id,
    )


def test_document_rows_in_order_with_identifiers_and_page_ranges(summary) -> None:
    entries = document_entries(summary)
    assert [e.order for e in entries] == [1, 2, 3]
    assert [e.identifier for e in entries] == [f"000.00.01.H43.2019.07.{n:07d}" for n in (1, 2, 3)]
    assert [(e.first_page, e.last_page, e.pages) for e in entries] == [(1, 2, 2), (3, 3, 1), (5, 7, 3)]
    assert [e.access for e in entries] == ["Công khai", "Sử dụng có điều kiện", "Chưa xác định"]
    assert [e.date for e in entries] == [JUNE, MARCH, DECEMBER]
    first = entries[0]
    assert (first.doc_type, first.number, first.notation) == ("Quyết định", "101", "QĐ-UBND")
    assert first.issuer == "Ủy ban nhân dân tỉnh Phú Thọ" and first.subject == "Về việc thứ 1"


def test_a_secret_document_is_mat_and_the_dossier_too(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    built = store_dossier(store, tmp_path, [Doc(), Doc(access="not_accessible", secrecy="MẬT")])
    summary = load_summary(store, built.id)
    assert dossier_entry(summary).access == "Mật"
    assert [e.access for e in document_entries(summary)] == ["Công khai", "Mật"]


def test_a_dossier_without_a_code_has_no_document_identifier(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    built = store_dossier(store, tmp_path, [Doc()], code=None, title=None)
    summary = load_summary(store, built.id)
    (entry,) = document_entries(summary)
    assert (entry.identifier, entry.dossier_code) == ("", "")
    assert (dossier_entry(summary).code, dossier_entry(summary).title) == ("", "")


def test_headings_are_the_standards_vietnamese_names() -> None:
    assert headings(DOSSIER)[:10] == [
        "Mã hồ sơ", "Tiêu đề hồ sơ", "Thời gian bắt đầu", "Thời gian kết thúc",
        "Tổng số văn bản trong hồ sơ", "Số lượng trang", "Thời hạn bảo quản", "Chế độ sử dụng",
        "Ngôn ngữ", "Mức độ tin cậy",
    ]  # fmt: skip
    assert headings(DOCUMENT)[:11] == [
        "Mã định danh văn bản", "Mã hồ sơ", "Số thứ tự văn bản trong hồ sơ", "Tên loại văn bản",
        "Số của văn bản", "Ký hiệu của văn bản", "Ngày, tháng, năm văn bản",
        "Tên cơ quan, tổ chức ban hành", "Trích yếu nội dung", "Ngôn ngữ", "Số lượng trang",
    ]  # fmt: skip


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_dates_are_dd_mm_yyyy_and_formulas_are_defused(summary) -> None:
    rows = _csv_rows(to_csv(document_entries(summary), DOCUMENT))
    assert [r["Ngày, tháng, năm văn bản"] for r in rows] == ["15/06/2019", "04/03/2019", "31/12/2019"]
    assert rows[2]["Trích yếu nội dung"] == '\'=HYPERLINK("x")', "a spreadsheet shows it as text"
    (row,) = _csv_rows(to_csv([dossier_entry(summary)], DOSSIER))
    assert (row["Thời gian bắt đầu"], row["Thời gian kết thúc"]) == ("04/03/2019", "31/12/2019")
    assert (row["Tổng số văn bản trong hồ sơ"], row["Số lượng trang"]) == ("3", "7")


def _from_cells(values: dict[str, object], kind, *, from_csv: bool) -> DossierEntry | DocumentEntry:
    """An entry read back from a row of strings (CSV) or typed cells (XLSX), by heading."""
    entry_type = DossierEntry if kind == DOSSIER else DocumentEntry
    names = dict(zip(headings(kind), entry_type.__dataclass_fields__, strict=True))
    data: dict[str, object] = {}
    for heading, value in values.items():
        name = names[heading]
        field_type = entry_type.__dataclass_fields__[name].type  # a string: annotations are lazy
        if "date" in field_type:
            if value in (None, ""):
                data[name] = None
            elif from_csv:
                data[name] = dt.datetime.strptime(value, "%d/%m/%Y").date()
            else:
                data[name] = value.date()  # openpyxl reads a date cell as a datetime
        elif field_type == "int":
            data[name] = int(value)
        else:
            data[name] = unguard(value) if from_csv else (value or "")
    return entry_type(**data)


@pytest.mark.parametrize("kind", [DOSSIER, DOCUMENT])
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_format_round_trips(summary, kind, fmt: str) -> None:
    entries = [dossier_entry(summary)] if kind == DOSSIER else document_entries(summary)
    if fmt == "csv":
        text = to_csv(entries, kind)
        assert text.splitlines()[0].split(",")[0] == headings(kind)[0]
        back = [_from_cells(row, kind, from_csv=True) for row in _csv_rows(text)]
    elif fmt == "json":
        document = json.loads(to_json(entries, kind))
        assert (document["catalogue"], document["count"]) == (kind, len(entries))
        entry_type = DossierEntry if kind == DOSSIER else DocumentEntry
        back = []
        for item in document["items"]:
            for key in ("start_date", "end_date", "date"):
                if item.get(key):
                    item[key] = dt.date.fromisoformat(item[key])
            back.append(entry_type(**item))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(entries, kind))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == headings(kind)
        assert sheet.title == ("Mục lục hồ sơ" if kind == DOSSIER else "Mục lục văn bản")
        back = [_from_cells(dict(zip(rows[0], r, strict=True)), kind, from_csv=False) for r in rows[1:]]
    assert back == entries


def test_xlsx_dates_are_date_cells_shown_dd_mm_yyyy_and_text_is_never_a_formula(summary) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(document_entries(summary), DOCUMENT))).active
    header = [cell.value for cell in sheet[1]]
    date_cell = sheet.cell(row=2, column=header.index("Ngày, tháng, năm văn bản") + 1)
    assert date_cell.is_date and date_cell.value.date() == JUNE
    assert date_cell.number_format.upper() == "DD/MM/YYYY"
    subject = sheet.cell(row=4, column=header.index("Trích yếu nội dung") + 1)
    assert (subject.value, subject.data_type) == ('=HYPERLINK("x")', "s")
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_control_characters_from_ocr_do_not_break_the_workbook(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    built = store_dossier(store, tmp_path, [Doc(subject="Về việc\x0c kiểm tra\x00 số hóa")])
    (entry,) = document_entries(load_summary(store, built.id))
    assert entry.subject == "Về việc kiểm tra số hóa"
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([entry], DOCUMENT))).active
    assert sheet.cell(row=2, column=9).value == "Về việc kiểm tra số hóa"


def test_a_catalogue_refuses_entries_of_the_other_kind(summary) -> None:
    with pytest.raises(TypeError, match="DossierEntry"):
        to_csv(document_entries(summary), DOSSIER)
