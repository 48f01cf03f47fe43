"""The top-level packages import each other exactly as ARCHITECTURE.md draws it, as a DAG.

The graph is stated once, as the Mermaid block of ARCHITECTURE.md (``a --> b``: a imports
b). The imports are read from every Python file of every top-level package, bench/ and
tests/ included, with ``ast``: module-level and lazy (function-level) imports,
``importlib.import_module(...)``, ``__import__(...)`` and ``runpy.run_module(...)``
string loads, ``python -m <package>`` command lines and ``"package.module:attribute"``
import strings (uvicorn factories). A load whose module name is computed is taken to
depend on every project module named by a string constant of that file.
"""

from __future__ import annotations

import ast
import itertools
import re
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "build", "dist"})
LOADERS = frozenset({"import_module", "__import__", "run_module"})
# Clients of the contract: they check or drive any implementation, so they never depend
# on the mock, not even through another package.
CONTRACT_CLIENTS = ("conformance", "bulk", "evaluation")
# The command line assembles everything; only the benchmarks and the tests run it.
ASSEMBLY = "liveness_kit"
ASSEMBLY_USERS = frozenset({"bench", "tests"})

Graph = dict[str, set[str]]
Evidence = dict[tuple[str, str], list[str]]

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_IMPORT_STRING = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):[A-Za-z_]\w*")
_EDGE = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*$")
_NODE = re.compile(r"^\s*(\w+)\s*$")


# --- reading the declared graph ----------------------------------------------------------


def declared_graph(markdown: str) -> Graph:
    """The nodes and edges of the first ```mermaid block: ``a --> b`` lines and bare nodes."""
    match = re.search(r"```mermaid\n(.*?)```", markdown, re.DOTALL)
    assert match is not None, "ARCHITECTURE.md has no ```mermaid block"
    graph: Graph = {}
    for line in match.group(1).splitlines()[1:]:  # the first line is "flowchart ..."
        if edge := _EDGE.match(line):
            graph.setdefault(edge[1], set()).add(edge[2])
            graph.setdefault(edge[2], set())
        elif node := _NODE.match(line):
            graph.setdefault(node[1], set())
        elif line.strip() and not line.strip().startswith("%%"):
            raise AssertionError(f"ARCHITECTURE.md: cannot read the graph line {line!r}")
    return graph


# --- reading the real graph --------------------------------------------------------------


def top_level_packages(root: Path) -> set[str]:
    """Every top-level directory that holds Python files."""
    return {
        path.name
        for path in root.iterdir()
        if path.is_dir() and not _skipped(path.name) and any(_python_files(path))
    }


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info")


def _python_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.iterdir()):
        if path.is_dir() and not _skipped(path.name):
            yield from _python_files(path)
        elif path.suffix == ".py":
            yield path


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _strings(node: ast.AST) -> Iterator[ast.Constant]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child


def imported_modules(source: str) -> Iterator[tuple[str, int, str]]:
    """(module, line, how) for every module the source loads or names as a load."""
    tree = ast.parse(source)
    dynamic_load: int | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, "import"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno, "import"
        elif isinstance(node, ast.Call) and _called_name(node) in LOADERS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value, node.lineno, f"{_called_name(node)} string"
            else:
                dynamic_load = node.lineno
        if isinstance(node, ast.List | ast.Tuple | ast.Call):
            items = node.elts if isinstance(node, ast.List | ast.Tuple) else node.args
            for flag, value in itertools.pairwise(items):
                if (
                    isinstance(flag, ast.Constant)
                    and flag.value == "-m"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    yield value.value, value.lineno, "python -m"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _IMPORT_STRING.fullmatch(node.value)
            if match is not None:
                yield match[1], node.lineno, "import string"
    if dynamic_load is not None:
        for constant in _strings(tree):
            if _DOTTED.fullmatch(constant.value):
                yield constant.value, constant.lineno, f"computed load at line {dynamic_load}"


def real_graph(root: Path, packages: set[str]) -> tuple[Graph, Evidence]:
    graph: Graph = {package: set() for package in packages}
    evidence: Evidence = {}
    for package in sorted(packages):
        for path in _python_files(root / package):
            where = path.relative_to(root)
            for module, line, how in imported_modules(path.read_text(encoding="utf-8")):
                target = module.split(".")[0]
                if target in packages and target != package:
                    graph[package].add(target)
                    evidence.setdefault((package, target), []).append(f"{where}:{line} ({how})")
    return graph, evidence


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a path whose last node is its first, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (cycle := visit(target, [*path, target])) is not None:
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])) is not None:
            return cycle
    return None


def reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for target in graph.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


# --- the project -------------------------------------------------------------------------

DECLARED = declared_graph(ARCHITECTURE.read_text(encoding="utf-8"))
PACKAGES = top_level_packages(ROOT)
REAL, EVIDENCE = real_graph(ROOT, PACKAGES)


def test_every_top_level_package_is_in_the_drawn_graph() -> None:
    assert set(DECLARED) == PACKAGES
    assert {"spec", "fixtures", "mock_server", "conformance", "bulk", "bench", "tests"} <= PACKAGES


def test_the_drawn_graph_has_no_cycle() -> None:
    assert find_cycle(DECLARED) is None


def test_the_imports_have_no_cycle() -> None:
    cycle = find_cycle(REAL)
    edges = list(itertools.pairwise(cycle)) if cycle else []
    assert cycle is None, {f"{a} -> {b}": EVIDENCE[a, b] for a, b in edges}


def test_every_import_between_packages_is_drawn() -> None:
    undrawn = {
        f"{package} -> {target}": EVIDENCE[package, target]
        for package in sorted(REAL)
        for target in sorted(REAL[package] - DECLARED.get(package, set()))
    }
    assert undrawn == {}


def test_every_drawn_edge_is_a_real_import() -> None:
    unused = [
        f"{package} -> {target}"
        for package in sorted(DECLARED)
        for target in sorted(DECLARED[package] - REAL.get(package, set()))
    ]
    assert unused == []


@pytest.mark.parametrize("client", CONTRACT_CLIENTS)
def test_clients_of_the_contract_never_reach_the_mock(client: str) -> None:
    assert "mock_server" not in reachable(REAL, client)


def test_only_the_benchmarks_and_the_tests_use_the_command_line() -> None:
    users = {package for package in REAL if ASSEMBLY in reachable(REAL, package)}
    assert users == ASSEMBLY_USERS


# --- the checker itself, on planted trees -------------------------------------------------

PLANTED_UPWARD_LOADS = {
    "module-level import": "import high.api\n",
    "from-import": "from high import api\n",
    "lazy import": "def later():\n    from high.api import thing\n    return thing\n",
    "import_module string": (
        "import importlib\n\ndef later():\n    return importlib.import_module('high.api')\n"
    ),
    "aliased import_module": (
        "from importlib import import_module\n\nMOD = import_module('high')\n"
    ),
    "__import__ string": "def later():\n    return __import__('high.api')\n",
    "computed import_module": (
        "import importlib\n\nNAMES = ('low.x', 'high.cli')\n\n"
        "def load():\n    return [importlib.import_module(name) for name in NAMES]\n"
    ),
    "python -m command": "import sys\n\nCOMMAND = [sys.executable, '-m', 'high', 'serve']\n",
    "python -m arguments": (
        "import asyncio, sys\n\nasync def run():\n"
        "    return await asyncio.create_subprocess_exec(sys.executable, '-m', 'high')\n"
    ),
    "uvicorn factory string": "FACTORY = 'high.app:create_app'\n",
}


def _plant(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.mark.parametrize("source", PLANTED_UPWARD_LOADS.values(), ids=PLANTED_UPWARD_LOADS.keys())
def test_the_checker_sees_a_planted_load_and_the_cycle_it_makes(
    tmp_path: Path, source: str
) -> None:
    _plant(
        tmp_path,
        {
            "high/__init__.py": "",
            "high/api.py": "import low\n",
            "low/__init__.py": "",
            "low/deep/inner.py": source,
            "tools/node_modules/pkg/x.py": "import high\n",
        },
    )
    packages = top_level_packages(tmp_path)
    graph, evidence = real_graph(tmp_path, packages)

    assert packages == {"high", "low"}
    assert graph == {"high": {"low"}, "low": {"high"}}
    assert evidence["low", "high"][0].startswith("low/deep/inner.py:")
    assert find_cycle(graph) in (["high", "low", "high"], ["low", "high", "low"])


def test_the_checker_ignores_strings_that_load_nothing(tmp_path: Path) -> None:
    _plant(
        tmp_path,
        {
            "high/__init__.py": "import low\n",
            "low/__init__.py": (
                "import logging\n\nLOG = logging.getLogger('high.server')\n"
                "HELP = 'see high.api for details'\nfrom . import sibling\n"
            ),
            "low/sibling.py": "",
        },
    )
    graph, _ = real_graph(tmp_path, top_level_packages(tmp_path))
    assert graph == {"high": {"low"}, "low": set()}
    assert find_cycle(graph) is None


def test_the_drawn_graph_is_read_and_a_drawn_cycle_is_found() -> None:
    markdown = "text\n```mermaid\nflowchart TD\n    a --> b\n    b --> c\n    c --> a\n    d\n```\n"
    graph = declared_graph(markdown)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({**graph, "c": set()}) is None


def test_an_unreadable_graph_line_is_an_error() -> None:
    with pytest.raises(AssertionError, match="cannot read"):
        declared_graph("```mermaid\nflowchart TD\n    a --> b --> c\n```\n")
