"""The two lists an agency keeps under the Law on Access to Information (vn-archival-rules §3.4).

- Disclosure list (danh mục thông tin phải được công khai, Art. 17/19, Decree 13/2018 Art. 6):
  name, number, notation, date, form, time and duration of disclosure, link. ONLY records whose
  access class is "public" — any other record given is refused, naming it.
- Conditional-access list (danh mục thông tin công dân được tiếp cận có điều kiện, Art. 7):
  records whose access class is "conditional", with the condition (whose consent is needed).
  Published lists are read by anyone: every field says what the public's API shows of the record
  (export/public_form.py `public_metadata`, the one public form: personal data masked in every
  text), a record without a subject is named by the file name the public is shown (the record id,
  never the office's file name, which may name a person), and no evidence text is included.

Rows are built by pure functions from Records; CSV (UTF-8 with a byte-order mark, so Excel
shows Vietnamese correctly; Vietnamese column headings; cells that a spreadsheet would run as a
formula are prefixed with an apostrophe) and JSON (English keys) are made and parsed back here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from export.cells import guard, unguard
from export.errors import NotExportable
from export.public_form import public_file_name, public_metadata
from schemas import Record
from vntext.normalise import nfc

__all__ = [
    "CONDITIONAL",
    "DISCLOSURE",
    "ConditionalEntry",
    "DisclosureEntry",
    "DisclosureOptions",
    "ListKind",
    "conditional_entry",
    "conditional_list",
    "disclosure_entry",
    "disclosure_list",
    "parse_csv",
    "parse_json",
    "to_csv",
    "to_json",
]

ListKind = Literal["disclosure", "conditional"]
DISCLOSURE: ListKind = "disclosure"
CONDITIONAL: ListKind = "conditional"

_TITLES: Mapping[ListKind, str] = {
    DISCLOSURE: "Danh mục thông tin phải được công khai",
    CONDITIONAL: "Danh mục thông tin công dân được tiếp cận có điều kiện",
}
_CONDITIONS = (  # (rule id prefix, condition) — Law 104/2016/QH13 Art. 7
    ("A7.1", "Bí mật kinh doanh: được tiếp cận khi có sự đồng ý của chủ sở hữu bí mật (Điều 7.1)"),
    (
        "A7.2",
        "Bí mật đời sống riêng tư, bí mật cá nhân, bí mật gia đình: được tiếp cận khi có sự đồng ý"
        " của người đó hoặc của các thành viên gia đình (Điều 7.2)",
    ),
)
_CONDITION_BY_DECISION = "Tiếp cận có điều kiện theo quyết định của người có thẩm quyền (Điều 7)"


@dataclass(frozen=True)
class DisclosureOptions:
    """What the agency states for every item (Art. 19.1g: address, form, time, duration)."""

    base_url: str = ""  # the public address of the archive, e.g. https://tailieu.phutho.gov.vn
    form: str = "Cổng/Trang thông tin điện tử"  # Art. 18.1a
    disclosed_on: dt.date | None = None  # default: the day the list is made
    duration: str = "Thường xuyên"
    link_path: str = "/ui/records/{id}"

    def link(self, record_id: str) -> str:
        return self.base_url.rstrip("/") + self.link_path.format(id=record_id)


@dataclass(frozen=True)
class DisclosureEntry:
    id: str
    name: str
    doc_type: str
    number: str
    notation: str
    number_notation: str
    date: str  # ISO 8601, '' when unknown
    issuer: str
    form: str
    time: str
    duration: str
    link: str


@dataclass(frozen=True)
class ConditionalEntry:
    id: str
    name: str
    doc_type: str
    number: str
    notation: str
    number_notation: str
    date: str
    issuer: str
    condition: str
    rules: str  # the rule ids that made the record conditional, e.g. "A7.2, A7.2.list"


_HEADINGS: Mapping[str, str] = {
    "id": "Mã hồ sơ số",
    "name": "Tên văn bản, hồ sơ",
    "doc_type": "Loại văn bản",
    "number": "Số",
    "notation": "Ký hiệu",
    "number_notation": "Số, ký hiệu",
    "date": "Ngày văn bản",
    "issuer": "Cơ quan ban hành",
    "form": "Hình thức công khai",
    "time": "Thời điểm công khai",
    "duration": "Thời hạn công khai",
    "link": "Đường dẫn",
    "condition": "Điều kiện tiếp cận",
    "rules": "Căn cứ (mã quy tắc)",
}
_ENTRY_TYPES: Mapping[ListKind, type] = {DISCLOSURE: DisclosureEntry, CONDITIONAL: ConditionalEntry}


# ---- rows (pure) ----


def _identity(record: Record) -> dict[str, str]:
    """The record's fields as the public's API shows them (`public_metadata`)."""
    meta = public_metadata(record)
    number, notation = meta.number or "", meta.notation or ""
    row = {
        "id": record.id,
        "name": meta.subject or public_file_name(record),
        "doc_type": meta.doc_type or "",
        "number": number,
        "notation": notation,
        "number_notation": f"{number}/{notation}" if number and notation else number or notation,
        "date": meta.date.isoformat() if meta.date else "",
        "issuer": meta.issuer or "",
    }
    return {key: nfc(value) for key, value in row.items()}


def _refuse_unless(records: list[Record], access: str, what: str) -> None:
    wrong = [r for r in records if r.classification.access != access]
    if wrong:
        classes = sorted({r.classification.access for r in wrong})
        raise NotExportable(
            [r.id for r in wrong],
            f"access class {', '.join(classes)}, not {access!r}: only {access} records go on the {what} list",
        )


def disclosure_entry(record: Record, options: DisclosureOptions, today: dt.date) -> DisclosureEntry:
    return DisclosureEntry(
        **_identity(record),
        form=options.form,
        time=(options.disclosed_on or today).isoformat(),
        duration=options.duration,
        link=options.link(record.id),
    )


def disclosure_list(
    records: Iterable[Record],
    options: DisclosureOptions = DisclosureOptions(),  # noqa: B008 (frozen, never mutated)
    *,
    today: dt.date | None = None,
) -> list[DisclosureEntry]:
    """One entry per record; NotExportable naming every record that is not public."""
    records = list(records)
    _refuse_unless(records, "public", "disclosure")
    day = today or dt.date.today()
    return [disclosure_entry(record, options, day) for record in records]


def _condition(record: Record) -> tuple[str, str]:
    rules = [
        d.rule
        for d in record.classification.decisions
        if d.rule.startswith("A7") and d.outcome == "conditional"
    ]
    conditions = [text for prefix, text in _CONDITIONS if any(r.startswith(prefix) for r in rules)]
    return "; ".join(conditions) or _CONDITION_BY_DECISION, ", ".join(dict.fromkeys(rules))


def conditional_entry(record: Record) -> ConditionalEntry:
    condition, rules = _condition(record)
    return ConditionalEntry(**_identity(record), condition=condition, rules=rules)


def conditional_list(records: Iterable[Record]) -> list[ConditionalEntry]:
    """One entry per record; NotExportable naming every record that is not conditional."""
    records = list(records)
    _refuse_unless(records, "conditional", "conditional-access")
    return [conditional_entry(record) for record in records]


# ---- CSV and JSON ----


def _keys(kind: ListKind) -> list[str]:
    return [f.name for f in fields(_ENTRY_TYPES[kind])]


def to_csv(entries: Iterable[DisclosureEntry | ConditionalEntry], kind: ListKind) -> str:
    """CSV text with Vietnamese headings; write it encoded as 'utf-8-sig'."""
    keys = _keys(kind)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_HEADINGS[k] for k in keys])
    for entry in entries:
        row = asdict(entry)
        writer.writerow([guard(row[k]) for k in keys])
    return buffer.getvalue()


def to_json(
    entries: Iterable[DisclosureEntry | ConditionalEntry],
    kind: ListKind,
    *,
    generated_at: dt.datetime | None = None,
) -> str:
    items = [asdict(entry) for entry in entries]
    document = {
        "list": kind,
        "title": _TITLES[kind],
        "generated_at": (generated_at or dt.datetime.now(dt.UTC)).isoformat(),
        "count": len(items),
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def parse_csv(text: str, kind: ListKind) -> list[DisclosureEntry | ConditionalEntry]:
    """Entries read back from to_csv() output (a leading byte-order mark is ignored)."""
    by_heading = {_HEADINGS[k]: k for k in _keys(kind)}
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    if set(reader.fieldnames or ()) != set(by_heading):
        raise ValueError(f"not a {kind} list: columns {reader.fieldnames}")
    entry_type = _ENTRY_TYPES[kind]
    return [entry_type(**{by_heading[h]: unguard(v) for h, v in row.items()}) for row in reader]


def parse_json(text: str) -> tuple[ListKind, list[Any]]:
    document = json.loads(text)
    kind = document["list"]
    if kind not in _ENTRY_TYPES:
        raise ValueError(f"unknown list kind {kind!r}")
    return kind, [_ENTRY_TYPES[kind](**item) for item in document["items"]]
