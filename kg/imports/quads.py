"""Sorted TriG and N-Quads: the union plus named graphs, deterministic like kg.rdf.export."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import URIRef
from rdflib.term import Node

from kg.core.prefixes import PREFIXES
from kg.rdf.export import ntriples_lines, turtle_lines
from kg.rdf.ntterms import term_text

Triples = Iterable[tuple[Node, Node, Node]]


def trig_text(default: Triples, graphs: Mapping[URIRef, Triples]) -> str:
    """The default graph, then each named graph in IRI order, subjects sorted within."""
    return trig_default(default) + trig_named(graphs)


def trig_default(default: Triples) -> str:
    """TriG's first part: the prefixes and the default graph."""
    parts = [f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in sorted(PREFIXES)]
    parts += [line for line in turtle_lines(default) if not line.startswith("@prefix")]
    return "".join(parts)


def trig_named(graphs: Mapping[URIRef, Triples]) -> str:
    """TriG's second part: each named graph in IRI order."""
    parts = []
    for name in sorted(graphs, key=str):
        body = [line for line in turtle_lines(graphs[name]) if not line.startswith("@prefix")]
        parts.append(f"\n{term_text(name, PREFIXES)} {{" + "".join(body).replace("\n", "\n  ")
                     .rstrip(" ") + "}\n")
    return "".join(parts)


def nquads_text(default: Triples, graphs: Mapping[URIRef, Triples]) -> str:
    """N-Quads, sorted: default-graph triples, then every named graph's quads."""
    return nquads_default(default) + nquads_named(graphs)


def nquads_default(default: Triples) -> str:
    """N-Quads' first part: the default graph's triples (as N-Triples lines, sorted)."""
    return "".join(ntriples_lines(default))


def nquads_named(graphs: Mapping[URIRef, Triples]) -> str:
    """N-Quads' second part: every named graph's quads, graph by graph in IRI order."""
    lines: list[str] = []
    for name in sorted(graphs, key=str):
        suffix = f" {term_text(name)} .\n"
        lines += sorted(line[: -len(" .\n")] + suffix for line in ntriples_lines(graphs[name]))
    return "".join(lines)
