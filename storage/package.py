"""The record package: every file of one record, an OCFL object whose versions keep its history.

    original/<safe name>     the original file, byte-identical
    pages/0001.txt           page text (UTF-8, NFC)
    pages/0001.words.json    the page's words with boxes and confidences (JSON list)
    record.json              the Record without page words
    metadata.json            Record.metadata
    classification.json      Record.classification
    events.json              Record.events (provenance log)
    <extra files>            e.g. document.pdf, fingerprint.json

The names are spelled in storage/layout.py; they are the logical paths of the object
`urn:sohoa:record:<id>` in the OCFL storage root under ocfl/ (storage/ocfl_store.py). Ingest
writes a version holding exactly these files; a review (`update_record`) writes the next version
with the JSON files it changed, saying who, when and why; files that did not change are not
stored again, and nothing changed writes no version. Earlier versions stay readable
(`read_record(..., version=N)`, `record_versions`).

A record whose content is held outside the store (a state secret: storage/hold.py) has a
catalogue package: the four JSON files only. Its content must leave the store, so writing it
purges the object's earlier versions (the one case an object loses its history).

A withdrawn package (a document whose pages now belong to other documents) gets a last version
holding only withdrawn.json (a tombstone): readers see no record, its earlier versions remain.

The root inventory is the commit marker (OcflStore.commit writes it last): a crash mid-write
leaves the previous version whole, or no package at all, and the next write finishes the job.
Every commit is then noted in the change journal (storage/changes.py), which a rebuild of the
index reads to catch up with what changed while it ran.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from urllib.parse import quote

from core.errors import BadInput, NotFound
from schemas import Event, Page, Record
from storage.base import ObjectStore
from storage.changes import note_change
from storage.hashing import sha256_file
from storage.jsonfile import json_bytes
from storage.layout import (
    CLASSIFICATION_FILE,
    EVENTS_FILE,
    JSON_FILES,
    METADATA_FILE,
    OCFL_ROOT,
    ORIGINAL_DIR,
    PAGES_DIR,
    RECORD_FILE,
    WITHDRAWN_FILE,
    original_name,
    page_text_name,
    page_words_name,
)
from storage.object_keys import check_key
from storage.ocfl_inventory import FIXITY_ALGORITHM, Inventory, User, VersionInfo
from storage.ocfl_layout import plain_id, record_object_id
from storage.ocfl_store import Content, OcflStore, VersionSummary

__all__ = [
    "purge_withdrawn",
    "HELD_STEP",
    "PackageFiles",
    "is_held",
    "finish_package",
    "iter_record_ids",
    "listed_record_ids",
    "ocfl_root",
    "original_key",
    "package_exists",
    "package_key",
    "read_manifest",
    "read_committed_record",
    "read_package_bytes",
    "read_record",
    "record_versions",
    "update_record",
    "version_info",
    "write_catalogue",
    "write_document_package",
    "write_package",
    "withdraw_package",
]

_NO_EXTRA: Mapping[str, bytes | Path] = MappingProxyType({})
HELD_STEP = "secret-hold"  # the event of a record whose content went to the holding area
SYSTEM = User("sohoa", "urn:sohoa:software")  # the writer of a version no person asked for


# ---- names and serialisation (pure) ----


def ocfl_root(store: ObjectStore) -> OcflStore:
    """The OCFL storage root of every record and dossier package in `store`."""
    return OcflStore(store, OCFL_ROOT)


def writable_root(store: ObjectStore) -> OcflStore:
    """The storage root, declared first if this is the store's first package."""
    ocfl = ocfl_root(store)
    ocfl.initialize()
    return ocfl


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def check_page_numbers(owner: str, pages: Sequence[Page]) -> None:
    """Refuse duplicate page numbers (ValueError), before anything is written."""
    numbers = [page.number for page in pages]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"{owner}: duplicate page numbers {numbers}")


def page_head(page: Page) -> dict:
    """A page as record.json (or a dossier's scan.json) keeps it: no words, text in NFC."""
    data = page.model_dump(mode="json", exclude={"words"})
    data["text"] = _nfc(data["text"])
    return data


def _words_json(page: Page) -> bytes:
    """One word per line, text in NFC: compact, yet diffable and readable."""
    if not page.words:
        return b"[]\n"
    lines = []
    for word in page.words:
        data = word.model_dump(mode="json")
        data["text"] = _nfc(data["text"])
        lines.append(json_bytes(data, indent=None).rstrip())
    return b"[\n" + b",\n".join(lines) + b"\n]\n"


def _json_files(record: Record) -> dict[str, bytes]:
    without_words = record.model_dump(mode="json", exclude={"pages": {"__all__": {"words"}}})
    for page in without_words["pages"]:
        page["text"] = _nfc(page["text"])
    return {
        RECORD_FILE: json_bytes(without_words),
        METADATA_FILE: json_bytes(record.metadata.model_dump(mode="json")),
        CLASSIFICATION_FILE: json_bytes(record.classification.model_dump(mode="json")),
        EVENTS_FILE: json_bytes([event.model_dump(mode="json") for event in record.events]),
    }


def page_files(pages: Iterable[Page]) -> Iterator[tuple[str, bytes]]:
    """Each page's text and words files, built one page at a time as they are written (NFC): the
    pages of a long document are never all serialised (nor copied) at once."""
    for page in pages:
        yield page_text_name(page.number), _nfc(page.text).encode()
        yield page_words_name(page.number), _words_json(page)


def _extra_files(extra: Mapping[str, bytes | Path]) -> dict[str, bytes | Path]:
    for name, data in extra.items():
        check_key(name)
        reserved = name in (*JSON_FILES, WITHDRAWN_FILE) or name.startswith(
            (f"{ORIGINAL_DIR}/", f"{PAGES_DIR}/")
        )
        if reserved:
            raise ValueError(f"extra file {name!r} would replace a package file")
        if not isinstance(data, bytes | Path):
            raise TypeError(f"extra file {name!r} must be bytes or the Path of a local file")
    return dict(extra)


def person(who: str) -> User:
    """The OCFL user of a version a person asked for (an archivist's key name), with a URI."""
    return User(who, "urn:sohoa:person:" + quote(who, safe=""))


def version_info(record_events: Sequence[Event], default: str | None = None) -> VersionInfo:
    """Who and why of the version a record's newest event made: when a person made it (its
    parameters name them: 'by'), or when there is no `default`, its step and detail, by that
    person or sohoa; else `default`, by sohoa."""
    event = record_events[-1] if record_events else None
    by = event.parameters.get("by") if event else None
    if event is None or (default is not None and not by):
        return VersionInfo(default or "update", SYSTEM)
    message = f"{event.step}: {event.detail}" if event.detail else event.step
    return VersionInfo(message, person(str(by)) if by else SYSTEM)


# ---- the original file ----


def check_original(path: Path, sha256: str, size: int, owner: str) -> None:
    """BadInput unless the local file `path` still holds what `owner` (a record or dossier)
    says: a guard before work that must not start from a changed file. The commit checks again
    as it stores the file (OcflStore.commit `expected_sha256`)."""
    try:
        found = path.stat().st_size
        digest = sha256_file(path)
    except OSError as exc:
        raise BadInput(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if digest != sha256 or found != size:
        raise BadInput(
            f"{path.name} changed since it was hashed: sha256 {digest[:12]}, {found} bytes"
            f" ({owner}: {sha256[:12]}, {size} bytes)"
        )


# ---- committing ----


def spooled(files: Iterable[tuple[str, Content]], folder: Path) -> dict[str, Content]:
    """The files to commit, each generated file's bytes spooled to a scratch file in `folder` as
    it is built: memory stays flat in the number of pages (the commit streams them in)."""
    out: dict[str, Content] = {}
    for n, (name, data) in enumerate(files):
        if isinstance(data, bytes) and len(data) > 4096:
            path = folder / f"{n:06d}"
            path.write_bytes(data)
            out[name] = path
        else:
            out[name] = data
    return out


def commit_object(
    store: ObjectStore,
    object_id: str,
    files: Iterable[tuple[str, Content]],
    info: VersionInfo,
    *,
    replace_all: bool,
    originals: Mapping[str, str] | None = None,
) -> int | None:
    """Commit `files` as the next version of `object_id`; its number, or None when nothing
    changed (no version written). `originals` (logical path -> sha256) are the originals' hashes
    taken at ingest: a file that holds other bytes now is BadInput, nothing written."""
    ocfl = writable_root(store)
    with tempfile.TemporaryDirectory(prefix="sohoa-commit-") as scratch:
        staged = spooled(files, Path(scratch))
        new = ocfl.commit(object_id, staged, info, replace_all=replace_all, expected_sha256=originals)
    return None if new is None else int(new.name[1:])


def _commit(
    store: ObjectStore,
    record_id: str,
    files: Iterable[tuple[str, Content]],
    info: VersionInfo,
    *,
    replace_all: bool = True,
    originals: Mapping[str, str] | None = None,
) -> int | None:
    """Commit a record's version and note it in the change journal (a rerun that finds nothing
    to change notes it again: a journal entry only tells a reader to read the package again)."""
    object_id = record_object_id(record_id)
    version = commit_object(store, object_id, files, info, replace_all=replace_all, originals=originals)
    note_change(store, record_id)
    return version


# ---- public API: writing ----


def write_package(
    store: ObjectStore,
    record: Record,
    original: Path,
    extra: Mapping[str, bytes | Path] = _NO_EXTRA,
    info: VersionInfo | None = None,
) -> int | None:
    """Write the package of `record` as its next version (v1 at ingest); returns the version
    number, or None when the package already holds exactly these files.

    `extra` adds files to the package (e.g. "document.pdf"): bytes, or the Path of a local file,
    which is streamed (a large searchable PDF never sits in memory). Page files are built one
    page at a time. The version holds these files only: files of an earlier version that are
    not part of this package are not in it (they stay in the earlier version).

    `original` must still hold the bytes `record.sha256` names, else BadInput (it is hashed once,
    as it is stored: a file that changes while it is copied is refused too). `info` says who
    and why (default: ingest, by sohoa or the person the newest event names).
    """
    check_page_numbers(f"record {record.id}", record.pages)
    record_object_id(record.id)
    files = _package_files(record, extra)
    name = original_name(record.source)
    info = info or version_info(record.events, "ingest")
    return _commit(
        store, record.id, chain([(name, Path(original))], files), info, originals={name: record.sha256}
    )


def write_catalogue(store: ObjectStore, record: Record) -> int | None:
    """Write the catalogue package of a record whose content is held elsewhere: the JSON files
    only. The record must carry no page and name its hold (a HELD_STEP event). Earlier versions
    of the package hold its content, so they are purged first: after this, no byte of the
    record's content is left in the store."""
    if record.pages or not is_held(record):
        raise ValueError(f"record {record.id}: a catalogue package holds no pages and names its hold")
    ocfl = ocfl_root(store)
    object_id = record_object_id(record.id)
    versions = _versions_or_none(ocfl, object_id)
    if any(set(ocfl.files(object_id, v.number)) - set(JSON_FILES) for v in versions):
        store.delete_tree(ocfl.object_root(object_id))  # the content must leave the store
    ocfl.discard_incomplete(object_id)  # an interrupted write's content too
    return _commit(store, record.id, _json_files(record).items(), version_info(record.events, "secret hold"))


def purge_withdrawn(store: ObjectStore, record_id: str) -> bool:
    """Rewrite a withdrawn package as one version holding its tombstone alone, its earlier
    versions purged: a document a split withdrew whose pages went to the secret hold since (its
    earlier versions held them in clear). False when there is nothing to purge (absent, not
    withdrawn, or its tombstone alone already). A kill between the purge and the commit leaves
    the object absent: no record either way; the caller's rerun finds nothing to do."""
    ocfl = ocfl_root(store)
    object_id = record_object_id(record_id)
    versions = _versions_or_none(ocfl, object_id)
    if not versions or set(ocfl.files(object_id)) != {WITHDRAWN_FILE}:
        return False
    if len(versions) == 1:
        ocfl.discard_incomplete(object_id)
        return False
    tombstone = ocfl.read_bytes(object_id, WITHDRAWN_FILE)
    last = versions[-1]
    store.delete_tree(ocfl.object_root(object_id))
    ocfl.discard_incomplete(object_id)
    _commit(
        store,
        record_id,
        [(WITHDRAWN_FILE, tombstone)],
        VersionInfo(last.message or "withdrawn", last.user or SYSTEM),
    )
    return True


def _versions_or_none(ocfl: OcflStore, object_id: str) -> list[VersionSummary]:
    try:
        return ocfl.versions(object_id)
    except NotFound:
        return []


def write_document_package(
    store: ObjectStore,
    record: Record,
    extra: Mapping[str, bytes | Path] = _NO_EXTRA,
) -> int | None:
    """Write the package of a document cut from a dossier scan as its next version: its pages,
    JSON files and `extra` (its searchable PDF), no original — that is the dossier's, kept once
    in the dossier package (storage/dossier_package.py)."""
    if record.dossier is None:
        raise ValueError(f"record {record.id}: not a document of a dossier")
    check_page_numbers(f"record {record.id}", record.pages)
    record_object_id(record.id)
    files = _package_files(record, extra)
    return _commit(store, record.id, files, version_info(record.events, "ingest"))


def _package_files(record: Record, extra: Mapping[str, bytes | Path]) -> Iterator[tuple[str, bytes | Path]]:
    """The package's files as they are written: its page files one page at a time, then the JSON
    files and `extra` (checked now, before anything is written)."""
    json_files = _json_files(record)
    extra_files = _extra_files(extra)
    return chain(page_files(record.pages), json_files.items(), extra_files.items())


def withdraw_package(store: ObjectStore, record_id: str, reason: str = "", who: str = "") -> int | None:
    """Withdraw the package of a document whose pages now belong to other documents (a boundary
    moved by an archivist; the dossier keeps the scan, its events say what was withdrawn): a
    last version holding only withdrawn.json (a tombstone), so readers see no record and the
    earlier versions stay readable. Nothing to do for a package that is absent or withdrawn
    already. Noted in the change journal so an index drops it."""
    ocfl = ocfl_root(store)
    object_id = record_object_id(record_id)
    if not ocfl.exists(object_id):
        note_change(store, record_id)
        return None
    why = reason or "withdrawn: its pages belong to other documents now"
    tombstone = json_bytes({"withdrawn": True, "reason": why, "by": who or SYSTEM.name})
    if WITHDRAWN_FILE in ocfl.files(object_id):
        note_change(store, record_id)
        return None
    info = VersionInfo(why, person(who) if who else SYSTEM)
    return _commit(store, record_id, [(WITHDRAWN_FILE, tombstone)], info)


def update_record(store: ObjectStore, record: Record, info: VersionInfo | None = None) -> int | None:
    """Write the JSON files of a committed package (e.g. after human review) as its next
    version; returns its number, or None when nothing changed (no version written).

    `info` says why and who; by default the record's newest event does (its step and detail,
    the person named 'by'). Page text and word files and the original stay as they are;
    `record` must be the same record (same original sha256). One commit: a crash midway leaves
    the previous version whole.
    """
    files = _current(store, record.id).files
    stored = [files[p] for p in files if p.startswith(f"{ORIGINAL_DIR}/")]
    kept_elsewhere = not stored and (record.dossier is not None or (is_held(record) and not record.pages))
    if stored and stored != [record.sha256] or not stored and not kept_elsewhere:
        raise ValueError(f"record {record.id}: sha256 does not match the stored original")
    check_page_numbers(f"record {record.id}", record.pages)
    info = info or version_info(record.events)
    return _commit(store, record.id, _json_files(record).items(), info, replace_all=False)


def finish_package(store: ObjectStore, record_id: str) -> bool:
    """Finish a commit that a writer killed at its commit point left without its root sidecar
    (the version is whole and readable); True when it did. A rerun that finds the record stored
    calls it: it writes no version, so nothing else would."""
    ocfl = ocfl_root(store)
    object_id = record_object_id(record_id)
    return ocfl.exists(object_id) and ocfl.finish_commit(object_id)


def is_held(record: Record) -> bool:
    """True for a record whose original and text are in the secret holding area, not here."""
    return any(event.step == HELD_STEP for event in record.events)


# ---- public API: reading ----


@dataclass(frozen=True)
class PackageFiles:
    """One version of a package as its inventory names it: where each file's bytes are kept."""

    ocfl: OcflStore
    object_id: str
    inventory: Inventory
    version: int
    files: dict[str, str]  # logical path -> sha256

    def key(self, name: str) -> str:
        """The store key holding the bytes of the file `name`; NotFound when it has none."""
        if name not in self.files:
            raise NotFound(f"{self.object_id} v{self.version}: no file {name!r}")
        digest = self.inventory.version(self.version).files()[name]
        return self.ocfl.object_root(self.object_id) + self.inventory.content_path(digest)

    def read(self, name: str) -> bytes:
        return self.ocfl.store.get_bytes(self.key(name))


def package_files(ocfl: OcflStore, object_id: str, version: int | None, what: str) -> PackageFiles:
    """A version of an object (the head when None) with each file's sha256; NotFound when there
    is no such object or version, or (`version` None) its head is a tombstone."""
    try:
        inventory = ocfl.inventory(object_id)
        state = inventory.version(version).files()
    except (NotFound, KeyError):
        asked = f" with a version {version}" if version else ""
        raise NotFound(f"no {what} in {ocfl.url}{asked}") from None
    if version is None and WITHDRAWN_FILE in state:
        raise NotFound(f"no {what} in {ocfl.url} (withdrawn in {inventory.head})")
    files = {}
    for path, digest in state.items():
        sha256 = inventory.fixity_digest(inventory.content_path(digest), FIXITY_ALGORITHM)
        if sha256 is None:
            raise ValueError(f"{object_id}: no sha256 for {path} in its inventory")
        files[path] = sha256
    number = int((inventory.head if version is None else f"v{version}")[1:])
    return PackageFiles(ocfl, object_id, inventory, number, files)


def _current(store: ObjectStore, record_id: str, version: int | None = None) -> PackageFiles:
    object_id = record_object_id(record_id)
    return package_files(ocfl_root(store), object_id, version, f"record {record_id!r}")


def package_key(store: ObjectStore, record_id: str, name: str) -> str:
    """The store key of the file `name` (a storage.layout name) in the committed package of
    `record_id`; NotFound when the package or the file is absent."""
    return _current(store, record_id).key(name)


def read_package_bytes(store: ObjectStore, record_id: str, name: str, version: int | None = None) -> bytes:
    """The bytes of the file `name` of the package (its head, or `version`); NotFound if absent."""
    return _current(store, record_id, version).read(name)


def package_exists(store: ObjectStore, record_id: str) -> bool:
    """True when the package of `record_id` is committed and not withdrawn."""
    try:
        _current(store, record_id)
    except NotFound:
        return False
    return True


def read_manifest(store: ObjectStore, record_id: str, version: int | None = None) -> dict[str, str]:
    """Path inside the package -> sha256, for every file of its head (or `version`). NotFound
    if absent (or withdrawn)."""
    return dict(_current(store, record_id, version).files)


def read_record(
    store: ObjectStore, record_id: str, *, with_words: bool = True, version: int | None = None
) -> Record:
    """The stored record (its head, or `version`); page words are loaded only `with_words`.
    NotFound unless committed (and, for the head, not withdrawn)."""
    return _record_of(_current(store, record_id, version), record_id, with_words=with_words)


def read_committed_record(store: ObjectStore, record_id: str, *, with_words: bool = True) -> Record | None:
    """The head of the package of `record_id`, or None when it has no committed package or it
    is withdrawn: `package_exists` and `read_record` in one inventory read (a rebuild of the
    index reads every package so). A package that is there but cannot be read raises as
    `read_record` does."""
    try:
        package = _current(store, record_id)
    except NotFound:
        return None
    return _record_of(package, record_id, with_words=with_words)


def _record_of(package: PackageFiles, record_id: str, *, with_words: bool) -> Record:
    try:
        data = json.loads(package.read(RECORD_FILE))
    except NotFound:  # a tombstone asked for by its version number
        raise NotFound(f"record {record_id!r}: v{package.version} withdrew it") from None
    if with_words:
        for page in data["pages"]:
            page["words"] = json.loads(package.read(page_words_name(page["number"])))
    return Record.model_validate(data)


def record_versions(store: ObjectStore, record_id: str) -> list[VersionSummary]:
    """Every version of the package of `record_id`, oldest first, with who, when and why
    (a withdrawn package's too); NotFound when there is none."""
    return ocfl_root(store).versions(record_object_id(record_id))


def iter_record_ids(store: ObjectStore) -> Iterator[str]:
    """The ids of committed packages that are not withdrawn, in lexical order."""
    for record_id in listed_record_ids(store):
        if package_exists(store, record_id):
            yield record_id


def listed_record_ids(store: ObjectStore) -> list[str]:
    """The ids of the record objects that have a root inventory, in lexical order, found by
    listing the store alone (no inventory read): some may be withdrawn (see
    `read_committed_record`, which says so as it reads them)."""
    found = [plain_id(object_id) for object_id in ocfl_root(store).object_ids()]
    return sorted(named[1] for named in found if named and named[0] == "record")


def original_key(store: ObjectStore, record_id: str) -> str:
    """The key of the stored original file of a committed package; NotFound when the package
    has none (a catalogue package: the content is held outside the store)."""
    package = _current(store, record_id)
    originals = [p for p in package.files if p.startswith(f"{ORIGINAL_DIR}/")]
    if not originals:
        raise NotFound(
            f"record {record_id}: no original of its own in the store (held elsewhere, or a document"
            " of a dossier, whose original is the dossier's)"
        )
    if len(originals) != 1:
        raise ValueError(f"record {record_id}: expected one original, the package has {originals}")
    return package.key(originals[0])
