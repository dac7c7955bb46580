"""The dossier package: a hồ sơ's original files, every scan page as read, and dossier.json.

    dossiers/<id>/original/<safe name>   each file of the scan, byte-identical (not when held)
    dossiers/<id>/pages/0001.txt, 0001.words.json
    dossiers/<id>/dossier.json           the Dossier's head: no scan pages, no segmentation
    dossiers/<id>/scan.json              the scan: every page as read (no words), how it was cut
    dossiers/<id>/manifest-sha256.txt    written last: the commit marker

Its documents are record packages of their own (storage/package.py `write_document_package`),
written before the dossier is committed: a dossier that is committed has all its documents. The
names are spelled in storage/layout.py; the manifest is the one of record packages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path

from core.errors import NotFound
from schemas import Dossier
from storage.base import ObjectStore
from storage.hashing import sha256_bytes
from storage.jsonfile import json_bytes
from storage.layout import (
    DOSSIER_FILE,
    DOSSIER_SCAN_FILE,
    DOSSIERS,
    MANIFEST,
    original_name,
    page_words_name,
)
from storage.object_keys import check_key
from storage.package import (
    check_original,
    check_page_numbers,
    commit_files,
    manifest_text,
    page_files,
    page_head,
    parse_manifest,
    put_original,
)

__all__ = [
    "dossier_exists",
    "dossier_file_key",
    "iter_dossier_ids",
    "read_dossier",
    "read_dossier_manifest",
    "update_dossier",
    "write_dossier_package",
]


def _prefix(dossier_id: str) -> str:
    if not dossier_id or "/" in dossier_id:
        raise ValueError(f"invalid dossier id {dossier_id!r}")
    return check_key(f"{DOSSIERS}/{dossier_id}") + "/"


def _head_json(dossier: Dossier) -> bytes:
    """dossier.json: what showing a dossier needs, read in the same time however many pages its
    scan has (the pages of documents a caller may not see must not cost that caller time)."""
    return json_bytes(dossier.model_dump(mode="json", exclude={"pages", "segmentation"}))


def _scan_json(dossier: Dossier) -> bytes:
    """scan.json: the pages as read (words in their own files, text NFC) and how the scan was cut."""
    check_page_numbers(f"dossier {dossier.id}", dossier.pages)
    data = {
        "pages": [page_head(p) for p in dossier.pages],
        "segmentation": dossier.segmentation.model_dump(mode="json"),
    }
    return json_bytes(data)


def write_dossier_package(
    store: ObjectStore,
    dossier: Dossier,
    originals: Sequence[Path] | None,
) -> None:
    """Write (or complete after a crash) the package of `dossier`: `originals` are its files in
    the order of `dossier.files` (each must still hold the bytes recorded), or None when the
    original went to the secret hold (`dossier.held`). The manifest goes last; the pages' files
    are built and written one page at a time."""
    if (originals is None) != dossier.held:
        raise ValueError(f"dossier {dossier.id}: originals are given exactly when it is not held")
    prefix = _prefix(dossier.id)
    heads = {DOSSIER_FILE: _head_json(dossier), DOSSIER_SCAN_FILE: _scan_json(dossier)}
    files = chain(page_files(dossier.pages), heads.items())
    store.delete(prefix + MANIFEST)
    hashes: dict[str, str] = {}
    if originals is not None:
        if len(originals) != len(dossier.files):
            raise ValueError(f"dossier {dossier.id}: {len(originals)} files for {len(dossier.files)}")
        names = [original_name(f.name) for f in dossier.files]
        if len(set(names)) != len(names):
            raise ValueError(f"dossier {dossier.id}: two files would be stored under one name")
        for path, file, name in zip(originals, dossier.files, names, strict=True):
            before = check_original(Path(path), file.sha256, file.size, f"dossier {dossier.id}")
            put_original(store, prefix + name, Path(path), before)
            hashes[name] = file.sha256
    commit_files(store, prefix, files, hashes, journal=False)


def update_dossier(store: ObjectStore, dossier: Dossier) -> None:
    """Rewrite dossier.json of a committed dossier, and scan.json when the dossier was read with
    its scan (a boundary moved: `read_dossier(..., scan=True)`), then its manifest; the
    originals and page files stay as they are."""
    prefix = _prefix(dossier.id)
    hashes = read_dossier_manifest(store, dossier.id)
    files = {DOSSIER_FILE: _head_json(dossier)}
    if dossier.pages:  # read with its scan (a dossier has a page at least)
        files[DOSSIER_SCAN_FILE] = _scan_json(dossier)
    for name, data in files.items():
        store.put_bytes(prefix + name, data)
        hashes[name] = sha256_bytes(data)
    store.put_bytes(prefix + MANIFEST, manifest_text(hashes))


def dossier_exists(store: ObjectStore, dossier_id: str) -> bool:
    """True when the dossier package is committed (its manifest is present)."""
    return store.exists(_prefix(dossier_id) + MANIFEST)


def read_dossier_manifest(store: ObjectStore, dossier_id: str) -> dict[str, str]:
    """Path inside the dossier package -> sha256. NotFound if not committed."""
    try:
        data = store.get_bytes(_prefix(dossier_id) + MANIFEST)
    except NotFound:
        raise NotFound(f"no dossier {dossier_id!r} in {store.url}") from None
    return parse_manifest(data.decode(), dossier_id)


def read_dossier(
    store: ObjectStore, dossier_id: str, *, scan: bool = False, with_words: bool = False
) -> Dossier:
    """The stored dossier: its head only (no pages, an empty segmentation), or with its `scan`
    (every page as read and how it was cut), the pages' words too `with_words`. NotFound
    unless committed."""
    if not dossier_exists(store, dossier_id):
        raise NotFound(f"no dossier {dossier_id!r} in {store.url}")
    prefix = _prefix(dossier_id)
    data = json.loads(store.get_bytes(prefix + DOSSIER_FILE))
    if scan or with_words:
        data |= json.loads(store.get_bytes(prefix + DOSSIER_SCAN_FILE))
    if with_words:
        for page in data["pages"]:
            page["words"] = json.loads(store.get_bytes(prefix + page_words_name(page["number"])))
    return Dossier.model_validate(data)


def iter_dossier_ids(store: ObjectStore) -> Iterator[str]:
    """The ids of committed dossiers, in lexical order."""
    for key in store.list(f"{DOSSIERS}/"):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == MANIFEST:
            yield parts[1]


def dossier_file_key(dossier: Dossier, index: int) -> str:
    """The store key of the dossier's `index`-th original file (0-based). NotFound when held."""
    if dossier.held:
        raise NotFound(f"dossier {dossier.id}: its original is held outside the store")
    return _prefix(dossier.id) + check_key(original_name(dossier.files[index].name))
