"""ElasticIndex: the SearchIndex on Elasticsearch 9 (production). The only module that makes an
Elasticsearch client; the near-duplicate lookup on the same cluster (dedup/elastic_lookup.py)
borrows this one's, with its error translation (`errors`).

URL (SOHOA_INDEX): http(s)://[user:password@]host[:port][/alias][?ca_certs=/path/ca.crt]
[&verify_certs=false]. The alias defaults to `sohoa-pages`; user and password may be
percent-encoded. The index layout lives in indexing.elastic_mapping and the request bodies in
indexing.elastic_query, both pure; this module sends them and turns the client's failures into
sohoa errors: unreachable, timeouts, 429 and 5xx are Transient; refused credentials, TLS
failures and a missing privilege are ElasticSetupError (a person must fix the set-up).

One index per access class (indexing.elastic_mapping): `<alias>-public`, `<alias>-conditional`,
`<alias>-not_accessible` and `<alias>-undetermined` are aliases on one index each, and `<alias>`
names the four together. They are created on first use (template, the four indexes with their
class aliases, then `<alias>` on all four: once it exists, the layout is whole). An index of an
older mapping version is not used (IndexUnusable: run sohoa reindex, which builds the indexes of
this version; the single index of mapping v7 and before is migrated so), one of a newer version
neither (MissingDependency: upgrade sohoa), nor a layout missing a class alias (IndexUnusable).
`rebuild(records)` bulk-loads four fresh `<alias>-v8-<class>-<UTC time>` indexes, each record into
its class's, and moves the five aliases onto them in one atomic request, so searches never see a
half-built index; the old indexes are then deleted. Records written while a rebuild runs land in
the old indexes; `before_swap` lets indexing/rebuild.py catch the new ones up from the store's
change journal before the aliases move, and once more after, so nothing committed meanwhile is lost.

Writes: a record is written to its class's index only. Before that, the class indexes are
looked up (one realtime multi-get) and, where the record is found in another (a
reclassification), it is deleted from that one first: a failure or a crash between the two
steps leaves the record in no index (found by no scope until the next write or reindex), not in
two. Two writers of one record with different classes (a review and a reindex's catch-up) may
both look before either writes: so after its write each looks again and deletes any copy in
another class than its own. At most one copy is left (the last writer to look keeps its own; if
both look before either deletes, neither: hidden until the next write), but between one's write
and its second look, milliseconds, the record is in two indexes and the scopes of the other
class find it there. A per-record lock across processes would close that window; the store,
the source of truth, serialises commits, and its change journal brings the reindex's catch-up
back to the last commit. `access_of` and `has` are that one multi-get; `delete` deletes where it
finds the record.

A record that left a class's index (reclassified, deleted) is found there by no search at once,
but its words and length still count in that index's BM25 statistics, and its postings are
still read past, until a merge drops the deleted document: until then the order of that class's
hits and the work of its searches still depend on it (D3, D5). Each time,
sohoa asks Elasticsearch for that merge (`_expunge`, also what `scrub` does for every class),
and again on later writes while the index holds deleted documents; `deleted_documents` and
`scrub_pending` say whether any are left. The merge runs in Elasticsearch's background, and
drops a document only once its operation is older than the last commit (sohoa flushes first)
and than every shard history retention lease: at once for a record indexed a while before; for
one indexed moments before, once the leases, renewed in the background as the shard copies
acknowledge operations, have moved past it; and for one indexed after a replica went away, not
while that replica's lease stands (up to `index.soft_deletes.retention_lease.period`, 12 h).
So nothing is promised by a time: the state is reported, and `sohoa reindex` (fresh indexes
that never held the record) is the one way to be sure at once.

`search` implements the whole search contract (schemas/search.py) in one `_search` request over
the class indexes of the caller's scope and no other (`elastic_query.searched_classes`; the
public's names the public index alone), `query_then_fetch`: each record is scored with the
statistics of its own class's index, so neither the order of the public's hits nor the work of
its search depends on records it may not see (red team D3, D5), but for the deleted documents
not yet merged away of records that left it (above). Hits, exact total, facets
(aggregations), date range, sort, paging and the access scope, each hit with the access class it
is indexed with (from `_source`, never a read of storage); `stats` is one aggregation request
over the four indexes. See indexing.elastic_query for the bodies.

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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
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
from indexing.base import BulkOutcome, ListKey
from indexing.elastic_mapping import (
    DEFAULT_ALIAS,
    MAPPING_VERSION,
    check_alias,
    class_aliases,
    first_index_name,
    index_template,
    layout_swap_actions,
    mapping_version_of,
    rebuild_index_name,
    record_document,
    version_pattern,
)
from indexing.elastic_query import index_stats, search_body, search_result, searched_classes, stats_body
from indexing.query import parse_query
from schemas import AccessScope, IndexStats, Record, SearchQuery, SearchResult
from schemas.record import ACCESS_CLASSES, AccessClass

__all__ = ["ElasticIndex", "ElasticOptions", "ElasticSetupError", "before_swap", "parse_elastic_url"]

log = logging.getLogger(__name__)

BULK_CHUNK = 500  # documents per bulk request
# After a record left a class's index: how long to wait before asking again for the merge that
# drops it (Elasticsearch keeps a recent operation while a retention lease holds it; the leases
# follow the shard copies' checkpoints in the background), and how many times to ask in all.
EXPUNGE_RETRY_SECONDS = 60.0
EXPUNGE_TRIES = 5
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


def _broken_layout(error: Mapping[str, Any]) -> bool:
    """An error saying a class alias names no index (index_not_found) or several (a single-document
    operation through an alias on two indexes: illegal_argument, 'has more than one index
    associated with it'): the layout is broken, and retrying will not mend it; a reindex does."""
    kind, reason = str(error.get("type", "")), str(error.get("reason", ""))
    return kind == "index_not_found_exception" or (
        kind == "illegal_argument_exception" and "more than one index" in reason
    )


def _reason(exc: ApiError) -> str:
    """The error's type and reason from an Elasticsearch error body, else its message."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return str(exc.message)


class ElasticIndex:
    """SearchIndex on one alias of an Elasticsearch cluster (and its class aliases). Thread-safe
    (one client)."""

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
        # where each class's records are written and searched: its alias (a rebuild's view: its
        # fresh concrete index)
        self._targets: dict[AccessClass, str] = class_aliases(self.alias)
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
        # classes whose index a record left: when to ask again for the merge that drops it, and
        # how many more times (_expunge_later)
        self._expunge_due: dict[AccessClass, tuple[float, int]] = {}
        self._expunge_lock = threading.Lock()
        self._clock: Callable[[], float] = time.monotonic

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
        """Create the template, class indexes and aliases on an empty cluster; check the layout."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            with self.errors("open"):
                if self._client.indices.exists_alias(name=self.alias):
                    self._check_layout()
                else:
                    self._create_first()
            self._ready = True

    def _check_layout(self) -> None:
        """Every index behind the alias of this mapping version, and each class alias on one."""
        found = self._client.indices.get(index=self.alias, features=["aliases", "mappings"]).body
        for name, index in sorted(found.items()):
            version = mapping_version_of(index)
            if version > MAPPING_VERSION:
                raise MissingDependency(
                    f"index {name} behind {self.url} has mapping v{version}, newer than this sohoa "
                    f"(v{MAPPING_VERSION}): upgrade sohoa or point SOHOA_INDEX elsewhere"
                )
            if version < MAPPING_VERSION:
                # Not served: an older layout keeps other fields (before v5 a page's `text` was its
                # full text, which a masked scope would show; before v8 every class in one index,
                # scored together), and refuses this version's writes.
                raise IndexUnusable(
                    f"index {name} behind {self.url} has mapping v{version}, this sohoa needs "
                    f"v{MAPPING_VERSION}: {REBUILD_HINT}"
                )
        for klass, alias in class_aliases(self.alias).items():
            holders = [name for name, index in found.items() if alias in index.get("aliases", {})]
            if len(holders) != 1:
                raise IndexUnusable(
                    f"{self.url}: the alias {alias} of class {klass} is on {len(holders)} of the "
                    f"indexes behind {self.alias}, not one: {REBUILD_HINT}"
                )

    def _create_first(self) -> None:
        """The four class indexes, each with its class alias, then the alias of the whole on them
        (last: once it exists the layout is whole, and a process killed before it starts over)."""
        self._client.indices.put_index_template(name=self.alias, body=index_template(self.alias))
        made = []
        for klass, alias in class_aliases(self.alias).items():
            name = first_index_name(self.alias, klass)
            try:
                try:
                    self._client.indices.create(index=name, aliases={alias: {"is_write_index": True}})
                    log.info("created index %s behind alias %s", name, alias)
                except ApiError as exc:
                    if "resource_already_exists" not in _reason(exc):
                        raise
                    # Another process created it meanwhile, or the aliases were removed by hand.
                    self._client.indices.put_alias(index=name, name=alias, is_write_index=True)
            except ApiError as exc:
                if "more than one write index" not in _reason(exc):
                    raise
                # The class alias is already the write alias of another index (left by hand, or
                # by an interrupted rebuild without the alias of the whole): not guessed at.
                raise IndexUnusable(
                    f"{self.url}: the alias {alias} of class {klass} already names another index "
                    f"({_reason(exc)}): {REBUILD_HINT}"
                ) from exc
            made.append(name)
        self._client.indices.update_aliases(
            actions=[{"add": {"index": name, "alias": self.alias}} for name in made]
        )

    # -- writes ------------------------------------------------------------------------------

    def add(self, record: Record) -> None:
        """Into its class's index, after deleting it from any other class's; then looked up again,
        and deleted from any other class's index a concurrent writer put it in (module docstring).
        The classes it left have their deleted documents expunged (_expunge)."""
        document = record_document(record)
        klass: AccessClass = record.classification.access
        self._ensure()
        self._expunge_due_now()
        with self.errors(f"add {record.id}"):
            elsewhere = [found for found in self._where(record.id) if found != klass]
            if elsewhere:  # a reclassification: out of the old class first, never in two at once
                self._delete_from(record.id, elsewhere)
                log.info("record %s: moved from class %s to %s", record.id, ", ".join(elsewhere), klass)
            self._client.index(
                index=self._targets[klass], id=record.id, document=document, refresh=self.refresh
            )
            # Two writers of one record with different classes may both have found it nowhere
            # (or in the same old class) and both written: the copy of the other class goes. The
            # last of them to look again leaves its own (or, when both look before either
            # deletes, neither: hidden until the next write, never left in two).
            if strays := [found for found in self._where(record.id) if found != klass]:
                self._delete_from(record.id, strays)
                log.warning(
                    "record %s: written to class %s meanwhile by another writer, deleted there (this "
                    "write: class %s)",
                    record.id,
                    ", ".join(strays),
                    klass,
                )
        log.debug("record %s: indexed %d pages", record.id, len(record.pages))
        self._expunge_left(sorted({*elsewhere, *strays}))

    def delete(self, record_id: str) -> None:
        self._ensure()
        self._expunge_due_now()
        with self.errors(f"delete {record_id}"):
            if found := self._where(record_id):
                self._delete_from(record_id, found)
        self._expunge_left(found)

    def _where(self, record_id: str) -> list[AccessClass]:
        """The classes whose index holds `record_id` (one at most, by the order of `add`): one
        realtime multi-get over the four, the same work whatever the answer, no text read."""
        docs = [{"_index": target, "_id": record_id} for target in self._targets.values()]
        answer = self._client.mget(docs=docs, source=False).body["docs"]
        found: list[AccessClass] = []
        for klass, doc in zip(self._targets, answer, strict=True):
            if "error" in doc:  # the layout is broken (_broken_layout); else a shard failed
                error = doc["error"] if isinstance(doc["error"], dict) else {"reason": doc["error"]}
                where = f"Elasticsearch {self.url}: look up {record_id} in {doc.get('_index')}"
                reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
                if _broken_layout(error):
                    raise IndexUnusable(f"{where}: {reason}: {REBUILD_HINT}")
                raise Transient(f"{where} failed: {reason}")
            if doc.get("found"):
                found.append(klass)
        return found

    def _delete_from(self, record_id: str, classes: list[AccessClass]) -> None:
        """Delete `record_id` from the indexes of `classes` (one, but for a copy made by hand)."""
        for klass in classes:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile: as wanted
                self._client.delete(index=self._targets[klass], id=record_id, refresh=self.refresh)

    @property
    def _everything(self) -> str:
        """The four class indexes, for what spans them all (counts, stats, maintenance)."""
        return ",".join(self._targets.values())

    def clear(self) -> None:
        self._ensure()
        with self.errors("clear"):
            self._client.delete_by_query(
                index=self._everything,
                query={"match_all": {}},
                conflicts="proceed",
                refresh=True,
                wait_for_completion=True,
            )

    def scrub(self) -> None:
        """Ask for the merge that drops every class index's deleted documents (_expunge), and
        again later while they remain. Elasticsearch runs it in the background: unlike SQLite's,
        this returns before the deleted text is gone from the disk, and a merge keeps an operation
        a retention lease still holds; `scrub_pending` says whether any is left."""
        self._ensure()
        with self.errors("scrub"):
            self._expunge(ACCESS_CLASSES)
        self._expunge_later(ACCESS_CLASSES)

    def deleted_documents(self) -> dict[AccessClass, int]:
        """The deleted documents each class's index still holds, replicas included (`_stats`
        docs.deleted, Lucene documents: a record's pages count one each): records moved out of
        the class or deleted, the older versions of re-indexed records, and delete markers (which
        hold no text). Until a merge drops them they count in that index's statistics."""
        self._ensure()
        with self.errors("stats of deleted documents"):
            return {klass: self._deleted_in(klass) for klass in self._targets}

    def _deleted_in(self, klass: AccessClass) -> int:
        answer = self._client.indices.stats(index=self._targets[klass], metric="docs").body
        return int(answer["_all"]["total"]["docs"]["deleted"])

    # -- warm-up (indexing.base) -----------------------------------------------------------------

    def pre_read(self) -> int:
        """Nothing to read here: the index lives on the cluster's disks, whose OS caches and
        Elasticsearch's own (filesystem cache, query and request caches) warm up as it serves."""
        return 0

    def warm(self, scopes: list[AccessScope], lists: Iterable[ListKey] = ()) -> int:
        """Nothing to make before the first search: this process keeps no search arrays, scope
        masks or page lists (the cluster does that work, per search). No request is sent."""
        return 0

    def lists_used(self) -> list[tuple[ListKey, int]]:
        """None kept, so none used (see `warm`)."""
        return []

    def scrub_pending(self) -> bool:
        """Whether a class index still holds deleted documents (`deleted_documents`), after asking
        once more for their merge where one is due (for /metrics and sohoa verify, as
        SqliteIndex.scrub_pending)."""
        self._expunge_due_now()
        return any(self.deleted_documents().values())

    # -- expunging deleted documents -------------------------------------------------------------

    def _expunge(self, classes: Iterable[AccessClass]) -> None:
        """Ask for the merge that drops the deleted documents of these classes' indexes.

        A deleted (or replaced) document stays in its segment, its words and length counted in the
        index's BM25 statistics, until a merge rewrites the segment without it. `only_expunge_deletes`
        merges every segment holding a deleted document, whatever its share, because
        `index.merge.policy.expunge_deletes_allowed` is 0 (by default 10%: a segment with a smaller
        share is skipped); set here too for an index made before the template said so. It costs a
        rewrite of those segments: at worst, when each holds some deleted document, the whole
        index (GBs at a million pages), in the background. `max_num_segments=1` would rewrite the
        whole index every time, into one segment that, past 5 GB, the merge policy leaves alone
        until it is mostly deleted documents (the force merge docs warn against it on an index
        still written to). A flush first, so that the last commit holds the deletions (a merge
        keeps what came after it). Not waited for (`wait_for_completion=false`): a review or a
        secret hold does not wait minutes on it, and Elasticsearch runs it either way. The merge
        still keeps every operation a shard history retention lease holds: one indexed moments
        before, until the leases move past it (in the background, as the copies acknowledge
        operations), and those after a replica went away, while its lease stands (up to
        `index.soft_deletes.retention_lease.period`, 12 h). Hence _expunge_later."""
        targets = ",".join(self._targets[klass] for klass in classes)
        self._client.indices.put_settings(
            index=targets, settings={"index.merge.policy.expunge_deletes_allowed": 0}
        )
        self._client.indices.flush(index=targets)
        self._client.indices.forcemerge(index=targets, only_expunge_deletes=True, wait_for_completion=False)
        log.info("expunging the deleted documents of %s", targets)

    def _expunge_left(self, classes: list[AccessClass]) -> None:
        """After a record left these classes' indexes: expunge now, and later again. A failure is
        logged, not raised: the write itself is done, and a retry is due."""
        if not classes:
            return
        try:
            with self.errors(f"expunge {', '.join(classes)}"):
                self._expunge(classes)
        except SohoaError as exc:
            log.warning("deleted documents not expunged yet, tried again later: %s", exc)
        self._expunge_later(classes)

    def _expunge_later(self, classes: Iterable[AccessClass], tries: int = EXPUNGE_TRIES) -> None:
        due = self._clock() + EXPUNGE_RETRY_SECONDS
        with self._expunge_lock:
            for klass in classes:
                self._expunge_due[klass] = (due, tries)

    def _expunge_due_now(self) -> None:
        """On a later write (or scrub_pending): ask again for the merges that are due, where the
        class's index still holds deleted documents; up to EXPUNGE_TRIES times a class."""
        now = self._clock()
        with self._expunge_lock:
            due = {k: tries for k, (at, tries) in self._expunge_due.items() if at <= now}
            for klass in due:
                del self._expunge_due[klass]
        for klass, tries in sorted(due.items()):
            try:
                with self.errors(f"expunge {klass}"):
                    if not (left := self._deleted_in(klass)):
                        continue
                    self._expunge([klass])
            except SohoaError as exc:
                log.warning("deleted documents of class %s not expunged: %s", klass, exc)
                left = -1
            if tries > 1:
                self._expunge_later([klass], tries - 1)
            else:
                log.warning(
                    "the index of class %s still holds %s deleted documents after %d merges asked "
                    "for; they count in its statistics until merged away (sohoa reindex makes fresh "
                    "indexes without them)",
                    klass,
                    left if left >= 0 else "some",
                    EXPUNGE_TRIES,
                )

    # -- reads -------------------------------------------------------------------------------

    def has(self, record_id: str) -> bool:
        self._ensure()
        with self.errors(f"has {record_id}"):
            return bool(self._where(record_id))

    def access_of(self, record_id: str) -> str | None:
        """The class of the index that holds the record (the scopes that find it)."""
        self._ensure()
        with self.errors(f"access of {record_id}"):
            found = self._where(record_id)
        if len(found) > 1:  # not by `add`; a hand-made copy: the most closed class answers
            log.warning("record %s is in the indexes of %s", record_id, ", ".join(found))
            return "not_accessible"
        return found[0] if found else None

    def count(self) -> int:
        self._ensure()
        with self.errors("count"):
            return int(self._client.count(index=self._everything)["count"])

    def ping(self) -> None:
        self._ensure()
        with self.errors("ping"):
            self._client.count(index=self._everything)

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse_query(query.q)
        body = search_body(query, parsed)
        indexes = [self._targets[klass] for klass in searched_classes(query)]  # the scope's alone
        self._ensure()
        with self.errors("search"):
            # query_then_fetch: each index's own statistics score its records (never pooled by dfs)
            response = self._client.search(index=indexes, body=body, search_type="query_then_fetch").body
        return search_result(response, query, parsed)

    def stats(self) -> IndexStats:
        self._ensure()
        with self.errors("stats"):
            response = self._client.search(index=self._everything, body=stats_body()).body
        return index_stats(response)

    def drop(self) -> None:
        """Delete every versioned index of this alias (the class aliases go with them), and its
        template (tests, decommissioning)."""
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
        """Load `records` into four fresh class indexes, then move the aliases onto them atomically.

        Documents Elasticsearch rejects are reported, not fatal; a failure of the cluster (or
        of `records`) deletes the new indexes and leaves the aliases where they were. The swap
        request is sent once (never resent by the client): when it fails, the aliases are looked
        up, and if the cluster made the swap all the same (its answer lost) the rebuild goes on as
        done; if the lookup fails too, the new indexes are kept, not deleted (they may be live).
        The single index of an older layout (mapping v7 and before) is replaced so, like any other.
        """
        at = datetime.now(UTC)
        new = {klass: rebuild_index_name(self.alias, klass, at) for klass in ACCESS_CLASSES}
        made: list[str] = []
        swap_sent = False
        try:
            with self.errors(f"create {', '.join(new.values())}"):
                self._client.indices.put_index_template(name=self.alias, body=index_template(self.alias))
                for name in new.values():
                    self._client.indices.create(index=name, settings={"refresh_interval": "-1"})
                    made.append(name)
            outcome = self._bulk_load(new, records)
            if (hook := _BEFORE_SWAP.get()) is not None:
                hook(self._view(new))
            fresh = ",".join(new.values())
            with self.errors(f"swap {self.alias} to {fresh}"):
                self._client.indices.put_settings(index=fresh, settings={"refresh_interval": None})
                self._client.indices.refresh(index=fresh)
                old = self._layout_indexes()
                swap_sent = True
                # Sent once: resent after a timeout, a swap the cluster had made would fail on its
                # `remove`s (the aliases are gone from the old indexes) and be taken for not made.
                self._client.options(max_retries=0).indices.update_aliases(
                    actions=layout_swap_actions(self.alias, new, old)
                )
        except BaseException as exc:
            if swap_sent:  # the fresh indexes may be live: deleted only when surely not
                if not self._swap_made(made) or not isinstance(exc, Exception):
                    raise
                log.warning("the aliases of %s moved though the swap's answer failed: %s", self.alias, exc)
            else:
                if made:
                    with contextlib.suppress(Exception):
                        self._client.indices.delete(index=",".join(made))
                raise
        log.info("aliases of %s moved to %s (%d records)", self.alias, fresh, outcome.indexed)
        self._drop_old(sorted(old), list(new.values()))
        with self._ready_lock:
            self._ready = True
        return outcome

    def _swap_made(self, made: list[str]) -> bool:
        """After the swap request failed: whether the cluster made it all the same (a timeout, a
        lost answer). The fresh indexes are deleted only when surely not (the aliases are looked
        up): when the lookup fails too they are kept, and left for a person (logged)."""
        try:
            with self.errors(f"look up the aliases of {self.alias}"):
                live = self._layout_indexes()
        except SohoaError as exc:
            log.warning("indexes %s kept: cannot tell whether the aliases moved onto them (%s)", made, exc)
            return False
        if any(name in live for name in made):
            return True
        with contextlib.suppress(Exception):
            self._client.indices.delete(index=",".join(made))
        return False

    def _view(self, indexes: Mapping[AccessClass, str]) -> ElasticIndex:
        """This index on concrete indexes (a rebuild's fresh ones), sharing the client: they are
        neither created nor version-checked, and closing the view leaves the client open."""
        view = copy.copy(self)
        view._targets = dict(indexes)
        view.url = f"{self.url} ({', '.join(indexes.values())})"
        view._ready, view._ready_lock, view._closed = True, threading.Lock(), True
        return view

    def _bulk_load(self, indexes: Mapping[AccessClass, str], records: Iterable[Record]) -> BulkOutcome:
        """Each record into the index of its class."""
        actions = (
            {
                "_index": indexes[record.classification.access],
                "_id": record.id,
                "_source": record_document(record),
            }
            for record in records
        )
        outcome = BulkOutcome()
        with self.errors(f"bulk load {', '.join(indexes.values())}"):
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

    def _layout_indexes(self) -> dict[str, set[str]]:
        """The indexes holding an alias of this layout (the alias of the whole or a class's), with
        those they hold: the ones behind the alias and any versioned index of it. An index no
        alias names (another process's rebuild being filled) is not among them."""
        ours = {self.alias, *class_aliases(self.alias).values()}
        try:
            found = self._client.indices.get_alias(
                index=[self.alias, version_pattern(self.alias)], ignore_unavailable=True
            ).body
        except NotFoundError:
            return {}
        held = {name: set(index.get("aliases", {})) & ours for name, index in found.items()}
        return {name: aliases for name, aliases in held.items() if aliases}

    def _drop_old(self, old: list[str], new: list[str]) -> None:
        """Delete the indexes the aliases left, if they are ours (named after the alias).

        The swap has happened: a failure here leaves an unused index behind, not a broken one.
        """
        ours = [name for name in old if name not in new and name.startswith(f"{self.alias}-v")]
        for name in sorted(set(old) - set(ours) - set(new)):
            log.warning("index %s left alias %s; not deleted (not made by sohoa)", name, self.alias)
        if not ours:
            return
        try:
            with self.errors(f"delete {', '.join(ours)}"):
                self._client.indices.delete(index=",".join(ours))
        except SohoaError as exc:
            log.warning("old index not deleted, delete it by hand: %s", exc)
