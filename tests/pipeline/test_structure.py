"""The shape of the pipeline and expectations packages: no module imports one that imports it back."""
from __future__ import annotations

import ast

import pytest

from tests.support.paths import ROOT

PACKAGES = ("pipeline", "expectations")


def _imports(package: str, path) -> set[str]:
    """The modules of PACKAGES that `path` imports, as "package.module" ("package" for the __init__)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            found |= ({f"{package}.{alias.name}" for alias in node.names} if node.module is None
                      else {f"{package}.{node.module}"})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PACKAGES:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] in PACKAGES}
    return found


def _graph() -> dict[str, set[str]]:
    graph = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            graph[name] = _imports(package, path)
    return {name: {d for d in deps if d in graph} for name, deps in graph.items()}


@pytest.mark.parametrize("module", sorted(_graph()))
def test_no_module_imports_one_that_imports_it_back(module):
    graph = _graph()
    reached, todo = set(), list(graph[module])
    while todo:
        current = todo.pop()
        if current not in reached:
            reached.add(current)
            todo.extend(graph[current])
    assert module not in reached

