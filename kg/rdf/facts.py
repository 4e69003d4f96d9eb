"""Entities and statements read back from an RDF graph as plain values.

The network view (kg.analysis.network) and the diff (kg.analysis.diff) both start here,
so that they work on any graph kg built: ``kg.pipeline.build.load_graph(dir).graph`` or
a parsed ``graph.ttl``.

- An *entity* is any subject typed with a curated class of the ontology (a subclass of
  ``kg:Entity``), plus any IRI that a statement names as its object.
- A *fact* is a ``kg:Statement`` node: its subject, predicate and object (an entity or a
  literal value), every other property of the node as a qualifier (date, start, end,
  status, certainty, amount, currency, quantity, unit, location, accordingTo, key,
  note...), and its citations (``prov:qualifiedDerivation``), each joined with the cited
  source's title, publication date and reliability.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from kg.core.vocab import KG, KGR, vocabulary

_STRUCTURAL = {RDF.type, RDF.subject, RDF.predicate, RDF.object,
               PROV.wasDerivedFrom, PROV.qualifiedDerivation}


@dataclass(frozen=True, slots=True)
class EntityInfo:
    id: str  # the curated id (local name under kgr:), or the full IRI for foreign ones
    iri: str
    label: str
    cls: str  # the most specific curated class ("" when the graph does not say)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CitationInfo:
    source: str
    title: str = ""
    published: str = ""
    reliability: str = ""
    locator: str = ""
    credibility: int | None = None
    attribution: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Fact:
    statement: str  # the statement IRI: stable across builds
    subject: str
    predicate: str
    predicate_label: str
    object: str | None  # an entity id, or None for a literal-valued fact
    value: str | None  # the literal value, or None
    qualifiers: dict[str, str]
    citations: tuple[CitationInfo, ...]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = [c.as_dict() for c in self.citations]
        return d


def node_id(term: Node) -> str:
    """An entity's id: its curated id under kgr:, else the IRI itself."""
    text = str(term)
    return text[len(KGR):] if text.startswith(str(KGR)) else text


def short(term: Node) -> str:
    """A readable value: kg:/kgr: IRIs by local name, literals by their text."""
    text = str(term)
    for ns in (KG, KGR):
        if isinstance(term, URIRef) and text.startswith(str(ns)):
            return text[len(ns):]
    return text


def _text(graph: Graph, subject: Node, *props: URIRef) -> str:
    for prop in props:
        values = sorted(str(v) for v in graph.objects(subject, prop))
        if values:
            return values[0]
    return ""


def _class_of(graph: Graph, subject: Node) -> str | None:
    classes = vocabulary().classes
    names = [short(c) for c in graph.objects(subject, RDF.type) if str(c).startswith(str(KG))]
    curated = sorted(n for n in names if n in classes)
    if not curated:
        return None
    return max(curated, key=lambda n: (len(classes[n]), n))


def entities(graph: Graph) -> dict[str, EntityInfo]:
    """Every entity of the graph by id, in id order."""
    terms = {s for s in graph.subjects(RDF.type, None) if _class_of(graph, s) is not None}
    for prop in (RDF.subject, RDF.object):
        terms |= {o for o in graph.objects(None, prop) if isinstance(o, URIRef)}
    found = {}
    for term in terms:
        ident = node_id(term)
        aliases = tuple(sorted({str(a) for a in graph.objects(term, SKOS.altLabel)}))
        label = _text(graph, term, RDFS.label, SKOS.prefLabel) or ident
        found[ident] = EntityInfo(ident, str(term), label, _class_of(graph, term) or "", aliases)
    return dict(sorted(found.items()))


def predicate_label(graph: Graph, predicate: Node) -> str:
    label = _text(graph, predicate, RDFS.label)
    if label:
        return label
    info = vocabulary().predicates.get(short(predicate))
    return info.label if info else short(predicate)


def _short_value(graph: Graph, subject: Node | None, prop: URIRef) -> str:
    value = graph.value(subject, prop) if subject is not None else None
    return short(value) if value is not None else ""


def _citation(graph: Graph, cite: Node | None, source: Node) -> CitationInfo:
    cred = _text(graph, cite, KG.credibility) if cite is not None else ""
    return CitationInfo(
        source=node_id(source),
        title=_text(graph, source, DCTERMS.title, RDFS.label),
        published=_text(graph, source, DCTERMS.issued),
        reliability=_text(graph, source, KG.reliability),
        locator=_text(graph, cite, KG.locator) if cite is not None else "",
        credibility=int(cred) if cred.isdigit() else None,
        attribution=_short_value(graph, cite, KG.attribution),
        note=_text(graph, cite, KG.note) if cite is not None else "",
    )


def citations(graph: Graph, statement: Node) -> tuple[CitationInfo, ...]:
    """The statement's citations, in source and locator order."""
    found: list[CitationInfo] = []
    cited = set()
    for cite in graph.objects(statement, PROV.qualifiedDerivation):
        source = graph.value(cite, PROV.entity)
        if source is not None:
            cited.add(source)
            found.append(_citation(graph, cite, source))
    for source in graph.objects(statement, PROV.wasDerivedFrom):
        if source not in cited:
            found.append(_citation(graph, None, source))
    return tuple(sorted(found, key=lambda c: (c.source, c.locator, c.note)))


def qualifiers(graph: Graph, statement: Node) -> dict[str, str]:
    """Every non-structural property of the statement node, by local name."""
    values: dict[str, list[str]] = {}
    for prop, obj in graph.predicate_objects(statement):
        if prop in _STRUCTURAL:
            continue
        values.setdefault(short(prop), []).append(short(obj))
    return {k: "; ".join(sorted(v)) for k, v in sorted(values.items())}


def facts(graph: Graph) -> list[Fact]:
    """Every statement node of the graph as a Fact, in statement IRI order."""
    found = []
    for node in graph.subjects(RDF.type, KG.Statement):
        subject = graph.value(node, RDF.subject)
        predicate = graph.value(node, RDF.predicate)
        obj = graph.value(node, RDF.object)
        if subject is None or predicate is None or obj is None:
            continue
        is_value = isinstance(obj, Literal)
        found.append(Fact(
            statement=str(node),
            subject=node_id(subject),
            predicate=short(predicate),
            predicate_label=predicate_label(graph, predicate),
            object=None if is_value else node_id(obj),
            value=str(obj) if is_value else None,
            qualifiers=qualifiers(graph, node),
            citations=citations(graph, node),
        ))
    return sorted(found, key=lambda f: f.statement)
