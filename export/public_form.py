"""The public form of a record's catalogue fields: what anyone may read of them.

One function for every public channel: the API and web page (api/reading.py `masked_record`) and
the lists the agency publishes (export/lists.py). The public metadata fields only, every string in
them masked of personal data (indexing.masking `mask_text` with the record's listed values); the
file name the public is shown is made of the record id, never the office's (which may name a
person).
"""

from __future__ import annotations

from pathlib import PurePath

from indexing.masking import MASKED, mask_text, values_of
from schemas import Metadata, PersonalData, Record
from storage import safe_name

__all__ = ["PUBLIC_METADATA", "public_file_name", "public_metadata"]

# The metadata the public may see; every other field (the names as printed, the "Kính gửi"
# lines, the incoming stamp, confidences, the review notes) is internal and may name a citizen.
PUBLIC_METADATA = frozenset(
    {
        "number", "notation", "doc_type", "issuer", "parent_issuer", "province", "province_present",
        "place", "date", "date_partial", "subject", "signer", "signers", "recipients", "secrecy",
        "urgency", "personal_data",
    }
)  # fmt: skip
_NOT_TEXT = frozenset({"date", "date_partial"})  # a date, checked by its pattern: not free text


def _masked(value: object, values: tuple[str, ...]) -> object:
    """Every string in `value` (a string, list or dict, as dumped) masked."""
    if isinstance(value, str):
        return mask_text(value, values) if value else value
    if isinstance(value, list):
        return [_masked(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item, values) for key, item in value.items()}
    return value


def public_metadata(record: Record) -> Metadata:
    """The public fields of the record's metadata alone, every string in them masked; a listed
    personal-data value is masked whole, whatever it is."""
    values = values_of(record)
    meta = record.metadata
    shown = {
        name: value if name in _NOT_TEXT else _masked(value, values)
        for name, value in meta.model_dump().items()
        if name in PUBLIC_METADATA and name != "personal_data"
    }
    shown["personal_data"] = [
        PersonalData(kind=mask_text(item.kind, values), value=MASKED, page=item.page)
        for item in meta.personal_data
    ]
    return Metadata.model_validate(shown)


def public_file_name(record: Record) -> str:
    """The file name the public is shown: the record id and the original's extension (the name
    the office gave the scan is internal, and may name a person)."""
    return f"{record.id}{PurePath(safe_name(record.source)).suffix.lower()}"
