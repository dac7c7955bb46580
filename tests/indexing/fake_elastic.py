"""An in-memory stand-in for the few Elasticsearch endpoints ElasticIndex manages, for tests.

It is injected as the client's transport node (`ElasticIndex(..., node_class=cluster.node())`),
the way httpx tests inject a mock transport: the real client builds and sends every request,
and the cluster answers it. Templates, indexes, aliases and documents by id are emulated;
`_search` answers `search_response` and only records the body (scoring is Elasticsearch's job,
covered by the conformance suite against a real cluster). Every request is kept in `requests`.
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
        return {alias: {} for alias, members in sorted(self.aliases.items()) if index in members}

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
        for alias in body.get("aliases", {}):
            self.aliases.setdefault(alias, set()).add(name)
        return 200, {"acknowledged": True, "index": name}

    def delete_index(self, _r: Request, names: str) -> tuple[int, Any]:
        found = self._resolve(names)
        if not found:
            return self._missing(names)
        for name in found:
            del self.indexes[name]
            for members in self.aliases.values():
                members.discard(name)
        self.aliases = {a: m for a, m in self.aliases.items() if m}
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

    def put_alias(self, _r: Request, index: str, alias: str) -> tuple[int, Any]:
        self.aliases.setdefault(alias, set()).add(index)
        return 200, {"acknowledged": True}

    def update_aliases(self, r: Request) -> tuple[int, Any]:
        for action in r.body["actions"]:
            ((verb, spec),) = action.items()
            if verb == "remove_index":  # an index removed in the same step as the alias moves
                if self.indexes.pop(spec["index"], None) is None:
                    return self._missing(spec["index"])
                continue
            members = self.aliases.setdefault(spec["alias"], set())
            if verb == "add":
                members.add(spec["index"])
            elif spec["index"] in members:
                members.discard(spec["index"])
            else:
                return self._missing(f"alias {spec['alias']} on {spec['index']}")
        self.aliases = {a: m for a, m in self.aliases.items() if m}
        return 200, {"acknowledged": True}

    def _write_index(self, name: str) -> str | None:
        found = self._resolve(name)
        return found[0] if len(found) == 1 else None

    def put_doc(self, r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index = self._write_index(name)
        if index is None:
            return self._missing(name)
        self.indexes[index]["docs"][doc_id] = r.body
        self.seq_no += 1
        return 200, {"_id": doc_id, "result": "created", "_seq_no": self.seq_no - 1, "_primary_term": 1}

    def exists_index(self, _r: Request, name: str) -> tuple[int, Any]:
        return (200, {}) if self._resolve(name) else (404, {})

    def head_doc(self, _r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index = self._write_index(name)
        return (200, {}) if index and doc_id in self.indexes[index]["docs"] else (404, {})

    def get_doc(self, r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index = self._write_index(name)
        if index is None or doc_id not in self.indexes[index]["docs"]:
            return 404, {"_id": doc_id, "found": False}
        doc = self.indexes[index]["docs"][doc_id]
        wanted = r.params.get("_source_includes")
        source = {k: v for k, v in doc.items() if k in wanted.split(",")} if wanted else doc
        return 200, {"_id": doc_id, "found": True, "_source": source}

    def delete_doc(self, _r: Request, name: str, doc_id: str) -> tuple[int, Any]:
        index = self._write_index(name)
        if index is None or self.indexes[index]["docs"].pop(doc_id, None) is None:
            return 404, {"_id": doc_id, "result": "not_found"}
        return 200, {"_id": doc_id, "result": "deleted"}

    def count(self, _r: Request, name: str) -> tuple[int, Any]:
        return 200, {"count": sum(len(self.indexes[n]["docs"]) for n in self._resolve(name))}

    def delete_by_query(self, r: Request, name: str) -> tuple[int, Any]:
        assert r.body == {"query": {"match_all": {}}}, "only match_all is emulated"
        deleted = 0
        for n in self._resolve(name):
            deleted += len(self.indexes[n]["docs"])
            self.indexes[n]["docs"].clear()
        return 200, {"deleted": deleted}

    def refresh(self, _r: Request, _name: str) -> tuple[int, Any]:
        return 200, {}

    def forcemerge(self, _r: Request, name: str) -> tuple[int, Any]:
        if not self._resolve(name):
            return self._missing(name)
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}

    def search(self, _r: Request, _name: str) -> tuple[int, Any]:
        return 200, self.search_response

    def mget(self, r: Request) -> tuple[int, Any]:
        docs = []
        for spec in r.body["docs"]:
            index = self._write_index(spec["_index"])
            if index is None:
                error = {"type": "index_not_found_exception", "reason": f"no such index [{spec['_index']}]"}
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
            index = self._write_index(meta["_index"])
            if verb == "delete":
                gone = index is not None and self.indexes[index]["docs"].pop(meta["_id"], None) is not None
                result = {"_index": index, "_id": meta["_id"], "status": 200 if gone else 404}
                items.append({"delete": {**result, "result": "deleted" if gone else "not_found"}})
                continue
            source = lines.pop(0)
            if meta["_id"] in self.reject_ids:
                error = {"type": "document_parsing_exception", "reason": "refused by the test"}
                items.append({"index": {"_id": meta["_id"], "status": 400, "error": error}})
                continue
            self.indexes[index]["docs"][meta["_id"]] = source
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
    (rf"/{_NAME}/_search", "POST", FakeCluster.search),
]
