"""The house's one direction: every import goes down a layer, and no module imports itself back.

Layers, bottom to top (docs/architecture.md):

    bottom       schemas, core            data models, errors, settings
    text         vntext                   Vietnamese text helpers
    stages       ocr, classify, dedup, storage, indexing, export    (stages and adapters)
    application  application              ingest, batches, access log, search as a role
    flows        flows                    Prefect flows and deployments
    interfaces   api, cli                 the HTTP API and web page; the `sohoa` command
    tools        corpusgen, bench         generators and benchmarks: nothing imports them

Every import statement counts: at module level, inside functions, under TYPE_CHECKING. A
module may import its own package, anything in a lower layer, and a package of its own layer
as long as the packages of that layer form no cycle; modules form no cycle at all.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS: dict[str, int] = {
    "schemas": 0,
    "core": 0,
    "vntext": 1,
    "ocr": 2,
    "classify": 2,
    "dedup": 2,
    "storage": 2,
    "indexing": 2,
    "export": 2,
    "application": 3,
    "flows": 4,
    "api": 5,
    "cli": 5,
    "corpusgen": 6,
    "bench": 6,
}
LAYER_NAMES = ("bottom", "text", "stages", "application", "flows", "interfaces", "tools")
# Interfaces and the application talk to any index through the contract (schemas/search.py,
# indexing/base.py): they never name an engine.
ENGINE_MODULES = (
    "indexing.sqlite",
    "indexing.browse",
    "indexing.arrays",
    "indexing.postings",
    "indexing.elastic",
    "indexing.elastic_query",
    "indexing.elastic_mapping",
    "indexing.sqlite_files",
    "dedup.elastic_lookup",
)
ENGINE_NAMES = ("SqliteIndex", "ElasticIndex", "Browser", "NearDuplicateIndex", "ElasticNearDuplicateIndex")
ENGINE_FREE = ("api", "cli", "application", "flows")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, wherever the statement is."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod.
            subs = {f"{source}.{alias.name}" for alias in node.names} & modules.keys()
            found |= subs
            if len(subs) < len(node.names):
                found.add(source)
    return {target for target in found if target in modules and target != name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def package(module: str) -> str:
    return module.split(".")[0]


def test_the_layer_map_names_every_package_of_the_project() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/*.py")} - {"tests"}
    assert packages == set(LAYERS), "a package without a layer: add it to LAYERS and the doc"


def test_no_module_imports_a_higher_layer(graph: dict[str, set[str]]) -> None:
    upward = [
        f"{source} ({LAYER_NAMES[LAYERS[package(source)]]}) imports {target} "
        f"({LAYER_NAMES[LAYERS[package(target)]]})"
        for source, targets in graph.items()
        for target in targets
        if LAYERS[package(target)] > LAYERS[package(source)]
    ]
    assert upward == []


def _cycles(nodes: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(nodes[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(nodes.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules(graph: dict[str, set[str]]) -> None:
    assert _cycles(graph) == []


def test_no_import_cycle_between_packages(graph: dict[str, set[str]]) -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        packages[package(source)] |= {package(t) for t in targets} - {package(source)}
    assert _cycles(packages) == []


def test_interfaces_and_application_never_name_a_search_engine(graph: dict[str, set[str]]) -> None:
    modules = project_modules()
    found = []
    for name, targets in graph.items():
        if package(name) not in ENGINE_FREE:
            continue
        found += [f"{name} imports {t}" for t in sorted(targets) if t in ENGINE_MODULES]
        tree = ast.parse(modules[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if isinstance(node, ast.Name | ast.Attribute) and named in ENGINE_NAMES:
                found.append(f"{name}:{node.lineno} names {named}")
            if isinstance(node, ast.alias) and node.name.split(".")[-1] in ENGINE_NAMES:
                found.append(f"{name} imports {node.name}")
    assert found == []


def test_the_checker_sees_imports_inside_functions_and_type_checking(tmp_path: Path) -> None:
    """The checker itself: a lazy import and a TYPE_CHECKING import are edges too."""
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from schemas import Record\n"
        "def f():\n    from storage import package\n    import core.errors\n"
    )
    modules = {"schemas": source, "storage": source, "storage.package": source, "core.errors": source}
    assert imports_of("mod", source, modules) == {"schemas", "storage.package", "core.errors"}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
