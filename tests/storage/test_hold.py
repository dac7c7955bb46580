"""The secret holding area: encryption round trip, tamper and misplacement detection, key rules,
and private file modes (hold and local store)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from application.secret_docs import open_hold
from core.errors import BadInput, ConfigurationError
from core.settings import Settings
from storage import open_store
from storage.hashing import sha256_file
from storage.hold import ORIGINAL, RECORD, SecretHold, load_key, new_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def key(tmp_path: Path) -> bytes:
    new_key(tmp_path / "keys" / "hold.key")
    return load_key(tmp_path / "keys" / "hold.key")


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "mật.pdf"
    path.parent.mkdir()
    path.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 9000)  # > 2 chunks of 1 MiB
    return path


def test_a_held_file_opens_to_the_same_bytes_and_is_not_clear(tmp_path, key, original) -> None:
    hold = SecretHold(tmp_path / "hold", key)
    hold.put_file("r1", ORIGINAL, original, sha256=sha256_file(original))
    held = tmp_path / "hold" / "r1" / ORIGINAL
    assert bytes(range(256)) not in held.read_bytes()
    hold.open_to("r1", ORIGINAL, tmp_path / "out.pdf")
    assert (tmp_path / "out.pdf").read_bytes() == original.read_bytes()
    assert _mode(tmp_path / "out.pdf") == 0o600
    assert _mode(held) == 0o600 and _mode(held.parent) == 0o700 and _mode(tmp_path / "hold") == 0o700


def test_an_altered_moved_or_wrongly_keyed_file_does_not_open(tmp_path, key, original) -> None:
    hold = SecretHold(tmp_path / "hold", key)
    hold.put_bytes("r1", RECORD, "trang một: kho vũ khí".encode())
    folder = tmp_path / "hold" / "r1"
    data = bytearray((folder / RECORD).read_bytes())
    data[30] ^= 1
    (folder / "other.enc").write_bytes(bytes((folder / RECORD).read_bytes()))
    (folder / "altered.enc").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="altered"):
        hold.open_to("r1", "altered.enc", tmp_path / "a")
    with pytest.raises(ValueError, match="altered"):  # moved: the name is authenticated
        hold.open_to("r1", "other.enc", tmp_path / "b")
    with pytest.raises(ValueError, match="altered"):
        SecretHold(tmp_path / "hold", bytes(32)).open_to("r1", RECORD, tmp_path / "c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
    hold.open_to("r1", RECORD, tmp_path / "d")
    assert (tmp_path / "d").read_text() == "trang một: kho vũ khí"


def test_a_file_changed_since_hashing_replaces_nothing(tmp_path, key, original) -> None:
    hold = SecretHold(tmp_path / "hold", key)
    digest = sha256_file(original)
    hold.put_file("r1", ORIGINAL, original, sha256=digest)
    before = (tmp_path / "hold" / "r1" / ORIGINAL).read_bytes()
    original.write_bytes(b"changed")
    with pytest.raises(BadInput, match="changed since it was hashed"):
        hold.put_file("r1", ORIGINAL, original, sha256=digest)
    assert (tmp_path / "hold" / "r1" / ORIGINAL).read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "hold" / "r1").iterdir()) == [ORIGINAL]


def test_key_files_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "k"
    new_key(path)
    assert _mode(path) == 0o600
    with pytest.raises(FileExistsError):
        new_key(path)  # never overwritten
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by others"):
        load_key(path)
    path.chmod(0o600)
    path.write_text("not a key\n")
    with pytest.raises(ConfigurationError, match="does not hold a key"):
        load_key(path)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_key(tmp_path / "missing")


def _settings(tmp_path: Path, hold: Path, key_file: Path | None) -> Settings:
    return Settings(home=tmp_path / "home", secret_hold=hold, secret_key_file=key_file)


def test_the_hold_and_its_key_must_stay_apart_from_home_and_store(tmp_path: Path) -> None:
    outside = tmp_path / "keys" / "hold.key"
    inside = tmp_path / "home" / "hold.key"
    new_key(outside)
    new_key(inside)
    assert open_hold(Settings(home=tmp_path / "home")) is None
    assert open_hold(_settings(tmp_path, tmp_path / "hold", outside)).root == (tmp_path / "hold").resolve()
    with pytest.raises(ConfigurationError, match="inside SOHOA_HOME"):
        open_hold(_settings(tmp_path, tmp_path / "hold", inside))
    with pytest.raises(ConfigurationError, match="inside SOHOA_HOME"):
        open_hold(_settings(tmp_path, tmp_path / "home" / "hold", outside))
    store = Settings(home=tmp_path / "home", storage=str(tmp_path / "st"), secret_hold=tmp_path / "st" / "h")
    with pytest.raises(ConfigurationError, match="inside the store"):
        open_hold(store.model_copy(update={"secret_key_file": outside}))
    in_hold = tmp_path / "hold" / "k"
    new_key(in_hold)
    with pytest.raises(ConfigurationError, match="inside SOHOA_SECRET_HOLD"):
        open_hold(_settings(tmp_path, tmp_path / "hold", in_hold))
    with pytest.raises(ConfigurationError, match="SOHOA_SECRET_KEY_FILE is not"):
        open_hold(_settings(tmp_path, tmp_path / "hold", None))


def test_the_local_store_writes_private_files_and_folders(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    store.put_bytes("records/x/record.json", b"{}")
    source = tmp_path / "src"
    source.write_bytes(b"abc")
    store.put_file("quarantine/y/original/a.pdf", source)
    root = tmp_path / "store"
    assert _mode(root) == 0o700
    for path in root.rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
