"""The back-end objects one process works with, built once from Settings."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from classify import RuleBook, load_rules
from core.settings import Settings
from dedup import SimilarityLookup, open_lookup
from indexing import SearchIndex, open_index
from ocr import OcrEngine, TesseractEngine
from storage import ObjectStore, open_store
from vntext.syllable_lm import LEARNED_FILE, use_learned


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: ObjectStore
    index: SearchIndex
    engine: OcrEngine
    rules: RuleBook
    similarity_path: Path  # the near-duplicate lookup's file, beside a SQLite index

    @cached_property
    def similar(self) -> SimilarityLookup:
        """Fingerprints of stored records (derived; rebuilt by reindex), where the search index
        is: on Elasticsearch one lookup for every machine; else a SQLite file of this machine.
        Opened on first use: a process that only searches never creates it."""
        with _similar_lock:  # one lookup per Services, whichever thread asks first
            if (opened := self.__dict__.get("similar")) is not None:
                return opened
            return open_lookup(self.index, self.similarity_path)

    def close(self) -> None:
        """Close the near-duplicate lookup (if opened), then the index. A failure to close is
        logged, never raised: it must not hide what the caller did before."""
        closers = [getattr(self.__dict__.get("similar"), "close", None), getattr(self.index, "close", None)]
        for close in filter(None, closers):
            try:
                close()
            except Exception:
                log.warning("closing %r failed", close, exc_info=True)


log = logging.getLogger(__name__)
_similar_lock = threading.Lock()
_cache: dict[tuple[str, ...], Services] = {}
_cache_lock = threading.Lock()


def services_for(settings: Settings) -> Services:
    """The store, index and OCR engine for these settings; one set per process and settings."""
    key = (settings.model_dump_json(),)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = build_services(settings)
        return _cache[key]


def build_services(settings: Settings, *, engine: OcrEngine | None = None) -> Services:
    """A fresh set of services (tests pass their own OCR engine). The process's diacritic
    correction uses the syllable counts learned for this archive, once `sohoa learn-syllables`
    has written them (application/syllable_learning.py)."""
    use_learned(Path(settings.home).expanduser().resolve() / LEARNED_FILE)
    return Services(
        settings=settings,
        store=open_store(settings.storage_url),
        index=open_index(settings.index_url),
        engine=engine or TesseractEngine(lang=settings.ocr_lang, timeout=settings.ocr_timeout),
        rules=load_rules(settings.rules),
        similarity_path=(settings.home / "similarity.sqlite3").resolve(),
    )
