"""The back-end objects one process works with, built once from Settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from classify import RuleBook, load_rules
from dedup import NearDuplicateIndex
from indexing import SearchIndex, open_index
from ocr import OcrEngine, TesseractEngine
from sohoa.config import Settings
from storage import ObjectStore, open_store


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: ObjectStore
    index: SearchIndex
    engine: OcrEngine
    rules: RuleBook
    similar: NearDuplicateIndex  # fingerprints of stored records (derived; rebuilt by reindex)


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
    """A fresh set of services (tests pass their own OCR engine)."""
    return Services(
        settings=settings,
        store=open_store(settings.storage_url),
        index=open_index(settings.index_url),
        engine=engine or TesseractEngine(lang=settings.ocr_lang, timeout=settings.ocr_timeout),
        rules=load_rules(settings.rules),
        similar=NearDuplicateIndex((settings.home / "similarity.sqlite3").resolve()),
    )
