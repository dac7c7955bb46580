"""Secrets at rest, through the real `sohoa` command line: a scanned MẬT report is ingested; no
phrase of its text is left anywhere under SOHOA_HOME (store, index, WAL), the store keeps its
catalogue row only, the hold gives back the original bytes, everything written is private, and
`sohoa show` prints the row (and logs the read). Without a hold nothing of it is stored."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from application.access_log import read_entries
from application.secret_docs import catalogue_row
from cli.main import app
from schemas import Classification, Decision, Metadata, PersonalData, Record
from storage.hold import ORIGINAL, RECORD, SecretHold, load_key, new_key
from tests.secret_leaks import forms, leaks
from tests.storage.ocfl_helpers import content_files, logical_files, object_folder
from vntext.normalise import fold

_FONTS = Path("/usr/share/fonts/truetype/liberation2")
runner = CliRunner()
PAGE_ONE = [  # (text, bold, left)
    ("UBND TỈNH THÁI BÌNH", True, 150),
    ("THANH TRA TỈNH", True, 150),
    ("Số: 46/BC-TTr", False, 150),
    ("Thái Bình, ngày 17 tháng 11 năm 2020", False, 700),
    ("MẬT", True, 180),
    ("BÁO CÁO", True, 700),
    ("Kết quả xác minh kho vũ khí Đồng Quỹ", True, 400),
    ("Kính gửi: Ủy ban nhân dân tỉnh Thái Bình.", False, 300),
    ("Đoàn xác minh đã kiểm tra kho vũ khí Đồng Quỹ tại xã Thụy Hải", False, 150),
    ("và xác định trữ lượng đạn dược còn lại là bốn nghìn hòm.", False, 150),
]
PAGE_TWO = [("Trang hai ghi vị trí hầm ngầm Bạch Long Vĩ dưới chân đồi.", False, 150)]
# Phrases of the secret body (page 1 as read, page 2 never read), in every form an index keeps.
PHRASES = ("kho vũ khí Đồng Quỹ", "đạn dược", "Đồng Quỹ", "Bạch Long Vĩ", "hầm ngầm")
# The office named the scan and its folder after the subject, as offices do.
FOLDER, FILE = "Kho vu khi Dong Quy - xac minh", "BC-46 kho vũ khí Đồng Quỹ 4000 hom dan.tif"
NAME_PHRASES = ("4000 hom", "xac minh", "BC-46")

pytestmark = [
    pytest.mark.flow,
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(not (_FONTS / "LiberationSerif-Bold.ttf").exists(), reason="needs fonts-liberation2"),
]


def _page(lines: list[tuple[str, bool, int]]) -> Image.Image:
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    for row, (text, bold, left) in enumerate(lines):
        font = ImageFont.truetype(str(_FONTS / f"LiberationSerif-{'Bold' if bold else 'Regular'}.ttf"),
                                  60 if text == "MẬT" else 52)  # fmt: skip
        draw.text((left, 150 + 90 * row), text, font=font, fill=0)
    return image


def _leaks(folder: Path, phrases: tuple[str, ...] = PHRASES + NAME_PHRASES) -> list[tuple[str, str]]:
    return leaks(folder, phrases)


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def _run(env: dict[str, str], *args: str) -> Done:
    """The real CLI in this process, with exactly these SOHOA_ variables; the umask it sets
    (077) is put back afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("SOHOA_")]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        umask = os.umask(0o022)
        os.umask(umask)
        try:
            result = runner.invoke(app, list(args))
        finally:
            os.umask(umask)
    return Done(result.exit_code, result.stdout, result.stderr + repr(result.exception))


def _env(base: Path, **extra: str) -> dict[str, str]:
    return {"SOHOA_HOME": str(base / "home"), "SOHOA_WORKERS": "1", **extra}


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scans") / FOLDER / FILE
    path.parent.mkdir()
    first, second = _page(PAGE_ONE), _page(PAGE_TWO)
    first.save(path, save_all=True, append_images=[second], compression="tiff_deflate", dpi=(200, 200))
    return path


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory, scan: Path, prefect_harness) -> dict:
    base = tmp_path_factory.mktemp("held")
    new_key(base / "keys" / "hold.key")
    env = _env(base, SOHOA_SECRET_HOLD=str(base / "hold"), SOHOA_SECRET_KEY_FILE=str(base / "keys/hold.key"))
    scratch = base / "tmp"
    scratch.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(scratch))  # where the OCR's temporary files go
        done = _run(env, "ingest", str(scan), "--json")
    assert done.returncode == 0, done.stderr
    assert list(scratch.iterdir()) == [], "temporary copies are removed"
    (ingested,) = json.loads(done.stdout)["ingested"]
    return {"base": base, "env": env, "id": ingested["id"], "home": base / "home"}


def test_no_phrase_of_the_secret_text_is_left_under_sohoa_home(held) -> None:
    home = held["home"]
    folder = object_folder(home / "store", "record", held["id"])
    assert (home / "index.sqlite3").exists() and folder.is_dir()
    assert _leaks(home) == []  # neither the text nor the file and folder names
    catalogue = ["classification.json", "events.json", "metadata.json", "record.json"]
    assert sorted(logical_files(folder)) == catalogue
    assert content_files(folder) == [f"v1/content/{name}" for name in catalogue]  # no other version


def test_the_store_keeps_the_catalogue_row(held) -> None:
    folder = object_folder(held["home"] / "store", "record", held["id"])
    record = json.loads(logical_files(folder)["record.json"].read_bytes())
    meta, decision = record["metadata"], record["classification"]
    assert (meta["secrecy"], meta["date"], meta["doc_type"]) == ("MẬT", "2020-11-17", "Báo cáo")
    assert meta["subject"] is None and record["pages"] == [] and record["page_count"] == 2
    assert decision["access"] == "not_accessible" and decision["protect_until"] == "2030-11-17"
    assert {d["rule"] for d in decision["decisions"]} >= {"A6.1"}
    assert all(d["evidence"].startswith("mark «MẬT»") for d in decision["decisions"])


def test_the_hold_gives_back_the_original_and_only_the_pages_read(held, scan, tmp_path) -> None:
    hold = SecretHold(held["base"] / "hold", load_key(held["base"] / "keys" / "hold.key"))
    hold.open_to(held["id"], ORIGINAL, tmp_path / "original.tif")
    assert (tmp_path / "original.tif").read_bytes() == scan.read_bytes()
    hold.open_to(held["id"], RECORD, tmp_path / "record.json")
    read = json.loads((tmp_path / "record.json").read_bytes())
    assert [p["number"] for p in read["pages"]] == [1]  # reading stopped at the mark's page
    assert "Đồng Quỹ" in read["pages"][0]["text"]
    assert {phrase for _, phrase in _leaks(tmp_path)} >= {"Đồng Quỹ"}  # the search does find text
    assert _leaks(held["base"] / "hold") == []  # encrypted there too (the row is clear)


def test_everything_written_under_home_and_hold_is_private(held) -> None:
    for folder in (held["home"], held["base"] / "hold"):
        for path in [folder, *folder.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_show_prints_the_row_and_logs_the_read(held) -> None:
    done = _run(held["env"], "show", held["id"], "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["pages"] == [] and shown["metadata"]["secrecy"] == "MẬT"
    assert _leaks(held["home"]) == []
    (entry,) = [e for e in read_entries(held["home"] / "audit" / "access.jsonl") if e["action"] == "show"]
    assert entry["records"] == [held["id"]] and entry["from"] == "cli" and entry["who"]
    found = _run(held["env"], "search", "kho vũ khí Đồng Quỹ", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == 0


def test_a_mark_found_after_page_one_holds_the_whole_document(held, tmp_path: Path) -> None:
    scan = tmp_path / "mark-on-page-2.tif"
    first, second = _page(PAGE_TWO), _page(PAGE_ONE)
    first.save(scan, save_all=True, append_images=[second], compression="tiff_deflate", dpi=(200, 200))
    done = _run(held["env"], "ingest", str(scan), "--json")
    assert done.returncode == 0, done.stderr
    (ingested,) = json.loads(done.stdout)["ingested"]
    hold = SecretHold(held["base"] / "hold", load_key(held["base"] / "keys" / "hold.key"))
    hold.open_to(ingested["id"], RECORD, tmp_path / "record.json")
    assert [p["number"] for p in json.loads((tmp_path / "record.json").read_bytes())["pages"]] == [1, 2]
    assert _leaks(held["home"]) == []


def test_without_a_hold_nothing_of_a_secret_is_stored(tmp_path: Path, scan: Path) -> None:
    env = _env(tmp_path)
    done = _run(env, "ingest", str(scan), "--json")
    assert done.returncode == 3, done.stderr  # quarantined: the operator must act
    (entry,) = json.loads(done.stdout)["quarantined"]
    assert "SOHOA_SECRET_HOLD" in entry["reason"]
    assert scan.exists()  # left where it was
    home = tmp_path / "home"
    assert not (home / "store" / "ocfl").exists() or not list((home / "store" / "ocfl").glob("*/*/*/*"))
    (reason_file,) = (home / "store" / "quarantine").rglob("reason.json")
    assert json.loads(reason_file.read_bytes())["original"] is None
    assert [p.name for p in reason_file.parent.iterdir()] == ["reason.json"]
    # The entry and the outcome name the file, left where it is, so the operator can find it:
    # its name is already on this machine until it is taken away. Nothing of its text is stored.
    assert _leaks(home, tuple(p for p in PHRASES if fold(p).lower() not in fold(FILE).lower())) == []


def test_the_catalogue_row_drops_every_field_that_carries_content() -> None:
    record = Record(
        id="r",
        source="a.pdf",
        sha256="0" * 64,
        size=1,
        media_type="application/pdf",
        page_count=3,
        metadata=Metadata(
            number="7",
            subject="kho vũ khí",
            secrecy="TỐI MẬT",
            addressees=["Bộ Quốc phòng"],
            personal_data=[PersonalData(kind="cccd", value="034068004127", page=1)],
        ),
        classification=Classification(
            access="not_accessible",
            decisions=[
                Decision(rule="A6.1", outcome="not_accessible", evidence="mark «TỐI MẬT»: TỐI MẬT"),
                Decision(rule="A7.2", outcome="conditional", evidence="personal data: cccd 034068004127"),
                Decision(rule="R.4", outcome="Vĩnh viễn", evidence="title/subject: «kho vũ khí»"),
            ],
            review_reasons=["A7.2: weak evidence (0.5) — personal data: cccd 034068004127"],
        ),
    )
    row = catalogue_row(record, hold="/mnt/hold")
    dumped = row.model_dump_json()
    assert "034068004127" not in dumped and "kho vũ khí" not in dumped and "Quốc phòng" not in dumped
    assert [d.rule for d in row.classification.decisions] == ["A6.1"]
    assert row.metadata.secrecy == "TỐI MẬT" and row.metadata.number == "7"
    assert catalogue_row(row, hold="/elsewhere") == row  # a row stays a row


def test_prefect_keeps_no_name_of_the_secret_scan(held, scan) -> None:
    """Run names and log lines name the document by a hash of its path (which begins the name
    of its stored batch outcome) or its record id. (The batch flow's parameters still hold the
    paths the operator gave: README "Secret documents".)"""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    from application.batches import outcome_digest

    name = f"ingest {outcome_digest(str(scan))[:12]}"
    with get_client(sync_client=True) as client:
        for _ in range(50):  # task runs reach the server as events
            found = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[name])))
            if found:
                break
            time.sleep(0.2)
        assert found, f"no task run named {name!r}"
        texts = [run.name for run in client.read_task_runs(limit=200)]
        texts += [run.name for run in client.read_flow_runs(limit=200)]
        texts += [line.message for line in client.read_logs(limit=200)]
    found = {form.decode() for phrase in (*NAME_PHRASES, "Đồng Quỹ") for form in forms(phrase)}
    assert [t for t in texts if any(form in t or form in t.lower() for form in found)] == []
    folder = object_folder(held["home"] / "store", "record", held["id"])
    record = logical_files(folder)["record.json"].read_text()
    assert json.loads(record)["source"] == f"{held['id']}.tif"


def test_secret_open_is_logged_and_names_the_file_by_its_id(held, tmp_path: Path) -> None:
    done = _run(held["env"], "secret", "open", held["id"], str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{held['id']}.tif", "record.json"]
    )
    (entry,) = [
        e for e in read_entries(held["home"] / "audit" / "access.jsonl") if e["action"] == "secret-open"
    ]
    assert entry["records"] == [held["id"]] and entry["from"] == "cli" and entry["who"]
    assert entry["detail"]["to"] == str((tmp_path / "out").resolve())
    done = _run(held["env"], "secret", "open", held["id"], str(tmp_path / "named"), "--source-name")
    assert done.returncode == 0 and (tmp_path / "named" / FILE).exists()
