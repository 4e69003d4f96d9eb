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
from functools import lru_cache

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from kg.dates import Precision, parse_date
from kg.model import Amount, Citation, Dataset, Entity, Source, Statement
from kg.vocab import KG, KGR, KGS, PREFIXES, SCHEMA, WD, ontology_graph

# Terms looked up once: a namespace attribute builds and validates a new URIRef each time.
_DCTERMS_creator = DCTERMS.creator
_DCTERMS_description = DCTERMS.description
_DCTERMS_issued = DCTERMS.issued
_DCTERMS_language = DCTERMS.language
_DCTERMS_publisher = DCTERMS.publisher
_DCTERMS_title = DCTERMS.title
_KG_Citation = KG.Citation
_KG_FiscalYear = KG.FiscalYear
_KG_Source = KG.Source
_KG_Statement = KG.Statement
_KG_accordingTo = KG.accordingTo
_KG_amount = KG.amount
_KG_attribution = KG.attribution
_KG_certainty = KG.certainty
_KG_credibility = KG.credibility
_KG_currency = KG.currency
_KG_date = KG.date
_KG_end = KG.end
_KG_file = KG.file
_KG_key = KG.key
_KG_location = KG.location
_KG_locator = KG.locator
_KG_note = KG.note
_KG_quantity = KG.quantity
_KG_reliability = KG.reliability
_KG_start = KG.start
_KG_statement = KG.statement
_KG_status = KG.status
_KG_unit = KG.unit
_OWL_sameAs = OWL.sameAs
_PROV_entity = PROV.entity
_PROV_qualifiedDerivation = PROV.qualifiedDerivation
_PROV_wasDerivedFrom = PROV.wasDerivedFrom
_RDFS_label = RDFS.label
_RDF_object = RDF.object
_RDF_predicate = RDF.predicate
_RDF_subject = RDF.subject
_RDF_type = RDF.type
_SCHEMA_url = SCHEMA.url
_SKOS_altLabel = SKOS.altLabel
_XSD_boolean = XSD.boolean
_XSD_date = XSD.date
_XSD_decimal = XSD.decimal
_XSD_gYear = XSD.gYear
_XSD_gYearMonth = XSD.gYearMonth
_XSD_integer = XSD.integer

Triple = tuple[URIRef, URIRef, Node]

_DATE_TYPES = {
    Precision.YEAR: _XSD_gYear,
    Precision.MONTH: _XSD_gYearMonth,
    Precision.DAY: _XSD_date,
    Precision.FISCAL_YEAR: _KG_FiscalYear,
}


@lru_cache(maxsize=1 << 17)
def entity_iri(ident: str) -> URIRef:
    """``kgr:<ident>``. Memoised (bounded): the same id gives the same object, so the sets
    and dicts of the writers match it by identity instead of calling URIRef.__eq__."""
    return KGR[ident]


@lru_cache(maxsize=1 << 10)
def _kg(name: str) -> URIRef:
    return KG[name]


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
        return Literal(decimal_text(value.value), datatype=_XSD_decimal)
    if isinstance(value, bool):
        return Literal(str(value).lower(), datatype=_XSD_boolean)
    if isinstance(value, int):
        return Literal(str(value), datatype=_XSD_integer)
    if isinstance(value, Decimal):
        return Literal(decimal_text(value), datatype=_XSD_decimal)
    return Literal(str(value))


def source_triples(s: Source) -> Iterator[Triple]:
    iri = entity_iri(s.id)
    lang = s.language or "en"
    yield iri, _RDF_type, _KG_Source
    yield iri, _RDFS_label, _text(s.title, lang)
    yield iri, _DCTERMS_title, _text(s.title, lang)
    if s.publisher:
        yield iri, _DCTERMS_publisher, Literal(s.publisher)
    if s.published:
        yield iri, _DCTERMS_issued, date_literal(s.published)
    if s.reliability:
        yield iri, _KG_reliability, Literal(s.reliability)
    if s.url:
        yield iri, _SCHEMA_url, URIRef(s.url)
    if s.file:
        yield iri, _KG_file, Literal(s.file)
    if s.author:
        yield iri, _DCTERMS_creator, Literal(s.author)
    if s.language:
        yield iri, _DCTERMS_language, Literal(s.language)
    if s.note:
        yield iri, _KG_note, _text(s.note)


def entity_triples(e: Entity) -> Iterator[Triple]:
    iri = entity_iri(e.id)
    yield iri, _RDF_type, _kg(e.type)
    yield iri, _RDFS_label, _text(e.label)
    for alias in e.aliases:
        yield iri, _SKOS_altLabel, _text(alias)
    if e.wikidata:
        yield iri, _OWL_sameAs, WD[e.wikidata]
    if e.description:
        yield iri, _DCTERMS_description, _text(e.description)
    if e.note:
        yield iri, _KG_note, _text(e.note)


def statement_triples(s: Statement) -> Iterator[Triple]:
    subject, predicate = entity_iri(s.subject), _kg(s.predicate)
    obj: Node = entity_iri(s.object) if s.object is not None else value_literal(s.value)
    node = statement_iri(s)
    yield subject, predicate, obj
    yield subject, _KG_statement, node
    yield node, _RDF_type, _KG_Statement
    yield node, _RDF_subject, subject
    yield node, _RDF_predicate, predicate
    yield node, _RDF_object, obj
    if s.id:
        yield node, _KG_key, Literal(s.id)
    if isinstance(s.value, Amount):
        yield node, _KG_currency, Literal(s.value.currency)
    if s.note:
        yield node, _KG_note, _text(s.note)
    yield from _qualifier_triples(node, s)
    seen: dict[str, int] = {}
    for c in s.citations:
        seen[c.source] = seen.get(c.source, 0) + 1
        yield from _citation_triples(node, c, seen[c.source])


def _qualifier_triples(node: URIRef, s: Statement) -> Iterator[Triple]:
    q = s.qualifiers
    for prop, text in ((_KG_date, q.date), (_KG_start, q.start), (_KG_end, q.end)):
        if text:
            yield node, prop, date_literal(text)
    if q.amount:
        yield node, _KG_amount, value_literal(q.amount)
        yield node, _KG_currency, Literal(q.amount.currency)
    if q.quantity:
        yield node, _KG_quantity, value_literal(q.quantity.value)
        if q.quantity.unit:
            yield node, _KG_unit, Literal(q.quantity.unit)
    if q.status:
        yield node, _KG_status, _kg(q.status)
    if q.certainty:
        yield node, _KG_certainty, _kg(q.certainty)
    if q.location:
        yield node, _KG_location, entity_iri(q.location)
    if q.according_to:
        yield node, _KG_accordingTo, entity_iri(q.according_to)
    if q.note:
        yield node, _KG_note, _text(q.note)


def _citation_triples(node: URIRef, c: Citation, n: int) -> Iterator[Triple]:
    source = entity_iri(c.source)
    cite = citation_iri(node, c, n)
    yield node, _PROV_wasDerivedFrom, source
    yield node, _PROV_qualifiedDerivation, cite
    yield cite, _RDF_type, _KG_Citation
    yield cite, _PROV_entity, source
    if c.locator:
        yield cite, _KG_locator, Literal(c.locator)
    if c.credibility is not None:
        yield cite, _KG_credibility, Literal(str(c.credibility), datatype=_XSD_integer)
    if c.attribution:
        yield cite, _KG_attribution, _kg(c.attribution)
    if c.note:
        yield cite, _KG_note, _text(c.note)


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
