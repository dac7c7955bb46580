"""The dossier package: a hồ sơ's original files, every scan page as read, and dossier.json.

Two OCFL objects beside the record packages in the storage root under ocfl/ (storage/package.py):

    urn:sohoa:dossier-scan:<id>   the scan
        original/<safe name>      each file of the scan, byte-identical (not when held)
        pages/0001.txt, 0001.words.json
        scan.json                 every page as read (no words), how the scan was cut
    urn:sohoa:dossier:<id>        the head, committed last: the dossier exists once it is
        dossier.json              the Dossier's head: no scan pages, no segmentation
        forms/<audience>.json     what one audience other than archivists may be shown of the
                                  dossier (its public form: application/dossiers.py), written
                                  with dossier.json and again when a document changes it

Showing a dossier reads the head object alone: its inventory, like dossier.json, does not grow
with the pages of the scan, so answering for a dossier costs the same whatever the pages of
documents the caller may not see (an inventory names every file: one object would cost more for
more hidden pages). Its documents are record packages of their own (`write_document_package`),
committed before the dossier: a dossier that is committed has all its documents. A boundary
moved by an archivist (`update_dossier`) is the next version of both objects (scan first), after
the new documents' versions and before the withdrawn documents' tombstones. The names are
spelled in storage/layout.py.

A held dossier (its original in the secret hold: a document of it is a state secret, found at
intake or marked later) keeps a scan object of ONE version, without original and without the
secret pages' text: every older version held them, so it is purged first (as
`storage.package.write_catalogue` purges a record's). A committed dossier's head says it is held
before its scan is rewritten, so that a writer killed in between is finished by a rerun.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from pathlib import Path

from core.errors import NotFound
from schemas import Dossier
from storage.base import ObjectStore
from storage.jsonfile import json_bytes
from storage.layout import DOSSIER_FILE, DOSSIER_SCAN_FILE, original_name, page_words_name
from storage.ocfl_inventory import VersionInfo
from storage.ocfl_layout import dossier_object_id, dossier_scan_object_id, plain_id
from storage.ocfl_store import Content, file_digests
from storage.package import (
    SYSTEM,
    PackageFiles,
    check_page_numbers,
    commit_object,
    ocfl_root,
    package_files,
    page_files,
    page_head,
    spooled,
    version_info,
    writable_root,
)

__all__ = [
    "dossier_exists",
    "dossier_file_key",
    "iter_dossier_ids",
    "form_name",
    "read_dossier",
    "read_dossier_form",
    "update_dossier",
    "write_dossier_forms",
    "write_dossier_package",
]

FORMS_DIR = "forms"
_AUDIENCE = re.compile(r"^[a-z]{1,20}$")


def form_name(audience: str) -> str:
    """The logical path of an audience's form in the head object: forms/<audience>.json."""
    if not _AUDIENCE.match(audience):
        raise ValueError(f"not an audience name: {audience!r}")
    return f"{FORMS_DIR}/{audience}.json"


def _form_files(forms: Mapping[str, bytes]) -> list[tuple[str, Content]]:
    return [(form_name(audience), data) for audience, data in sorted(forms.items())]


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
    forms: Mapping[str, bytes] | None = None,
    info: VersionInfo | None = None,
) -> int | None:
    """Write the package of `dossier` as its next version (v1 at intake; None when it already
    holds exactly these files): `originals` are its files in the order of `dossier.files` (each
    must still hold the bytes recorded), or None when the original went to the secret hold
    (`dossier.held`); `forms` (audience -> bytes) its public forms, committed with dossier.json
    (without them, public and staff are shown nothing of it until they are written:
    `write_dossier_forms`). The pages' files are built one page at a time. `info`: who and why
    (default: intake, by sohoa).

    A held dossier's scan object is written as its only version (older versions purged: they
    hold the original or pages now hidden), and, the dossier being committed already, after its
    head (which then says it is held)."""
    if (originals is None) != dossier.held:
        raise ValueError(f"dossier {dossier.id}: originals are given exactly when it is not held")
    head, scan = dossier_object_id(dossier.id), dossier_scan_object_id(dossier.id)
    info = info or VersionInfo("intake", SYSTEM)
    head_files = [(DOSSIER_FILE, _head_json(dossier)), *_form_files(forms or {})]
    if dossier.held:
        files = chain(page_files(dossier.pages), [(DOSSIER_SCAN_FILE, _scan_json(dossier))])
        version = None
        if dossier_exists(store, dossier.id):  # its head first: a rerun knows the originals are held
            version = commit_object(store, head, head_files, info, replace_all=True)
        _write_held_scan(store, scan, files, info)
        if version is None:
            version = commit_object(store, head, head_files, info, replace_all=True)
        return version
    kept: list[tuple[str, Content]] = []
    hashes: dict[str, str] = {}
    if originals is not None:
        if len(originals) != len(dossier.files):
            raise ValueError(f"dossier {dossier.id}: {len(originals)} files for {len(dossier.files)}")
        names = [original_name(f.name) for f in dossier.files]
        if len(set(names)) != len(names):
            raise ValueError(f"dossier {dossier.id}: two files would be stored under one name")
        for path, file, name in zip(originals, dossier.files, names, strict=True):
            kept.append((name, Path(path)))
            hashes[name] = file.sha256
    files = chain(kept, page_files(dossier.pages), [(DOSSIER_SCAN_FILE, _scan_json(dossier))])
    commit_object(store, scan, files, info, replace_all=True, originals=hashes)
    return commit_object(store, head, head_files, info, replace_all=True)


def _write_held_scan(
    store: ObjectStore, object_id: str, files: Iterable[tuple[str, Content]], info: VersionInfo
) -> None:
    """The scan object of a held dossier as its one version: any older version, or a head that
    holds other files (the original, a page now hidden), is deleted first, with the content of
    an interrupted write; nothing is done when it holds exactly `files` alone already."""
    ocfl = writable_root(store)
    with tempfile.TemporaryDirectory(prefix="sohoa-commit-") as scratch:
        staged = spooled(files, Path(scratch))
        if ocfl.exists(object_id):
            wanted = {name: file_digests(content)[0] for name, content in staged.items()}
            if len(ocfl.versions(object_id)) > 1 or ocfl.files(object_id) != wanted:
                store.delete_tree(ocfl.object_root(object_id))  # older versions hold the secret
        ocfl.discard_incomplete(object_id)
        ocfl.commit(object_id, staged, info, replace_all=True)


def update_dossier(
    store: ObjectStore, dossier: Dossier, forms: Mapping[str, bytes] | None = None
) -> int | None:
    """Write dossier.json of a committed dossier, and scan.json when the dossier was read with
    its scan (a boundary moved: `read_dossier(..., scan=True)`), and the public `forms` given,
    as its next version (who and why from its newest event); the originals and page files stay
    as they are. None when nothing changed."""
    _current(store, dossier.id)  # NotFound unless committed
    info = version_info(dossier.events)
    if dossier.pages:  # read with its scan (a dossier has a page at least)
        scan = [(DOSSIER_SCAN_FILE, _scan_json(dossier))]
        commit_object(store, dossier_scan_object_id(dossier.id), scan, info, replace_all=False)
    head = [(DOSSIER_FILE, _head_json(dossier)), *_form_files(forms or {})]
    return commit_object(store, dossier_object_id(dossier.id), head, info, replace_all=False)


def write_dossier_forms(
    store: ObjectStore, dossier_id: str, forms: Mapping[str, bytes], info: VersionInfo
) -> int | None:
    """Write the public `forms` (audience -> bytes) of a committed dossier as the next version of
    its head (`info`: who, when, why), the other files as they are; None when they are unchanged
    (no version written). NotFound unless the dossier is committed."""
    _current(store, dossier_id)
    files = _form_files(forms)
    return commit_object(store, dossier_object_id(dossier_id), files, info, replace_all=False)


def read_dossier_form(store: ObjectStore, dossier_id: str, audience: str) -> bytes:
    """The public form of the dossier for `audience`, as its head holds it: the one file an
    answer to that audience reads (not dossier.json). NotFound unless the dossier is committed
    with that form."""
    return _current(store, dossier_id).read(form_name(audience))


def _current(store: ObjectStore, dossier_id: str) -> PackageFiles:
    """The head object's newest version; NotFound unless the dossier is committed."""
    object_id = dossier_object_id(dossier_id)
    return package_files(ocfl_root(store), object_id, None, f"dossier {dossier_id!r}")


def _scan(store: ObjectStore, dossier_id: str) -> PackageFiles:
    object_id = dossier_scan_object_id(dossier_id)
    return package_files(ocfl_root(store), object_id, None, f"scan of dossier {dossier_id!r}")


def dossier_exists(store: ObjectStore, dossier_id: str) -> bool:
    """True when the dossier package is committed."""
    try:
        _current(store, dossier_id)
    except NotFound:
        return False
    return True


def read_dossier(
    store: ObjectStore, dossier_id: str, *, scan: bool = False, with_words: bool = False
) -> Dossier:
    """The stored dossier: its head only (no pages, an empty segmentation), or with its `scan`
    (every page as read and how it was cut), the pages' words too `with_words`. NotFound
    unless committed."""
    data = json.loads(_current(store, dossier_id).read(DOSSIER_FILE))
    if scan or with_words:
        package = _scan(store, dossier_id)
        data |= json.loads(package.read(DOSSIER_SCAN_FILE))
    if with_words:
        for page in data["pages"]:
            page["words"] = json.loads(package.read(page_words_name(page["number"])))
    return Dossier.model_validate(data)


def iter_dossier_ids(store: ObjectStore) -> Iterator[str]:
    """The ids of committed dossiers, in lexical order."""
    found = [plain_id(object_id) for object_id in ocfl_root(store).object_ids()]
    yield from sorted(named[1] for named in found if named and named[0] == "dossier")


def dossier_file_key(store: ObjectStore, dossier: Dossier, index: int) -> str:
    """The store key of the dossier's `index`-th original file (0-based). NotFound when held."""
    if dossier.held:
        raise NotFound(f"dossier {dossier.id}: its original is held outside the store")
    return _scan(store, dossier.id).key(original_name(dossier.files[index].name))
