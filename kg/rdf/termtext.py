"""A term's text in N-Triples or Turtle, from plain strings: no rdflib.

kg.rdf.ntterms renders rdflib terms with these functions; kg.sparql.results renders the
terms of a query's answer with them too, whichever engine made the terms (an rdflib
``Node`` or a pyoxigraph term), so that the text of an answer does not depend on the
engine and ``kg query`` over the built store needs no rdflib to print it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: A Turtle local name kg writes as a prefixed name (a subset of PN_LOCAL).
PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
STRING_ESCAPE = re.compile(r'[\x00-\x1f\\"\x7f]')
SHORT = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
         "\f": "\\f"}


def escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return SHORT.get(char) or f"\\u{ord(char):04X}"


def iri_ref(iri: str) -> str:
    """``<iri>``, with the characters N-Triples forbids in an IRI escaped."""
    return "<" + IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def nt_iri(iri: str) -> str:
    iri = str(iri)  # an rdflib URIRef would turn "<" + iri into a URIRef
    if IRI_ESCAPE.search(iri):
        iri = IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri)
    return "<" + iri + ">"


def nt_literal(lexical: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    lexical = str(lexical)
    if STRING_ESCAPE.search(lexical):
        lexical = STRING_ESCAPE.sub(escape_char, lexical)
    if lang:
        return '"' + lexical + '"@' + lang
    if datatype and datatype != XSD_STRING:
        return '"' + lexical + '"^^' + nt_iri(datatype)
    return '"' + lexical + '"'


def iri_text(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """An IRI as a prefixed name when one of ``prefixes`` fits, else ``<iri>``."""
    if prefixes:
        for prefix, ns in prefixes.items():
            if iri.startswith(ns) and PN_LOCAL.fullmatch(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
    return iri_ref(iri)


def literal_text(lexical: str, *, lang: str | None, datatype: str | None,
                 prefixes: Mapping[str, str] | None = None) -> str:
    """A literal in N-Triples (or Turtle with ``prefixes`` for its datatype); xsd:string
    is left implicit."""
    body = '"' + STRING_ESCAPE.sub(escape_char, lexical) + '"'
    if lang:
        return f"{body}@{lang}"
    if datatype is not None and datatype != XSD_STRING:
        return f"{body}^^{iri_text(datatype, prefixes)}"
    return body
