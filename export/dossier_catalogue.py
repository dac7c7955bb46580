"""The two catalogues of a digitised archive (vn-archival-rules §2.2, §2.3): the mục lục hồ sơ,
one row per dossier, and the mục lục văn bản, one row per document of a dossier.

Rows are built by pure functions from a dossier's summary (the file-level fields read from its
documents' records: application/dossiers.py `DossierSummary`; this module, a lower layer, takes
anything with the same attributes) and written as:

- CSV: UTF-8 with a byte-order mark (so Excel opens the Vietnamese correctly: write `to_csv()`
  encoded as 'utf-8-sig'), the standard's Vietnamese column headings, dates dd/mm/yyyy, cells a
  spreadsheet would run as a formula prefixed with an apostrophe (export/cells.py);
- XLSX (openpyxl): the same headings and cells, dates as date cells shown dd/mm/yyyy, text
  cells typed as text (a cell starting with '=' is never a formula);
- JSON: English keys (the `fields` of the entry), dates ISO 8601, counts as numbers.

Values the standard enumerates are its Vietnamese words: chế độ sử dụng {Công khai, Sử dụng có
điều kiện, Mật} from sohoa's access classes (public, conditional, not_accessible); a class not
yet determined is written "Chưa xác định" (not in the enumeration: the catalogue says so rather
than guess). Thời hạn bảo quản is already in the standard's words ("Vĩnh viễn", "10 năm").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Literal, Protocol

from export.cells import guard
from export.edxml import xml_text

__all__ = [
    "ACCESS_NAMES",
    "DOCUMENT",
    "DOSSIER",
    "TITLES",
    "UNDETERMINED_ACCESS",
    "CatalogueKind",
    "DocumentEntry",
    "DocumentFacts",
    "DossierEntry",
    "DossierFacts",
    "access_name",
    "document_entries",
    "document_identifier",
    "dossier_entry",
    "headings",
    "keys",
    "to_csv",
    "to_json",
    "to_xlsx",
]

CatalogueKind = Literal["dossier", "document"]
DOSSIER: CatalogueKind = "dossier"
DOCUMENT: CatalogueKind = "document"

TITLES: Mapping[CatalogueKind, str] = {DOSSIER: "Mục lục hồ sơ", DOCUMENT: "Mục lục văn bản"}

# Chế độ sử dụng (TT 05/2025-based validators, vn-archival-rules §2.3).
ACCESS_NAMES: Mapping[str, str] = {
    "public": "Công khai",
    "conditional": "Sử dụng có điều kiện",
    "not_accessible": "Mật",
}
UNDETERMINED_ACCESS = "Chưa xác định"
DATE_FORMAT = "%d/%m/%Y"  # the standard's dd/mm/yyyy
XLSX_DATE_FORMAT = "DD/MM/YYYY"


class DocumentFacts(Protocol):
    """What a document row of a dossier summary carries (application/dossiers.DocumentRow)."""

    id: str
    order: int
    pages: tuple[int, int]
    page_count: int
    number: str | None
    notation: str | None
    doc_type: str | None
    date: dt.date | None
    issuer: str | None
    subject: str | None
    access: str
    retention: str | None


class DossierFacts(Protocol):
    """What a dossier summary carries (application/dossiers.DossierSummary)."""

    id: str
    code: str | None
    title: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    retention: str | None
    access: str | None
    pages: int
    language: str
    reliability: str

    @property
    def documents(self) -> Sequence[DocumentFacts]: ...


@dataclass(frozen=True)
class DossierEntry:
    """One row of the mục lục hồ sơ."""

    code: str
    title: str
    start_date: dt.date | None
    end_date: dt.date | None
    documents: int
    pages: int
    retention: str
    access: str
    language: str
    reliability: str
    id: str


@dataclass(frozen=True)
class DocumentEntry:
    """One row of the mục lục văn bản."""

    identifier: str
    dossier_code: str
    order: int
    doc_type: str
    number: str
    notation: str
    date: dt.date | None
    issuer: str
    subject: str
    language: str
    pages: int
    first_page: int
    last_page: int
    retention: str
    access: str
    reliability: str
    id: str


_HEADINGS: Mapping[CatalogueKind, Mapping[str, str]] = {
    DOSSIER: {
        "code": "Mã hồ sơ",
        "title": "Tiêu đề hồ sơ",
        "start_date": "Thời gian bắt đầu",
        "end_date": "Thời gian kết thúc",
        "documents": "Tổng số văn bản trong hồ sơ",
        "pages": "Số lượng trang",
        "retention": "Thời hạn bảo quản",
        "access": "Chế độ sử dụng",
        "language": "Ngôn ngữ",
        "reliability": "Mức độ tin cậy",
        "id": "Mã số trong sohoa",
    },
    DOCUMENT: {
        "identifier": "Mã định danh văn bản",
        "dossier_code": "Mã hồ sơ",
        "order": "Số thứ tự văn bản trong hồ sơ",
        "doc_type": "Tên loại văn bản",
        "number": "Số của văn bản",
        "notation": "Ký hiệu của văn bản",
        "date": "Ngày, tháng, năm văn bản",
        "issuer": "Tên cơ quan, tổ chức ban hành",
        "subject": "Trích yếu nội dung",
        "language": "Ngôn ngữ",
        "pages": "Số lượng trang",
        "first_page": "Từ trang",
        "last_page": "Đến trang",
        "retention": "Thời hạn bảo quản",
        "access": "Chế độ sử dụng",
        "reliability": "Mức độ tin cậy",
        "id": "Mã số trong sohoa",
    },
}
_ENTRY_TYPES: Mapping[CatalogueKind, type] = {DOSSIER: DossierEntry, DOCUMENT: DocumentEntry}
_WIDTHS = {"title": 60, "subject": 60, "issuer": 40, "code": 24, "dossier_code": 24, "identifier": 32}

Entry = DossierEntry | DocumentEntry


# ---- rows (pure) ----


def _text(value: str | None) -> str:
    """NFC, without characters XML (so XLSX) cannot carry; '' for an unknown value."""
    return xml_text(value) if value else ""


def access_name(access: str | None) -> str:
    """The standard's chế độ sử dụng for an access class; '' when there is no document."""
    if access is None:
        return ""
    return ACCESS_NAMES.get(access, UNDETERMINED_ACCESS)


def document_identifier(code: str | None, order: int) -> str:
    """Mã định danh văn bản: `<mã hồ sơ>.<số thứ tự, 7 chữ số>` (the TT 05/2025 implementations'
    pattern, vn-archival-rules §2.1); '' while the dossier has no code."""
    return f"{code}.{order:07d}" if code else ""


def dossier_entry(summary: DossierFacts) -> DossierEntry:
    return DossierEntry(
        code=_text(summary.code),
        title=_text(summary.title),
        start_date=summary.start_date,
        end_date=summary.end_date,
        documents=len(summary.documents),
        pages=summary.pages,
        retention=_text(summary.retention),
        access=access_name(summary.access),
        language=_text(summary.language),
        reliability=_text(summary.reliability),
        id=summary.id,
    )


def document_entries(summary: DossierFacts) -> list[DocumentEntry]:
    """The dossier's documents in their order."""
    code = _text(summary.code)
    return [
        DocumentEntry(
            identifier=document_identifier(code, row.order),
            dossier_code=code,
            order=row.order,
            doc_type=_text(row.doc_type),
            number=_text(row.number),
            notation=_text(row.notation),
            date=row.date,
            issuer=_text(row.issuer),
            subject=_text(row.subject),
            language=_text(summary.language),
            pages=row.page_count,
            first_page=row.pages[0],
            last_page=row.pages[1],
            retention=_text(row.retention),
            access=access_name(row.access),
            reliability=_text(summary.reliability),
            id=row.id,
        )
        for row in sorted(summary.documents, key=lambda r: r.order)
    ]


# ---- CSV, JSON, XLSX ----


def keys(kind: CatalogueKind) -> list[str]:
    return [f.name for f in fields(_ENTRY_TYPES[kind])]


def headings(kind: CatalogueKind) -> list[str]:
    """The column headings, in order."""
    return [_HEADINGS[kind][key] for key in keys(kind)]


def _check(entries: Sequence[Entry], kind: CatalogueKind) -> None:
    wrong = [e for e in entries if not isinstance(e, _ENTRY_TYPES[kind])]
    if wrong:
        raise TypeError(f"a {kind} catalogue holds {_ENTRY_TYPES[kind].__name__}, not {type(wrong[0])}")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, int):
        return str(value)
    return guard(str(value))


def to_csv(entries: Iterable[Entry], kind: CatalogueKind) -> str:
    """CSV text with the Vietnamese headings; write it encoded as 'utf-8-sig'."""
    entries = list(entries)
    _check(entries, kind)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headings(kind))
    for entry in entries:
        row = asdict(entry)
        writer.writerow([_csv_cell(row[key]) for key in keys(kind)])
    return buffer.getvalue()


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def to_json(entries: Iterable[Entry], kind: CatalogueKind, *, generated_at: dt.datetime | None = None) -> str:
    entries = list(entries)
    _check(entries, kind)
    items = [{key: _json_value(value) for key, value in asdict(entry).items()} for entry in entries]
    document = {
        "catalogue": kind,
        "title": TITLES[kind],
        "generated_at": (generated_at or dt.datetime.now(dt.UTC)).isoformat(),
        "count": len(items),
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_xlsx(entries: Iterable[Entry], kind: CatalogueKind) -> bytes:
    """An XLSX workbook of one sheet named after the catalogue: bold headings, frozen and
    filterable, dates shown dd/mm/yyyy."""
    from openpyxl import Workbook  # only when a workbook is asked for
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    entries = list(entries)
    _check(entries, kind)
    book = Workbook()
    sheet = book.active
    sheet.title = TITLES[kind]
    names = keys(kind)
    sheet.append(headings(kind))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, entry in enumerate(entries, start=2):
        row = asdict(entry)
        for column, key in enumerate(names, start=1):
            value = row[key]
            if value is None or value == "":
                continue
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, dt.date):
                cell.number_format = XLSX_DATE_FORMAT
            elif isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with '='
    for column, key in enumerate(names, start=1):
        width = _WIDTHS.get(key, max(12, len(_HEADINGS[kind][key]) + 2))
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(entries) + 1}"
    book.properties.creator = "sohoa"
    book.properties.title = TITLES[kind]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
