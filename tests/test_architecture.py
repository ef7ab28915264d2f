"""The layers of docs/architecture.md, checked on the import graph of the source.

The graph is built with ``ast`` from every module under src/facilitymap, counting every
import: at the top, inside functions, under ``if TYPE_CHECKING``. It must have no cycle, and
no arrow that goes up a layer: the core (records, status, dates, problems, validation) knows
no files, no page, no exchange format and no command line; render and exchange know nothing
of each other; nothing imports the command line but the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Foundations import only each other: problems, errors, dates, writing a file atomically,
# strict JSON, process helpers, canonical geometry, the status palette.
FOUNDATIONS = (
    "problems",
    "errors",
    "dates",
    "atomic",
    "strictjson",
    "gcpause",
    "parallel",
    "geometry",
    "palette",
)
# The core: the foundations, the records, their status, the rules over them, and the
# context layer the country rule reads.
CORE = (*FOUNDATIONS, "model", "status", "validation", "context")
# What the core must never import: reading and writing files, and all that is built on them.
ABOVE_CORE = ("io", "validate", "render", "exchange", "cli", "maps", "edit")


def module_names(src: Path) -> dict[str, Path]:
    """Every module of the package under ``src``, by dotted name (a package by its own)."""
    names = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def import_graph(src: Path, package: str = "facilitymap") -> dict[str, set[str]]:
    """``{module: modules of the package it imports}``, every import statement counted."""
    modules = module_names(src)
    graph: dict[str, set[str]] = {name: set() for name in modules if name.startswith(package)}
    for name in graph:
        path = modules[name]
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join([*here, base] if base else here)
                # `from a import b` imports the module a.b when there is one, else names of a.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                # `import a.b.c` of a name that is no module: its nearest module.
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target.startswith(package) and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _in(module: str, names: tuple[str, ...], package: str = "facilitymap") -> bool:
    return any(module == f"{package}.{n}" or module.startswith(f"{package}.{n}.") for n in names)


def _top(module: str, package: str) -> str:
    """``render`` for facilitymap.render.page."""
    return module.removeprefix(f"{package}.").split(".")[0]


def forbidden_arrows(graph: dict[str, set[str]], package: str = "facilitymap") -> list[str]:
    """Every import that goes against the layers, as ``"a → b: why"``."""
    found = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            why = None
            if _in(source, FOUNDATIONS, package) and not _in(target, FOUNDATIONS, package):
                why = "a foundation imports only other foundations"
            elif _in(source, CORE, package) and (
                target == package or _in(target, ABOVE_CORE, package)
            ):
                why = "the core knows no files, pages, formats or command line"
            elif {_top(source, package), _top(target, package)} == {"render", "exchange"}:
                why = "render and exchange know nothing of each other"
            elif _in(target, ("cli",), package) and not (
                _in(source, ("cli",), package) or source == f"{package}.__main__"
            ):
                why = "only the command line imports the command line"
            if why:
                found.append(f"{source} → {target}: {why}")
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph(SRC)) == []


def test_no_import_goes_against_the_layers():
    assert forbidden_arrows(import_graph(SRC)) == []


def test_every_module_is_in_the_graph_with_its_imports():
    graph = import_graph(SRC)
    # Imports at the top, inside a function, under TYPE_CHECKING, of a module by from-import.
    assert "facilitymap.model" in graph["facilitymap.io"]
    assert "facilitymap.problems" in graph["facilitymap.errors"]  # under TYPE_CHECKING
    assert "facilitymap.validation.shape" in graph["facilitymap.io"]
    assert "facilitymap.context" in graph["facilitymap.validation.country"]  # in a function
    assert "facilitymap.render.assets" in graph["facilitymap.render.page"]  # from-import


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "facilitymap" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "expected_cycles", "expected_arrows"),
    [
        (  # the circle this test was written against: io ↔ validate, model → io in a function
            {
                "__init__.py": "",
                "io.py": "def load():\n    from facilitymap.validate import validate_layer\n",
                "validate.py": "from facilitymap.io import parse_layer\n",
                "model.py": "def to_feature():\n    from facilitymap.io import site_to_feature\n",
            },
            [["facilitymap.io", "facilitymap.validate"]],
            [
                "facilitymap.model → facilitymap.io: the core knows no files, pages, formats or "
                "command line"
            ],
        ),
        (  # exchange → render, a relative import into cli, a TYPE_CHECKING import
            {
                "__init__.py": "",
                "errors.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from facilitymap.validation import Problem\n",
                "validation/__init__.py": "",
                "exchange/__init__.py": "",
                "exchange/kml.py": "from facilitymap.render.style import STATUS_STYLE\n",
                "render/__init__.py": "",
                "render/style.py": "from ..cli import options\n",
                "cli/__init__.py": "",
                "cli/options.py": "",
            },
            [],
            [
                "facilitymap.errors → facilitymap.validation: a foundation imports only other "
                "foundations",
                "facilitymap.exchange.kml → facilitymap.render.style: render and exchange know "
                "nothing of each other",
                "facilitymap.render.style → facilitymap.cli.options: only the command line "
                "imports the command line",
            ],
        ),
    ],
)
def test_the_check_finds_cycles_and_arrows_it_is_meant_to(
    tmp_path, files, expected_cycles, expected_arrows
):
    graph = import_graph(_write(tmp_path, files))
    assert cycles(graph) == expected_cycles
    assert forbidden_arrows(graph) == expected_arrows
