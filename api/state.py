"""What one running API holds: settings, store, index, keys, audit log, caches; built once.

Files the API keeps under SOHOA_HOME (nothing is added to Settings):
    api-keys.json          the hashed API keys (api.key_store)
    audit/access.jsonl     the access log (application.access_log)
    cache/pages/           public page images rendered from originals, scaled (api.images)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from api.images import forget_record
from api.key_store import KeyStore, keys_path
from application.access_log import AuditLog, audit_path
from core.errors import NotFound
from core.settings import Settings
from indexing import SearchIndex, SqliteIndex
from indexing.browse import Browser
from indexing.masking import values_of
from storage import ObjectStore, read_record

__all__ = ["ApiState", "page_cache_dir"]

_VALUES_CACHE = 4096


def page_cache_dir(settings: Settings) -> Path:
    return Path(settings.home).expanduser().resolve() / "cache" / "pages"


@dataclass
class ApiState:
    settings: Settings
    store: ObjectStore
    index: SearchIndex
    keys: KeyStore
    audit: AuditLog
    browser: Browser | None
    page_cache: Path
    _values: OrderedDict[str, tuple[str, ...]] = field(default_factory=OrderedDict)
    _values_lock: threading.Lock = field(default_factory=threading.Lock)
    review_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, store: ObjectStore, index: SearchIndex) -> ApiState:
        return cls(
            settings=settings,
            store=store,
            index=index,
            keys=KeyStore(keys_path(settings)),
            audit=AuditLog(audit_path(settings), store),
            browser=Browser.for_index(index) if isinstance(index, SqliteIndex) else None,
            page_cache=page_cache_dir(settings),
        )

    def personal_values(self, record_id: str) -> tuple[str, ...]:
        """The personal data the classification found in a record (cached; none if unknown)."""
        with self._values_lock:
            if record_id in self._values:
                self._values.move_to_end(record_id)
                return self._values[record_id]
        try:
            record = read_record(self.store, record_id, with_words=False)
            values = values_of(record)
        except NotFound:
            values = ()
        with self._values_lock:
            self._values[record_id] = values
            while len(self._values) > _VALUES_CACHE:
                self._values.popitem(last=False)
        return values

    def forget(self, record_id: str) -> None:
        """Forget what was derived from a record (after a review decision): its listed personal
        data and its cached page images."""
        with self._values_lock:
            self._values.pop(record_id, None)
        forget_record(self.page_cache, record_id)
