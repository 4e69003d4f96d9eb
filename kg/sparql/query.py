"""SPARQL over the graph: safety checks, execution and result formatting.

Queries run on rdflib or Oxigraph with kg's prefixes predeclared. Nothing a query says
may reach the network or the file system: SERVICE (kg.sparql.vetting), FROM / FROM NAMED and
updates (LOAD among them) are refused before evaluation, and the process that evaluates
is denied the network by the kernel (kg.sparql.netguard).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import Graph, Literal
from rdflib.term import BNode, Node, URIRef

from kg.core.errors import QueryError
from kg.core.vocab import PREFIXES
from kg.rdf.export import serialize
from kg.rdf.ntterms import term_text
from kg.rdf.triples import new_graph
from kg.sparql.csvsafe import protect
from kg.sparql.engine import Answer, Engine, evaluate, open_engine
from kg.sparql.names import MAX_ROWS, RESULT_FORMATS
from kg.sparql.vetting import vet
from kg.sparql.worker import QueryWorker


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A query's answer: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT/DESCRIBE."""

    kind: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Node | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = None




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


def from_answer(answer: Answer) -> QueryResult:
    """The QueryResult of an engine's answer."""
    if answer.kind == "SELECT":
        return QueryResult("SELECT", answer.variables, answer.rows)
    if answer.kind == "ASK":
        return QueryResult("ASK", boolean=answer.boolean)
    return QueryResult(answer.kind, graph=result_graph(answer.triples))


def result_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A graph holding ``triples`` with kg's prefixes bound."""
    return new_graph(triples)


def _cell(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(term)
    if isinstance(term, URIRef):
        return term_text(term, PREFIXES)
    return f"_:{term}"


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype is not None:
        value["datatype"] = str(term.datatype)
    return value


def _tsv_term(term: Node | None) -> str:
    return "" if term is None else term_text(term)


def format_result(result: QueryResult, fmt: str = "table", *,
                  protect_formulas: bool = False) -> str:
    """The result as text: a readable table, or SPARQL results CSV, TSV, JSON or XML.
    ``protect_formulas``: CSV cells a spreadsheet would run get a leading apostrophe
    (kg.sparql.csvsafe)."""
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; allowed: " + ", ".join(RESULT_FORMATS))
    if result.graph is not None:
        return serialize(result.graph, "ttl")
    if fmt == "xml":
        return _xml(result)
    if result.kind == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(result.variables, row, strict=True)
                     if t is not None} for row in result.rows]
        doc = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.variables)
        cells = ([_cell(t) if not isinstance(t, URIRef) else str(t) for t in row]
                 for row in result.rows)
        writer.writerows([protect(c) for c in row] if protect_formulas else row
                         for row in cells)
        return buf.getvalue()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in result.variables)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
        return "\n".join(lines) + "\n"
    return _table(result)


def _table(result: QueryResult) -> str:
    header = [f"?{v}" for v in result.variables]
    body = [[_cell(t).replace("\n", " ") for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))

    rule = "  ".join("-" * w for w in widths)
    text = [line(header), rule] + [line(r) for r in body]
    text.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(t.rstrip() for t in text) + "\n"


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def _xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    lines += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    lines.append("</head>")
    if result.kind == "ASK":
        lines.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        lines.append("<results>")
        for row in result.rows:
            lines.append("<result>")
            lines += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                      for v, t in zip(result.variables, row, strict=True) if t is not None]
            lines.append("</result>")
        lines.append("</results>")
    lines.append("</sparql>")
    return "\n".join(lines) + "\n"
