"""A query's answer and its text: a readable table, or SPARQL results CSV, TSV, JSON, XML.

A cell is an rdflib term (the library's :func:`kg.query` answers with them) or, in a
``kg query`` process over the built store (kg.sparql.oneshot), the pyoxigraph term Oxigraph
answered with: :func:`term_parts` reads either as the same four strings, so the text of
an answer is the same whichever engine made it, and that process prints a SELECT without
importing rdflib (about 0.45 s of its start; docs/benchmarks.md, "kg query: the whole
process"). Only a CONSTRUCT or DESCRIBE answer, a graph, is written by rdflib.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.core.errors import QueryError
from kg.core.prefixes import PREFIXES
from kg.rdf.termtext import XSD_STRING, iri_text, literal_text
from kg.sparql.csvsafe import protect
from kg.sparql.names import RESULT_FORMATS

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph

    from kg.sparql.engine import Answer

_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A query's answer: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT/DESCRIBE.

    The rows hold rdflib terms (``None`` where a variable is unbound); see the module
    docstring for the one place that leaves pyoxigraph's terms in them."""

    kind: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = None


def from_answer(answer: Answer) -> QueryResult:
    """The QueryResult of an engine's answer."""
    if answer.kind == "SELECT":
        return QueryResult("SELECT", answer.variables, answer.rows)
    if answer.kind == "ASK":
        return QueryResult("ASK", boolean=answer.boolean)
    from kg.rdf.triples import new_graph

    return QueryResult(answer.kind, graph=new_graph(answer.triples))


def term_parts(term: Any) -> tuple[str, str, str | None, str | None]:
    """``(kind, value, language, datatype)`` of an rdflib or pyoxigraph term; kind is
    ``uri``, ``bnode`` or ``literal`` (SPARQL JSON's names). A pyoxigraph literal's
    xsd:string or rdf:langString datatype is left out, as kg.sparql.engine's conversion
    to rdflib leaves it out."""
    if type(term).__module__ == "pyoxigraph":
        name = type(term).__name__
        if name == "NamedNode":
            return "uri", term.value, None, None
        if name == "BlankNode":
            return "bnode", term.value, None, None
        datatype = term.datatype.value
        return ("literal", term.value, term.language or None,
                None if datatype in (XSD_STRING, _LANG_STRING) else datatype)
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        return ("literal", str(term), term.language or None,
                None if term.datatype is None else str(term.datatype))
    return ("bnode" if isinstance(term, BNode) else "uri"), str(term), None, None


def _text(term: Any, prefixes: dict[str, str] | None) -> str:
    kind, value, lang, datatype = term_parts(term)
    if kind == "literal":
        return literal_text(value, lang=lang, datatype=datatype, prefixes=prefixes)
    return f"_:{value}" if kind == "bnode" else iri_text(value, prefixes)


def _cell(term: Any) -> str:
    if term is None:
        return ""
    kind, value, _, _ = term_parts(term)
    if kind == "literal":
        return value
    return f"_:{value}" if kind == "bnode" else iri_text(value, PREFIXES)


def _csv_cell(term: Any) -> str:
    if term is None:
        return ""
    kind, value, _, _ = term_parts(term)
    return f"_:{value}" if kind == "bnode" else value


def _json_term(term: Any) -> dict[str, str]:
    kind, value, lang, datatype = term_parts(term)
    out = {"type": kind, "value": value}
    if lang:
        out["xml:lang"] = lang
    elif datatype is not None:
        out["datatype"] = datatype
    return out


def format_result(result: QueryResult, fmt: str = "table", *,
                  protect_formulas: bool = False) -> str:
    """The result as text: a readable table, or SPARQL results CSV, TSV, JSON or XML.
    ``protect_formulas``: CSV cells a spreadsheet would run get a leading apostrophe
    (kg.sparql.csvsafe)."""
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; allowed: " + ", ".join(RESULT_FORMATS))
    if result.graph is not None:
        from kg.rdf.export import serialize

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
        cells = ([_csv_cell(t) for t in row] for row in result.rows)
        writer.writerows([protect(c) for c in row] if protect_formulas else row
                         for row in cells)
        return buf.getvalue()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in result.variables)]
        lines += ["\t".join("" if t is None else _text(t, None) for t in row)
                  for row in result.rows]
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


def _xml_term(term: Any) -> str:
    from xml.sax.saxutils import escape, quoteattr  # (it imports urllib.request: 0.1 s)

    kind, value, lang, datatype = term_parts(term)
    if kind != "literal":
        return f"<{kind}>{escape(value)}</{kind}>"
    attrs = ""
    if lang:
        attrs = f" xml:lang={quoteattr(lang)}"
    elif datatype is not None:
        attrs = f" datatype={quoteattr(datatype)}"
    return f"<literal{attrs}>{escape(value)}</literal>"


def _xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    from xml.sax.saxutils import quoteattr

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
