"""The error tree. Each kind is translated once, at the edges (CLI, API, flows).

- BadInput: the file itself is at fault. Never retried; the file is quarantined.
  - SecretBadInput: at fault after a page of it showed a secrecy mark: quarantined without a
    copy (a state secret is never kept in clear), the file left where it is.
- MissingDependency: the machine lacks a tool or data file. The message names what to install.
- ConfigurationError: the settings ask for something that cannot work as set; the message says
  what to change.
- Transient: storage/index unreachable, timeouts. Retried with backoff by the flow.
- IndexUnusable: a derived index (search index, near-duplicate lookup) cannot be used as it is;
  the message ends with REBUILD_HINT, and the API tells its visitors (in Vietnamese) that an
  administrator must run it.
"""

from __future__ import annotations


class SohoaError(Exception):
    """Base of every error sohoa raises on purpose."""


class BadInput(SohoaError):
    """The input file cannot be processed as it is; the message says why, for a person."""


class SecretBadInput(BadInput):
    """BadInput for a file a page of which showed a secrecy mark before the fault: no copy of
    it may be kept (the quarantine keeps the reason only; the file stays where it is)."""


class MissingDependency(SohoaError):
    """A required program or data file is not installed."""


class ConfigurationError(SohoaError):
    """The settings cannot work as given (a service they name is unset or unreachable)."""


class Transient(SohoaError):
    """A temporary failure of a service; the same call may succeed later."""


class OcrTimeout(Transient):
    """Tesseract did not finish a page in time."""


class NotFound(SohoaError):
    """A record or object that was asked for does not exist."""


REBUILD_HINT = "run sohoa reindex"


class IndexUnusable(SohoaError):
    """A derived index that cannot be used as it is (damaged, or not one of ours at this schema
    version), whatever its engine. `sohoa reindex` rebuilds it from storage; nothing else
    repairs it. The message ends with REBUILD_HINT."""
