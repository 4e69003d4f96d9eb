"""Every module imports and every subcommand runs once through the real CLI, in the
environment CI makes from the README (a fresh venv: nothing but what pyproject.toml declares).

An import of a package kg does not declare fails here twice: statically (every import in
kg/, lazy ones inside functions included, must come from the standard library, kg, or a
declared distribution) and for real (CI's venv does not have it).
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.parse
import urllib.request
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

import kg
from tests.conftest import FIXTURES, ROOT, run_kg
from tests.test_readme import _commands

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(kg.__path__, "kg."))


def test_every_module_imports() -> None:
    names = _modules()
    assert len(names) > 50 and "kg.cli" in names and "kg.imports.sipri" in names
    for name in names:
        if name != "kg.__main__":  # runs the CLI: every `python -m kg` below imports it
            importlib.import_module(name)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*extras: str) -> set[str]:
    """Distribution names declared in pyproject.toml (runtime, plus the given extras)."""
    specs = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        specs += PYPROJECT["project"]["optional-dependencies"][extra]
    return {_normal(re.split(r"[<>=!~\[; ]", s, maxsplit=1)[0]) for s in specs}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_third_party_import_is_declared() -> None:
    """kg's code imports only the standard library, kg and declared distributions; the
    benchmark (kg/bench) may also use the `bench` extra (Playwright, for Chromium)."""
    dists = packages_distributions()
    undeclared = []
    for path in sorted((ROOT / "kg").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        allowed = _declared("bench") if rel.startswith("kg/bench/") else _declared()
        for module in sorted(_imports(path) - set(sys.stdlib_module_names) - {"kg"}):
            owners = {_normal(d) for d in dists.get(module, [module])}
            if not owners & allowed:
                undeclared.append(f"{rel}: {module} ({', '.join(sorted(owners))})")
    assert undeclared == []


def test_numpy_and_scipy_are_not_needed() -> None:
    """PageRank is plain Python (kg/analysis/pagerank.py): nothing in kg imports numpy or scipy."""
    for path in (ROOT / "kg").rglob("*.py"):
        assert not _imports(path) & {"numpy", "scipy"}, path


# --- every subcommand, once, through the real CLI --------------------------------------------

RUNS: dict[str, tuple[str, ...]] = {
    "build": ("build", "--out", "out"),
    "check": ("check",),
    "query": ("query", "SELECT ?l WHERE { kgr:japan rdfs:label ?l }", "--format", "csv"),
    "stats": ("stats",),
    "import": ("import", "sipri", str(FIXTURES / "sipri-register.csv"), "--out", "imp"),
    # into its own copy of data/ (the project fixture's): the other commands read data/
    "new": ("new", "source", "article.txt", "--data", "new-data"),
    "path": ("path", "Japan", "ROK"),
    "neighbors": ("neighbors", "SM-3"),
    "central": ("central", "--top", "3"),
    "communities": ("communities",),
    "export": ("export", "--format", "graphml", "--out", "net.graphml"),
    "diff": ("diff", "data", "data"),
    "bench": ("bench", "--sizes", "1k", "--repeats", "1", "--stages", "load", "--engines", "",
              "--work", "bench-out"),
    # No store listens on this port: push runs its whole code path to the HTTP request and
    # fails with kg's one-line error (tests/test_store.py pushes into a real Oxigraph).
    "push": ("push", "--endpoint", "http://127.0.0.1:9/store", "--timeout", "5"),
}
EXPECT = {
    "build": "wrote out/graph.ttl", "check": "0 error(s)", "query": "Japan",
    "stats": "entities by class", "import": "wrote imp/sipri.ttl",
    "new": "added source japan-buys-sm-3-missiles-2023 to new-data/sources.yaml",
    "path": "South Korea", "neighbors": "SM-3", "central": "pagerank",
    "communities": "community 1", "export": "wrote net.graphml", "diff": "0 added",
    "bench": "| load |", "push": "kg: error:",
}


def test_every_command_is_run_here() -> None:
    assert sorted([*RUNS, "serve"]) == _commands()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copytree(ROOT / "data", root / "new-data")
    (root / "article.txt").write_text("Tokyo, 10 May 2023\nJapan buys SM-3 missiles from the "
                                      "United States.\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("command", sorted(RUNS))
def test_command_runs(project: Path, command: str) -> None:
    done = run_kg(*RUNS[command], cwd=project, timeout=300)
    assert "Traceback" not in done.stderr
    assert done.returncode == (1 if command == "push" else 0), done.stderr
    assert EXPECT[command] in done.stdout + done.stderr


def test_serve_runs(project: Path) -> None:
    with subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", "0"], cwd=project,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+/sparql", line)
            assert url, line
            query = urllib.parse.quote("ASK { kgr:japan a kg:Country }")
            with urllib.request.urlopen(f"{url.group(0)}?query={query}", timeout=60) as answer:
                assert re.search(rb'"boolean":\s*true', answer.read())
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
