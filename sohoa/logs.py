"""Structured logs: every line names the file, record and page it is about, when known.

The ingest step says what it works on with `log_context(record=..., page=...)`; a log-record
factory copies that context onto every LogRecord, so any logger (sohoa's, ocr's, a library's)
gets `%(file)s %(record_id)s %(page)s`. Entry points call `configure_logging` once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "TEXT_FORMAT",
    "JsonFormatter",
    "configure_logging",
    "current_context",
    "install_record_factory",
    "log_context",
]

_file: ContextVar[str | None] = ContextVar("sohoa_log_file", default=None)
_record: ContextVar[str | None] = ContextVar("sohoa_log_record", default=None)
_page: ContextVar[int | None] = ContextVar("sohoa_log_page", default=None)
_FIELDS = {"file": _file, "record_id": _record, "page": _page}

TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [file=%(file)s record=%(record_id)s page=%(page)s]: %(message)s"
)
_UNSET = object()


@contextmanager
def log_context(*, file: object = _UNSET, record: object = _UNSET, page: object = _UNSET) -> Iterator[None]:
    """Within the block, log lines carry these values (the others keep their outer value)."""
    tokens = []
    for var, value in ((_file, file), (_record, record), (_page, page)):
        if value is not _UNSET:
            tokens.append((var, var.set(value)))  # type: ignore[arg-type]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_context() -> dict[str, Any]:
    """The file, record id and page the current thread works on (None when unknown)."""
    return {name: var.get() for name, var in _FIELDS.items()}


def _dash(value: object) -> object:
    return "-" if value is None else value


_installed = False


def install_record_factory() -> None:
    """Make every LogRecord carry file, record_id and page (idempotent, process-wide)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        for name, var in _FIELDS.items():
            if not hasattr(record, name):
                setattr(record, name, _dash(var.get()))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, file, record_id, page."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            entry[name] = None if value == "-" else value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.WARNING, *, json_lines: bool = False) -> None:
    """Root logging for an entry point: text (default) or JSON lines, with the context fields."""
    install_record_factory()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):  # the entry point's choice replaces any earlier set-up
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
