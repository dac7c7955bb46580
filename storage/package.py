"""The record package: every file of one record under records/<id>/, committed by its manifest.

    original/<safe name>     the original file, byte-identical
    pages/0001.txt           page text (UTF-8, NFC)
    pages/0001.words.json    the page's words with boxes and confidences (JSON list)
    record.json              the Record without page words
    metadata.json            Record.metadata
    classification.json      Record.classification
    events.json              Record.events (provenance log)
    <extra files>            e.g. document.pdf, fingerprint.json
    manifest-sha256.txt      '<sha256>  <path>' for every other file, written LAST

The names are spelled in storage/layout.py.

A record whose content is held outside the store (a state secret: storage/hold.py) has a
catalogue package: the four JSON files and the manifest, no original, no pages, no extra files.

The manifest is the commit marker: a package without it is incomplete (a crash mid-write) and
invisible to readers; writing it again completes it. Every commit (and every update_record) is
then noted in the change journal (storage/changes.py), which a rebuild of the index reads to
catch up with what changed while it ran. The manifest format is the one of
`sha256sum`, so `sha256sum -c manifest-sha256.txt` checks a local package by hand.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from pathlib import Path
from types import MappingProxyType

from core.errors import BadInput, NotFound
from schemas import Page, Record
from storage.base import ObjectStore
from storage.changes import note_change
from storage.hashing import sha256_bytes, sha256_file
from storage.jsonfile import json_bytes
from storage.layout import (
    CLASSIFICATION_FILE,
    EVENTS_FILE,
    JSON_FILES,
    MANIFEST,
    METADATA_FILE,
    ORIGINAL_DIR,
    PAGES_DIR,
    RECORD_FILE,
    RECORDS,
    original_name,
    page_text_name,
    page_words_name,
)
from storage.object_keys import check_key

__all__ = [
    "HELD_STEP",
    "MANIFEST",
    "is_held",
    "iter_record_ids",
    "original_key",
    "package_exists",
    "package_key",
    "read_manifest",
    "read_record",
    "update_record",
    "write_catalogue",
    "write_document_package",
    "write_package",
    "withdraw_package",
]

_NO_EXTRA: Mapping[str, bytes | Path] = MappingProxyType({})
HELD_STEP = "secret-hold"  # the event of a record whose content went to the holding area


# ---- names and serialisation (pure) ----


def _prefix(record_id: str) -> str:
    if not record_id or "/" in record_id:
        raise ValueError(f"invalid record id {record_id!r}")
    return check_key(f"{RECORDS}/{record_id}") + "/"


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
        reserved = name in (*JSON_FILES, MANIFEST) or name.startswith((f"{ORIGINAL_DIR}/", f"{PAGES_DIR}/"))
        if reserved:
            raise ValueError(f"extra file {name!r} would replace a package file")
        if not isinstance(data, bytes | Path):
            raise TypeError(f"extra file {name!r} must be bytes or the Path of a local file")
    return dict(extra)


def manifest_text(hashes: Mapping[str, str]) -> bytes:
    return "".join(f"{hashes[path]}  {path}\n" for path in sorted(hashes)).encode()


def parse_manifest(text: str, record_id: str) -> dict[str, str]:
    hashes = {}
    for line in text.splitlines():
        digest, sep, path = line[:64], line[64:66], line[66:]
        if len(digest) != 64 or sep != "  " or not path or not set(digest) <= set("0123456789abcdef"):
            raise ValueError(f"record {record_id}: malformed manifest line {line!r}")
        hashes[path] = digest
    return hashes


# ---- the original file ----


def file_fingerprint(path: Path) -> tuple[int, ...]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def check_original(path: Path, sha256: str, size: int, owner: str) -> tuple[int, ...]:
    """Hash the original against what `owner` (a record or dossier) says it is; return its
    fingerprint to compare after copying."""
    try:
        before = file_fingerprint(path)
        digest = sha256_file(path)
    except OSError as exc:
        raise BadInput(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if digest != sha256 or before[0] != size:
        raise BadInput(
            f"{path.name} changed since it was hashed: sha256 {digest[:12]}, {before[0]} bytes"
            f" ({owner}: {sha256[:12]}, {size} bytes)"
        )
    return before


def put_original(store: ObjectStore, key: str, path: Path, before: tuple[int, ...]) -> None:
    store.put_file(key, path)
    try:
        changed = file_fingerprint(path) != before
    except OSError:
        changed = True
    if changed:
        store.delete(key)
        raise BadInput(f"{path.name} changed while it was being stored")


# ---- public API ----


def write_package(
    store: ObjectStore,
    record: Record,
    original: Path,
    extra: Mapping[str, bytes | Path] = _NO_EXTRA,
) -> None:
    """Write (or rewrite, or complete after a crash) the package of `record`.

    `extra` adds files to the package (e.g. "document.pdf"): bytes, or the Path of a local file,
    which is streamed (a large searchable PDF never sits in memory). Page files are built and
    written one page at a time.

    `original` must still hold the bytes `record.sha256` names, else BadInput. The manifest is
    removed first and written last, so readers never see a package half old, half new; files
    left by an earlier attempt that are not part of this package are removed.
    """
    prefix = _prefix(record.id)
    check_page_numbers(f"record {record.id}", record.pages)
    files = _package_files(record, extra)
    original = Path(original)
    before = check_original(original, record.sha256, record.size, f"record {record.id}")

    store.delete(prefix + MANIFEST)  # uncommit before changing anything
    original_file = original_name(record.source)
    put_original(store, prefix + original_file, original, before)
    commit_files(store, prefix, files, {original_file: record.sha256})


def write_catalogue(store: ObjectStore, record: Record) -> None:
    """Write the catalogue package of a record whose content is held elsewhere: the JSON files
    and the manifest only. The record must carry no page and name its hold (a HELD_STEP event)."""
    if record.pages or not is_held(record):
        raise ValueError(f"record {record.id}: a catalogue package holds no pages and names its hold")
    prefix = _prefix(record.id)
    store.delete(prefix + MANIFEST)
    commit_files(store, prefix, _json_files(record).items(), {})


def write_document_package(
    store: ObjectStore,
    record: Record,
    extra: Mapping[str, bytes | Path] = _NO_EXTRA,
) -> None:
    """Write (or complete) the package of a document cut from a dossier scan: its pages, JSON
    files and `extra` (its searchable PDF), no original — that is the dossier's, kept once in
    the dossier package (storage/dossier_package.py)."""
    if record.dossier is None:
        raise ValueError(f"record {record.id}: not a document of a dossier")
    prefix = _prefix(record.id)
    check_page_numbers(f"record {record.id}", record.pages)
    files = _package_files(record, extra)
    store.delete(prefix + MANIFEST)
    commit_files(store, prefix, files, {})


def _package_files(record: Record, extra: Mapping[str, bytes | Path]) -> Iterator[tuple[str, bytes | Path]]:
    """The package's files as they are written: its page files one page at a time, then the JSON
    files and `extra` (checked now, before anything is written)."""
    json_files = _json_files(record)
    extra_files = _extra_files(extra)
    return chain(page_files(record.pages), json_files.items(), extra_files.items())


def commit_files(
    store: ObjectStore,
    prefix: str,
    files: Iterable[tuple[str, bytes | Path]],
    hashes: dict[str, str],
    *,
    journal: bool = True,
) -> None:
    """Write `files` (name and content pairs, taken one at a time: a generator builds each just
    before it is written), remove what an earlier attempt left under `prefix`, then the manifest
    (the commit); `hashes` already holds the files written before (an original). A record's
    commit is noted in the change journal (`journal`)."""
    for name, data in files:
        if isinstance(data, Path):
            store.put_file(prefix + name, data)
            hashes[name] = sha256_file(data)
        else:
            store.put_bytes(prefix + name, data)
            hashes[name] = sha256_bytes(data)
    for key in list(store.list(prefix)):
        if key[len(prefix) :] not in hashes and key != prefix + MANIFEST:
            store.delete(key)
    store.put_bytes(prefix + MANIFEST, manifest_text(hashes))
    if journal:
        note_change(store, prefix[len(RECORDS) + 1 : -1])


def withdraw_package(store: ObjectStore, record_id: str) -> None:
    """Remove the package of a document whose pages now belong to other documents (a boundary
    moved by an archivist; the dossier keeps the scan, its events say what was withdrawn).
    Uncommitted first, then emptied; noted in the change journal so an index drops it."""
    prefix = _prefix(record_id)
    store.delete(prefix + MANIFEST)
    for key in list(store.list(prefix)):
        store.delete(key)
    note_change(store, record_id)


def is_held(record: Record) -> bool:
    """True for a record whose original and text are in the secret holding area, not here."""
    return any(event.step == HELD_STEP for event in record.events)


def package_key(record_id: str, name: str) -> str:
    """The store key of the file `name` (a storage.layout name) in the package of `record_id`."""
    return _prefix(record_id) + check_key(name)


def package_exists(store: ObjectStore, record_id: str) -> bool:
    """True when the package of `record_id` is committed (its manifest is present)."""
    return store.exists(_prefix(record_id) + MANIFEST)


def read_manifest(store: ObjectStore, record_id: str) -> dict[str, str]:
    """Path inside the package -> sha256, for every file but the manifest. NotFound if absent."""
    try:
        data = store.get_bytes(_prefix(record_id) + MANIFEST)
    except NotFound:
        raise NotFound(f"no record {record_id!r} in {store.url}") from None
    return parse_manifest(data.decode(), record_id)


def read_record(store: ObjectStore, record_id: str, *, with_words: bool = True) -> Record:
    """The stored record; page words are loaded only `with_words`. NotFound unless committed."""
    prefix = _prefix(record_id)
    if not package_exists(store, record_id):
        raise NotFound(f"no record {record_id!r} in {store.url}")
    data = json.loads(store.get_bytes(prefix + RECORD_FILE))
    if with_words:
        for page in data["pages"]:
            page["words"] = json.loads(store.get_bytes(prefix + page_words_name(page["number"])))
    return Record.model_validate(data)


def iter_record_ids(store: ObjectStore) -> Iterator[str]:
    """The ids of committed packages, in lexical order."""
    for key in store.list(f"{RECORDS}/"):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == MANIFEST:
            yield parts[1]


def original_key(store: ObjectStore, record_id: str) -> str:
    """The key of the stored original file of a committed package; NotFound when the package
    has none (a catalogue package: the content is held outside the store)."""
    originals = [p for p in read_manifest(store, record_id) if p.startswith(f"{ORIGINAL_DIR}/")]
    if not originals:
        raise NotFound(
            f"record {record_id}: no original of its own in the store (held elsewhere, or a document"
            " of a dossier, whose original is the dossier's)"
        )
    if len(originals) != 1:
        raise ValueError(f"record {record_id}: expected one original, manifest has {originals}")
    return _prefix(record_id) + originals[0]


def update_record(store: ObjectStore, record: Record) -> None:
    """Rewrite the JSON files of a committed package (e.g. after human review) and its manifest.

    Page text and word files and the original are left as they are; `record` must be the same
    record (same original sha256). A crash midway leaves a manifest whose hashes for the JSON
    files are stale (the fixity check reports it); calling update_record again repairs it.
    """
    prefix = _prefix(record.id)
    hashes = read_manifest(store, record.id)
    stored = [hashes[p] for p in hashes if p.startswith(f"{ORIGINAL_DIR}/")]
    kept_elsewhere = not stored and (record.dossier is not None or (is_held(record) and not record.pages))
    if stored != [record.sha256] and not kept_elsewhere:
        raise ValueError(f"record {record.id}: sha256 does not match the stored original")
    check_page_numbers(f"record {record.id}", record.pages)
    for name, data in _json_files(record).items():
        store.put_bytes(prefix + name, data)
        hashes[name] = sha256_bytes(data)
    store.put_bytes(prefix + MANIFEST, manifest_text(hashes))
    note_change(store, record.id)
