"""Namespaces and the closed vocabularies, read from the shipped ontology (kg/core/ontology.ttl)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.term import Node

from kg.core.prefixes import PREFIXES

KG = Namespace(PREFIXES["kg"])
KGR = Namespace(PREFIXES["kgr"])
KGS = Namespace(PREFIXES["kgs"])
WD = Namespace(PREFIXES["wd"])
SCHEMA = Namespace(PREFIXES["schema"])
# (kg.core.prefixes spells every prefix out; tests/test_api.py checks them against rdflib's)


@dataclass(frozen=True, slots=True)
class PredicateInfo:
    name: str
    label: str
    literal: bool
    domains: frozenset[str]
    ranges: frozenset[str]
    range_datatype: str | None
    symmetric: bool


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The closed vocabularies curators write, by their local names in the ontology."""

    classes: dict[str, frozenset[str]]  # class -> itself and all its superclasses
    class_labels: dict[str, str]
    predicates: dict[str, PredicateInfo]
    statuses: frozenset[str]
    certainties: frozenset[str]
    attributions: frozenset[str]

    def is_a(self, cls: str, ancestor: str) -> bool:
        return ancestor in self.classes.get(cls, frozenset())


def ontology_text() -> str:
    return resources.files("kg").joinpath("core/ontology.ttl").read_text(encoding="utf-8")


@cache
def ontology_graph() -> Graph:
    """The ontology as a graph; cached, so callers must not change it (copy it first)."""
    return Graph().parse(data=ontology_text(), format="turtle")


def _local(term: object) -> str | None:
    text = str(term)
    return text[len(KG) :] if text.startswith(str(KG)) else None


def _locals(graph: Graph, subject: Node, *props: URIRef) -> frozenset[str]:
    found = set()
    for prop in props:
        for obj in graph.objects(subject, prop):
            name = _local(obj)
            if name:
                found.add(name)
    return frozenset(found)


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary read from the ontology; computed once per process, immutable."""
    g = ontology_graph()
    parents: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for cls in g.subjects(RDF.type, OWL.Class):
        name = _local(cls)
        if name is None:
            continue
        parents[name] = set(_locals(g, cls, RDFS.subClassOf))
        labels[name] = str(g.value(cls, RDFS.label) or name)

    def ancestors(name: str) -> frozenset[str]:
        seen, todo = {name}, [name]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return frozenset(seen)

    curated = {n: ancestors(n) for n in parents if "Entity" in ancestors(n) and n != "Entity"}
    predicates = {}
    for prop in g.subjects(RDF.type, KG.Predicate):
        name = _local(prop)
        if name is None:
            continue
        rng = g.value(prop, RDFS.range)
        literal = (prop, RDF.type, OWL.DatatypeProperty) in g
        predicates[name] = PredicateInfo(
            name=name,
            label=str(g.value(prop, RDFS.label) or name),
            literal=literal,
            domains=_locals(g, prop, RDFS.domain, SCHEMA.domainIncludes),
            ranges=frozenset() if literal else _locals(g, prop, RDFS.range, SCHEMA.rangeIncludes),
            range_datatype=str(rng) if literal and rng is not None else None,
            symmetric=(prop, RDF.type, OWL.SymmetricProperty) in g,
        )

    def members(cls: URIRef) -> frozenset[str]:
        return frozenset(n for s in g.subjects(RDF.type, cls) if (n := _local(s)))

    return Vocabulary(
        classes=curated,
        class_labels=labels,
        predicates=predicates,
        statuses=members(KG.Status),
        certainties=members(KG.Certainty),
        attributions=members(KG.Attribution),
    )
