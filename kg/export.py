"""Serializations: sorted, deterministic Turtle, N-Triples and JSON-LD; atomic writes.

The writers take any iterable of triples and sort them, so the same graph always gives
the same bytes (rdflib's own serializers follow hash order, which changes per process).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from pathlib import Path

from rdflib import RDF, XSD, BNode, Literal
from rdflib.term import Node

from kg.errors import OutputError
from kg.vocab import PREFIXES

_FILE_MODE = 0o644  # rw-r--r--, what a plain open() gives under the usual umask

FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}

_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STRING_ESCAPE = re.compile(r'[\x00-\x1f\\"\x7f]')
_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                  "\b": "\\b", "\f": "\\f"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def iri_ref(iri: str) -> str:
    return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def literal_text(lit: Literal, prefixes: Mapping[str, str] | None = None) -> str:
    body = '"' + _STRING_ESCAPE.sub(_escape_char, str(lit)) + '"'
    if lit.language:
        return f"{body}@{lit.language}"
    if lit.datatype is not None and lit.datatype != XSD.string:
        return f"{body}^^{term_text(lit.datatype, prefixes)}"
    return body


def term_text(term: Node, prefixes: Mapping[str, str] | None = None) -> str:
    """A term in Turtle (with ``prefixes``) or N-Triples (without)."""
    if isinstance(term, Literal):
        return literal_text(term, prefixes)
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term)
    if prefixes:
        for prefix, ns in prefixes.items():
            if text.startswith(ns) and _PN_LOCAL.fullmatch(text[len(ns):]):
                return f"{prefix}:{text[len(ns):]}"
    return iri_ref(text)


def _sort_key(term: Node) -> tuple[int, str, str, str]:
    if isinstance(term, Literal):
        return (2, str(term), str(term.datatype or ""), term.language or "")
    return (1 if isinstance(term, BNode) else 0, str(term), "", "")


Triples = Iterable[tuple[Node, Node, Node]]


def _grouped(triples: Triples) -> dict[Node, dict[Node, list[Node]]]:
    subjects: dict[Node, dict[Node, set[Node]]] = {}
    for s, p, o in triples:
        preds = subjects.get(s)
        if preds is None:
            preds = subjects[s] = {}
        objs = preds.get(p)
        if objs is None:
            preds[p] = {o}
        else:
            objs.add(o)
    return {
        s: {p: [*objs] if len(objs) == 1 else sorted(objs, key=_sort_key)
            for p, objs in preds.items()}
        for s, preds in subjects.items()
    }


class _TermTexts(dict[Node, str]):
    """Memoised term_text: each distinct term is rendered once per serialization."""

    def __init__(self, prefixes: Mapping[str, str] | None) -> None:
        super().__init__()
        self.prefixes = prefixes

    def __missing__(self, term: Node) -> str:
        text = self[term] = term_text(term, self.prefixes)
        return text


Grouped = dict[Node, dict[Node, list[Node]]]


def turtle_lines(triples: Triples, prefixes: Mapping[str, str] = PREFIXES, *,
                 grouped: Grouped | None = None) -> Iterator[str]:
    """Sorted Turtle: prefixes, then subjects in IRI order, rdf:type first."""
    for prefix in sorted(prefixes):
        yield f"@prefix {prefix}: <{prefixes[prefix]}> .\n"
    grouped = _grouped(triples) if grouped is None else grouped
    text = _TermTexts(prefixes)
    rdf_type = RDF.type  # a namespace lookup builds a new URIRef each time
    for s in sorted(grouped, key=_sort_key):
        preds = grouped[s]
        order = sorted(preds, key=lambda p: (p != rdf_type, str(p)))
        parts = []
        for p in order:
            verb = "a" if p == rdf_type else text[p]
            objs = ", ".join([text[o] for o in preds[p]])
            parts.append(f"{verb} {objs}")
        yield "\n" + text[s] + "\n    " + " ;\n    ".join(parts) + " .\n"


def ntriples_lines(triples: Triples) -> Iterator[str]:
    text = _TermTexts(None)
    lines = {f"{text[s]} {text[p]} {text[o]} .\n" for s, p, o in triples}
    return iter(sorted(lines))


def _jsonld_term(term: Node, prefixes: Mapping[str, str]) -> dict[str, str]:
    if isinstance(term, Literal):
        value: dict[str, str] = {"@value": str(term)}
        if term.language:
            value["@language"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["@type"] = _compact(str(term.datatype), prefixes)
        return value
    return {"@id": _jsonld_id(term, prefixes)}


def _jsonld_id(term: Node, prefixes: Mapping[str, str]) -> str:
    return f"_:{term}" if isinstance(term, BNode) else _compact(str(term), prefixes)


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    for prefix, ns in prefixes.items():
        local = iri[len(ns):]
        if iri.startswith(ns) and local and _PN_LOCAL.fullmatch(local) and "/" not in local:
            return f"{prefix}:{local}"
    return iri


def _indented(value: object, level: int = 0) -> str:
    """``json.dumps(value, indent=1, ensure_ascii=False)`` for nested str, list and dict.

    The standard encoder falls back to pure Python when indenting; this writes the very
    same text with the C string encoder, several times faster on a large graph.
    """
    if isinstance(value, str):
        return encode_basestring(value)
    pad = "\n" + " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [encode_basestring(k) + ": " + _indented(v, level + 1) for k, v in value.items()]
        return "{" + pad + ("," + pad).join(items) + "\n" + " " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + pad + ("," + pad).join(_indented(v, level + 1) for v in value) + \
            "\n" + " " * level + "]"
    raise TypeError(f"not JSON-LD text: {value!r}")


def jsonld_text(triples: Triples, prefixes: Mapping[str, str] = PREFIXES, *,
                grouped: Grouped | None = None) -> str:
    """JSON-LD with the prefixes as its only (inline) context, nodes sorted by @id.

    The text is exactly ``json.dumps(doc, indent=1, ensure_ascii=False)`` of the document;
    each distinct term is rendered once.
    """
    grouped = _grouped(triples) if grouped is None else grouped
    keys: dict[Node, str] = {}
    values: dict[Node, str] = {}

    def key(term: Node) -> str:
        text = keys.get(term)
        if text is None:
            text = keys[term] = encode_basestring(_compact(str(term), prefixes))
        return text

    def value(term: Node) -> str:
        text = values.get(term)
        if text is None:
            text = values[term] = _indented(_jsonld_term(term, prefixes), 4)
        return text

    nodes = []
    rdf_type = RDF.type
    for s in sorted(grouped, key=_sort_key):
        entries = ['"@id": ' + encode_basestring(_jsonld_id(s, prefixes))]
        for p in sorted(grouped[s], key=str):
            objs = grouped[s][p]
            if p == rdf_type:
                items, name = [key(o) for o in objs], '"@type"'
            else:
                items, name = [value(o) for o in objs], key(p)
            entries.append(name + ": [\n    " + ",\n    ".join(items) + "\n   ]")
        nodes.append("{\n   " + ",\n   ".join(entries) + "\n  }")
    graph = "[\n  " + ",\n  ".join(nodes) + "\n ]" if nodes else "[]"
    context = _indented(dict(sorted(prefixes.items())), 1)
    return '{\n "@context": ' + context + ',\n "@graph": ' + graph + "\n}\n"


def serialize(triples: Triples, fmt: str, *, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The triples in ``fmt`` (ttl, nt or jsonld) as text."""
    if fmt == "ttl":
        return "".join(turtle_lines(triples, prefixes))
    if fmt == "nt":
        return "".join(ntriples_lines(triples))
    if fmt == "jsonld":
        return jsonld_text(triples, prefixes)
    raise OutputError(f"unknown format {fmt!r}; allowed: " + ", ".join(FORMATS))


def lazy_texts(triples: Triples, formats: Iterable[str], *,
               prefixes: Mapping[str, str] = PREFIXES) -> dict[str, Callable[[], str]]:
    """``{fmt: () -> serialize(triples, fmt)}``: each text is made only when called (so
    :func:`write_all` holds one at a time), and the triples are grouped by subject once."""
    triples = triples if isinstance(triples, list | tuple) else list(triples)
    shared: list[Grouped] = []

    def grouped() -> Grouped:
        if not shared:
            shared.append(_grouped(triples))
        return shared[0]

    def make(fmt: str) -> Callable[[], str]:
        if fmt == "ttl":
            return lambda: "".join(turtle_lines(triples, prefixes, grouped=grouped()))
        if fmt == "jsonld":
            return lambda: jsonld_text(triples, prefixes, grouped=grouped())
        return lambda: serialize(triples, fmt, prefixes=prefixes)

    return {fmt: make(fmt) for fmt in formats}


def write_all(files: Mapping[Path, str | Callable[[], str]]) -> None:
    """Write every file to a temporary sibling first, then rename them all into place.

    A value may be a function making the text: it is called just before its file is
    written, so only one large text is held at a time.

    A failure while writing (a full disk, a bad path) leaves every target as it was.
    """
    staged: list[tuple[str, Path]] = []
    current: Path | None = None  # the target being written, named when an error has none
    try:
        for path, text in files.items():
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            os.fchmod(fd, _FILE_MODE)  # mkstemp makes 0600; outputs are ordinary files
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text() if callable(text) else text)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        where = exc.filename or current or "output"
        raise OutputError(f"{where}: cannot write: {exc.strerror or exc}") from exc
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
