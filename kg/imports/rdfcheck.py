"""Checks of an external RDF file that its parser does not make.

- RDF/XML with a DOCTYPE internal subset or an ``<!ENTITY`` declaration is refused before
  parsing: nested entities (billion laughs) would tie the build up for minutes, and an
  external entity names a file or URL to read. The text is searched first; then the
  prolog (up to the root element) is read by expat set up as rdflib's parser sets it up,
  so a declaration in any encoding expat reads (UTF-16 without a byte-order mark, a
  single-byte encoding named in the XML declaration) is refused too.
- Every IRI must be one that N-Triples and Oxigraph can hold: rdflib accepts ``{ } | ^``,
  backquote, spaces, ``<>"\\`` and lone surrogates (``\\uD800``) in IRIs and writes outputs
  that Oxigraph cannot read back; a literal must not hold a lone surrogate either. The
  first such value is refused with its place in the file.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.core.errors import ImportFileError, Loc

_ENTITY = re.compile(r"<!ENTITY|<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_BAD_CHAR = re.compile("[\x00-\x20<>\"{}|^`\\\\\ud800-\udfff]")
_QUOTED = re.compile(r"'(.+?)'")


def loc_at(name: str, text: str, offset: int) -> Loc:
    """The line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return Loc(name, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def source_text(raw: bytes) -> str:
    if raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        return raw.decode("utf-16", "replace")
    return raw.decode("utf-8", "replace")


_REFUSED = ("RDF/XML with a DOCTYPE internal subset or entity declarations is refused "
            "(entity expansion and external entities); remove the DOCTYPE")


class _Prolog(Exception):
    """Raised from expat's handlers: the prolog is over, or holds what is refused."""

    def __init__(self, line: int = 0, col: int = 0, value: str = "") -> None:
        super().__init__(value)
        self.line, self.col, self.value = line, col, value


def _refuse_in_prolog(name: str, raw: bytes) -> None:
    """Read the prolog with expat as rdflib's RDF/XML parser creates it (UTF-8 unless the
    document says otherwise, namespaces on) and stop at the root element."""
    parser = xml.parsers.expat.ParserCreate("utf-8", " ")

    def here(value: str) -> _Prolog:
        return _Prolog(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, value)

    def doctype(doctype: str, system: str | None, public: str | None, subset: int) -> None:
        if subset:
            raise here(f"<!DOCTYPE {doctype} [")

    def entity(entity: str, *_: object) -> None:
        raise here(f"<!ENTITY {entity}")

    def element(*_: object) -> None:
        raise _Prolog()

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = element
    try:
        parser.Parse(raw, True)
    except _Prolog as stop:
        if stop.value:
            raise ImportFileError(Loc(name, stop.line, stop.col), _REFUSED, stop.value) from None
    except xml.parsers.expat.ExpatError as exc:
        raise ImportFileError(Loc(name, exc.lineno, exc.offset + 1), "bad RDF/XML: "
                              + xml.parsers.expat.ErrorString(exc.code)) from None


def refuse_entities(name: str, raw: bytes) -> None:
    """ImportFileError at the first entity declaration or DOCTYPE internal subset."""
    text = source_text(raw)
    m = _ENTITY.search(text)
    if m is not None:
        raise ImportFileError(loc_at(name, text, m.start()), _REFUSED, m.group())
    _refuse_in_prolog(name, raw)


def _iri_problem(iri: str) -> str | None:
    import pyoxigraph  # imported when used: `import kg` stays light

    try:
        pyoxigraph.NamedNode(iri)
    except UnicodeEncodeError:
        return "a lone surrogate in an IRI"
    except ValueError as exc:
        return str(exc)
    return None


def _bad_index(value: str, why: str) -> int:
    m = _BAD_CHAR.search(value)
    if m is not None:
        return m.start()
    quoted = _QUOTED.search(why)
    return max(value.find(quoted.group(1)), 0) if quoted else 0


def _written(value: str, at: int) -> list[tuple[str, int]]:
    """How the text around ``value[at]`` may be written in the file, most telling first:
    (text, offset of the bad character in it)."""
    start = max(value.rfind("/", 0, at), value.rfind("#", 0, at)) + 1
    head, char, tail = value[start:at], value[at:at + 1], value[at + 1:]
    if not char:
        return [(value[start:], 0)]
    code = ord(char)
    forms = [char, f"\\u{code:04X}", f"\\u{code:04x}", f"\\U{code:08X}", f"\\U{code:08x}"]
    return ([(head + form + tail, len(head)) for form in forms]
            + [(head + form, len(head)) for form in forms])


def _place(name: str, text: str, value: str, at: int) -> Loc:
    for form, shift in _written(value, at):
        if form and (i := text.find(form)) >= 0:
            return loc_at(name, text, i + shift)
    return Loc(name)


def _problems(triples: Iterable[tuple[Node, Node, Node]]) -> Iterable[tuple[str, str, str]]:
    seen: set[Node] = set()
    for triple in triples:
        for term in triple:
            if term in seen:
                continue
            seen.add(term)
            if isinstance(term, URIRef):
                why = _iri_problem(str(term))
                if why is not None:
                    yield "IRI", str(term), why
            elif isinstance(term, Literal):
                if _SURROGATE.search(str(term)):
                    yield "literal", str(term), "a lone surrogate in a literal"
                if term.datatype is not None and (why := _iri_problem(str(term.datatype))):
                    yield "datatype IRI", str(term.datatype), why


def refuse_bad_terms(name: str, text: str, triples: Iterable[tuple[Node, Node, Node]]) -> None:
    """ImportFileError at the first IRI (or literal) that N-Triples cannot hold."""
    found = []
    for kind, value, why in _problems(triples):
        at = _bad_index(value, why)
        found.append((_place(name, text, value, at), kind, value, why))
        if len(found) >= 20:
            break
    if found:
        loc, kind, value, why = min(found, key=lambda f: (f[0].line <= 0, f[0]))
        fix = "replace it in the file" if kind == "literal" else "percent-encode it in the file"
        raise ImportFileError(loc, f"{kind} that N-Triples and Oxigraph cannot hold ({why}); "
                              + fix, value)
