"""kg: a sourced knowledge graph of defence and security news.

Curated YAML in ``data/`` becomes a checked RDF graph, Turtle, N-Triples, JSON-LD, an
offline HTML page, and answers to SPARQL queries. Importing ``kg`` does no work.
"""

from kg.analysis.diff import diff_graphs
from kg.analysis.netexport import export_network
from kg.analysis.network import central, communities, neighbors, paths, to_networkx
from kg.analysis.stats import Stats, format_stats, stats
from kg.core.errors import (
    DataError,
    Issue,
    KGError,
    Loc,
    OutputError,
    QueryError,
    QueryTimeout,
    QueryTooLarge,
    ReadOnlyError,
    Severity,
    StoreError,
)
from kg.curate.load import load
from kg.imports.project import import_sipri
from kg.page.render import render_page
from kg.pipeline.build import BuildResult, Checked, build, check, load_graph
from kg.rdf.export import serialize, write_all
from kg.rdf.triples import to_graph
from kg.sparql.query import QueryResult, Session, format_result, query, session

__all__ = [
    "BuildResult",
    "Checked",
    "DataError",
    "Issue",
    "KGError",
    "Loc",
    "OutputError",
    "QueryError",
    "QueryResult",
    "QueryTimeout",
    "QueryTooLarge",
    "ReadOnlyError",
    "Session",
    "Severity",
    "Stats",
    "StoreError",
    "build",
    "central",
    "check",
    "communities",
    "diff_graphs",
    "export_network",
    "format_result",
    "format_stats",
    "import_sipri",
    "load",
    "load_graph",
    "neighbors",
    "paths",
    "query",
    "render_page",
    "serialize",
    "session",
    "stats",
    "to_graph",
    "to_networkx",
    "write_all",
]
