"""The CLI pieces: `keys` and `serve` as mounted in cli/main.py, and `search --role/--key`
seeing exactly what the API serves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from application.access_log import audit_path, read_entries
from application.searching import SearchParams
from cli.api_commands import caller_for, keys_app, search_as_cli, serve
from tests.api.conftest import ELASTICSEARCH_URL, Archive, Keys
from tests.api.live import free_port

runner = CliRunner()


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """sohoa (as mounted by cli/main.py)."""

    app.add_typer(keys_app, name="keys")
    app.command()(serve)
    return app


def test_keys_commands(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_HOME", str(archive.settings.home))
    app = _cli()
    created = runner.invoke(app, ["keys", "create", "--role", "archivist", "--name", "Minh"])
    assert created.exit_code == 0 and created.stdout.startswith("sohoa_")
    token = created.stdout.strip()
    assert caller_for(archive.settings, key=token).name == "Minh"
    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert [k["name"] for k in listed] == ["Minh"] and "sha256" not in listed[0]
    assert token not in runner.invoke(app, ["keys", "list"]).stdout
    assert runner.invoke(app, ["keys", "create", "--role", "boss"]).exit_code == 2
    assert runner.invoke(app, ["keys", "revoke", "Minh"]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", "Minh"]).exit_code == 4
    with pytest.raises(ValueError, match="revoked"):
        caller_for(archive.settings, key=token)
    assert "--port" in runner.invoke(app, ["serve", "--help"]).stdout


@pytest.mark.parametrize("role", ["public", "staff", "archivist"])
def test_cli_search_is_the_api_search(client, archive: Archive, keys: Keys, role: str) -> None:
    api = client.get("/search", params={"q": "so hoa", "per_page": 50}, headers=keys.headers(role)).json()
    by_key = (
        search_as_cli(archive.settings, SearchParams(q="so hoa", limit=50), key=getattr(keys, role))
        if role != "public"
        else search_as_cli(archive.settings, SearchParams(q="so hoa", limit=50), role="public")
    )
    found, as_role = by_key
    assert as_role == role
    assert [(h.id, h.snippet, h.title) for h in found.result.hits] == [
        (h["id"], h["snippet"], h["title"]) for h in api["hits"]
    ]
    assert found.result.total == api["total"]


def test_cli_callers(archive: Archive, keys: Keys) -> None:
    assert caller_for(archive.settings).role == "archivist"  # the operator, by default
    assert caller_for(archive.settings, role="public").role == "public"
    with pytest.raises(ValueError, match="not archivist"):
        caller_for(archive.settings, role="archivist", key=keys.staff)
    with pytest.raises(ValueError, match="unknown role"):
        caller_for(archive.settings, role="admin")
    search_as_cli(archive.settings, SearchParams(q="so hoa"), role="staff")
    entries = list(read_entries(audit_path(archive.settings)))
    assert entries[-1]["from"] == "cli" and entries[-1]["who"].startswith("cli:")
    assert entries[-1]["records"] == [archive.records["conditional"].id]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@pytest.mark.skipif(bool(ELASTICSEARCH_URL), reason="serves the SQLite archive of the test home")
def test_serve_with_two_workers_answers_as_the_app_does(client, archive: Archive) -> None:
    """`sohoa serve --workers 2`: two search processes over the same index (api.search_pool),
    answering the search the in-process app answers."""
    port = free_port()
    env = {**os.environ, "SOHOA_HOME": str(archive.settings.home)}
    env |= {"SOHOA_INDEX": archive.settings.index_url, "SOHOA_STORAGE": archive.settings.storage_url}
    command = [str(Path(sys.executable).parent / "sohoa"), "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        expected = client.get("/search", params={"q": "so hoa"}).json()
        deadline, answers = time.monotonic() + 60, []
        while len(answers) < 6:
            assert time.monotonic() < deadline and server.poll() is None, "sohoa serve did not answer"
            try:
                answers.append(httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "so hoa"}).json())
            except httpx.TransportError:
                time.sleep(0.2)
        assert all(answer == expected for answer in answers)
        workers = [c for c in _children(server.pid) if "spawn_main" in _cmdline(c)]
        assert len(workers) == 2
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert b"2 process(es)" in stderr
