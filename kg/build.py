"""The one orchestration: load -> check -> rdf -> validate -> export.

Nothing is written unless the data has no errors; then every output is staged in a
temporary file and renamed into place, so ``out/`` always holds a complete build.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kg import export, html
from kg.check import check as check_dataset
from kg.errors import DataError, Issue, sort_issues
from kg.imports import project as imports
from kg.load import load
from kg.lock import build_lock, remove_stale_temps
from kg.model import Dataset
from kg.rdf import data_triples, to_graph
from kg.stats import Stats, stats
from kg.validate import validate
from kg.vocab import ontology_graph

OUTPUTS = {"ttl": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld"}


@dataclass(frozen=True, slots=True)
class Checked:
    """Loaded, checked data and its graph."""

    data: Dataset
    graph: Graph
    issues: list[Issue]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]


@dataclass(frozen=True, slots=True)
class BuildResult:
    data: Dataset
    graph: Graph
    issues: list[Issue]
    outputs: dict[str, Path]
    stats: Stats
    imported: imports.Imported | None = None

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]


def check(data_dir: Path | str = "data", *, shacl: bool = True) -> list[Issue]:
    """Every problem in the data (errors and warnings), sorted by position; writes nothing."""
    data, issues = load(data_dir)
    issues += check_dataset(data)
    if shacl and not any(i.is_error for i in issues):
        issues += validate(to_graph(data), data)
    return sort_issues(issues)


def load_graph(data_dir: Path | str = "data", *, shacl: bool = True) -> Checked:
    """Load and check ``data_dir`` and build its graph; raise DataError if it has errors."""
    data, issues = load(data_dir)
    issues += check_dataset(data)
    if any(i.is_error for i in issues):
        raise DataError(sort_issues(issues))
    graph = to_graph(data)
    if shacl:
        issues += validate(graph, data)
        if any(i.is_error for i in issues):
            raise DataError(sort_issues(issues))
    return Checked(data, graph, sort_issues(issues))


def build(data_dir: Path | str = "data", out_dir: Path | str = "out", *,
          formats: tuple[str, ...] = ("ttl", "nt", "jsonld"), html_page: bool = True,
          shacl: bool = True, config: Path | str | None = None, focus: Sequence[str] = (),
          hops: int = 2, lock_wait: float = 30.0) -> BuildResult:
    """Build ``out_dir`` from ``data_dir``: Turtle, N-Triples, JSON-LD and the HTML page.

    With a project config (``config``, or ``kg.toml`` beside ``data_dir``) the imports it
    lists join the union outputs, and graph.trig / graph.nq keep them as named graphs.
    Each entity in ``focus`` (id, label or alias) also gets ``focus-<id>.html``: the page
    of its neighbourhood within ``hops`` facts.

    Raises DataError (nothing written) when the data has errors, OutputError when an
    output cannot be written (the previous outputs are left complete), LockError when
    another build holds ``out_dir`` for more than ``lock_wait`` seconds (see kg.lock).
    """
    checked = load_graph(data_dir, shacl=shacl)
    out = Path(out_dir)
    triples = [*data_triples(checked.data), *ontology_graph()]
    config_path = imports.find_config(data_dir, config)
    imported = imports.run_project(imports.read_config(config_path), checked.data) \
        if config_path else None
    union = [*triples, *imports.union_triples(imported)] if imported else triples
    files = {out / OUTPUTS[fmt]: export.serialize(union, fmt) for fmt in formats}
    if html_page:
        files[out / "graph.html"] = html.render_page(checked.data)
    for name in focus:
        eid, page = html.render_focus_page(checked.data, name, hops=hops)
        files[out / f"focus-{eid}.html"] = page
    if imported:
        files.update(imports.output_files(imported, triples, checked.data, out,
                                          html_page=html_page))
    with build_lock(out, wait=lock_wait):
        remove_stale_temps(files)
        export.write_all(files)
    outputs = {path.relative_to(out).as_posix(): path for path in files}
    return BuildResult(checked.data, checked.graph, checked.issues, outputs,
                       stats(checked.graph), imported)
