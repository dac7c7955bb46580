"""Pure helpers of storage: safe file names, key validation, file hashing."""

from __future__ import annotations

import hashlib
import os
import unicodedata

import pytest

from storage import check_key, safe_name, sha256_file
from storage.hashing import CHUNK
from storage.object_keys import check_prefix

NFD = unicodedata.normalize("NFD", "Quyết định số 12.pdf")


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("scan.pdf", "scan.pdf"),
        ("Quyết định số 12.pdf", "Quyết định số 12.pdf"),
        (NFD, "Quyết định số 12.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\văn thư\\Công văn.tif", "Công văn.tif"),
        ("dir/sub/", "sub"),
        ("a.pdf/..", "a.pdf"),
        ("..", "original"),
        (".", "original"),
        ("", "original"),
        ("\x00\x01", "original"),
        (".bashrc", "bashrc"),
        ("name. . ", "name"),
        ("tab\there\nnew\rline.pdf", "tabherenewline.pdf"),
        ("rtl\u202egnp.exe", "rtlgnp.exe"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("many    spaces\u00a0here.pdf", "many spaces here.pdf"),
        ("line\u2028sep.pdf", "linesep.pdf"),
        ("bad\udcffbytes.pdf", "badbytes.pdf"),
        ("con:ta*ins?.pdf", "con:ta*ins?.pdf"),
    ],
)
def test_safe_name(source, name):
    assert safe_name(source) == name


def test_safe_name_caps_length_and_keeps_the_extension():
    name = safe_name("Tờ trình " * 40 + ".pdf")
    assert len(name.encode()) <= 150
    assert name.endswith(".pdf")
    assert name.startswith("Tờ trình Tờ")
    assert unicodedata.is_normalized("NFC", name)
    no_ext = safe_name("đ" * 200)
    assert no_ext == "đ" * 75  # two UTF-8 bytes each
    assert safe_name("x" * 300 + ".averyveryverylongextension").startswith("x" * 100)


@pytest.mark.parametrize("key", ["a", "records/0123/original/Quyết định.pdf", "a/b.c/d-e_f", "…/x", "a b/c"])
def test_valid_keys(key):
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    ["", "/a", "a/", "a//b", ".", "..", "a/../b", "a/./b", "a\\b", "a\tb", "a\x7fb",
     ".~tmp-x", "a/.~tmp-1/b", "x" * 256, "a/" * 600 + "a", "bad\udcff"],
)  # fmt: skip
def test_invalid_keys(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_check_key_needs_a_str():
    with pytest.raises(TypeError):
        check_key(b"a")  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/b", "records/", "a/..x", "a/."])
def test_valid_prefixes(prefix):
    assert check_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "/a", "../", "a/../", "./", "a//", "a\\", "\x00"])
def test_invalid_prefixes(prefix):
    with pytest.raises(ValueError):
        check_prefix(prefix)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 3])
def test_sha256_file_matches_hashlib(tmp_path, size):
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
