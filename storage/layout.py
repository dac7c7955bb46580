"""What the store and the secret hold are made of, by name: the one place their names are spelled.

Record and dossier packages are OCFL 1.1 objects in the storage root under ocfl/ (storage/
ocfl_store.py; object ids `urn:sohoa:record:<id>` and `urn:sohoa:dossier:<id>`). The names below
are the logical paths of their files, the same in every version.

A record package (storage/package.py):

    original/<safe name>     the original file, byte-identical
    pages/0001.txt           page text
    pages/0001.words.json    the page's words with boxes and confidences
    record.json              the Record without page words
    metadata.json            Record.metadata
    classification.json      Record.classification
    events.json              Record.events (provenance log)
    document.pdf             the searchable PDF, when one was made (application/ingest.py)
    fingerprint.json         page hashes and text signature for near duplicates (dedup/)
    withdrawn.json           the whole state of a withdrawn package's last version (a tombstone)

A record cut from a dossier scan has no original/ of its own: its original is the dossier's.
A dossier package (storage/dossier_package.py):

    original/<safe name>     each file of the dossier scan, byte-identical (none when held)
    pages/0001.txt, .words.json   every scan page as read (blank sheets too)
    dossier.json             the Dossier's head: code, title, files, its documents' ids and pages
    scan.json                every scan page as read (no words) and how the scan was cut
                             (committed after its documents' packages)

The change journal (storage/changes.py), under changes/<hour>/: one empty object per committed
change of a package, named by time and record id.

A quarantine entry (storage/quarantine.py), under quarantine/<id>/: original/<safe name> and
reason.json. A hold entry (storage/hold.py), under <hold>/<id>/: catalogue.json, original.enc,
record.json.enc. Names only, no I/O: writers and readers in and above storage import them here.
"""

from __future__ import annotations

from storage.names import safe_name

__all__ = [
    "CHANGES",
    "CLASSIFICATION_FILE",
    "DOSSIER_FILE",
    "DOSSIER_SCAN_FILE",
    "EVENTS_FILE",
    "FINGERPRINT_FILE",
    "HOLD_CATALOGUE",
    "HOLD_ORIGINAL",
    "HOLD_RECORD",
    "JSON_FILES",
    "METADATA_FILE",
    "OCFL_ROOT",
    "ORIGINAL_DIR",
    "PAGES_DIR",
    "QUARANTINE",
    "REASON_FILE",
    "RECORD_FILE",
    "SEARCHABLE_PDF",
    "WITHDRAWN_FILE",
    "original_name",
    "page_text_name",
    "page_words_name",
]

# --- the OCFL storage root of every record and dossier package ---
OCFL_ROOT = "ocfl"  # its folder (key prefix) in the store

# --- the record package ---
RECORD_FILE = "record.json"
METADATA_FILE = "metadata.json"
CLASSIFICATION_FILE = "classification.json"
EVENTS_FILE = "events.json"
JSON_FILES = (RECORD_FILE, METADATA_FILE, CLASSIFICATION_FILE, EVENTS_FILE)
ORIGINAL_DIR = "original"
PAGES_DIR = "pages"
SEARCHABLE_PDF = "document.pdf"  # page images with an invisible text layer
FINGERPRINT_FILE = "fingerprint.json"
WITHDRAWN_FILE = "withdrawn.json"  # a tombstone: why the package was withdrawn

# --- the dossier package ---
DOSSIER_FILE = "dossier.json"  # the head: what showing a dossier needs
DOSSIER_SCAN_FILE = "scan.json"  # every scan page as read (no words) and how the scan was cut

# --- the change journal ---
CHANGES = "changes"  # its folder (key prefix) in the store

# --- a quarantine entry ---
QUARANTINE = "quarantine"  # the entries' folder (key prefix) in the store
REASON_FILE = "reason.json"  # written last

# --- a hold entry (outside the store) ---
HOLD_CATALOGUE = "catalogue.json"  # clear
HOLD_ORIGINAL = "original.enc"
HOLD_RECORD = "record.json.enc"


def _page_stem(number: int) -> str:
    return f"{PAGES_DIR}/{number:04d}"


def page_text_name(number: int) -> str:
    """`pages/0001.txt`: the text of page `number` in its package."""
    return f"{_page_stem(number)}.txt"


def page_words_name(number: int) -> str:
    """`pages/0001.words.json`: the words of page `number` in its package."""
    return f"{_page_stem(number)}.words.json"


def original_name(source: str) -> str:
    """`original/<safe name>`: the original file of a package or quarantine entry."""
    return f"{ORIGINAL_DIR}/{safe_name(source)}"
