"""One settings object, read once from the environment (prefix SOHOA_) with working defaults."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Immutable configuration, loaded in entry points and passed down.

    SOHOA_HOME     data root (default ./.sohoa)
    SOHOA_STORAGE  where record packages live: a directory path or file:// URL (default HOME/store);
                   s3://bucket/prefix for S3-compatible storage
    SOHOA_INDEX    the search index: sqlite:///path (default HOME/index.sqlite3);
                   http(s)://host:9200 for Elasticsearch
    SOHOA_OCR_LANG Tesseract language (default vie)
    SOHOA_RULES    archival rules file (default: the rules shipped in classify/rules/default.yaml)
    SOHOA_WORKERS  documents processed at once (default: the number of cores)
    SOHOA_DASK_ADDRESS  a Dask scheduler (tcp://host:8786): documents of a batch run on its
                   workers instead of this process's threads (default: unset)
    SOHOA_SECRET_HOLD  where the content of documents marked MẬT / TỐI MẬT / TUYỆT MẬT goes,
                   encrypted (an isolated machine's share or a removable volume; default: unset,
                   such documents are then not stored at all, see README "Secret documents")
    SOHOA_SECRET_KEY_FILE  the key encrypting the hold (outside SOHOA_HOME, the store, the hold)
    SOHOA_ORGAN_ID the agency's mã định danh cơ quan (13 characters; in a dossier's mã hồ sơ and
                   edXML From/OrganId; default: unset)
    SOHOA_FONDS_CODE  the agency's mã phông (archive fonds) for the mã hồ sơ (default: unset)
    """

    model_config = SettingsConfigDict(env_prefix="SOHOA_", frozen=True, extra="ignore")

    home: Path = Path(".sohoa")
    storage: str | None = None
    index: str | None = None
    ocr_lang: str = "vie"
    rules: Path | None = None
    ocr_timeout: float = Field(default=180.0, gt=0, description="Seconds per page before giving up")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    dask_address: str | None = None
    max_image_pixels: int = Field(default=200_000_000, ge=1, description="Refuse larger images")
    secret_hold: Path | None = None
    secret_key_file: Path | None = None
    organ_id: str | None = Field(default=None, max_length=13, description="Mã định danh cơ quan")
    fonds_code: str | None = Field(default=None, max_length=13, description="Mã phông")

    @cached_property
    def storage_url(self) -> str:
        return self.storage or str((self.home / "store").resolve())

    @cached_property
    def index_url(self) -> str:
        return self.index or f"sqlite:///{(self.home / 'index.sqlite3').resolve()}"


def page_cache_dir(settings: Settings) -> Path:
    """The API's cache of rendered page images (what a hold or a new version must clear too)."""
    return Path(settings.home).expanduser().resolve() / "cache" / "pages"


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; entry points call this and pass the result down."""
    return Settings(**overrides)  # type: ignore[arg-type]
