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


def nt_iri(iri: str) -> str:
    """``<iri>``, with the characters N-Triples forbids in an IRI escaped."""
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


class Prefixer:
    """:func:`iri_text`'s choice of prefix, found by one dict lookup instead of a loop over
    the prefixes (the writers shorten every distinct IRI of a graph: at 100k facts, a
    million of them).

    A prefixed name's local part matches :data:`PN_LOCAL`, which has no ``/`` and no
    ``#``; so a namespace ending in ``/`` or ``#`` can only be the IRI up to its last
    ``/`` or ``#``. Namespaces ending otherwise are tried one by one, and of several that
    fit, the first in the mapping's order wins, as in :func:`iri_text`.
    """

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._by_ns: dict[str, tuple[int, str]] = {}
        self._other: list[tuple[int, str, str]] = []
        for rank, (prefix, ns) in enumerate(prefixes.items()):
            if ns.endswith(("/", "#")):
                self._by_ns.setdefault(ns, (rank, prefix))
            else:
                self._other.append((rank, prefix, ns))

    def short(self, iri: str) -> str | None:
        """``prefix:local`` for ``iri``, or None when no prefix fits."""
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        found = self._by_ns.get(iri[:cut]) if cut else None
        best = found if found is not None and PN_LOCAL.fullmatch(iri, cut) else None
        for rank, prefix, ns in self._other:
            if (best is None or rank < best[0]) and iri.startswith(ns) and \
                    PN_LOCAL.fullmatch(iri, len(ns)):
                best, cut = (rank, prefix), len(ns)
        return None if best is None else f"{best[1]}:{iri[cut:]}"

    def text(self, iri: str) -> str:
        """:func:`iri_text` of ``iri`` with these prefixes."""
        found = self.short(iri)
        return nt_iri(iri) if found is None else found


def iri_text(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """An IRI as a prefixed name when one of ``prefixes`` fits, else ``<iri>``."""
    if prefixes:
        for prefix, ns in prefixes.items():
            if iri.startswith(ns) and PN_LOCAL.fullmatch(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
    return nt_iri(iri)


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
