"""Counts by class and by predicate."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import RDF, Graph, URIRef

from kg.vocab import KG, vocabulary


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


def stats(graph: Graph) -> Stats:
    """Counts of the graph's entities by class and its facts by predicate."""
    v = vocabulary()
    classes: Counter[str] = Counter()
    for _, cls in graph.subject_objects(RDF.type):
        name = _local(cls)
        if name in v.classes:
            classes[name] += 1
    predicates: Counter[str] = Counter()
    for name in v.predicates:
        n = sum(1 for _ in graph.subject_objects(KG[name]))
        if n:
            predicates[name] = n

    def count(cls: URIRef) -> int:
        return sum(1 for _ in graph.subjects(RDF.type, cls))

    return Stats(
        triples=len(graph),
        entities=dict(sorted(classes.items())),
        predicates=dict(sorted(predicates.items())),
        statements=count(KG.Statement),
        citations=count(KG.Citation),
        sources=count(KG.Source),
    )


def format_stats(s: Stats) -> str:
    lines = [f"{s.triples} triples, {s.entity_total} entities, {s.statements} statements, "
             f"{s.citations} citations, {s.sources} sources", "", "entities by class:"]
    lines += [f"  {name:<20} {n:>6}" for name, n in s.entities.items()]
    lines += ["", "facts by predicate:"]
    lines += [f"  {name:<20} {n:>6}" for name, n in s.predicates.items()]
    return "\n".join(lines) + "\n"
