"""What a build gives back: :class:`BuildResult` (and :class:`Checked` of ``load_graph``),
and the names of its RDF outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.analysis.stats import Stats
from kg.core.errors import Issue
from kg.core.model import Dataset
from kg.core.vocab import ontology_graph
from kg.imports import project as imports
from kg.pipeline import datafiles
from kg.pipeline.datafiles import DataFile
from kg.pipeline.manifest import Manifest
from kg.rdf.triples import Triple, data_triples, to_graph

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
    files: list[DataFile]  # the data files built (their records read on demand)
    issues: list[Issue]
    outputs: dict[str, Path]
    stats: Stats
    imported: imports.Imported | None = None
    spliced: bool = False  # RDF outputs made from the previous build's (kg.pipeline.rebuild)
    manifest: Manifest | None = None  # out/manifest.json: the store generation, the counts
    graphs: dict[str, int] = field(default_factory=dict)  # triples per graph ("" default)
    imports_cached: int = 0  # imports taken unchanged from the cache (kg.pipeline.importcache)
    up_to_date: bool = False  # out/ was built from these very inputs: nothing written
    import_report: tuple[str, ...] = ()  # the imports' report lines (imports-report.txt)
    imports_kept: bool = False  # the imports' graphs kept from the previous build, unread
    streamed: bool = False  # built file by file, range by range (kg.pipeline.stream)

    @property
    def data(self) -> Dataset:
        """Every record built (a rebuild reads unchanged files' records only now)."""
        return datafiles.dataset(self.files)

    @property
    def triples(self) -> tuple[Triple, ...]:
        """The curated triples and the ontology, as rdflib terms (made on each access)."""
        return (*data_triples(self.data), *ontology_graph())

    @property
    def graph(self) -> Graph:
        """The built graph as an rdflib Graph (made on each access: keep it if reused)."""
        return to_graph(self.data)

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]
