"""The secret holding area: the content of state-secret documents, encrypted, away from the store.

The Law on Protection of State Secrets forbids keeping state-secret content on a machine that
is (or was) connected to a network, except under the cryptography law (vn-archival-rules §4.4).
So the original and the text read of a document marked MẬT / TỐI MẬT / TUYỆT MẬT never enter
the store: they go to a folder the operator names (SOHOA_SECRET_HOLD: an isolated machine's
share or a removable volume), each file encrypted as a second line of defence:

    <hold>/<record id>/catalogue.json       the catalogue row (what the store keeps too), clear
    <hold>/<record id>/original.enc         the original file, encrypted
    <hold>/<record id>/record.json.enc      the record as read (page text, words), encrypted

(the names: storage/layout.py)

Each .enc file is AES-256-GCM (the `cryptography` package) under one key, a fresh 96-bit nonce
per file, the record id and file name as authenticated data (a file moved to another name or
record does not open), streamed in 1 MiB chunks: MAGIC | nonce | ciphertext | 16-byte tag.
The key (32 random bytes, base64) lives in its own file (SOHOA_SECRET_KEY_FILE), never inside
SOHOA_HOME, the store or the hold, readable by its owner only. Folders are 0700, files 0600.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core.errors import BadInput, ConfigurationError, NotFound
from storage.hashing import CHUNK
from storage.layout import HOLD_CATALOGUE as CATALOGUE
from storage.layout import HOLD_ORIGINAL as ORIGINAL
from storage.layout import HOLD_RECORD as RECORD
from storage.local import write_atomic
from storage.object_keys import check_key

__all__ = [
    "CATALOGUE",
    "ORIGINAL",
    "RECORD",
    "SecretHold",
    "load_key",
    "new_key",
    "refuse_inside",
]

MAGIC = b"SOHOA-HOLD-1\n"
NONCE_BYTES, TAG_BYTES, KEY_BYTES = 12, 16, 32


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _real(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def refuse_inside(path: Path, what: str, forbidden: Iterable[tuple[str, Path]]) -> None:
    """ConfigurationError when `path` is inside one of the (name, folder) places."""
    for name, root in forbidden:
        if _inside(_real(path), _real(root)):
            raise ConfigurationError(
                f"{what} {path} is inside {name} ({root}): keep it apart (another volume or machine)"
            )


def new_key(path: Path) -> None:
    """Create a key file (32 random bytes, base64), mode 0600; refuse to overwrite one."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(base64.urlsafe_b64encode(os.urandom(KEY_BYTES)) + b"\n")


def load_key(path: Path, *, forbidden: Iterable[tuple[str, Path]] = ()) -> bytes:
    """The key in `path`; ConfigurationError when it is missing, malformed, readable by others,
    or inside one of the `forbidden` (name, folder) places (SOHOA_HOME, the store, the hold)."""
    path = Path(path).expanduser()
    refuse_inside(path, "the secret key file", forbidden)
    try:
        info = path.stat()
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the secret key file {path}: {exc.strerror or exc} "
            "(make one with `sohoa secret new-key PATH`)"
        ) from exc
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise ConfigurationError(f"the secret key file {path} is readable by others: chmod 600 {path}")
    try:
        key = base64.urlsafe_b64decode(data.strip())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(f"{path} does not hold a key: expected {KEY_BYTES} bytes in base64")
    return key


def _aad(record_id: str, name: str) -> bytes:
    return MAGIC + f"{record_id}/{name}".encode()


def _encrypt(key: bytes, aad: bytes, src: BinaryIO, out: BinaryIO) -> str:
    """Encrypt `src` into `out`; return the sha256 of the plaintext (read once, streamed)."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    digest = hashlib.sha256()
    out.write(MAGIC + nonce)
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        out.write(encryptor.update(chunk))
    out.write(encryptor.finalize() + encryptor.tag)
    return digest.hexdigest()


def _decrypt(key: bytes, aad: bytes, src: BinaryIO, size: int, out: BinaryIO) -> None:
    """Decrypt a held file into `out`; ValueError when it is not one or was altered."""
    head = src.read(len(MAGIC) + NONCE_BYTES)
    body = size - len(head) - TAG_BYTES
    if not head.startswith(MAGIC) or body < 0:
        raise ValueError("not a sohoa held file")
    src.seek(size - TAG_BYTES)
    tag = src.read(TAG_BYTES)
    src.seek(len(head))
    decryptor = Cipher(algorithms.AES(key), modes.GCM(head[len(MAGIC) :], tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    while body > 0:
        chunk = src.read(min(CHUNK, body))
        body -= len(chunk)
        out.write(decryptor.update(chunk))
    try:
        out.write(decryptor.finalize())
    except InvalidTag:
        raise ValueError("the held file was altered, or the key is not the one it was held with") from None


class SecretHold:
    """The holding area at `root`, encrypting with `key`."""

    def __init__(self, root: Path, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a hold key has {KEY_BYTES} bytes")
        self.root = _real(root)
        self._key = key

    def __repr__(self) -> str:
        return f"SecretHold({str(self.root)!r})"

    def _folder(self, record_id: str) -> Path:
        check_key(record_id)
        if "/" in record_id:
            raise ValueError(f"invalid record id {record_id!r}")
        return self.root / record_id

    def _make_folder(self, record_id: str) -> Path:
        folder = self._folder(record_id)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(exist_ok=True, mode=0o700)
        return folder

    def put_file(self, record_id: str, name: str, src: Path, *, sha256: str) -> None:
        """Encrypt the file `src` as `name`. BadInput (and nothing replaced) unless the bytes
        read have this `sha256`: the file changed since it was hashed."""
        target = self._make_folder(record_id) / name

        def fill(out: BinaryIO) -> None:
            with Path(src).open("rb") as f:
                digest = _encrypt(self._key, _aad(record_id, name), f, out)
            if digest != sha256:
                raise BadInput(f"{Path(src).name} changed since it was hashed: sha256 {digest[:12]}")

        write_atomic(target, fill)

    def put_bytes(self, record_id: str, name: str, data: bytes) -> None:
        """Encrypt `data` as `name` (names ending in .enc) or write it clear (the catalogue)."""
        target = self._make_folder(record_id) / name
        if name.endswith(".enc"):
            aad = _aad(record_id, name)
            write_atomic(target, lambda out: _encrypt(self._key, aad, io.BytesIO(data), out))
        else:
            write_atomic(target, lambda out: out.write(data))

    def open_to(self, record_id: str, name: str, dest: Path) -> None:
        """Decrypt the held `name` to the file `dest` (0600), which appears only once the whole
        file has been authenticated. NotFound; ValueError when altered or the key is wrong."""
        source = self._folder(record_id) / name
        try:
            src = source.open("rb")
        except FileNotFoundError:
            raise NotFound(f"nothing held as {record_id}/{name} in {self.root}") from None
        with src:
            size = os.fstat(src.fileno()).st_size
            write_atomic(Path(dest), lambda out: _decrypt(self._key, _aad(record_id, name), src, size, out))

    def has(self, record_id: str) -> bool:
        return (self._folder(record_id) / ORIGINAL).is_file()
