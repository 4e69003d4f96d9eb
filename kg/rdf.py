"""Records -> RDF. Each fact is a direct ("truthy") triple and a statement node.

The statement node (a ``kg:Statement``, a kind of ``rdf:Statement``) carries
``rdf:subject/predicate/object``, the qualifiers, ``prov:wasDerivedFrom`` the sources and
``prov:qualifiedDerivation`` one ``kg:Citation`` per citation (locator, credibility,
attribution). IRIs are derived from curated ids only, so builds are reproducible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from kg.dates import Precision, parse_date
from kg.model import Amount, Citation, Dataset, Entity, Source, Statement
from kg.vocab import KG, KGR, KGS, PREFIXES, SCHEMA, WD, ontology_graph

Triple = tuple[URIRef, URIRef, Node]

_DATE_TYPES = {
    Precision.YEAR: XSD.gYear,
    Precision.MONTH: XSD.gYearMonth,
    Precision.DAY: XSD.date,
    Precision.FISCAL_YEAR: KG.FiscalYear,
}


def entity_iri(ident: str) -> URIRef:
    return KGR[ident]


def statement_iri(s: Statement) -> URIRef:
    """subject.predicate.object[.id]; a literal object is named by a hash of its value."""
    if s.object is not None:
        obj = s.object
    else:
        obj = "v-" + hashlib.sha1(_value_key(s.value).encode()).hexdigest()[:12]
    parts = [s.subject, s.predicate, obj] + ([s.id] if s.id else [])
    return KGS[".".join(parts)]


def citation_iri(statement: URIRef, citation: Citation, n: int) -> URIRef:
    suffix = f".{n}" if n > 1 else ""
    return URIRef(f"{statement}.cites.{citation.source}{suffix}")


def _value_key(value: object) -> str:
    if isinstance(value, Amount):
        return f"{decimal_text(value.value)} {value.currency}"
    return repr(value)


def decimal_text(value: Decimal) -> str:
    """Canonical xsd:decimal lexical form: no exponent, no trailing zeros after the point."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def date_literal(text: str) -> Literal:
    return Literal(text, datatype=_DATE_TYPES[parse_date(text).precision])


def _text(value: str, lang: str | None = "en") -> Literal:
    return Literal(value, lang=lang)


def value_literal(value: object) -> Literal:
    if isinstance(value, Amount):
        return Literal(decimal_text(value.value), datatype=XSD.decimal)
    if isinstance(value, bool):
        return Literal(str(value).lower(), datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(str(value), datatype=XSD.integer)
    if isinstance(value, Decimal):
        return Literal(decimal_text(value), datatype=XSD.decimal)
    return Literal(str(value))


def source_triples(s: Source) -> Iterator[Triple]:
    iri = entity_iri(s.id)
    lang = s.language or "en"
    yield iri, RDF.type, KG.Source
    yield iri, RDFS.label, _text(s.title, lang)
    yield iri, DCTERMS.title, _text(s.title, lang)
    if s.publisher:
        yield iri, DCTERMS.publisher, Literal(s.publisher)
    if s.published:
        yield iri, DCTERMS.issued, date_literal(s.published)
    if s.reliability:
        yield iri, KG.reliability, Literal(s.reliability)
    if s.url:
        yield iri, SCHEMA.url, URIRef(s.url)
    if s.file:
        yield iri, KG.file, Literal(s.file)
    if s.author:
        yield iri, DCTERMS.creator, Literal(s.author)
    if s.language:
        yield iri, DCTERMS.language, Literal(s.language)
    if s.note:
        yield iri, KG.note, _text(s.note)


def entity_triples(e: Entity) -> Iterator[Triple]:
    iri = entity_iri(e.id)
    yield iri, RDF.type, KG[e.type]
    yield iri, RDFS.label, _text(e.label)
    for alias in e.aliases:
        yield iri, SKOS.altLabel, _text(alias)
    if e.wikidata:
        yield iri, OWL.sameAs, WD[e.wikidata]
    if e.description:
        yield iri, DCTERMS.description, _text(e.description)
    if e.note:
        yield iri, KG.note, _text(e.note)


def statement_triples(s: Statement) -> Iterator[Triple]:
    subject, predicate = entity_iri(s.subject), KG[s.predicate]
    obj: Node = entity_iri(s.object) if s.object is not None else value_literal(s.value)
    node = statement_iri(s)
    yield subject, predicate, obj
    yield subject, KG.statement, node
    yield node, RDF.type, KG.Statement
    yield node, RDF.subject, subject
    yield node, RDF.predicate, predicate
    yield node, RDF.object, obj
    if s.id:
        yield node, KG.key, Literal(s.id)
    if isinstance(s.value, Amount):
        yield node, KG.currency, Literal(s.value.currency)
    if s.note:
        yield node, KG.note, _text(s.note)
    yield from _qualifier_triples(node, s)
    seen: dict[str, int] = {}
    for c in s.citations:
        seen[c.source] = seen.get(c.source, 0) + 1
        yield from _citation_triples(node, c, seen[c.source])


def _qualifier_triples(node: URIRef, s: Statement) -> Iterator[Triple]:
    q = s.qualifiers
    for prop, text in ((KG.date, q.date), (KG.start, q.start), (KG.end, q.end)):
        if text:
            yield node, prop, date_literal(text)
    if q.amount:
        yield node, KG.amount, value_literal(q.amount)
        yield node, KG.currency, Literal(q.amount.currency)
    if q.quantity:
        yield node, KG.quantity, value_literal(q.quantity.value)
        if q.quantity.unit:
            yield node, KG.unit, Literal(q.quantity.unit)
    if q.status:
        yield node, KG.status, KG[q.status]
    if q.certainty:
        yield node, KG.certainty, KG[q.certainty]
    if q.location:
        yield node, KG.location, entity_iri(q.location)
    if q.according_to:
        yield node, KG.accordingTo, entity_iri(q.according_to)
    if q.note:
        yield node, KG.note, _text(q.note)


def _citation_triples(node: URIRef, c: Citation, n: int) -> Iterator[Triple]:
    source = entity_iri(c.source)
    cite = citation_iri(node, c, n)
    yield node, PROV.wasDerivedFrom, source
    yield node, PROV.qualifiedDerivation, cite
    yield cite, RDF.type, KG.Citation
    yield cite, PROV.entity, source
    if c.locator:
        yield cite, KG.locator, Literal(c.locator)
    if c.credibility is not None:
        yield cite, KG.credibility, Literal(str(c.credibility), datatype=XSD.integer)
    if c.attribution:
        yield cite, KG.attribution, KG[c.attribution]
    if c.note:
        yield cite, KG.note, _text(c.note)


def data_triples(data: Dataset) -> Iterator[Triple]:
    """The triples of the curated data (without the ontology), in record order."""
    for source in data.sources:
        yield from source_triples(source)
    for entity in data.entities:
        yield from entity_triples(entity)
    for statement in data.statements:
        yield from statement_triples(statement)


def new_graph(triples: Iterable[tuple[Node, Node, Node]] = ()) -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for triple in triples:
        graph.add(triple)
    return graph


def to_graph(data: Dataset, *, ontology: bool = True) -> Graph:
    """The dataset as an rdflib graph, with the ontology unless ``ontology=False``."""
    graph = new_graph(data_triples(data))
    if ontology:
        for triple in ontology_graph():
            graph.add(triple)
    return graph
