"""`sohoa search` as an OS user of the server (the installed console script in a subprocess, over
a SQLite index under SOHOA_HOME): the same contract as the API. Guarantees (pass): `--role public`
finds nothing by a masked value and shows the public forms; no role, not even the operator's
default (archivist), is shown a secret record; what sohoa writes is its user's alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexing import SqliteIndex
from tests.indexing.conformance import make_record
from tests.redteam.contract_world import ELASTICSEARCH_URL, personal

pytestmark = pytest.mark.skipif(
    bool(ELASTICSEARCH_URL), reason="the CLI over the SQLite file under SOHOA_HOME"
)

NAME = "Bùi Văn Thắng"


def _sohoa(home: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_API"))}
    env["SOHOA_HOME"] = str(home)
    exe = Path(sys.executable).with_name("sohoa")
    done = subprocess.run(
        [str(exe), "search", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli") / "home"
    victim = personal(
        make_record(
            "victim", f"Cấp lại giấy tờ cho ông {NAME} ở thôn Đông", subject=f"Cấp giấy cho ông {NAME}"
        ),
        ("name", NAME),
    )
    with SqliteIndex(home / "index.sqlite3") as index:
        index.add(victim)
        index.add(make_record("undet", "Thông báo chưa xác định về lúaxyz", access="undetermined"))
        index.add(make_record("secret", f"Biên bản họp kín hầmđạnxyz, ông {NAME}", access="not_accessible"))
    return home


def test_contract_cli_public_role_finds_nothing_by_a_masked_value(home: Path) -> None:
    assert _sohoa(home, f'"{NAME}"', "--role", "public")["total"] == 0
    (hit,) = _sohoa(home, "thôn Đông", "--role", "public")["hits"]
    assert NAME not in hit["title"] + hit["snippet"] and hit["score"] == 0
    assert _sohoa(home, f'"{NAME}"', "--role", "staff")["total"] == 1  # the value is there


def test_contract_cli_no_role_is_shown_a_secret_record(home: Path) -> None:
    for role in ((), ("--role", "archivist"), ("--role", "staff"), ("--role", "public")):
        assert _sohoa(home, "hầmđạnxyz", *role)["total"] == 0, role
    assert _sohoa(home, "lúaxyz")["total"] == 1  # the operator (archivist) sees undetermined
    assert _sohoa(home, "lúaxyz", "--role", "staff")["total"] == 0


def test_contract_cli_files_are_its_users_alone(home: Path) -> None:
    _sohoa(home, "lúaxyz")  # the operator's read of an undetermined record is logged
    written = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "access.jsonl" for p in written)
    modes = {
        str(p.relative_to(home)): oct(p.stat().st_mode & 0o077) for p in written if p.name != "index.sqlite3"
    }
    assert all(mode == "0o0" for mode in modes.values()), modes
