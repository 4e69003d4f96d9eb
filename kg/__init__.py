"""kg: a sourced knowledge graph of defence and security news.

Curated YAML in ``data/`` becomes a checked RDF graph, Turtle, N-Triples, JSON-LD, an
offline HTML page, and answers to SPARQL queries. Importing ``kg`` does no work: each
public name is imported from its module when first used (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kg.core.version import __version__

if TYPE_CHECKING:
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
    from kg.sparql.query import Session, query, session
    from kg.sparql.results import QueryResult, format_result

_MODULES = {
    "diff_graphs": "kg.analysis.diff",
    "export_network": "kg.analysis.netexport",
    "central": "kg.analysis.network",
    "communities": "kg.analysis.network",
    "neighbors": "kg.analysis.network",
    "paths": "kg.analysis.network",
    "to_networkx": "kg.analysis.network",
    "Stats": "kg.analysis.stats",
    "format_stats": "kg.analysis.stats",
    "stats": "kg.analysis.stats",
    "DataError": "kg.core.errors",
    "Issue": "kg.core.errors",
    "KGError": "kg.core.errors",
    "Loc": "kg.core.errors",
    "OutputError": "kg.core.errors",
    "QueryError": "kg.core.errors",
    "QueryTimeout": "kg.core.errors",
    "QueryTooLarge": "kg.core.errors",
    "ReadOnlyError": "kg.core.errors",
    "Severity": "kg.core.errors",
    "StoreError": "kg.core.errors",
    "load": "kg.curate.load",
    "import_sipri": "kg.imports.project",
    "render_page": "kg.page.render",
    "BuildResult": "kg.pipeline.build",
    "Checked": "kg.pipeline.build",
    "build": "kg.pipeline.build",
    "check": "kg.pipeline.build",
    "load_graph": "kg.pipeline.build",
    "serialize": "kg.rdf.export",
    "write_all": "kg.rdf.export",
    "to_graph": "kg.rdf.triples",
    "QueryResult": "kg.sparql.results",
    "Session": "kg.sparql.query",
    "format_result": "kg.sparql.results",
    "query": "kg.sparql.query",
    "session": "kg.sparql.query",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])


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
    "__version__",
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
