"""What one running API holds: settings, store, index, keys, audit log, caches; built once.

The index is any SearchIndex: the API asks it the search contract (schemas/search.py) and
nothing else, whatever engine answers.

Files the API keeps under SOHOA_HOME (nothing is added to Settings):
    api-keys.json          the hashed API keys (api.key_store)
    audit/access.jsonl     the access log (application.access_log)
    cache/pages/           public page images rendered from originals, scaled (api.images)
    cache/search-lists.json  the common words whose page lists the searches used most (a
                           server's warm-up reads them first; `warm`, `save_lists`)
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from api.images import forget_record
from api.key_store import KeyStore, keys_path
from api.search_pool import SearchPool, lists_used_by, warm_index
from application.access import search_scope
from application.access_log import AuditLog, audit_path
from core.settings import Settings, page_cache_dir
from indexing.base import SearchIndex
from storage import ObjectStore

__all__ = ["ApiState", "lists_path", "page_cache_dir"]

log = logging.getLogger(__name__)

SEARCH_ROLES = ("public", "staff", "archivist")  # the roles that search (metrics keys do not)
LISTS_KEPT = 4000  # page lists saved for the next warm-up at most (the most used)


def lists_path(settings: Settings) -> Path:
    return Path(settings.home).expanduser().resolve() / "cache" / "search-lists.json"


def _saved_lists(path: Path) -> Counter:
    """(table, column, tokens) -> weight, as saved; nothing when there is no usable file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Counter(
            {(str(table), str(column), tuple(str(t) for t in tokens)): float(weight)
             for table, column, tokens, weight in data["lists"]}
        )  # fmt: skip
    except FileNotFoundError:
        return Counter()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("search lists %s not read (%s): the warm-up reads none", path, exc)
        return Counter()


@dataclass
class ApiState:
    settings: Settings
    store: ObjectStore
    index: SearchIndex
    keys: KeyStore
    audit: AuditLog
    page_cache: Path
    review_lock: threading.Lock = field(default_factory=threading.Lock)
    pool: SearchPool | None = None  # search processes (`sohoa serve --workers N`); None: this one

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

    def warm(self) -> str:
        """Warm the index up before serving, as far as its engine has something to do
        (SearchIndex.pre_read and warm; SQLite: its file into the OS cache, the search arrays, the
        masks of every role's scope, and the page lists saved by earlier servers, in each search
        process). What was done, for the log."""
        started = time.perf_counter()
        read = self.index.pre_read()  # the file into the OS cache, once for every search process
        saved = _saved_lists(lists_path(self.settings))
        lists = [key for key, _ in saved.most_common()]
        scopes = [search_scope(role) for role in SEARCH_ROLES]  # type: ignore[arg-type]
        if self.pool is not None:
            done = "; ".join(self.pool.warm(scopes, lists))
        else:
            done = warm_index(self.index, scopes, lists)
        file = f"{read / 1e9:.1f} GB read into the OS cache; " if read else ""
        return f"{file}{done} (of {len(lists)} saved) in {time.perf_counter() - started:.1f} s"

    def save_lists(self) -> None:
        """Add the page lists this process used to the saved ones (the older uses counted half),
        for the next server's warm-up; the file is replaced in one step (several workers save)."""
        used = self.pool.lists_used() if self.pool is not None else lists_used_by(self.index)
        path = lists_path(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.with_name(f".{path.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one worker at a time reads, adds and replaces
            merged = Counter({key: weight / 2 for key, weight in _saved_lists(path).items()})
            merged.update(dict(used))
            rows = [[table, column, list(tokens), weight] for (table, column, tokens), weight in
                    merged.most_common(LISTS_KEPT)]  # fmt: skip
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"lists": rows}, ensure_ascii=False), encoding="utf-8")
            temporary.replace(path)

    def forget(self, record_id: str) -> None:
        """Forget what was derived from a record (after a review decision): its cached page
        images."""
        forget_record(self.page_cache, record_id)
