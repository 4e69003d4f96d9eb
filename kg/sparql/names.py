"""The names the command line offers before any engine is loaded (kg.cli parses its
arguments without importing rdflib or pyoxigraph)."""

from __future__ import annotations

ENGINES = ("rdflib", "oxigraph")  # kg.sparql.engine
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")  # kg.sparql.query
MAX_ROWS = 100_000  # kg.sparql.query: the most rows a query may answer by default
DEFAULT_GRAPH = "https://w3id.org/kg/graph"  # kg.sparql.store: the graph kg pushes to
