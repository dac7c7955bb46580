"""The package layout of stores written before OCFL (read only): what `sohoa migrate` converts.

    records/<id>/...                  a record package
    dossiers/<id>/...                 a dossier package
        manifest-sha256.txt           '<sha256>  <path>' of every other file: written last, the
                                      commit marker (a folder without it was never committed)

The store keeps `changes/`, `quarantine/` and the audit chain beside them, unchanged by OCFL.
Nothing here writes a package; `check_layout` stops a process from using a store that still
holds old packages (they would be invisible to every reader of the OCFL layout), until
`sohoa migrate` has converted them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from core.errors import ConfigurationError, NotFound
from storage.base import ObjectStore
from storage.object_keys import check_key

__all__ = [
    "DOSSIERS",
    "KINDS",
    "MANIFEST",
    "RECORDS",
    "LegacyPackage",
    "OldLayoutError",
    "check_layout",
    "has_legacy_packages",
    "iter_legacy_packages",
    "legacy_prefix",
    "parse_manifest",
    "read_legacy_manifest",
]

RECORDS = "records"
DOSSIERS = "dossiers"
KINDS = (RECORDS, DOSSIERS)  # records first: a dossier's documents are record packages
MANIFEST = "manifest-sha256.txt"


class OldLayoutError(ConfigurationError):
    """The store holds packages in the layout before OCFL: run `sohoa migrate` first."""


@dataclass(frozen=True)
class LegacyPackage:
    """One folder under records/ or dossiers/: committed when its manifest is there."""

    kind: str  # RECORDS or DOSSIERS
    id: str
    committed: bool

    @property
    def prefix(self) -> str:
        return legacy_prefix(self.kind, self.id)


def legacy_prefix(kind: str, package_id: str) -> str:
    """`records/<id>/` or `dossiers/<id>/`."""
    if kind not in KINDS or not package_id or "/" in package_id:
        raise ValueError(f"invalid old package {kind}/{package_id!r}")
    return check_key(f"{kind}/{package_id}") + "/"


def parse_manifest(text: str, package_id: str) -> dict[str, str]:
    """Path -> sha256 of an old manifest (the format of `sha256sum`); ValueError when malformed."""
    hashes = {}
    for line in text.splitlines():
        digest, sep, path = line[:64], line[64:66], line[66:]
        if len(digest) != 64 or sep != "  " or not path or not set(digest) <= set("0123456789abcdef"):
            raise ValueError(f"package {package_id}: malformed manifest line {line!r}")
        hashes[path] = digest
    return hashes


def read_legacy_manifest(store: ObjectStore, kind: str, package_id: str) -> dict[str, str]:
    """Path inside the old package -> sha256; NotFound when it is not committed."""
    key = legacy_prefix(kind, package_id) + MANIFEST
    try:
        data = store.get_bytes(key)
    except NotFound:
        raise NotFound(f"no committed old package {key}") from None
    return parse_manifest(data.decode(), package_id)


def iter_legacy_packages(store: ObjectStore, kind: str) -> Iterator[LegacyPackage]:
    """Every folder under `kind`/ (records or dossiers), in lexical order, as it is listed:
    committed (its manifest present) or not (what a crashed writer of the old layout left)."""
    current: str | None = None
    committed = False
    for key in store.list(f"{kind}/"):
        parts = key.split("/")
        if len(parts) < 3:
            continue  # a stray object beside the packages: not a package
        if parts[1] != current:
            if current is not None:
                yield LegacyPackage(kind, current, committed)
            current, committed = parts[1], False
        committed = committed or (len(parts) == 3 and parts[2] == MANIFEST)
    if current is not None:
        yield LegacyPackage(kind, current, committed)


def has_legacy_packages(store: ObjectStore) -> bool:
    """True when anything is stored under records/ or dossiers/: one listing call each, which
    stops at the first key."""
    return any(next(iter(store.list(f"{kind}/")), None) is not None for kind in KINDS)


def check_layout(store: ObjectStore) -> None:
    """OldLayoutError when the store holds packages of the layout before OCFL that `sohoa migrate`
    has not converted: every reader would take the store for empty, every writer would start
    a second archive beside the first."""
    if has_legacy_packages(store):
        raise OldLayoutError(
            f"{store.url} holds record packages in the old layout (records/, dossiers/ with"
            " manifest-sha256.txt), which this version of sohoa does not read: run `sohoa migrate`"
            " to convert them to the OCFL layout (resumable; the old packages are deleted only once"
            " every one is migrated and verified), then `sohoa reindex`"
        )
