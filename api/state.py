"""What one running API holds: settings, store, index, keys, audit log, caches; built once.

The index is any SearchIndex: the API asks it the search contract (schemas/search.py) and
nothing else, whatever engine answers.

Files the API keeps under SOHOA_HOME (nothing is added to Settings):
    api-keys.json          the hashed API keys (api.key_store)
    audit/access.jsonl     the access log (application.access_log)
    cache/pages/           public page images rendered from originals, scaled (api.images)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from api.images import forget_record
from api.key_store import KeyStore, keys_path
from application.access_log import AuditLog, audit_path
from core.settings import Settings
from indexing.base import SearchIndex
from storage import ObjectStore

__all__ = ["ApiState", "page_cache_dir"]


def page_cache_dir(settings: Settings) -> Path:
    return Path(settings.home).expanduser().resolve() / "cache" / "pages"


@dataclass
class ApiState:
    settings: Settings
    store: ObjectStore
    index: SearchIndex
    keys: KeyStore
    audit: AuditLog
    page_cache: Path
    review_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, store: ObjectStore, index: SearchIndex) -> ApiState:
        return cls(
            settings=settings,
            store=store,
            index=index,
            keys=KeyStore(keys_path(settings)),
            audit=AuditLog(audit_path(settings), store),
            page_cache=page_cache_dir(settings),
        )

    def forget(self, record_id: str) -> None:
        """Forget what was derived from a record (after a review decision): its cached page
        images."""
        forget_record(self.page_cache, record_id)
