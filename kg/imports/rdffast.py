"""Turtle and N-Triples read by Oxigraph: the same triples as rdflib's parsers, 10x sooner.

rdflib's Turtle parser takes seconds for a dump of 65,000 triples; pyoxigraph (already a
dependency, kg's query engine) parses it in a fraction of that. The triples are turned into
the rdflib terms rdflib's own parser would give (plain literals without ``xsd:string``,
typed literals through rdflib's ``Literal`` so their values are the same), each distinct
term made once, in document order and without duplicates. A file Oxigraph refuses is read
again by rdflib (:func:`kg.imports.rdf.parse_file`), which either accepts it (rdflib is
more lenient) or gives its positioned error, so messages stay as they were.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from rdflib import RDF, XSD, BNode, Literal, URIRef
from rdflib.term import Node

from kg.imports.literals import plain_literal

_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES"}  # pyoxigraph.RdfFormat's names
_PLAIN = {str(XSD.string), str(RDF.langString)}

Triple = tuple[Node, Node, Node]


def _converter(blank_prefix: str) -> Callable[[Any], Node]:
    import pyoxigraph  # imported when used: `import kg` stays light

    made: dict[Any, Node] = {}
    named, blank = pyoxigraph.NamedNode, pyoxigraph.BlankNode
    blanks = iter(range(1, 1 << 62))

    def term(t: Any) -> Node:
        found = made.get(t)
        if found is not None:
            return found
        node: Node
        if isinstance(t, named):
            node = URIRef(t.value)
        elif isinstance(t, blank):  # named in order of appearance, as kg.imports.rdf does
            node = BNode(f"{blank_prefix}b{next(blanks)}")
        elif t.language:
            node = plain_literal(t.value, t.language)
        elif t.datatype.value in _PLAIN:
            node = plain_literal(t.value)
        else:
            node = Literal(t.value, datatype=URIRef(t.datatype.value))
        made[t] = node
        return node

    return term


def fast_triples(raw: bytes, fmt: str, base: str, blank_prefix: str) -> list[Triple] | None:
    """The triples of ``raw`` in document order, blank nodes named ``<blank_prefix>b1``,
    ``b2``... in order of appearance; None when Oxigraph cannot read it (or ``fmt`` is not
    Turtle or N-Triples): the caller then uses rdflib."""
    import pyoxigraph

    name = _FORMATS.get(fmt)
    if name is None:
        return None
    ox_format = getattr(pyoxigraph.RdfFormat, name)
    term = _converter(blank_prefix)
    try:
        quads = dict.fromkeys(pyoxigraph.parse(io.BytesIO(raw), ox_format, base_iri=base))
    except (SyntaxError, ValueError, OSError):
        return None
    return [(term(q.subject), term(q.predicate), term(q.object)) for q in quads]
