"""SPARQL over the graph: safety checks, execution and result formatting.

Queries run on rdflib or Oxigraph with kg's prefixes predeclared. Nothing a query says
may reach the network or the file system: SERVICE (kg.sparql.vetting), FROM / FROM NAMED and
updates (LOAD among them) are refused before evaluation, and the process that evaluates
is denied the network by the kernel (kg.sparql.netguard). The answer's text is made by
kg.sparql.results.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from kg.rdf.triples import new_graph
from kg.sparql.engine import Engine, evaluate, open_engine
from kg.sparql.names import MAX_ROWS
from kg.sparql.results import QueryResult, from_answer
from kg.sparql.vetting import vet
from kg.sparql.worker import QueryWorker


def query(graph: Graph | Engine, sparql: str, *, timeout: float | None = 10.0,
          max_rows: int | None = MAX_ROWS, engine: str = "rdflib") -> QueryResult:
    """Run a SPARQL query over ``graph`` (kg's prefixes are predeclared).

    ``graph`` is an rdflib Graph, or an engine from :func:`kg.sparql.engine.open_engine` to reuse
    one Oxigraph store across queries. The query is stopped after ``timeout`` seconds
    (QueryTimeout; ``None`` for no limit) and refused when its answer has more than
    ``max_rows`` rows (QueryTooLarge): a partial answer is never returned.
    """
    runner = open_engine(graph, engine) if isinstance(graph, Graph) else graph
    prepared = vet(sparql, runner.name)
    answer = evaluate(runner, sparql, prepared, timeout=timeout, max_rows=max_rows)
    return from_answer(answer)


class Session:
    """Queries over one engine, each evaluated in one long-lived worker process
    (:class:`kg.sparql.worker.QueryWorker`): made by :func:`session`; close it (or use it as a
    context manager) to stop the worker."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.worker = QueryWorker(engine)

    def query(self, sparql: str, *, timeout: float | None = 10.0,
              max_rows: int | None = MAX_ROWS) -> QueryResult:
        """As :func:`query` (the same vetting, limits and errors), in the session's worker."""
        prepared = vet(sparql, self.engine.name)
        answer = self.worker.evaluate(sparql, prepared, timeout=timeout, max_rows=max_rows)
        return from_answer(answer)

    def close(self) -> None:
        """Stop the worker; later queries are refused."""
        self.worker.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def session(graph: Graph | Engine, *, engine: str = "rdflib") -> Session:
    """A :class:`Session` over ``graph`` (an rdflib Graph, opened with ``engine``, or an
    engine from :func:`kg.sparql.engine.open_engine`) for many queries.

    :func:`query` forks a worker per query; on Oxigraph a fresh worker pays a page copy
    for every store page its query touches (Oxigraph's queries write to them), which on a
    big store costs more than the query. A session keeps one worker: the pages are
    copied once, and later queries run at the engine's own speed. A query that hits its
    time limit kills the worker, and the next one starts a fresh one.
    """
    return Session(open_engine(graph, engine) if isinstance(graph, Graph) else graph)


def query_path(path: Path, sparql: str, *, timeout: float | None = 10.0,
               max_rows: int | None = MAX_ROWS) -> QueryResult:
    """Run a query on Oxigraph over a graph file or a persistent Oxigraph store directory.

    For big graphs: ``out/graph.nt`` of a build is bulk-loaded by Oxigraph (no rdflib
    Graph, no data/ re-read), and a store directory (e.g. made once with ``oxigraph load
    --location DIR --file out/graph.nt``) is opened read-only without loading anything.
    As over a build (kg.pipeline.built), the default graph is the union of all graphs and
    ``GRAPH`` reaches the named graphs of a ``.trig`` or ``.nq`` file or of a store.
    """
    from kg.pipeline.built import union
    from kg.sparql.engine import OxigraphEngine

    return query(union(OxigraphEngine.from_path(path)), sparql, timeout=timeout,
                 max_rows=max_rows)


def result_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A graph holding ``triples`` with kg's prefixes bound."""
    return new_graph(triples)
