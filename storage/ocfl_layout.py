"""Where OCFL objects live in the storage root, and what sohoa's objects are called (pure).

The storage root uses the registered layout extension 0003-hash-and-id-n-tuple-storage-layout:
an object with id I lives at `<t1>/<t2>/<t3>/<I encoded>/`, where t1..t3 are the first three
3-hex-digit tuples of sha256(I) and `<I encoded>` is I with every character outside
[A-Za-z0-9_-] percent-encoded (lowercase hex of its UTF-8 bytes); an encoding longer than 100
characters is cut to 100 and followed by '-' and the whole sha256. So the tree stays balanced
(4,096 folders a level, whatever the number of records), and the id can still be read in the
path. sohoa's ids are URIs (an OCFL id SHOULD be one): `urn:sohoa:record:<record id>` and
`urn:sohoa:dossier:<dossier id>` (a dossier's head: dossier.json) with
`urn:sohoa:dossier-scan:<dossier id>` (its scan), all side by side in one storage root. A
record or dossier id is one safe key segment (32 hex digits when sohoa made it from a file's
sha256; any other safe name, e.g. in tests, is encoded the same way).
"""

from __future__ import annotations

import hashlib
import re

from storage.object_keys import check_key

__all__ = [
    "LAYOUT_CONFIG",
    "LAYOUT_DESCRIPTION",
    "LAYOUT_EXTENSION",
    "dossier_object_id",
    "dossier_scan_object_id",
    "encapsulation_name",
    "object_path",
    "plain_id",
    "record_object_id",
]

LAYOUT_EXTENSION = "0003-hash-and-id-n-tuple-storage-layout"
LAYOUT_DESCRIPTION = (
    "Extension 0003: Hashed Truncated N-tuple Trees with Object ID Encapsulating Directory"
    " for OCFL Storage Hierarchies"
)
TUPLE_SIZE = 3
NUMBER_OF_TUPLES = 3
LAYOUT_CONFIG = {
    "extensionName": LAYOUT_EXTENSION,
    "digestAlgorithm": "sha256",
    "tupleSize": TUPLE_SIZE,
    "numberOfTuples": NUMBER_OF_TUPLES,
}
_MAX_ENCODED = 100
_ENCODED = re.compile(r"[^A-Za-z0-9_-]")  # every other character is percent-encoded
_RECORD_PREFIX = "urn:sohoa:record:"
_DOSSIER_PREFIX = "urn:sohoa:dossier:"
_SCAN_PREFIX = "urn:sohoa:dossier-scan:"


def encapsulation_name(object_id: str, digest: str) -> str:
    """The object's own folder: its id, percent-encoded, cut to 100 characters plus the digest."""
    encoded = _ENCODED.sub(_percent, object_id)
    return f"{encoded[:_MAX_ENCODED]}-{digest}" if len(encoded) > _MAX_ENCODED else encoded


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02x}" for byte in match.group().encode())


def object_path(object_id: str) -> str:
    """The object root of `object_id`, relative to the storage root (no trailing '/')."""
    if not object_id:
        raise ValueError("an OCFL object id must not be empty")
    digest = hashlib.sha256(object_id.encode()).hexdigest()
    tuples = [digest[i * TUPLE_SIZE : (i + 1) * TUPLE_SIZE] for i in range(NUMBER_OF_TUPLES)]
    return "/".join([*tuples, encapsulation_name(object_id, digest)])


def _checked(kind: str, plain_id: str) -> str:
    """A record or dossier id: one safe key segment (no '/', '.', '..', control characters)."""
    if not isinstance(plain_id, str) or not plain_id or "/" in plain_id:
        raise ValueError(f"invalid {kind} id {plain_id!r}")
    try:
        check_key(plain_id)
    except ValueError as exc:
        raise ValueError(f"invalid {kind} id {plain_id!r}: {exc}") from None
    return plain_id


def record_object_id(record_id: str) -> str:
    """The OCFL object id of a record: `urn:sohoa:record:<record id>`."""
    return _RECORD_PREFIX + _checked("record", record_id)


def dossier_object_id(dossier_id: str) -> str:
    """The OCFL object id of a dossier (hồ sơ): `urn:sohoa:dossier:<dossier id>`."""
    return _DOSSIER_PREFIX + _checked("dossier", dossier_id)


def dossier_scan_object_id(dossier_id: str) -> str:
    """The OCFL object id of a dossier's scan: `urn:sohoa:dossier-scan:<dossier id>`."""
    return _SCAN_PREFIX + _checked("dossier", dossier_id)


def plain_id(object_id: str) -> tuple[str, str] | None:
    """('record', 'dossier' or 'dossier-scan'; the sohoa id) of an object id sohoa made; None
    for another."""
    kinds = (("record", _RECORD_PREFIX), ("dossier", _DOSSIER_PREFIX), ("dossier-scan", _SCAN_PREFIX))
    for kind, prefix in kinds:
        if object_id.startswith(prefix):
            return kind, object_id[len(prefix) :]
    return None
