"""The disclosure and conditional-access lists: only records of the class, fields round-trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.reading import masked_record
from cli.export_commands import list_command
from core.settings import load_settings
from export import (
    DisclosureOptions,
    NotExportable,
    conditional_list,
    disclosure_list,
    parse_csv,
    parse_json,
    to_csv,
    to_json,
)
from indexing.masking import MASKED
from schemas import Decision, PersonalData
from storage import LocalStore
from tests.export.records import PERSONAL, make_record, store_record

TODAY = dt.date(2024, 6, 11)
OPTIONS = DisclosureOptions(base_url="https://tailieu.phutho.gov.vn/")
A7_2 = [Decision(rule="A7.2", outcome="conditional", evidence="CCCD 001090012345")]


def _public(n: int = 1, **metadata):
    return make_record(b"public %d" % n, **metadata)


def test_a_party_documents_number_is_listed_as_printed() -> None:
    (entry,) = disclosure_list([_public(number="1630", notation="BC/TU")], OPTIONS, today=TODAY)
    assert entry.number_notation == "1630-BC/TU"


def test_disclosure_entry_carries_the_article_19_fields() -> None:
    (entry,) = disclosure_list([_public()], OPTIONS, today=TODAY)
    record = _public()
    assert entry.id == record.id
    assert entry.name == "Về việc thành lập Tổ công tác số hóa tài liệu lưu trữ lịch sử của tỉnh"
    assert (entry.doc_type, entry.number, entry.notation) == ("Quyết định", "2154", "QĐ-UBND")
    assert entry.number_notation == "2154/QĐ-UBND"
    assert (entry.date, entry.issuer) == ("2019-09-12", "Ủy ban nhân dân tỉnh Phú Thọ")
    assert (entry.form, entry.time, entry.duration) == (
        "Cổng/Trang thông tin điện tử", "2024-06-11", "Thường xuyên",
    )  # fmt: skip
    assert entry.link == f"https://tailieu.phutho.gov.vn/ui/records/{record.id}"


@pytest.mark.parametrize("access", ["conditional", "not_accessible", "undetermined"])
def test_a_non_public_record_is_refused_by_name(access: str) -> None:
    hidden = make_record(b"hidden", access=access)
    with pytest.raises(NotExportable, match=f"record {hidden.id}: access class {access}") as info:
        disclosure_list([_public(1), hidden, _public(2)], today=TODAY)
    assert info.value.record_ids == [hidden.id]


def test_every_refused_record_is_named() -> None:
    bad = [make_record(b"x", access="conditional"), make_record(b"y", access="undetermined")]
    with pytest.raises(NotExportable, match=f"records {bad[0].id}, {bad[1].id}"):
        disclosure_list([_public(), *bad])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_disclosure_list_round_trips(fmt: str) -> None:
    records = [_public(1), _public(2, subject="Kế hoạch “chuyển đổi số”, năm 2024; đợt 1", date=None)]
    entries = disclosure_list(records, OPTIONS, today=TODAY)
    if fmt == "csv":
        back = parse_csv(to_csv(entries, "disclosure"), "disclosure")
    else:
        kind, back = parse_json(to_json(entries, "disclosure"))
        assert kind == "disclosure"
    assert back == entries
    assert back[1].name == "Kế hoạch “chuyển đổi số”, năm 2024; đợt 1" and back[1].date == ""


def test_csv_cells_never_run_as_formulas_and_still_round_trip() -> None:
    hostile = ['=HYPERLINK("http://x")', "- Căn cứ Luật", "+84 912", "@SUM(A1)", "'trích", "''"]
    records = [_public(n, subject=subject) for n, subject in enumerate(hostile)]
    text = to_csv(disclosure_list(records, today=TODAY), "disclosure")
    names = [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert not [name for name in names if name.startswith(("=", "+", "-", "@"))], names
    assert [e.name for e in parse_csv(text, "disclosure")] == hostile


def test_a_record_without_subject_is_named_by_the_public_file_name_never_the_offices() -> None:
    """The office's file name may name a person (and carry control marks): the published list
    names such a record as the public's API does, by its id and the original's extension."""
    for source in ("Đơn của ông Bùi Văn Thắng \u202egnp.exe.png", "BuiVanThang.2019.05.png"):
        record = make_record(source.encode(), subject=None, source=source)
        (entry,) = disclosure_list([record], today=TODAY)
        assert entry.name == f"{record.id}.png"
        assert "Thắng" not in to_json([entry], "disclosure") and "Thang" not in to_json([entry], "disclosure")


@pytest.mark.parametrize("kind", ["disclosure", "conditional"])
def test_a_published_entry_says_what_the_publics_api_shows(kind: str) -> None:
    """Every field of both published lists is the public's API's (api/reading.py masked_record,
    one function: export/public_form.py): a public decision whose subject, notation and issuer
    name the citizen it lists as personal data is published masked, as the API shows it."""
    name = "Bùi Văn Thắng"
    record = make_record(
        kind.encode(),
        access="public" if kind == "disclosure" else "conditional",
        subject=f"Về việc cấp lại giấy tờ cho ông {name}, CCCD 001090012345",
        notation=f"QĐ-{name}",
        issuer=f"Hộ kinh doanh {name}",
        personal_data=[PersonalData(kind="name", value=name, page=1)],
        decisions=A7_2 if kind == "conditional" else None,
    )
    (entry,) = disclosure_list([record], today=TODAY) if kind == "disclosure" else conditional_list([record])
    shown = masked_record(record).metadata
    assert (entry.name, entry.notation, entry.issuer) == (shown.subject, shown.notation, shown.issuer)
    assert (entry.doc_type, entry.number) == (shown.doc_type, shown.number)
    published = to_json([entry], kind) + to_csv([entry], kind)
    assert name not in published and "001090012345" not in published and MASKED in entry.name


def test_csv_has_vietnamese_headings() -> None:
    text = to_csv(disclosure_list([_public()], today=TODAY), "disclosure")
    assert text.splitlines()[0].startswith('Mã hồ sơ số,"Tên văn bản, hồ sơ",Loại văn bản,Số,Ký hiệu')


def test_conditional_list_names_the_condition_and_masks_personal_data() -> None:
    record = make_record(
        b"conditional",
        access="conditional",
        subject="Về việc cấp lại giấy tờ cho công dân có CCCD 001090012345",
        personal_data=PERSONAL,
        decisions=A7_2,
    )
    (entry,) = conditional_list([record])
    assert "001090012345" not in entry.name and entry.name.startswith("Về việc cấp lại giấy tờ")
    assert entry.name.endswith(f"CCCD {MASKED}"), "one fixed token, whatever the number's length"
    assert entry.condition.startswith("Bí mật đời sống riêng tư") and entry.rules == "A7.2"
    kind, back = parse_json(to_json([entry], "conditional"))
    assert (kind, back) == ("conditional", [entry])
    assert parse_csv(to_csv([entry], "conditional"), "conditional") == [entry]
    assert "001090012345" not in to_json([entry], "conditional"), "no evidence text published"


def test_conditional_list_refuses_other_classes() -> None:
    with pytest.raises(NotExportable, match="not 'conditional'"):
        conditional_list([_public()])


# ---- from storage, through the command ----


@pytest.fixture
def stored(tmp_path: Path) -> tuple[LocalStore, dict[str, str]]:
    store = LocalStore(tmp_path / "store")
    ids = {
        "public": store_record(store, tmp_path, b"p").id,
        "conditional": store_record(store, tmp_path, b"c", access="conditional", decisions=A7_2).id,
        "secret": store_record(store, tmp_path, b"s", access="not_accessible", secrecy="MẬT").id,
    }
    return store, ids


def test_list_command_selects_by_access_class(stored, tmp_path: Path) -> None:
    store, ids = stored
    settings = load_settings(storage=str(store.root))
    out = tmp_path / "danh-muc.csv"
    assert list_command("disclosure", "csv", out, settings=settings, today=TODAY) == 1
    assert out.read_bytes().startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    assert [e.id for e in parse_csv(out.read_text("utf-8-sig"), "disclosure")] == [ids["public"]]
    assert list_command("conditional", "json", out, settings=settings) == 1
    assert json.loads(out.read_text("utf-8"))["items"][0]["id"] == ids["conditional"]


def test_list_command_refuses_a_named_secret_record(stored, tmp_path: Path) -> None:
    store, ids = stored
    settings = load_settings(storage=str(store.root))
    out = tmp_path / "list.json"
    with pytest.raises(NotExportable, match=ids["secret"]):
        list_command("disclosure", "json", out, [ids["public"], ids["secret"]], settings=settings)
    assert not out.exists(), "nothing is written when the list is refused"


def test_cli_lists(stored, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from cli.export_commands import export

    store, ids = stored
    app = typer.Typer()
    app.command("export")(export)
    app.command("noop")(lambda: None)
    monkeypatch.setenv("SOHOA_STORAGE", str(store.root))
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--disclosure-list", "--format", "json"])
    assert result.exit_code == 0, result.output
    kind, entries = parse_json(result.stdout)
    assert (kind, [e.id for e in entries]) == ("disclosure", [ids["public"]])
    assert "disclosure list: 1 record\n" in result.output  # it said "1 records"
    refused = runner.invoke(app, ["export", "--disclosure-list", ids["conditional"]])
    assert refused.exit_code == 2 and ids["conditional"] in refused.output
    result = runner.invoke(app, ["export", "--conditional-list"])
    assert result.exit_code == 0 and parse_csv(result.stdout, "conditional")[0].id == ids["conditional"]
