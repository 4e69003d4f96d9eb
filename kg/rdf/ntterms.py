"""Terms as their N-Triples text: what the build's writers work on.

Making an rdflib term per value and rendering it again for every output costs more than
the rest of a build: a ``Literal`` hashes and compares in Python. Here a term is the
plain ``str`` it has in N-Triples (``<iri>``, ``"text"@en``, ``"5"^^<...#integer>``), made
once by :class:`NTTerms` from the same generators as the rdflib graph (kg.rdf.triples); strings
hash and compare in C, and an N-Triples line is three of them joined.

:func:`term_text` renders an rdflib term (N-Triples, or Turtle with prefixes);
:func:`parts` reads a term's text back (for sort keys, Turtle and JSON-LD in
:mod:`kg.rdf.export`, which renders each distinct term once, exactly as it renders the rdflib
term: a test compares the bytes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.rdf import termtext
from kg.rdf.termtext import SHORT, iri_text, nt_iri, nt_literal
from kg.rdf.triples import Terms

TextTriple = tuple[str, str, str]



def literal_text(lit: Literal, prefixes: Mapping[str, str] | None = None) -> str:
    return termtext.literal_text(str(lit), lang=lit.language, prefixes=prefixes,
                                 datatype=None if lit.datatype is None else str(lit.datatype))


def term_text(term: Node, prefixes: Mapping[str, str] | None = None) -> str:
    """A term in Turtle (with ``prefixes``) or N-Triples (without)."""
    if isinstance(term, Literal):
        return literal_text(term, prefixes)
    if isinstance(term, BNode):
        return f"_:{term}"
    return iri_text(str(term), prefixes)


V = TypeVar("V")

_UNSHORT = {v[1]: k for k, v in SHORT.items()}
_UNESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")


class NTTerms(Terms[str]):
    """Terms as N-Triples text. Literals are memoised per (value, lang, datatype), IRIs by
    value (bounded), so repeated values are one string object."""

    def __init__(self) -> None:
        self.iri = lru_cache(maxsize=1 << 18)(nt_iri)  # type: ignore[method-assign]
        self._literal = lru_cache(maxsize=1 << 18)(_literal3)
        super().__init__()

    def iri(self, iri: str) -> str:  # replaced by the memoised function in __init__
        return nt_iri(iri)

    def literal(self, lexical: str, *, lang: str | None = None,
                datatype: str | None = None) -> str:
        return self._literal(lexical, lang, datatype)


def _literal3(lexical: str, lang: str | None, datatype: str | None) -> str:
    return nt_literal(lexical, lang=lang, datatype=datatype)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        return chr(int(code, 16)) if code else _UNSHORT.get(m.group(3), m.group(3))

    return _UNESCAPE.sub(one, text)


def to_rdflib(term: str) -> Node:
    """The rdflib term of an N-Triples term's text."""
    if term.startswith("<"):
        return URIRef(_unescape(term[1:-1]))
    if term.startswith("_:"):
        return BNode(term[2:])
    end = term.rindex('"')
    lexical, rest = _unescape(term[1:end]), term[end + 1:]
    if rest.startswith("@"):
        return Literal(lexical, lang=rest[1:])
    if rest.startswith("^^"):
        return Literal(lexical, datatype=URIRef(_unescape(rest[3:-1])), normalize=False)
    return Literal(lexical)


def parts(term: str) -> tuple[int, str, str, str]:
    """``(kind, value, datatype, language)`` of a term's text; kind 0 is an IRI, 1 a blank
    node, 2 a literal. It is also kg.rdf.export's sort key: IRIs, blank nodes, literals."""
    if term.startswith("<"):
        return (0, _unescape(term[1:-1]), "", "")
    if term.startswith("_:"):
        return (1, term[2:], "", "")
    end = term.rindex('"')
    lexical, rest = _unescape(term[1:end]), term[end + 1:]
    if rest.startswith("@"):
        return (2, lexical, "", rest[1:])
    return (2, lexical, _unescape(rest[3:-1]) if rest else "", "")


def from_rdflib(triples: Iterable[tuple[Node, Node, Node]]) -> list[TextTriple]:
    """rdflib triples as N-Triples text triples (each distinct term rendered once)."""
    texts: dict[Node, str] = {}

    def text(term: Node) -> str:
        found = texts.get(term)
        if found is None:
            found = texts[term] = term_text(term)
        return found

    return [(text(s), text(p), text(o)) for s, p, o in triples]


class Memo(dict[str, V]):
    """A dict that makes (and keeps) the value of a missing key."""

    def __init__(self, make: Callable[[str], V]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, term: str) -> V:
        value = self[term] = self.make(term)
        return value
