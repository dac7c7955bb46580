"""An in-memory stand-in for the few Elasticsearch endpoints ElasticIndex manages, for tests.

It is injected as the client's transport node (`ElasticIndex(..., node_class=cluster.node())`),
the way httpx tests inject a mock transport: the real client builds and sends every request,
and the cluster answers it. Templates, indexes, aliases and documents by id are emulated;
`_search` answers `search_response` and only records the body (scoring is Elasticsearch's job,
covered by the conformance suite against a real cluster). Every request is kept in `requests`.

Where Elasticsearch 8+ refuses a request, so does the fake: a second write index for one alias
(`is_write_index`), a read of one document through an alias on several indexes, a write through
an alias on several indexes none of which is its write index, and the deletion of indexes by a
wildcard or an alias (`action.destructive_requires_name`). Deleted documents are counted per
index (`_stats` docs.deleted) until a force merge expunges them; `retain_deletes` makes merges
keep them, as shard history retention leases do for recent operations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders, NodeConfig
from elastic_transport._node import NodeApiResponse

_HEADERS = {"content-type": "application/json", "x-elastic-product": "Elasticsearch"}


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any  # parsed JSON, a list for NDJSON, or None


@dataclass
class FakeCluster:
    templates: dict[str, dict] = field(default_factory=dict)
    indexes: dict[str, dict] = field(default_factory=dict)  # name -> {"settings","mappings","docs"}
    aliases: dict[str, set[str]] = field(default_factory=dict)  # alias -> index names
    write_flags: set[tuple[str, str]] = field(default_factory=set)  # (alias, index): is_write_index
    deleted: dict[str, int] = field(default_factory=dict)  # index -> deleted documents not merged away
    retain_deletes: bool = False  # merges keep deleted documents (a retention lease holds them)
    requests: list[Request] = field(default_factory=list)
    search_response: dict = field(default_factory=dict)
    reject_ids: set[str] = field(default_factory=set)  # bulk items refused with a mapping error
    fail: Callable[[Request], tuple[int, dict] | None] | None = None  # inject an error answer
    seq_no: int = 0  # the next sequence number a document write gets

    def node(self) -> type[BaseNode]:
        cluster = self

        class FakeNode(BaseNode):
            _CLIENT_META_HTTP_CLIENT = ("fake", "1")

            def __init__(self, config: NodeConfig) -> None:
                super().__init__(config)

            def perform_request(self, method, target, body=None, headers=None, request_timeout=None):  # noqa: ANN001, ANN201
                status, answer = cluster.handle(method, target, body)
                meta = ApiResponseMeta(
                    status=status,
                    http_version="1.1",
                    headers=HttpHeaders(_HEADERS),
                    duration=0.0,
                    node=self.config,
                )
                data = b"" if method == "HEAD" else json.dumps(answer).encode()
                return NodeApiResponse(meta, data)

        return FakeNode

    # -- helpers for tests --------------------------------------------------------------------

    def paths(self, method: str | None = None) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests if method in (None, r.method)]

    def docs(self, alias_or_index: str) -> dict[str, dict]:
        """The documents of an index, or of every index an alias (or a comma list) names."""
        names = self._resolve(alias_or_index)
        if len(names) == 1:
            return self.indexes[names[0]]["docs"]
        return {doc_id: doc for name in names for doc_id, doc in self.indexes[name]["docs"].items()}

    def holders(self, doc_id: str) -> list[str]:
        """The indexes holding a document of id `doc_id`."""
        return sorted(name for name, index in self.indexes.items() if doc_id in index["docs"])

    # -- the emulated API ---------------------------------------------------------------------

    def _resolve(self, name: str) -> list[str]:
        """Indexes by comma-separated names: aliases, indexes and wildcard patterns."""
        found: set[str] = set()
        for part in name.split(","):
            if part in self.aliases:
                found |= self.aliases[part]
            elif part in self.indexes:
                found.add(part)
            elif "*" in part:
                regex = re.compile(part.replace("*", ".*"))
                found |= {n for n in self.indexes if regex.fullmatch(n)}
        return sorted(found)

    def _aliases_of(self, index: str) -> dict[str, dict]:
        return {
            alias: {"is_write_index": True} if self.write_indexes.get(alias) == index else {}
            for alias, members in sorted(self.aliases.items())
            if index in members
        }

    def _add_alias(self, alias: str, index: str, is_write_index: bool | None) -> None:
        self.aliases.setdefault(alias, set()).add(index)
        if is_write_index:
            self.write_flags.add((alias, index))
        else:
            self.write_flags.discard((alias, index))

    @property
    def write_indexes(self) -> dict[str, str]:
        """alias -> the index it names with is_write_index (one at most, by _check_aliases)."""
        self._tidy_flags()
        return {alias: index for alias, index in sorted(self.write_flags)}

    def _tidy_flags(self) -> None:
        """Drop the flags of aliases a test removed by hand from `aliases`."""
        self.write_flags = {(a, i) for a, i in self.write_flags if i in self.aliases.get(a, ())}

    def _check_aliases(self) -> tuple[int, dict] | None:
        """Elasticsearch refuses a state where an alias has more than one write index."""
        self._tidy_flags()
        for alias in sorted({alias for alias, _ in self.write_flags}):
            flagged = sorted(index for name, index in self.write_flags if name == alias)
            if len(flagged) > 1:
                return 500, {
                    "error": {
                        "type": "illegal_state_exception",
                        "reason": f"alias [{alias}] has more than one write index [{','.join(flagged)}]",
                    }
                }
        return None

    def _forget(self, index: str) -> None:
        """An index deleted: off every alias."""
        for members in self.aliases.values():
            members.discard(index)
        self.aliases = {a: m for a, m in self.aliases.items() if m}
        self.write_flags = {(a, i) for a, i in self.write_flags if i != index}
        self.deleted.pop(index, None)

    def _read_index(self, name: str) -> tuple[str | None, dict | None]:
        """The one index a single-document read (GET, HEAD, mget item) of `name` goes to, else
        the error Elasticsearch answers."""
        if name in self.aliases and len(self.aliases[name]) > 1:
            members = ", ".join(sorted(self.aliases[name]))
            return None, {
                "type": "illegal_argument_exception",
                "reason": f"alias [{name}] has more than one index associated with it [{members}], "
                "can't execute a single index op",
            }
        found = self._resolve(name) if "*" not in name and "," not in name else []
        if len(found) != 1:
            return None, {"type": "index_not_found_exception", "reason": f"no such index [{name}]"}
        return found[0], None

    def _write_target(self, name: str) -> tuple[str | None, dict | None]:
        """The index a document write (index, delete) through `name` goes to, else the error."""
        if name in self.aliases:
            members = self.aliases[name]
            if name in self.write_indexes:
                return self.write_indexes[name], None
            if len(members) == 1:
                return next(iter(members)), None
            return None, {
                "type": "illegal_argument_exception",
                "reason": f"no write index is defined for alias [{name}]. The write index may be "
                "explicitly disabled using is_write_index=false or the alias points to multiple "
                "indices without one being designated as a write index",
            }
        return self._read_index(name)

    def _missing(self, what: str) -> tuple[int, dict]:
        return 404, {"error": {"type": "index_not_found_exception", "reason": f"no such {what}"}}

    def handle(self, method: str, target: str, raw: bytes | None) -> tuple[int, Any]:
        split = urlsplit(target)
        path = unquote(split.path)
        params = {k: v[-1] for k, v in parse_qs(split.query).items()}
        request = Request(method, path, params, _parse(raw))
        self.requests.append(request)
        if self.fail and (injected := self.fail(request)):
            return injected
        for pattern, verb, handler in _ROUTES:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return handler(self, request, *match.groups())
        return 400, {"error": {"type": "unsupported", "reason": f"{method} {path}"}}

    def exists_alias(self, _r: Request, name: str) -> tuple[int, Any]:
        return (200, {}) if name in self.aliases else (404, {})

    def get_alias(self, _r: Request, name: str) -> tuple[int, Any]:
        if name not in self.aliases:
            return self._missing(f"alias {name}")
        return 200, {index: {"aliases": {name: {}}} for index in self.aliases[name]}

    def put_template(self, r: Request, name: str) -> tuple[int, Any]:
        self.templates[name] = r.body
        return 200, {"acknowledged": True}

    def create_index(self, r: Request, name: str) -> tuple[int, Any]:
        if name in self.indexes:
            return 400, {"error": {"type": "resource_already_exists_exception", "reason": name}}
        body = r.body or {}
        template = next(
            (t["template"] for t in self.templates.values()
             if any(re.fullmatch(p.replace("*", ".*"), name) for p in t["index_patterns"])),
            {},
        )  # fmt: skip
        self.indexes[name] = {
            "settings": {**template.get("settings", {}), **body.get("settings", {})},
            "mappings": template.get("mappings", {}),
            "docs": {},
        }
        for alias, spec in body.get("aliases", {}).items():
            self._add_alias(alias, name, (spec or {}).get("is_write_index"))
        if refused := self._check_aliases():
            del self.indexes[name]
            self._forget(name)
            return refused
        return 200, {"acknowledged": True, "index": name}

    def delete_index(self, _r: Request, names: str) -> tuple[int, Any]:
        for part in names.split(","):  # action.destructive_requires_name: true, the default since 8.0
            if "*" in part or part == "_all":
                reason = "Wildcard expressions or all indices are not allowed"
                return 400, {"error": {"type": "illegal_argument_exception", "reason": reason}}
            if part in self.aliases:
                reason = (
                    f"The provided expression [{part}] matches an alias, specify the corresponding "
                    "concrete indices instead."
                )
                return 400, {"error": {"type": "illegal_argument_exception", "reason": reason}}
        found = self._resolve(names)
        if len(found) != len(set(names.split(","))):
            return self._missing(names)
        for name in found:
            del self.indexes[name]
            self._forget(name)
        return 200, {"acknowledged": True}

    def get_indexes(self, _r: Request, name: str) -> tuple[int, Any]:
        found = self._resolve(name)
        if not found and "*" not in name:
            return self._missing(name)
        return 200, {
            n: {
                "aliases": self._aliases_of(n),
                "mappings": self.indexes[n]["mappings"],
                "settings": self.indexes[n]["settings"],
            }
            for n in found
        }

    def get_index_aliases(self, r: Request, name: str) -> tuple[int, Any]:
        missing = [p for p in name.split(",") if "*" not in p and not self._resolve(p)]
        if missing and r.params.get("ignore_unavailable") != "true":
            return self._missing(missing[0])
        return 200, {n: {"aliases": self._aliases_of(n)} for n in self._resolve(name)}

    def delete_template(self, _r: Request, name: str) -> tuple[int, Any]:
        if self.templates.pop(name, None) is None:
            return 404, {"error": {"type": "resource_not_found_exception", "reason": name}}
        return 200, {"acknowledged": True}

    def get_mapping(self, _r: Request, name: str) -> tuple[int, Any]:
        return 200, {n: {"mappings": self.indexes[n]["mappings"]} for n in self._resolve(name)}

    def put_settings(self, r: Request, name: str) -> tuple[int, Any]:
        for n in self._resolve(name):
            self.indexes[n]["settings"].update(r.body)
        return 200, {"acknowledged": True}

    def put_alias(self, r: Request, index: str, alias: str) -> tuple[int, Any]:
        if index not in self.indexes:
            return self._missing(index)
        before = (set(self.write_flags), {a: set(m) for a, m in self.aliases.items()})
        self._add_alias(alias, index, (r.body or {}).get("is_write_index"))
        if refused := self._check_aliases():
            self.write_flags, self.aliases = before
            return refused
        return 200, {"acknowledged": True}

    def update_aliases(self, r: Request) -> tuple[int, Any]:
        """All the actions or none (one atomic cluster state update)."""
        before = (
            {a: set(m) for a, m in self.aliases.items()},
            set(self.write_flags),
            dict(self.indexes),
            dict(self.deleted),
        )
        answer = self._alias_actions(r.body["actions"])
        if answer[0] != 200:
            self.aliases, self.write_flags, self.indexes, self.deleted = before
        return answer

    def _alias_actions(self, actions: list[dict]) -> tuple[int, Any]:
        for action in actions:
            ((verb, spec),) = action.items()
            if verb == "remove_index":  # an index removed in the same step as the alias moves
                if self.indexes.pop(spec["index"], None) is None:
                    return self._missing(spec["index"])
                self._forget(spec["index"])
                continue
            members = self.aliases.setdefault(spec["alias"], set())
            if verb == "add":
                if spec["index"] not in self.indexes:
                    return self._missing(spec["index"])
                self._add_alias(spec["alias"], spec["index"], spec.get("is_write_index"))
            elif spec["index"] in members:
                members.discard(spec["index"])
                self.write_flags.discard((spec["alias"], spec["index"]))
            else:  # ES: aliases_not_found_exception, 404, unless must_exist is false
                return 404, {
                    "error": {
                        "type": "aliases_not_found_exception",
                        "reason": f"aliases [{spec['alias']}] missing",
                    }
                }
        self.aliases = {a: m for a, m in self.aliases.items() if m}
        if refused := self._check_aliases():
            return refused
        return 200, {"acknowledged": True}

    def put_doc(self, r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index, error = self._write_target(name)
        if index is None:
            return (404 if error["type"] == "index_not_found_exception" else 400), {"error": error}
        self._store(index, doc_id, r.body)
        self.seq_no += 1
        return 200, {"_id": doc_id, "result": "created", "_seq_no": self.seq_no - 1, "_primary_term": 1}

    def exists_index(self, _r: Request, name: str) -> tuple[int, Any]:
        return (200, {}) if self._resolve(name) else (404, {})

    def _store(self, index: str, doc_id: str, source: Any) -> None:
        """Write a document; the version it replaces stays as a deleted document until merged."""
        if doc_id in self.indexes[index]["docs"]:
            self.deleted[index] = self.deleted.get(index, 0) + 1
        self.indexes[index]["docs"][doc_id] = source

    def _remove(self, index: str, doc_id: str) -> bool:
        if self.indexes[index]["docs"].pop(doc_id, None) is None:
            return False
        self.deleted[index] = self.deleted.get(index, 0) + 1
        return True

    def head_doc(self, _r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index, error = self._read_index(name)
        if error and error["type"] != "index_not_found_exception":
            return 400, {}
        return (200, {}) if index and doc_id in self.indexes[index]["docs"] else (404, {})

    def get_doc(self, r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index, error = self._read_index(name)
        if error and error["type"] != "index_not_found_exception":
            return 400, {"error": error}
        if index is None or doc_id not in self.indexes[index]["docs"]:
            return 404, {"_id": doc_id, "found": False}
        doc = self.indexes[index]["docs"][doc_id]
        wanted = r.params.get("_source_includes")
        source = {k: v for k, v in doc.items() if k in wanted.split(",")} if wanted else doc
        return 200, {"_id": doc_id, "found": True, "_source": source}

    def delete_doc(self, _r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index, error = self._write_target(name)
        if error and error["type"] != "index_not_found_exception":
            return 400, {"error": error}
        if index is None or not self._remove(index, doc_id):
            return 404, {"_id": doc_id, "result": "not_found"}
        return 200, {"_id": doc_id, "result": "deleted"}

    def count(self, _r: Request, name: str) -> tuple[int, Any]:
        return 200, {"count": sum(len(self.indexes[n]["docs"]) for n in self._resolve(name))}

    def delete_by_query(self, r: Request, name: str) -> tuple[int, Any]:
        assert r.body == {"query": {"match_all": {}}}, "only match_all is emulated"
        deleted = 0
        for n in self._resolve(name):
            deleted += len(self.indexes[n]["docs"])
            self.deleted[n] = self.deleted.get(n, 0) + len(self.indexes[n]["docs"])
            self.indexes[n]["docs"].clear()
        return 200, {"deleted": deleted}

    def refresh(self, _r: Request, _name: str) -> tuple[int, Any]:
        return 200, {}

    def flush(self, _r: Request, name: str) -> tuple[int, Any]:
        if not self._resolve(name):
            return self._missing(name)
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}

    def forcemerge(self, r: Request, name: str) -> tuple[int, Any]:
        """Deleted documents go, unless retained (`retain_deletes`): with max_num_segments=1 all of
        them; with only_expunge_deletes those of a segment whose share of deleted documents is over
        index.merge.policy.expunge_deletes_allowed (10 by default; the fake holds one segment)."""
        found = self._resolve(name)
        if not found:
            return self._missing(name)
        for index in found:
            deleted = self.deleted.get(index, 0)
            if self.retain_deletes or not deleted:
                continue
            if r.params.get("only_expunge_deletes") == "true":
                settings = self.indexes[index]["settings"]
                keys = ("index.merge.policy.expunge_deletes_allowed", "merge.policy.expunge_deletes_allowed")
                allowed = float(next((settings[k] for k in keys if k in settings), 10))
                share = 100 * deleted / (deleted + len(self.indexes[index]["docs"]))
                if share <= allowed:
                    continue
            self.deleted[index] = 0
        if r.params.get("wait_for_completion") == "false":
            return 200, {"task": f"fake-node:{len(self.requests)}"}
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}

    def stats(self, _r: Request, name: str, _metric: str | None = None) -> tuple[int, Any]:
        found = self._resolve(name)
        if not found:
            return self._missing(name)

        def docs(names: list[str]) -> dict:
            count = sum(len(self.indexes[n]["docs"]) for n in names)
            return {"docs": {"count": count, "deleted": sum(self.deleted.get(n, 0) for n in names)}}

        return 200, {
            "_shards": {"total": len(found), "successful": len(found), "failed": 0},
            "_all": {"primaries": docs(found), "total": docs(found)},
            "indices": {n: {"primaries": docs([n]), "total": docs([n])} for n in found},
        }

    def search(self, _r: Request, _name: str) -> tuple[int, Any]:
        return 200, self.search_response

    def mget(self, r: Request) -> tuple[int, Any]:
        docs = []
        for spec in r.body["docs"]:
            index, error = self._read_index(spec["_index"])
            if index is None:
                docs.append({"_index": spec["_index"], "_id": spec["_id"], "error": error})
                continue
            found = spec["_id"] in self.indexes[index]["docs"]
            docs.append({"_index": index, "_id": spec["_id"], "found": found})
        return 200, {"docs": docs}

    def bulk(self, r: Request) -> tuple[int, Any]:
        items = []
        lines = [r.body] if isinstance(r.body, dict) else list(r.body)  # one line parses as JSON
        while lines:
            action = lines.pop(0)
            ((verb, meta),) = action.items()
            index, _error = self._write_target(meta["_index"])
            if verb == "delete":
                gone = index is not None and self._remove(index, meta["_id"])
                result = {"_index": index, "_id": meta["_id"], "status": 200 if gone else 404}
                items.append({"delete": {**result, "result": "deleted" if gone else "not_found"}})
                continue
            source = lines.pop(0)
            if meta["_id"] in self.reject_ids:
                error = {"type": "document_parsing_exception", "reason": "refused by the test"}
                items.append({"index": {"_id": meta["_id"], "status": 400, "error": error}})
                continue
            self._store(index, meta["_id"], source)
            items.append({"index": {"_id": meta["_id"], "status": 201, "result": "created"}})
        errors = any("error" in item[next(iter(item))] for item in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    def info(self, _r: Request) -> tuple[int, Any]:
        return 200, {"version": {"number": "9.4.1"}, "tagline": "You Know, for Search"}


def _parse(raw: bytes | None) -> Any:
    if not raw:
        return None
    text = raw.decode()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


_NAME = r"([^/_][^/]*)"
_ROUTES: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
    (r"/", "GET", FakeCluster.info),
    (r"/_alias/([^/]+)", "HEAD", FakeCluster.exists_alias),
    (r"/_alias/([^/]+)", "GET", FakeCluster.get_alias),
    (r"/_index_template/([^/]+)", "PUT", FakeCluster.put_template),
    (r"/_index_template/([^/]+)", "DELETE", FakeCluster.delete_template),
    (r"/_aliases", "POST", FakeCluster.update_aliases),
    (r"/_bulk", "PUT", FakeCluster.bulk),
    (r"/_bulk", "POST", FakeCluster.bulk),
    (r"/_mget", "POST", FakeCluster.mget),
    (r"/_mget", "GET", FakeCluster.mget),
    (rf"/{_NAME}", "PUT", FakeCluster.create_index),
    (rf"/{_NAME}", "DELETE", FakeCluster.delete_index),
    (rf"/{_NAME}", "GET", FakeCluster.get_indexes),
    (rf"/{_NAME}", "HEAD", FakeCluster.exists_index),
    (rf"/{_NAME}/_mapping", "GET", FakeCluster.get_mapping),
    (rf"/{_NAME}/_settings", "PUT", FakeCluster.put_settings),
    (rf"/{_NAME}/_alias/([^/]+)", "PUT", FakeCluster.put_alias),
    (rf"/{_NAME}/_alias", "GET", FakeCluster.get_index_aliases),
    (rf"/{_NAME}/_doc/([^/]+)", "PUT", FakeCluster.put_doc),
    (rf"/{_NAME}/_doc/([^/]+)", "HEAD", FakeCluster.head_doc),
    (rf"/{_NAME}/_doc/([^/]+)", "GET", FakeCluster.get_doc),
    (rf"/{_NAME}/_doc/([^/]+)", "DELETE", FakeCluster.delete_doc),
    (rf"/{_NAME}/_count", "POST", FakeCluster.count),
    (rf"/{_NAME}/_count", "GET", FakeCluster.count),
    (rf"/{_NAME}/_delete_by_query", "POST", FakeCluster.delete_by_query),
    (rf"/{_NAME}/_refresh", "POST", FakeCluster.refresh),
    (rf"/{_NAME}/_forcemerge", "POST", FakeCluster.forcemerge),
    (rf"/{_NAME}/_flush", "POST", FakeCluster.flush),
    (rf"/{_NAME}/_stats", "GET", FakeCluster.stats),
    (rf"/{_NAME}/_stats/([^/]+)", "GET", FakeCluster.stats),
    (rf"/{_NAME}/_search", "POST", FakeCluster.search),
]
