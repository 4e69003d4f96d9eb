"""kg: a sourced knowledge graph of defence and security news.

Curated YAML in ``data/`` becomes a checked RDF graph, Turtle, N-Triples, JSON-LD, an
offline HTML page, and answers to SPARQL queries. Importing ``kg`` does no work.
"""

from kg.build import BuildResult, Checked, build, check, load_graph
from kg.diff import diff_graphs
from kg.errors import (
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
from kg.export import serialize, write_all
from kg.imports.project import import_sipri
from kg.load import load
from kg.netexport import export_network
from kg.network import central, communities, neighbors, paths, to_networkx
from kg.query import QueryResult, Session, format_result, query, session
from kg.rdf import to_graph
from kg.render import render_page
from kg.stats import Stats, format_stats, stats

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
