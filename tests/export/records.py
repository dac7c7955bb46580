"""Records for the export tests: Vietnamese metadata as a classifier would fill it, stored as
packages in a LocalStore."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from schemas import Classification, Decision, Metadata, Page, PersonalData, Record, Signer
from storage import ObjectStore, write_package

__all__ = ["make_record", "store_record"]

_METADATA = Metadata(
    number="2154",
    notation="QĐ-UBND",
    doc_type="Quyết định",
    issuer="Ủy ban nhân dân tỉnh Phú Thọ",
    place="Phú Thọ",
    date=dt.date(2019, 9, 12),
    subject="Về việc thành lập Tổ công tác số hóa tài liệu lưu trữ lịch sử của tỉnh",
    signer=Signer(authority="KT.", position="PHÓ CHỦ TỊCH", name="Nguyễn Thanh Bình"),
    recipients=["Như Điều 3", "Chủ tịch, các PCT UBND tỉnh", "Lưu: VT, NC."],
    urgency="THƯỢNG KHẨN",
)


def make_record(
    content: bytes,
    *,
    access: str = "public",
    source: str = "Quyết định 2154.pdf",
    decisions: list[Decision] | None = None,
    **metadata: object,
) -> Record:
    digest = hashlib.sha256(content).hexdigest()
    return Record(
        id=digest[:32],
        source=source,
        sha256=digest,
        size=len(content),
        media_type="application/pdf",
        page_count=2,
        pages=[Page(number=1, text="trang một"), Page(number=2, text="trang hai")],
        metadata=_METADATA.model_copy(update=metadata),
        classification=Classification(access=access, decisions=decisions or []),
    )


def store_record(
    store: ObjectStore,
    tmp_path: Path,
    content: bytes,
    *,
    pdf: bytes | None = None,
    **kwargs: object,
) -> Record:
    """Write a package for `content` (the original), with a searchable PDF when given."""
    record = make_record(content, **kwargs)
    original = tmp_path / f"original-{record.id}"
    original.write_bytes(content)
    write_package(store, record, original, {"document.pdf": pdf} if pdf is not None else {})
    return record


PERSONAL = [PersonalData(kind="cccd", value="001090012345")]
