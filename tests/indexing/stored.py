"""Records with a real original file, ready for storage.write_package (no OCR needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from schemas import Record
from tests.indexing.conformance import make_record


def stored_record(folder: Path, record_id: str, *texts: str, **fields: object) -> tuple[Record, Path]:
    """A conformance-style record and an original file whose sha256 and size it names."""
    original = folder / f"{record_id}.pdf"
    data = f"%PDF-1.4 original of {record_id}\n".encode()
    original.write_bytes(data)
    record = make_record(record_id, *texts, **fields)
    update = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return record.model_copy(update=update), original
