"""Counts by class and by predicate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from kg.core.vocab import KG, vocabulary


@dataclass(frozen=True, slots=True)
class Stats:
    triples: int
    entities: dict[str, int]  # class -> number of entities of exactly that class
    predicates: dict[str, int]  # curated predicate -> number of direct triples
    statements: int
    citations: int
    sources: int

    @property
    def entity_total(self) -> int:
        return sum(self.entities.values())


def _local(term: object) -> str | None:
    text = str(term)
    return text[len(KG):] if isinstance(term, URIRef) and text.startswith(str(KG)) else None


def stats(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> Stats:
    """Counts of the graph's entities by class and its facts by predicate.

    Takes an rdflib graph or any iterable of triples (duplicates are counted once), in
    one pass over the triples.
    """
    v = vocabulary()
    kg_ns = str(KG)
    classes: Counter[str] = Counter()
    predicates: Counter[str] = Counter()
    kinds: Counter[URIRef] = Counter()
    unique = graph if isinstance(graph, Graph) else set(graph)
    total = 0
    rdf_type = RDF.type  # a namespace lookup builds a new URIRef each time
    for _, p, o in unique:
        total += 1
        if p == rdf_type:
            name = _local(o)
            if name in v.classes:
                classes[name] += 1
            if isinstance(o, URIRef):
                kinds[o] += 1
        elif isinstance(p, URIRef) and p.startswith(kg_ns) and p[len(kg_ns):] in v.predicates:
            predicates[p[len(kg_ns):]] += 1
    return Stats(
        triples=total,
        entities=dict(sorted(classes.items())),
        predicates=dict(sorted(predicates.items())),
        statements=kinds[KG.Statement],
        citations=kinds[KG.Citation],
        sources=kinds[KG.Source],
    )


def grouped_stats(grouped: Mapping[str, Mapping[str, Sequence[str]]]) -> Stats:
    """:func:`stats` of N-Triples text triples grouped by subject, then predicate, into
    distinct objects (as kg.rdf.export.Text groups them)."""
    return counted_stats(*grouped_counts(grouped))


def grouped_counts(grouped: Mapping[str, Mapping[str, Sequence[str]]], *,
                   sign: int = 1) -> tuple[Counter[str], Counter[str]]:
    """Distinct triples by predicate, and rdf:type objects (each times ``sign``): what
    :func:`counted_stats` needs, and a rebuild adds and subtracts (kg.pipeline.rebuild)."""
    rdf_type = "<" + str(RDF.type) + ">"
    by_predicate: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for preds in grouped.values():
        for p, objs in preds.items():
            by_predicate[p] += sign * len(objs)
        types = preds.get(rdf_type)
        if types:
            for o in types:
                kinds[o] += sign
    return by_predicate, kinds


def counted_stats(by_predicate: Mapping[str, int], kinds: Mapping[str, int]) -> Stats:
    """Stats from :func:`grouped_counts`."""
    v = vocabulary()
    kg_ns = "<" + str(KG)

    def local(term: str, names: Container[str]) -> str | None:
        name = term[len(kg_ns):-1] if term.startswith(kg_ns) else None
        return name if name in names else None

    predicates = {name: n for p, n in by_predicate.items()
                  if n and (name := local(p, v.predicates))}
    classes = {name: n for o, n in kinds.items() if n and (name := local(o, v.classes))}
    return Stats(
        triples=sum(by_predicate.values()),
        entities=dict(sorted(classes.items())),
        predicates=dict(sorted(predicates.items())),
        statements=kinds.get(f"{kg_ns}Statement>", 0),
        citations=kinds.get(f"{kg_ns}Citation>", 0),
        sources=kinds.get(f"{kg_ns}Source>", 0),
    )


def format_stats(s: Stats) -> str:
    lines = [f"{s.triples} triples, {s.entity_total} entities, {s.statements} statements, "
             f"{s.citations} citations, {s.sources} sources", "", "entities by class:"]
    lines += [f"  {name:<20} {n:>6}" for name, n in s.entities.items()]
    lines += ["", "facts by predicate:"]
    lines += [f"  {name:<20} {n:>6}" for name, n in s.predicates.items()]
    return "\n".join(lines) + "\n"
