"""ElasticIndex: the SearchIndex on Elasticsearch 9 (production). The only module that makes an
Elasticsearch client; the near-duplicate lookup on the same cluster (dedup/elastic_lookup.py)
borrows this one's, with its error translation (`errors`).

URL (SOHOA_INDEX): http(s)://[user:password@]host[:port][/alias][?ca_certs=/path/ca.crt]
[&verify_certs=false]. The alias defaults to `sohoa-pages`; user and password may be
percent-encoded. The index layout lives in indexing.elastic_mapping and the request bodies in
indexing.elastic_query, both pure; this module sends them and turns the client's failures into
sohoa errors: unreachable, timeouts, 429 and 5xx are Transient; refused credentials, TLS
failures and a missing privilege are ElasticSetupError (a person must fix the set-up).

The index behind the alias is created on first use (template, then `<alias>-v1` with the alias).
An index of an older mapping version is not used (IndexUnusable: run sohoa reindex, which builds
a new one of this version), one of a newer version neither (MissingDependency: upgrade sohoa).
`rebuild(records)` bulk-loads a fresh `<alias>-v1-<UTC time>` index and moves the alias onto it in
one atomic request, so searches never see a half-built index; the old index is then deleted.
Records written through the alias while a rebuild runs land in the old index; `before_swap` lets
indexing/rebuild.py catch the new index up from the store's change journal before the alias
moves, and once more after, so nothing committed meanwhile is lost.

`search` implements the whole search contract (schemas/search.py) in one `_search` request: hits,
exact total, facets (aggregations), date range, sort, paging and the access scope, each hit with
the access class it is indexed with (from `_source`, never a read of storage); `stats` is one
aggregation request. See indexing.elastic_query for the bodies.

Snippets: Elasticsearch's highlighter would cut the text with its own (UAX#29) tokenizer and
sentence scanner, which differ from the tokens the query matched (e.g. "TP.HCM" is one token to
it, two to us) and do not guarantee the window; the shared `indexing.snippets.snippet` runs on
the best page's text instead (returned as the inner hit), HTML-escaped with <mark> tags exactly
as the SQLite index does, so both backends show the same snippets.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    Elasticsearch,
    NotFoundError,
    SSLError,
    TransportError,
    UnsupportedProductError,
    helpers,
)

from core.errors import REBUILD_HINT, IndexUnusable, MissingDependency, SohoaError, Transient
from indexing.base import BulkOutcome
from indexing.elastic_mapping import (
    DEFAULT_ALIAS,
    MAPPING_VERSION,
    alias_swap_actions,
    check_alias,
    first_index_name,
    index_template,
    mapping_version_of,
    rebuild_index_name,
    record_document,
    version_pattern,
)
from indexing.elastic_query import index_stats, search_body, search_result, stats_body
from indexing.query import parse_query
from schemas import IndexStats, Record, SearchQuery, SearchResult

__all__ = ["ElasticIndex", "ElasticOptions", "ElasticSetupError", "before_swap", "parse_elastic_url"]

log = logging.getLogger(__name__)

BULK_CHUNK = 500  # documents per bulk request
_TRANSIENT_STATUS = {408, 429, 502, 503, 504}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


_BEFORE_SWAP: ContextVar[Callable[[ElasticIndex], None] | None] = ContextVar(
    "elastic_before_swap", default=None
)


@contextlib.contextmanager
def before_swap(hook: Callable[[ElasticIndex], None]) -> Iterator[None]:
    """While inside, `rebuild` calls `hook` with the fresh index, filled and not yet swapped in
    (an ElasticIndex on the new concrete index, sharing the client), as
    indexing.sqlite_files.before_swap does for a file: a reindex catches up there with what
    storage committed meanwhile, so the swap never serves a version read earlier."""
    token = _BEFORE_SWAP.set(hook)
    try:
        yield
    finally:
        _BEFORE_SWAP.reset(token)


class ElasticSetupError(MissingDependency):
    """Credentials refused, TLS not trusted, or a privilege missing: a person must fix it."""


@dataclass(frozen=True)
class ElasticOptions:
    """Where and how to connect, parsed from the index URL."""

    host: str  # scheme://host:port, no credentials
    alias: str = DEFAULT_ALIAS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_certs: str | None = None
    verify_certs: bool = True

    @property
    def url(self) -> str:
        """The URL without the password, safe to log and show."""
        user = f"{self.username}:***@" if self.username else ""
        scheme, _, rest = self.host.partition("://")
        return f"{scheme}://{user}{rest}/{self.alias}"


def _flag(name: str, values: list[str]) -> bool:
    value = values[-1].strip().lower()
    if value not in _TRUE | _FALSE:
        raise ValueError(f"index URL parameter {name}={value!r}: use true or false")
    return value in _TRUE


def parse_elastic_url(url: str) -> ElasticOptions:
    """'https://user:pw@es:9200/alias?ca_certs=/ca.crt' -> ElasticOptions (ValueError if bad)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected http(s)://host[:port][/alias], got {url!r}")
    try:
        port = parts.port or 9200  # Elasticsearch's port, with or without TLS
    except ValueError as exc:
        raise ValueError(f"invalid port in index URL: {exc}") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    alias = parts.path.strip("/") or DEFAULT_ALIAS
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"ca_certs", "verify_certs"}
    if unknown or parts.fragment:
        raise ValueError(f"unsupported index URL parts {sorted(unknown) or parts.fragment!r}")
    return ElasticOptions(
        host=f"{parts.scheme}://{host}:{port}",
        alias=check_alias(alias),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        ca_certs=query["ca_certs"][-1] if "ca_certs" in query else None,
        verify_certs=_flag("verify_certs", query["verify_certs"]) if "verify_certs" in query else True,
    )


def _reason(exc: ApiError) -> str:
    """The error's type and reason from an Elasticsearch error body, else its message."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return str(exc.message)


class ElasticIndex:
    """SearchIndex on one alias of an Elasticsearch cluster. Thread-safe (one client)."""

    def __init__(
        self,
        options: ElasticOptions,
        *,
        refresh: bool = True,
        request_timeout: float = 30.0,
        node_class: type | None = None,
    ) -> None:
        """`refresh`: make each write searchable at once (read-your-writes for one ingest);
        `node_class`: an elastic_transport node to use instead of HTTP (tests)."""
        self.options = options
        self.alias = options.alias
        self.url = options.url
        self.refresh = refresh
        extra: dict[str, Any] = {"node_class": node_class} if node_class else {}
        self._client = Elasticsearch(
            options.host,
            basic_auth=(options.username, options.password or "") if options.username else None,
            ca_certs=options.ca_certs,
            verify_certs=options.verify_certs,
            request_timeout=request_timeout,
            max_retries=3,
            retry_on_timeout=True,
            **extra,
        )
        self._ready = False
        self._ready_lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> ElasticIndex:
        return cls(parse_elastic_url(url), **kwargs)

    def __repr__(self) -> str:
        return f"ElasticIndex({self.url!r})"

    def close(self) -> None:
        """Close the client's connections (idempotent)."""
        if not self._closed:
            self._closed = True
            self._client.close()

    @property
    def client(self) -> Elasticsearch:
        """The client, for other data sohoa keeps on this cluster (the near-duplicate lookup)."""
        return self._client

    def __enter__(self) -> ElasticIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- errors and set-up ------------------------------------------------------------------

    @contextlib.contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Translate the client's failures into sohoa errors."""
        where = f"Elasticsearch {self.url}: {action}"
        try:
            yield
        except (AuthenticationException, AuthorizationException) as exc:
            raise ElasticSetupError(
                f"{where} refused ({_reason(exc)}): check the user and password in SOHOA_INDEX "
                "and the user's privileges on the index"
            ) from exc
        except UnsupportedProductError as exc:
            raise ElasticSetupError(f"{where}: the server is not Elasticsearch ({exc})") from exc
        except ApiError as exc:
            if exc.meta.status in _TRANSIENT_STATUS or exc.meta.status >= 500:
                raise Transient(f"{where} failed, HTTP {exc.meta.status}: {_reason(exc)}") from exc
            raise SohoaError(f"{where} failed, HTTP {exc.meta.status}: {_reason(exc)}") from exc
        except SSLError as exc:
            raise ElasticSetupError(
                f"{where}: TLS failed ({exc}); give the cluster's CA with ?ca_certs=/path/ca.crt"
            ) from exc
        except TransportError as exc:  # connection refused, DNS, timeout: worth a retry
            raise Transient(f"{where}: cannot be reached ({exc})") from exc

    def _ensure(self) -> None:
        """Create the template, first index and alias on an empty cluster; check the version."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            with self.errors("open"):
                if self._client.indices.exists_alias(name=self.alias):
                    self._check_version()
                else:
                    self._create_first()
            self._ready = True

    def _check_version(self) -> None:
        mappings = self._client.indices.get_mapping(index=self.alias).body
        for name, mapping in mappings.items():
            version = mapping_version_of(mapping)
            if version > MAPPING_VERSION:
                raise MissingDependency(
                    f"index {name} behind {self.url} has mapping v{version}, newer than this sohoa "
                    f"(v{MAPPING_VERSION}): upgrade sohoa or point SOHOA_INDEX elsewhere"
                )
            if version < MAPPING_VERSION:
                # Not served: an older layout keeps other fields (before v5 a page's `text` was its
                # full text, which a masked scope would show), and refuses this version's writes.
                raise IndexUnusable(
                    f"index {name} behind {self.url} has mapping v{version}, this sohoa needs "
                    f"v{MAPPING_VERSION}: {REBUILD_HINT}"
                )

    def _create_first(self) -> None:
        first = first_index_name(self.alias)
        self._client.indices.put_index_template(name=self.alias, body=index_template(self.alias))
        try:
            self._client.indices.create(index=first, aliases={self.alias: {"is_write_index": True}})
            log.info("created index %s behind alias %s", first, self.alias)
        except ApiError as exc:
            if "resource_already_exists" not in _reason(exc):
                raise
            # Another process created it meanwhile, or the alias was removed by hand.
            if not self._client.indices.exists_alias(name=self.alias):
                self._client.indices.put_alias(index=first, name=self.alias)

    # -- writes ------------------------------------------------------------------------------

    def add(self, record: Record) -> None:
        document = record_document(record)
        self._ensure()
        with self.errors(f"add {record.id}"):
            self._client.index(index=self.alias, id=record.id, document=document, refresh=self.refresh)
        log.debug("record %s: indexed %d pages", record.id, len(record.pages))

    def delete(self, record_id: str) -> None:
        self._ensure()
        with self.errors(f"delete {record_id}"), contextlib.suppress(NotFoundError):
            self._client.delete(index=self.alias, id=record_id, refresh=self.refresh)

    def clear(self) -> None:
        self._ensure()
        with self.errors("clear"):
            self._client.delete_by_query(
                index=self.alias,
                query={"match_all": {}},
                conflicts="proceed",
                refresh=True,
                wait_for_completion=True,
            )

    def scrub(self) -> None:
        """Merge away the segments' deleted documents (Elasticsearch keeps them until a merge)."""
        self._ensure()
        with self.errors("scrub"):
            self._client.indices.forcemerge(index=self.alias, only_expunge_deletes=True)

    # -- reads -------------------------------------------------------------------------------

    def has(self, record_id: str) -> bool:
        self._ensure()
        with self.errors(f"has {record_id}"):
            return bool(self._client.exists(index=self.alias, id=record_id))

    def access_of(self, record_id: str) -> str | None:
        self._ensure()
        with self.errors(f"access of {record_id}"):
            try:
                found = self._client.get(index=self.alias, id=record_id, source_includes=["access"])
            except NotFoundError:
                return None
        return found["_source"].get("access")

    def count(self) -> int:
        self._ensure()
        with self.errors("count"):
            return int(self._client.count(index=self.alias)["count"])

    def ping(self) -> None:
        self._ensure()
        with self.errors("ping"):
            self._client.count(index=self.alias)

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse_query(query.q)
        body = search_body(query, parsed)
        self._ensure()
        with self.errors("search"):
            response = self._client.search(index=self.alias, body=body).body
        return search_result(response, query, parsed)

    def stats(self) -> IndexStats:
        self._ensure()
        with self.errors("stats"):
            response = self._client.search(index=self.alias, body=stats_body()).body
        return index_stats(response)

    def drop(self) -> None:
        """Delete every versioned index of this alias, and its template (tests, decommissioning)."""
        with self.errors("drop"):
            found = self._client.indices.get(index=version_pattern(self.alias), allow_no_indices=True)
            if names := sorted(found.body):
                self._client.indices.delete(index=",".join(names))
            with contextlib.suppress(NotFoundError):
                self._client.indices.delete_index_template(name=self.alias)
        with self._ready_lock:
            self._ready = False

    # -- rebuild -----------------------------------------------------------------------------

    def rebuild(self, records: Iterable[Record]) -> BulkOutcome:
        """Load `records` into a fresh index, then move the alias onto it atomically.

        Documents Elasticsearch rejects are reported, not fatal; a failure of the cluster (or
        of `records`) deletes the new index and leaves the alias where it was.
        """
        new = rebuild_index_name(self.alias, datetime.now(UTC))
        with self.errors(f"create {new}"):
            self._client.indices.put_index_template(name=self.alias, body=index_template(self.alias))
            self._client.indices.create(index=new, settings={"refresh_interval": "-1"})
        try:
            outcome = self._bulk_load(new, records)
            if (hook := _BEFORE_SWAP.get()) is not None:
                hook(self._view(new))
            with self.errors(f"swap {self.alias} to {new}"):
                self._client.indices.put_settings(index=new, settings={"refresh_interval": None})
                self._client.indices.refresh(index=new)
                old = self._aliased_indexes()
                self._client.indices.update_aliases(actions=alias_swap_actions(self.alias, new, old))
        except BaseException:
            with contextlib.suppress(Exception):
                self._client.indices.delete(index=new)
            raise
        log.info("alias %s moved to %s (%d records)", self.alias, new, outcome.indexed)
        self._drop_old(old, new)
        with self._ready_lock:
            self._ready = True
        return outcome

    def _view(self, index: str) -> ElasticIndex:
        """This index on one concrete index (a rebuild's fresh one), sharing the client: it is
        neither created nor version-checked, and closing it leaves the client open."""
        view = copy.copy(self)
        view.alias, view.url = index, f"{self.url} ({index})"
        view._ready, view._ready_lock, view._closed = True, threading.Lock(), True
        return view

    def _bulk_load(self, index: str, records: Iterable[Record]) -> BulkOutcome:
        actions = (
            {"_index": index, "_id": record.id, "_source": record_document(record)} for record in records
        )
        outcome = BulkOutcome()
        with self.errors(f"bulk load {index}"):
            for ok, item in helpers.streaming_bulk(
                self._client,
                actions,
                chunk_size=BULK_CHUNK,
                raise_on_error=False,
                max_retries=3,  # 429: the cluster asks us to slow down
            ):
                result = item.get("index", item)
                if ok:
                    outcome.indexed += 1
                else:
                    outcome.rejected[str(result.get("_id"))] = str(result.get("error"))
        return outcome

    def _aliased_indexes(self) -> list[str]:
        try:
            return sorted(self._client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def _drop_old(self, old: list[str], new: str) -> None:
        """Delete the indexes the alias left, if they are ours (named after the alias).

        The swap has happened: a failure here leaves an unused index behind, not a broken one.
        """
        ours = [name for name in old if name != new and name.startswith(f"{self.alias}-v")]
        for name in sorted(set(old) - set(ours) - {new}):
            log.warning("index %s left alias %s; not deleted (not made by sohoa)", name, self.alias)
        if not ours:
            return
        try:
            with self.errors(f"delete {', '.join(ours)}"):
                self._client.indices.delete(index=",".join(ours))
        except SohoaError as exc:
            log.warning("old index not deleted, delete it by hand: %s", exc)
