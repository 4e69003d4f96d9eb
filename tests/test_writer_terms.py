"""The writers render terms from their N-Triples text with string operations
(kg.rdf.termtext.Prefixer, kg.rdf.export): the very text the rdflib terms give, for any
IRI, literal and set of prefixes (hypothesis), and documents rdflib reads back as the
same graph."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.core.prefixes import PREFIXES
from kg.rdf.export import Text, serialize_text
from kg.rdf.ntterms import from_rdflib, term_text
from kg.rdf.termtext import XSD_STRING, Prefixer, iri_text

SETTINGS = settings(max_examples=300, deadline=None)

# Namespaces ending in "/" or "#" (found by one lookup) and ending otherwise (tried in
# turn), nested in each other, so that the first in order must win as in iri_text.
NAMESPACES = ["http://ex.org/", "http://ex.org/a/", "http://ex.org/a#", "http://ex.org/a_",
              "http://ex.org/a", "urn:x:", "https://w3id.org/kg/resource/"]
local = st.text(alphabet="ab_-.0/#: \"<>\\é{}", max_size=6)
odd_iris = st.builds(lambda ns, tail: ns + tail, st.sampled_from(NAMESPACES), local)
# what kg writes: IRIs with no character N-Triples would have to escape (kg.imports refuse
# those), still with "/", "#", ":", "." and non-ASCII letters in their last part
iris = st.builds(lambda ns, tail: ns + tail, st.sampled_from(NAMESPACES),
                 st.text(alphabet="ab_-.0/#:é%", max_size=6))
prefix_maps = st.lists(st.tuples(st.sampled_from(["p", "q", "r", "s", "t"]),
                                 st.sampled_from(NAMESPACES)), max_size=6).map(dict)


@SETTINGS
@given(iri=st.one_of(iris, odd_iris), prefixes=prefix_maps)
def test_prefixer_chooses_what_iri_text_chooses(iri: str, prefixes: dict[str, str]) -> None:
    assert Prefixer(prefixes).text(iri) == iri_text(iri, prefixes)


lexical = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
datatypes = st.one_of(st.none(), iris, st.sampled_from([
    "http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#date", "https://w3id.org/kg/ontology/odd type"]))
literals = st.one_of(
    st.builds(lambda v, d: Literal(v, datatype=URIRef(d) if d else None, normalize=False),
              lexical, datatypes),
    st.builds(lambda v, lang: Literal(v, lang=lang), lexical,
              st.sampled_from(["en", "EN-gb", "ja", "zh-Hant"])))
subjects = st.one_of(iris.map(URIRef), st.sampled_from([BNode("b1"), BNode("x2")]))
objects = st.one_of(subjects, literals)
predicates = st.sampled_from(["https://w3id.org/kg/ontology/note", "http://ex.org/a/p",
                              "http://ex.org/a#q"]).map(URIRef)
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
triples = st.lists(st.one_of(st.tuples(subjects, predicates, objects),
                             st.tuples(subjects, st.just(RDF_TYPE), iris.map(URIRef))),
                   min_size=1, max_size=12)


@SETTINGS
@given(triples=triples)
def test_turtle_of_text_terms_is_the_turtle_of_rdflib_terms(
        triples: list[tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]]) -> None:
    """Each term's Turtle as ntterms.term_text renders the rdflib term, and the document
    parses back to the same graph."""
    text = serialize_text(Text(from_rdflib(triples)), "ttl")
    expected = {term_text(t, PREFIXES) for triple in triples for t in triple
                if not (isinstance(t, URIRef) and str(t).endswith("#type"))}
    for rendered in expected:
        assert rendered in text
    assert isomorphic(Graph().parse(data=text, format="turtle"), _graph(triples))


@SETTINGS
@given(triples=triples)
def test_jsonld_of_text_terms_is_json_dumps_and_the_same_graph(
        triples: list[tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]]) -> None:
    text = serialize_text(Text(from_rdflib(triples)), "jsonld")
    assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
    assert isomorphic(Graph().parse(data=text, format="json-ld"), _graph(triples))


def _graph(triples: list[tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]]) -> Graph:
    """The graph of ``triples``, an xsd:string literal as the plain literal it is in RDF
    1.1 (kg writes it without the datatype; rdflib tells the two apart)."""
    graph = Graph()
    for s, p, o in triples:
        if isinstance(o, Literal) and str(o.datatype) == XSD_STRING:
            o = Literal(str(o))
        graph.add((s, p, o))
    return graph
