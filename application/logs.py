"""Structured logs: every line names the file, record and page it is about, when known.

The ingest step says what it works on with `log_context(record=..., page=...)`; a log-record
factory copies that context onto every LogRecord, so any logger (sohoa's, ocr's, a library's)
gets `%(file)s %(record_id)s %(page)s`. Entry points call `configure_logging` once; flow-run
processes started by a Prefect worker get the same format through cli/prefect_logging.yaml (the
formatters below read the context themselves, so they need no record factory).

Default verbosity: one line per file outcome (`log_outcome`), start and stop lines; the request
lines of HTTP clients (httpx, httpcore) are shown only with `--verbose`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas import IngestOutcome

__all__ = [
    "LOG_FORMAT_ENV",
    "TEXT_FORMAT",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "console_formatter",
    "current_context",
    "install_record_factory",
    "json_wanted",
    "log_context",
    "log_outcome",
]

LOG_FORMAT_ENV = "SOHOA_LOG_FORMAT"
# Chatty at INFO (one line per HTTP request): shown only when everything is asked for.
_REQUEST_LOGGERS = ("httpx", "httpcore", "prefect.client", "urllib3")

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


def _with_context(record: logging.LogRecord) -> None:
    """Give a record the context fields it lacks (no record factory in this process)."""
    for name, var in _FIELDS.items():
        if not hasattr(record, name):
            setattr(record, name, _dash(var.get()))


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, with the context fields filled in when the record lacks them."""

    def __init__(self, fmt: str = TEXT_FORMAT, *args: Any, **kwargs: Any) -> None:
        super().__init__(fmt, *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        _with_context(record)
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, file, record_id, page."""

    def format(self, record: logging.LogRecord) -> str:
        _with_context(record)
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


def json_wanted() -> bool:
    """SOHOA_LOG_FORMAT=json (set by `sohoa --log-format json` for the processes it starts)."""
    return os.environ.get(LOG_FORMAT_ENV, "").strip().lower() == "json"


def console_formatter() -> logging.Formatter:
    """The formatter this process's environment asks for (the factory cli/prefect_logging.yaml names)."""
    return JsonFormatter() if json_wanted() else TextFormatter()


def configure_logging(
    level: int = logging.WARNING, *, json_lines: bool | None = None, verbose: bool = False
) -> None:
    """Root logging for an entry point: text (default) or JSON lines, with the context fields.

    `json_lines` None: as SOHOA_LOG_FORMAT says. HTTP request lines only when `verbose`.
    """
    install_record_factory()
    handler = logging.StreamHandler()
    as_json = json_wanted() if json_lines is None else json_lines
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):  # the entry point's choice replaces any earlier set-up
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _REQUEST_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)


_OUTCOME_LEVELS = {"quarantined": logging.WARNING, "failed": logging.ERROR}


def log_outcome(log: logging.Logger, outcome: IngestOutcome) -> None:
    """The one line a file's outcome gets: `ingested|near-duplicate|duplicate|quarantined|failed`,
    with the file and record in the context fields and the reason, if any, in the message."""
    status = outcome.status.replace("_", "-")
    detail = f"{outcome.pages} page{'s' if outcome.pages != 1 else ''}" if outcome.pages else ""
    if outcome.reason:
        detail = f"{detail}; {outcome.reason}" if detail else outcome.reason
    with log_context(file=Path(outcome.path).name, record=outcome.id):
        log.log(
            _OUTCOME_LEVELS.get(outcome.status, logging.INFO),
            "%s %s%s",
            status,
            outcome.path,
            f" ({detail})" if detail else "",
        )
