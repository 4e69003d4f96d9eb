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
from typing import Generic, TypeVar, cast

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, DefinedNamespaceMeta, Namespace
from rdflib.term import Node

from kg.core.dates import Precision, parse_date
from kg.core.model import Amount, Citation, Dataset, Entity, Source, Statement
from kg.core.prefixes import PREFIXES
from kg.core.vocab import KG, KGR, KGS, SCHEMA, WD, ontology_graph

T = TypeVar("T")

Triple = tuple[URIRef, URIRef, Node]

_DATE_TYPES = {
    Precision.YEAR: str(XSD.gYear),
    Precision.MONTH: str(XSD.gYearMonth),
    Precision.DAY: str(XSD.date),
    Precision.FISCAL_YEAR: str(KG.FiscalYear),
}
_XSD_boolean, _XSD_decimal, _XSD_integer = str(XSD.boolean), str(XSD.decimal), str(XSD.integer)


_KG_TERMS = ("Citation", "Source", "Statement", "accordingTo", "amount", "attribution",
             "certainty", "credibility", "currency", "date", "end", "file", "key", "location",
             "locator", "note", "quantity", "reliability", "start", "statement", "status",
             "unit")


class Terms(Generic[T]):
    """Makes the terms of the triples: rdflib terms (:data:`RDFLIB`) or their N-Triples
    text (:class:`kg.rdf.ntterms.NTTerms`), so one generator serves the graph and the writers.

    Subclasses give :meth:`iri` and :meth:`literal`; the vocabulary the generators use is
    made once here, and entity and ontology IRIs are memoised (bounded), so the same id
    gives the same object and sets and dicts match it by identity.
    """

    kg_Citation: T
    kg_Source: T
    kg_Statement: T
    kg_accordingTo: T
    kg_amount: T
    kg_attribution: T
    kg_certainty: T
    kg_credibility: T
    kg_currency: T
    kg_date: T
    kg_end: T
    kg_file: T
    kg_key: T
    kg_location: T
    kg_locator: T
    kg_note: T
    kg_quantity: T
    kg_reliability: T
    kg_start: T
    kg_statement: T
    kg_status: T
    kg_unit: T

    def __init__(self) -> None:
        iri = self.iri
        kg, kgr = str(KG), str(KGR)
        self.entity = lru_cache(maxsize=1 << 17)(lambda ident: iri(kgr + ident))
        self.kg = lru_cache(maxsize=1 << 10)(lambda name: iri(kg + name))

        def term(ns: Namespace | DefinedNamespaceMeta, name: str) -> T:
            return iri(str(ns) + name)

        self.type, self.label = term(RDF, "type"), term(RDFS, "label")
        self.alt_label, self.same_as = term(SKOS, "altLabel"), term(OWL, "sameAs")
        self.url = term(SCHEMA, "url")
        self.subject, self.predicate = term(RDF, "subject"), term(RDF, "predicate")
        self.object = term(RDF, "object")
        self.creator, self.description = term(DCTERMS, "creator"), term(DCTERMS, "description")
        self.issued, self.language = term(DCTERMS, "issued"), term(DCTERMS, "language")
        self.publisher, self.title = term(DCTERMS, "publisher"), term(DCTERMS, "title")
        self.derived_from = term(PROV, "wasDerivedFrom")
        self.qualified_derivation = term(PROV, "qualifiedDerivation")
        self.prov_entity = term(PROV, "entity")
        for name in _KG_TERMS:
            setattr(self, "kg_" + name, iri(kg + name))

    def iri(self, iri: str) -> T:
        raise NotImplementedError

    def literal(self, lexical: str, *, lang: str | None = None,
                datatype: str | None = None) -> T:
        raise NotImplementedError

    def text(self, value: str, lang: str | None = "en") -> T:
        return self.literal(value, lang=lang)

    def plain(self, value: str) -> T:
        return self.literal(value)

    def date(self, text: str) -> T:
        return self.literal(text, datatype=_DATE_TYPES[parse_date(text).precision])

    def value(self, value: object) -> T:
        if isinstance(value, Amount):
            return self.literal(decimal_text(value.value), datatype=_XSD_decimal)
        if isinstance(value, bool):
            return self.literal(str(value).lower(), datatype=_XSD_boolean)
        if isinstance(value, int):
            return self.literal(str(value), datatype=_XSD_integer)
        if isinstance(value, Decimal):
            return self.literal(decimal_text(value), datatype=_XSD_decimal)
        return self.literal(str(value))


class RdflibTerms(Terms[Node]):
    def iri(self, iri: str) -> URIRef:
        return URIRef(iri)

    def literal(self, lexical: str, *, lang: str | None = None,
                datatype: str | None = None) -> Literal:
        return Literal(lexical, lang=lang, datatype=URIRef(datatype) if datatype else None)


#: The rdflib terms (the vocabulary terms made once: a namespace attribute builds and
#: validates a new URIRef on every access).
RDFLIB = RdflibTerms()


def entity_iri(ident: str) -> URIRef:
    """``kgr:<ident>`` (memoised: the same id gives the same object)."""
    return cast(URIRef, RDFLIB.entity(ident))


def statement_name(s: Statement) -> str:
    """subject.predicate.object[.id]; a literal object is named by a hash of its value."""
    if s.object is not None:
        obj = s.object
    else:
        obj = "v-" + hashlib.sha1(_value_key(s.value).encode()).hexdigest()[:12]
    return ".".join([s.subject, s.predicate, obj] + ([s.id] if s.id else []))


def statement_iri(s: Statement) -> URIRef:
    """``kgs:`` + :func:`statement_name`."""
    return URIRef(str(KGS) + statement_name(s))


def citation_iri(statement: URIRef, citation: Citation, n: int) -> URIRef:
    return URIRef(citation_name(str(statement), citation, n))


def citation_name(statement: str, citation: Citation, n: int) -> str:
    suffix = f".{n}" if n > 1 else ""
    return f"{statement}.cites.{citation.source}{suffix}"


def _value_key(value: object) -> str:
    if isinstance(value, Amount):
        return f"{decimal_text(value.value)} {value.currency}"
    return repr(value)


def decimal_text(value: Decimal) -> str:
    """Canonical xsd:decimal lexical form: no exponent, no trailing zeros after the point."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def source_triples(s: Source, t: Terms[T] = RDFLIB) -> Iterator[tuple[T, T, T]]:  # type: ignore[assignment]
    iri = t.entity(s.id)
    lang = s.language or "en"
    yield iri, t.type, t.kg_Source
    yield iri, t.label, t.text(s.title, lang)
    yield iri, t.title, t.text(s.title, lang)
    if s.publisher:
        yield iri, t.publisher, t.plain(s.publisher)
    if s.published:
        yield iri, t.issued, t.date(s.published)
    if s.reliability:
        yield iri, t.kg_reliability, t.plain(s.reliability)
    if s.url:
        yield iri, t.url, t.iri(s.url)
    if s.file:
        yield iri, t.kg_file, t.plain(s.file)
    if s.author:
        yield iri, t.creator, t.plain(s.author)
    if s.language:
        yield iri, t.language, t.plain(s.language)
    if s.note:
        yield iri, t.kg_note, t.text(s.note)


def entity_triples(e: Entity, t: Terms[T] = RDFLIB) -> Iterator[tuple[T, T, T]]:  # type: ignore[assignment]
    iri = t.entity(e.id)
    yield iri, t.type, t.kg(e.type)
    yield iri, t.label, t.text(e.label)
    for alias in e.aliases:
        yield iri, t.alt_label, t.text(alias)
    if e.wikidata:
        yield iri, t.same_as, t.iri(str(WD) + e.wikidata)
    if e.description:
        yield iri, t.description, t.text(e.description)
    if e.note:
        yield iri, t.kg_note, t.text(e.note)


def statement_triples(s: Statement, t: Terms[T] = RDFLIB) -> Iterator[tuple[T, T, T]]:  # type: ignore[assignment]
    subject, predicate = t.entity(s.subject), t.kg(s.predicate)
    obj = t.entity(s.object) if s.object is not None else t.value(s.value)
    name = str(KGS) + statement_name(s)
    node = t.iri(name)
    yield subject, predicate, obj
    yield subject, t.kg_statement, node
    yield node, t.type, t.kg_Statement
    yield node, t.subject, subject
    yield node, t.predicate, predicate
    yield node, t.object, obj
    if s.id:
        yield node, t.kg_key, t.plain(s.id)
    if isinstance(s.value, Amount):
        yield node, t.kg_currency, t.plain(s.value.currency)
    if s.note:
        yield node, t.kg_note, t.text(s.note)
    for ref in s.rests_on:
        yield node, t.kg("restsOn"), t.iri(str(KGS) + ref)
    yield from _qualifier_triples(node, s, t)
    seen: dict[str, int] = {}
    for c in s.citations:
        seen[c.source] = seen.get(c.source, 0) + 1
        yield from _citation_triples(node, name, c, seen[c.source], t)


def _qualifier_triples(node: T, s: Statement, t: Terms[T]) -> Iterator[tuple[T, T, T]]:
    q = s.qualifiers
    for prop, text in ((t.kg_date, q.date), (t.kg_start, q.start), (t.kg_end, q.end)):
        if text:
            yield node, prop, t.date(text)
    if q.amount:
        yield node, t.kg_amount, t.value(q.amount)
        yield node, t.kg_currency, t.plain(q.amount.currency)
    if q.quantity:
        yield node, t.kg_quantity, t.value(q.quantity.value)
        if q.quantity.unit:
            yield node, t.kg_unit, t.plain(q.quantity.unit)
    if q.status:
        yield node, t.kg_status, t.kg(q.status)
    if q.certainty:
        yield node, t.kg_certainty, t.kg(q.certainty)
    if q.location:
        yield node, t.kg_location, t.entity(q.location)
    if q.according_to:
        yield node, t.kg_accordingTo, t.entity(q.according_to)
    if q.note:
        yield node, t.kg_note, t.text(q.note)


def _citation_triples(node: T, name: str, c: Citation, n: int,
                      t: Terms[T]) -> Iterator[tuple[T, T, T]]:
    source = t.entity(c.source)
    cite = t.iri(citation_name(name, c, n))
    yield node, t.derived_from, source
    yield node, t.qualified_derivation, cite
    yield cite, t.type, t.kg_Citation
    yield cite, t.prov_entity, source
    if c.locator:
        yield cite, t.kg_locator, t.plain(c.locator)
    if c.credibility is not None:
        yield cite, t.kg_credibility, t.literal(str(c.credibility), datatype=_XSD_integer)
    if c.attribution:
        yield cite, t.kg_attribution, t.kg(c.attribution)
    if c.note:
        yield cite, t.kg_note, t.text(c.note)


def data_triples(data: Dataset, t: Terms[T] = RDFLIB) -> Iterator[tuple[T, T, T]]:  # type: ignore[assignment]
    """The triples of the curated data (without the ontology), in record order, as
    rdflib terms or (with ``t``) as another kind of term such as N-Triples text."""
    for source in data.sources:
        yield from source_triples(source, t)
    for entity in data.entities:
        yield from entity_triples(entity, t)
    for statement in data.statements:
        yield from statement_triples(statement, t)


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
