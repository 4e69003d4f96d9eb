"""The shape of kg/: no import circles, and modules grouped by stage.

Every import between kg's modules is read from the source (top-level, deferred inside a
function, or under TYPE_CHECKING alike) and the graph of modules must have no cycle, so
each stage depends only on stages below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
from conftest import ROOT

KG = ROOT / "kg"
STAGES = ("core", "curate", "rdf", "pipeline", "page", "sparql", "analysis", "imports",
          "bench")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, names: set[str]) -> set[str]:
    here = _module(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != here and not here.startswith(target + "."):
                found.add(target)
    return found


def import_graph() -> nx.DiGraph:
    paths = sorted(KG.rglob("*.py"))
    names = {_module(p) for p in paths}
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    for path in paths:
        graph.add_edges_from((_module(path), target) for target in _imports(path, names))
    return graph


def test_no_import_circle_in_kg() -> None:
    circles = [sorted(c) for c in nx.strongly_connected_components(import_graph())
               if len(c) > 1]
    assert circles == [], f"import circles in kg/: {circles}"


def test_the_circle_finder_finds_one(tmp_path: Path) -> None:
    """The check above can fail: two modules importing each other are a circle."""
    graph = import_graph()
    graph.add_edge("kg.core.errors", "kg.cli")
    circles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert any({"kg.core.errors", "kg.cli"} <= c for c in circles)


def test_modules_live_in_stage_folders() -> None:
    """The listing of kg/ shows the pipeline: only the entry points at the top."""
    top = sorted(p.name for p in KG.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "cliconv.py"]
    folders = sorted(p.name for p in KG.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(STAGES) <= set(folders)


def test_lower_stages_never_import_the_cli() -> None:
    graph = import_graph()
    for module in graph:
        if module not in ("kg", "kg.__main__", "kg.cli"):
            assert "kg.cli" not in graph.successors(module), module
