"""The export's own refusal: records that must not leave the archive in this form."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import SohoaError

__all__ = ["NotExportable"]


class NotExportable(SohoaError):
    """The records may not be exported this way; the message names them and says why."""

    def __init__(self, record_ids: str | Sequence[str], reason: str) -> None:
        ids = [record_ids] if isinstance(record_ids, str) else list(record_ids)
        named = f"record {ids[0]}" if len(ids) == 1 else f"records {', '.join(ids)}"
        super().__init__(f"{named}: {reason}")
        self.record_ids = ids
        self.reason = reason
