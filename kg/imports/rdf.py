"""External RDF files: read strictly and offline, kept in a named graph, aligned.

Turtle, N-Triples, RDF/XML and JSON-LD files are read from disk only: a JSON-LD
``@context`` (or ``@import``) given as a URL is refused, since reading it would mean a
fetch, and RDF/XML with a DOCTYPE internal subset or entity declarations is refused
before parsing (:mod:`kg.imports.rdfcheck`). A parse error names the file, line and
column, and so does an IRI or literal that N-Triples cannot hold. Each file becomes the
named graph ``https://w3id.org/kg/graph/rdf/<path>`` derived from a ``kg:Source``
describing the file, with names, base IRI and blank-node labels made from its path as
kg.toml writes it (:mod:`kg.imports.rdfnames`), and its resources are linked to curated
entities with ``owl:sameAs`` (:mod:`kg.imports.rdfalign`)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import warnings
import xml.sax
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import DCTERMS, PROV
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from kg.core.errors import ImportFileError, Issue, Loc, Severity
from kg.core.model import Dataset
from kg.core.vocab import KG
from kg.imports.config import FORMAT_NAMES, import_name
from kg.imports.rdfalign import align_resources
from kg.imports.rdfcheck import refuse_bad_terms, refuse_entities, source_text
from kg.imports.rdffast import fast_triples
from kg.imports.rdfnames import base_iri, blank_prefix
from kg.imports.rdfnames import graph_iri as rdf_graph
from kg.imports.textfile import MAX_IMPORT_BYTES, read_import_bytes
from kg.rdf.triples import Triple, entity_iri

Quad = tuple[Node, Node, Node]
FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".n3": "turtle", ".nt": "nt",
           ".ntriples": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
           ".jsonld": "json-ld", ".json": "json-ld"}


@dataclass(frozen=True, slots=True)
class RdfImport:
    """One external file: its named graph, its triples and the links to curated entities."""

    path: str  # the import's name: its path as kg.toml writes it (kg.imports.rdfnames)
    graph: URIRef
    source: URIRef
    triples: list[tuple[Node, Node, Node]]
    meta: list[Triple]
    links: dict[str, str] = field(default_factory=dict)  # external IRI -> curated id
    alignment: list[str] = field(default_factory=list)  # report lines (kg.imports.rdfalign)
    align_used: frozenset[str] = frozenset()  # the [align] keys this file has
    warnings: tuple[Issue, ...] = ()

    def report_lines(self) -> list[str]:
        return [f"{self.path}: {len(self.triples)} triples into graph <{self.graph}>, "
                f"{len(self.links)} resource(s) aligned", *self.alignment]


_N3 = " (N3 is read as Turtle: formulae {...}, rules => and = are not read)"


def _loc(name: str, text: str, offset: int) -> Loc:
    line = text.count("\n", 0, offset) + 1
    return Loc(name, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def _quoted_loc(name: str, text: str, message: str) -> Loc:
    """Where the value an error message quotes (``'en_US' is not a valid language tag``)
    is first written in the file, as a ``"value"`` or ``'value'``; the file alone if not."""
    m = re.match(r"'([^']+)'", message)
    if m is not None:
        for quote in ('"', "'"):
            at = text.find(f"{quote}{m.group(1)}{quote}")
            if at >= 0:
                return _loc(name, text, at + 1)
    return Loc(name)


def _decode(name: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[: exc.start].decode("utf-8")
        raise ImportFileError(_loc(name, bad, len(bad)), "not UTF-8 text") from None
    return text.removeprefix("\ufeff")


def _entries(value: object) -> Iterator[tuple[str, object]]:
    """Every (key, value) of every object in a JSON document, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _entries(item)
    elif isinstance(value, list):
        for item in value:
            yield from _entries(item)


def _remote_contexts(doc: object) -> Iterator[str]:
    """Every URL that JSON-LD processing would fetch: string contexts and @import."""
    for key, item in _entries(doc):
        if key in ("@context", "@import"):
            items = item if isinstance(item, list) else [item]
            yield from (i for i in items if isinstance(i, str))


_LANGUAGE_TAG = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")  # what rdflib's Literal accepts


def _languages(doc: object) -> Iterator[str]:
    """Every string given as an ``@language`` (of a value, a context or a term)."""
    return (item for key, item in _entries(doc)
            if key == "@language" and isinstance(item, str))


def _check_jsonld(name: str, text: str) -> None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(Loc(name, exc.lineno, exc.colno), f"bad JSON: {exc.msg}") from None
    for url in _remote_contexts(doc):
        offset = max(text.find(json.dumps(url)), 0)
        raise ImportFileError(_loc(name, text, offset), "remote JSON-LD context refused "
                              "(kg never fetches; inline the context)", url)
    for tag in _languages(doc):  # rdflib drops a value whose tag holds a space, unsaid
        if not _LANGUAGE_TAG.fullmatch(tag):
            offset = max(text.find(json.dumps(tag)) + 1, 0)
            raise ImportFileError(_loc(name, text, offset),
                                  f"bad json-ld: {tag!r} is not a valid language tag!")


def _nt_error(name: str, text: str, exc: Exception) -> ImportFileError:
    for n, line in enumerate(text.split("\n"), start=1):
        try:
            Graph().parse(data=line, format="nt")
        except (ParserError, ValueError) as line_exc:
            rest = str(line_exc).removeprefix("Invalid line: ")
            col = len(line) - len(rest) + 1 if rest and line.endswith(rest) else 1
            return ImportFileError(Loc(name, n, col), f"bad N-Triples: {line_exc}")
    return ImportFileError(Loc(name), f"bad N-Triples: {exc}")


@contextmanager
def _quiet_terms() -> Iterator[None]:
    """rdflib logs a warning for each IRI it finds invalid; kg refuses those itself, with
    their place (kg.imports.rdfcheck), so the log lines are held back while parsing."""
    logger = logging.getLogger("rdflib.term")
    silence = logging.Filter("never-matches")  # a named filter passes no other logger
    logger.addFilter(silence)
    try:
        yield
    finally:
        logger.removeFilter(silence)


def file_format(path: Path | str, named: str | None = None) -> str:
    """The rdflib parser for ``path``: the ``named`` format (from kg.toml), else by suffix."""
    p = Path(path)
    if named is not None:
        fmt = FORMAT_NAMES.get(named.lower())
        if fmt is None:
            raise ImportFileError(Loc(str(path)), "unknown RDF format; expected one of "
                                  + ", ".join(sorted(FORMAT_NAMES)), named)
        return fmt
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise ImportFileError(Loc(str(path)), "unknown RDF file type; expected one of "
                              + ", ".join(sorted(FORMATS)) + " (or name the file's format in "
                              "kg.toml: {path = \"...\", format = \"turtle\"})", p.suffix)
    return fmt


def parse_file(path: Path | str, *, base: str | None = None, format: str | None = None,
               raw: bytes | None = None) -> Graph:
    """The file as a graph; ImportFileError with file:line:col on any syntax error."""
    name, p = str(path), Path(path)
    fmt = file_format(path, format)
    if raw is None:
        raw = read_import_bytes(path)
    base = base or base_iri(import_name(p.name))
    graph = Graph(bind_namespaces="none")
    if fmt == "xml":
        refuse_entities(name, raw)
        try:
            with _quiet_terms():
                return graph.parse(data=raw, format="xml", publicID=base)
        except xml.sax.SAXParseException as exc:
            line, col = exc.getLineNumber() or 0, exc.getColumnNumber() or 0
            raise ImportFileError(Loc(name, line, col + 1),
                                  f"bad RDF/XML: {exc.getMessage()}") from None
        except (ParserError, ValueError) as exc:
            raise ImportFileError(_quoted_loc(name, source_text(raw), str(exc)),
                                  f"bad RDF/XML: {exc}") from None
    text = _decode(name, raw)
    if fmt == "json-ld":
        _check_jsonld(name, text)
    try:
        with warnings.catch_warnings(), _quiet_terms():  # rdflib 7's JSON-LD parser uses
            warnings.simplefilter("ignore", DeprecationWarning)  # its own deprecated API
            return graph.parse(data=text, format=fmt, publicID=base)
    except BadSyntax as exc:
        loc = _loc(name, text, int(getattr(exc, "_i", 0)))
        line = loc.line if exc.lines is None else exc.lines + 1
        why = getattr(exc, "_why", str(exc))
        n3 = (format or p.suffix.lstrip(".")).lower() == "n3"
        raise ImportFileError(Loc(name, line, loc.col), f"bad Turtle{_N3 if n3 else ''}: "
                              f"{why}") from None
    except (ParserError, ValueError) as exc:
        if fmt == "nt":
            raise _nt_error(name, text, exc) from None
        raise ImportFileError(_quoted_loc(name, text, str(exc)), f"bad {fmt}: {exc}") from None


def _skolemized(graph: Iterable[tuple[Node, Node, Node]], prefix: str
                ) -> list[tuple[Node, Node, Node]]:
    """The triples with blank nodes renamed in order of appearance (stable output)."""
    names: dict[Node, Node] = {}  # every term seen -> itself, or a blank node's new name
    blanks = iter(range(1, 1 << 62))

    def name(term: Node) -> Node:
        found = names.get(term)
        if found is None:
            found = names[term] = (BNode(f"{prefix}b{next(blanks)}")
                                   if isinstance(term, BNode) else term)
        return found

    return [(name(s), p, name(o)) for s, p, o in graph]


def import_rdf(path: Path | str, curated: Dataset, *, name: str | None = None,
               format: str | None = None, align: Mapping[str, str] | None = None,
               limit: int = MAX_IMPORT_BYTES) -> RdfImport:
    """Read one external RDF file into its own named graph, aligned with ``curated``.

    ``name`` is the import's name (its path as kg.toml writes it; the file name if not
    given): the graph, the source, the base IRI and the blank-node labels are made from
    it (:mod:`kg.imports.rdfnames`). ``format`` (a :data:`FORMAT_NAMES` key) overrides
    the file's suffix; ``align`` is kg.toml's ``[align]``; ``limit`` the size limit."""
    label = import_name(name or Path(path).name)
    graph_iri = rdf_graph(label)
    source = URIRef(f"{graph_iri}/source")
    raw = read_import_bytes(path, limit=limit)
    fmt, base = file_format(path, format), base_iri(label)
    prefix = blank_prefix(label)
    triples = fast_triples(raw, fmt, base, prefix) if not raw.startswith(b"\xef\xbb\xbf") \
        else None
    if triples is None:  # what Oxigraph reads, it can write back: only rdflib's is checked
        triples = _skolemized(parse_file(path, format=format, raw=raw, base=base), prefix)
        refuse_bad_terms(str(path), source_text(raw), triples)
    aligned = align_resources(triples, curated, manual=align)
    digest = hashlib.sha256(raw).hexdigest()
    meta: list[Triple] = [
        (source, RDF.type, KG.Source),
        (source, RDFS.label, Literal(label, lang="en")),
        (source, DCTERMS.title, Literal(label, lang="en")),
        (source, KG.file, Literal(label)),
        (source, KG.sha256, Literal(digest)),
        (graph_iri, PROV.wasDerivedFrom, source),
    ]
    meta += [(entity_iri(i), OWL.sameAs, URIRef(ext)) for ext, i in sorted(aligned.links.items())]
    warnings = tuple(Issue(Loc(str(path)), p, severity=Severity.WARNING, code="align")
                     for p in aligned.problems)
    return RdfImport(label, graph_iri, source, triples, meta, aligned.links, aligned.lines(),
                     frozenset(aligned.align_used), warnings)
