"""`sohoa dossier show|list` and `sohoa export --dossier-catalogue / --document-catalogue`,
through the real `sohoa` app (in-process runner, and one real subprocess for standard output),
on dossiers written straight into the store (no OCR)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from application.access_log import audit_path, read_entries
from cli.main import app
from core.settings import load_settings
from storage import LocalStore
from tests.dossier_fixtures import BuiltDossier, Doc, store_dossier

runner = CliRunner()
SECRET_SUBJECT = "Về việc triển khai phương án bảo vệ mục tiêu trọng yếu"
DOCS = [
    Doc(pages=2, date=dt.date(2020, 5, 20), retention="10 năm", doc_type="Tờ trình", notation="TTr-SNV"),
    Doc(pages=1, access="conditional", date=dt.date(2020, 1, 6), retention="Vĩnh viễn", blank_after=True),
    Doc(pages=3, date=dt.date(2020, 11, 2), retention="20 năm", subject="Về việc phê duyệt đề án số hóa"),
    Doc(pages=1, access="not_accessible", secrecy="MẬT", date=None, subject=SECRET_SUBJECT),
]


@pytest.fixture
def store(sohoa_home: Path) -> LocalStore:
    return LocalStore(sohoa_home / "store")  # where SOHOA_HOME puts the store


@pytest.fixture
def dossier(store: LocalStore, tmp_path: Path) -> BuiltDossier:
    return store_dossier(store, tmp_path, DOCS, code="000.00.01.H43.2020.05", title="Hồ sơ đề án số hóa")


def invoke(*args: str):
    return runner.invoke(app, list(args))


# ---- sohoa dossier show / list ----


def test_show_json_has_the_contract_keys_and_the_file_level_values(dossier: BuiltDossier) -> None:
    result = invoke("dossier", "show", dossier.id, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert set(shown) >= {"id", "code", "title", "start_date", "end_date", "retention", "pages", "documents"}
    assert (shown["id"], shown["code"], shown["title"]) == (
        dossier.id, "000.00.01.H43.2020.05", "Hồ sơ đề án số hóa",
    )  # fmt: skip
    assert (shown["start_date"], shown["end_date"]) == ("2020-01-06", "2020-11-02"), "from the documents"
    assert shown["retention"] == "Vĩnh viễn", "the longest of the documents'"
    assert shown["pages"] == 8, "2 + 1 + a blank separator sheet + 3 + 1"
    documents = shown["documents"]
    keys = {"id", "order", "pages", "number", "notation", "doc_type", "date", "issuer", "subject", "access"}
    assert all(set(d) >= keys for d in documents)
    assert [d["id"] for d in documents] == [r.id for r in dossier.records]
    assert [d["order"] for d in documents] == [1, 2, 3, 4]
    assert [d["pages"] for d in documents] == [[1, 2], [3, 3], [5, 7], [8, 8]]
    assert [d["access"] for d in documents] == ["public", "conditional", "public", "not_accessible"]
    first = documents[0]
    assert (first["doc_type"], first["number"], first["notation"]) == ("Tờ trình", "101", "TTr-SNV")
    assert (first["date"], first["issuer"]) == ("2020-05-20", "Ủy ban nhân dân tỉnh Phú Thọ")
    assert documents[2]["subject"] == "Về việc phê duyệt đề án số hóa"


def test_show_gives_a_secret_documents_catalogue_row_only_and_logs_the_read(
    dossier: BuiltDossier, sohoa_home: Path
) -> None:
    result = invoke("dossier", "show", dossier.id, "--json")
    assert result.exit_code == 0, result.output
    secret = json.loads(result.stdout)["documents"][3]
    assert secret["subject"] is None and secret["number"] == "104", "as `sohoa show` does"
    assert SECRET_SUBJECT not in result.stdout
    (entry,) = read_entries(audit_path(load_settings()))
    assert entry["action"] == "dossier-show" and entry["from"] == "cli"
    assert entry["records"] == [dossier.records[1].id, dossier.records[3].id], "the non-public ones"


def test_show_without_json_prints_a_table(dossier: BuiltDossier, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = invoke("dossier", "show", dossier.id)
    assert result.exit_code == 0, result.output
    assert "Hồ sơ đề án số hóa" in result.stdout and "000.00.01.H43.2020.05" in result.stdout
    assert "06/01/2020 – 02/11/2020" in result.stdout
    assert "Về việc phê duyệt đề án số hóa" in result.stdout and "101/TTr-SNV" in result.stdout
    assert SECRET_SUBJECT not in result.stdout


@pytest.mark.parametrize("dossier_id", ["0" * 32, "a/b"])
def test_show_an_unknown_dossier_exits_4(dossier: BuiltDossier, dossier_id: str) -> None:
    result = invoke("dossier", "show", dossier_id, "--json")
    assert result.exit_code == 4
    assert "no dossier" in result.stderr and not result.stdout


def test_list_names_every_dossier(dossier: BuiltDossier, store: LocalStore, tmp_path: Path) -> None:
    other = store_dossier(store, tmp_path, [Doc(), Doc()], code="000.00.01.H43.2020.06", title=None)
    result = invoke("dossier", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = {d["id"]: d for d in json.loads(result.stdout)["dossiers"]}
    assert listed == {
        dossier.id: {"id": dossier.id, "code": "000.00.01.H43.2020.05", "title": "Hồ sơ đề án số hóa",
                     "documents": 4, "pages": 8},
        other.id: {"id": other.id, "code": "000.00.01.H43.2020.06", "title": None,
                   "documents": 2, "pages": 2},
    }  # fmt: skip
    table = invoke("dossier", "list")
    assert table.exit_code == 0 and "2 dossiers" in table.stdout


def test_list_of_an_empty_store(sohoa_home: Path) -> None:
    result = invoke("dossier", "list", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"dossiers": []}


# ---- sohoa export --dossier-catalogue / --document-catalogue ----


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_dossier_catalogue_csv_to_a_file(dossier: BuiltDossier, tmp_path: Path) -> None:
    out = tmp_path / "muc-luc.csv"
    result = invoke("export", "--dossier-catalogue", "-o", str(out))
    assert result.exit_code == 0, result.output
    (row,) = _csv(out.read_bytes())
    assert row["Mã hồ sơ"] == "000.00.01.H43.2020.05" and row["Tiêu đề hồ sơ"] == "Hồ sơ đề án số hóa"
    assert (row["Thời gian bắt đầu"], row["Thời gian kết thúc"]) == ("06/01/2020", "02/11/2020")
    assert (row["Tổng số văn bản trong hồ sơ"], row["Số lượng trang"]) == ("4", "8")
    assert (row["Thời hạn bảo quản"], row["Chế độ sử dụng"]) == ("Vĩnh viễn", "Mật")
    assert (row["Ngôn ngữ"], row["Mức độ tin cậy"]) == ("Tiếng Việt", "Số hóa")
    assert "Mục lục hồ sơ: 1 row" in result.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no partial file left"


def test_document_catalogue_json_to_standard_output(dossier: BuiltDossier) -> None:
    result = invoke("export", dossier.id, "--document-catalogue", "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["catalogue"], document["title"], document["count"]) == ("document", "Mục lục văn bản", 4)
    items = document["items"]
    assert [i["identifier"] for i in items] == [f"000.00.01.H43.2020.05.{n:07d}" for n in (1, 2, 3, 4)]
    assert [i["access"] for i in items] == ["Công khai", "Sử dụng có điều kiện", "Công khai", "Mật"]
    assert [i["date"] for i in items] == ["2020-05-20", "2020-01-06", "2020-11-02", None]
    assert [(i["first_page"], i["last_page"]) for i in items] == [(1, 2), (3, 3), (5, 7), (8, 8)]
    assert items[3]["subject"] == "" and SECRET_SUBJECT not in result.stdout


def test_document_catalogue_csv_by_default_on_standard_output_logs_the_read(
    dossier: BuiltDossier,
) -> None:
    result = invoke("export", dossier.id, "--document-catalogue")
    assert result.exit_code == 0, result.output
    rows = _csv(result.stdout_bytes)
    assert [r["Số thứ tự văn bản trong hồ sơ"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["Ngày, tháng, năm văn bản"] for r in rows] == ["20/05/2020", "06/01/2020", "02/11/2020", ""]
    assert rows[0]["Tên loại văn bản"] == "Tờ trình" and rows[0]["Ký hiệu của văn bản"] == "TTr-SNV"
    (entry,) = read_entries(audit_path(load_settings()))
    assert entry["action"] == "export-document-catalogue" and entry["detail"] == {"format": "csv"}


def test_xlsx_goes_to_a_named_file_by_default(
    dossier: BuiltDossier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("export", dossier.id, "--document-catalogue", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    written = tmp_path / f"muc-luc-van-ban-{dossier.id}.xlsx"
    assert f"wrote {written.name}" in result.stderr and not result.stdout
    sheet = openpyxl.load_workbook(written).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã định danh văn bản", "Mã hồ sơ", "Số thứ tự văn bản trong hồ sơ")
    assert [r[2] for r in rows[1:]] == [1, 2, 3, 4]
    assert rows[1][6] == dt.datetime(2020, 5, 20)
    result = invoke("export", "--dossier-catalogue", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "muc-luc-ho-so.xlsx").active
    assert [c.value for c in sheet[2]][:2] == ["000.00.01.H43.2020.05", "Hồ sơ đề án số hóa"]


def test_xlsx_to_standard_output_from_the_installed_command(dossier: BuiltDossier, sohoa_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(sohoa_home)
    exe = Path(sys.executable).with_name("sohoa")
    done = subprocess.run(
        [str(exe), "export", dossier.id, "--document-catalogue", "--format", "xlsx", "-o", "-"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    sheet = openpyxl.load_workbook(io.BytesIO(done.stdout)).active
    assert sheet.title == "Mục lục văn bản" and sheet.max_row == 5
    assert [c.value for c in sheet[5]][14] == "Mật"


def test_the_catalogue_of_named_dossiers_only(
    dossier: BuiltDossier, store: LocalStore, tmp_path: Path
) -> None:
    other = store_dossier(store, tmp_path, [Doc(date=dt.date(1999, 1, 1))], code="000.00.01.H43.1999.01")
    everything = invoke("export", "--dossier-catalogue", "--format", "json")
    assert sorted(i["id"] for i in json.loads(everything.stdout)["items"]) == sorted([dossier.id, other.id])
    named = invoke("export", other.id, "--dossier-catalogue", "--format", "json")
    (item,) = json.loads(named.stdout)["items"]
    assert (item["id"], item["start_date"], item["access"]) == (other.id, "1999-01-01", "Công khai")


def test_unknown_dossier_exits_4_and_writes_nothing(dossier: BuiltDossier, tmp_path: Path) -> None:
    out = tmp_path / "muc-luc.xlsx"
    for option in ("--document-catalogue", "--dossier-catalogue"):
        result = invoke("export", "f" * 32, option, "--format", "xlsx", "-o", str(out))
        assert result.exit_code == 4, result.output
        assert f"no dossier '{'f' * 32}'" in result.stderr
        assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--document-catalogue"], "give its DOSSIER_ID"),
        (["--dossier-catalogue", "--format", "edxml"], "csv, json or xlsx"),
        (["--dossier-catalogue", "--disclosure-list"], "choose one of"),
    ],
)
def test_usage_errors_exit_2(dossier: BuiltDossier, args: list[str], message: str) -> None:
    result = invoke("export", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.replace("│", " ").split())


# ---- sohoa dossier split (the boundaries themselves: tests/application/test_dossier_intake.py) ----


def test_split_refuses_what_it_cannot_do(dossier: BuiltDossier) -> None:
    unknown = invoke("dossier", "split", "f" * 32, "--at", "1,2")
    assert unknown.exit_code == 4 and "no dossier" in unknown.output
    assert invoke("dossier", "split", dossier.id, "--at", "ba").exit_code == 2
    assert invoke("dossier", "split", dossier.id, "--at", "0").exit_code == 2
    blank_or_beyond = invoke("dossier", "split", dossier.id, "--at", "1,99")
    assert blank_or_beyond.exit_code == 2 and "99" in blank_or_beyond.output
    shown = json.loads(invoke("dossier", "show", dossier.id, "--json").stdout)
    assert len(shown["documents"]) == len(DOCS)  # nothing changed
