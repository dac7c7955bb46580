"""`sohoa secret sweep`: secret records stored in clear by earlier versions move to the hold;
the store and the index keep their catalogue row, nothing of their text stays under
SOHOA_HOME (not in the index's full-text segments, its free pages or its WAL, nor in a page
render cached before), the hold gives back the original, and the sweep is in the access log."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from typer.testing import CliRunner

from api.state import page_cache_dir
from application.access_log import audit_path, read_entries
from cli.main import app
from core.settings import load_settings
from indexing import open_index
from schemas import SearchQuery
from storage import is_held, open_store, read_manifest, read_record, write_package
from storage.hold import ORIGINAL, SecretHold, load_key, new_key
from storage.package import package_key
from tests.export.records import make_record, store_record
from tests.secret_leaks import leaks

PHRASE = "kho vũ khí Đồng Quỹ"
TOKEN = "khoxyzđạnquỹ"  # one word: the full-text index keeps it whole, as one term
runner = CliRunner()


def test_sweep_moves_clear_secrets_to_the_hold(sohoa_home: Path, tmp_path: Path, monkeypatch) -> None:
    settings = load_settings()
    store = open_store(settings.storage_url)
    index = open_index(settings.index_url)
    secret = make_record(b"secret scan", access="not_accessible", secrecy="MẬT", subject=PHRASE)
    secret.pages[0].text = f"{PHRASE} {TOKEN}"
    original = tmp_path / "secret-original"
    original.write_bytes(b"secret scan")
    write_package(store, secret, original, {"document.pdf": b"%PDF " + PHRASE.encode()})
    public = store_record(store, tmp_path, b"public scan", access="public", source="p.pdf")
    for record in (secret, public):
        index.add(read_record(store, record.id))
    assert index.search(SearchQuery(q=PHRASE)).total == 1  # in clear, as an earlier version left it
    # `index` stays open through the sweep, as a running API keeps it: the file is not
    # checkpointed when the sweep's own connection closes.
    render = page_cache_dir(settings) / f"{secret.id}-0001-1000-0123456789ab.png"
    render.parent.mkdir(parents=True)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", TOKEN)  # stands for the text drawn on the page: a grep can see it
    Image.new("L", (40, 20), 255).save(render, pnginfo=info)
    assert _leaks(sohoa_home)
    assert PHRASE.encode() in (store.root / package_key(store, secret.id, "pages/0001.txt")).read_bytes()

    result = runner.invoke(app, ["secret", "sweep"])
    assert result.exit_code == 2 and "SOHOA_SECRET_HOLD is not set" in result.output

    new_key(tmp_path / "keys" / "hold.key")
    monkeypatch.setenv("SOHOA_SECRET_HOLD", str(tmp_path / "hold"))
    monkeypatch.setenv("SOHOA_SECRET_KEY_FILE", str(tmp_path / "keys" / "hold.key"))
    result = runner.invoke(app, ["secret", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [secret.id]
    assert runner.invoke(app, ["secret", "sweep"]).stdout.split() == []  # nothing left to move

    assert set(read_manifest(store, secret.id)) == {
        "record.json", "metadata.json", "classification.json", "events.json"
    }  # fmt: skip
    row = read_record(store, secret.id)
    assert is_held(row) and row.pages == [] and row.metadata.secrecy == "MẬT"
    assert read_manifest(store, public.id)  # the public record is untouched
    assert _leaks(sohoa_home) == []
    (entry,) = [e for e in read_entries(audit_path(settings)) if e["action"] == "secret-sweep"]
    assert entry["records"] == [secret.id] and entry["from"] == "cli" and entry["who"]
    try:
        assert index.search(SearchQuery(q=PHRASE)).total == 0 and index.has(secret.id)
    finally:
        index.close()
    hold = SecretHold(tmp_path / "hold", load_key(tmp_path / "keys" / "hold.key"))
    hold.open_to(secret.id, ORIGINAL, tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == b"secret scan"


def _leaks(home: Path) -> list[tuple[str, str]]:
    return leaks(home, (PHRASE, TOKEN))


@pytest.fixture(autouse=True)
def _no_hold(monkeypatch) -> None:
    for name in ("SOHOA_SECRET_HOLD", "SOHOA_SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
