"""An edXML export of a stored record: the searchable PDF (else the original) as attachment.

Records carrying a state-secret mark are refused: the Law on Protection of State Secrets
forbids sending them over networks outside the cipher system (vn-archival-rules §4), and the
national exchange axis is such a network.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from export.edxml import Attachment, Envelope, Organ, envelope_for, write_edxml
from export.errors import NotExportable
from ocr.load import MEDIA_TYPES
from schemas import Record
from storage import ObjectStore, original_key, read_manifest, read_record, safe_name
from storage.layout import SEARCHABLE_PDF
from storage.package import package_key

__all__ = ["check_exportable", "export_edxml"]

_SECRET_RULES = ("A6.1",)  # state-secret decisions (the mark, or the text saying so)


def check_exportable(record: Record) -> None:
    """NotExportable when the record holds, or may hold, state secrets."""
    if record.metadata.secrecy:
        raise NotExportable(
            record.id,
            f"carries the secrecy mark {record.metadata.secrecy}: state secrets are not sent "
            "over the exchange network",
        )
    for decision in record.classification.decisions:
        if decision.rule.split(".")[0:2] == ["A6", "1"] or decision.rule in _SECRET_RULES:
            raise NotExportable(
                record.id,
                f"rule {decision.rule} found state-secret content; a person must declassify it "
                "before it is exchanged",
            )


def _attachment_file(store: ObjectStore, record: Record, scratch: Path) -> tuple[Path, str, str]:
    """(local copy, name, content type) of the PDF made for the record, else of its original."""
    stem = Path(safe_name(record.source)).stem or record.id
    if SEARCHABLE_PDF in read_manifest(store, record.id):  # made for the record at ingest
        key = package_key(store, record.id, SEARCHABLE_PDF)
        name, content_type = f"{stem}.pdf", "application/pdf"
    else:
        key = original_key(store, record.id)
        name = key.rsplit("/", 1)[-1]
        content_type = record.media_type if record.media_type in MEDIA_TYPES else "application/octet-stream"
    local = scratch / "attachment"
    store.get_file(key, local)
    return local, name, content_type


def export_edxml(
    store: ObjectStore,
    record_id: str,
    out: BinaryIO,
    *,
    sender: Organ | None = None,
    to: Sequence[Organ] = (),
    timestamp: dt.datetime | None = None,
    organ_id: str = "",
) -> Envelope:
    """Write the edXML envelope of a stored record to `out`; NotFound, NotExportable. Without a
    `sender`, the issuer on the paper sends it under `organ_id` (the agency's OrganId)."""
    record = read_record(store, record_id, with_words=False)
    check_exportable(record)
    with tempfile.TemporaryDirectory(prefix="sohoa-edxml-") as scratch:
        local, name, content_type = _attachment_file(store, record, Path(scratch))
        attachment = Attachment(name=name, content_type=content_type, source=local, description=record.title)
        envelope = envelope_for(record, attachment, sender=sender, to=to, organ_id=organ_id)
        write_edxml(envelope, out, timestamp=timestamp)
    return envelope
