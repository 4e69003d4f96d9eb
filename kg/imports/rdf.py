"""External RDF files: read strictly and offline, kept in a named graph, aligned.

Turtle, N-Triples, RDF/XML and JSON-LD files are read from disk only: a JSON-LD
``@context`` (or ``@import``) given as a URL is refused, since reading it would mean a
fetch, and RDF/XML external entities are not resolved (Python's SAX default). A parse
error names the file, line and column. Each file becomes a named graph
``https://w3id.org/kg/graph/rdf/<path>`` derived from a ``kg:Source`` describing the file,
and its resources are linked to curated entities with ``owl:sameAs`` when the file says
they are the same as a curated IRI or share a Wikidata id with a curated entity.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
import xml.sax
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from kg.core.errors import ImportFileError, Loc
from kg.core.model import Dataset
from kg.core.vocab import KG, KGR, SCHEMA
from kg.imports.align import slug
from kg.imports.config import FORMAT_NAMES
from kg.imports.rdffast import fast_triples
from kg.imports.sipri_graph import GRAPH
from kg.imports.textfile import read_import_bytes
from kg.rdf.triples import Triple, entity_iri

Quad = tuple[Node, Node, Node]
FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".n3": "turtle", ".nt": "nt",
           ".ntriples": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
           ".jsonld": "json-ld", ".json": "json-ld"}
SAME_AS = (OWL.sameAs, SKOS.exactMatch, SCHEMA.sameAs)
_WIKIDATA = re.compile(r"https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/(Q[0-9]+)")


@dataclass(frozen=True, slots=True)
class RdfImport:
    """One external file: its named graph, its triples and the links to curated entities."""

    path: str
    graph: URIRef
    source: URIRef
    triples: list[tuple[Node, Node, Node]]
    meta: list[Triple]
    links: dict[str, str] = field(default_factory=dict)  # external IRI -> curated id

    def report_lines(self) -> list[str]:
        out = [f"{self.path}: {len(self.triples)} triples into graph <{self.graph}>, "
               f"{len(self.links)} resource(s) aligned"]
        return out + [f"  matched  <{iri}> -> kgr:{i}" for iri, i in sorted(self.links.items())]


def _loc(name: str, text: str, offset: int) -> Loc:
    line = text.count("\n", 0, offset) + 1
    return Loc(name, line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def _decode(name: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[: exc.start].decode("utf-8")
        raise ImportFileError(_loc(name, bad, len(bad)), "not UTF-8 text") from None
    return text.removeprefix("\ufeff")


def _remote_contexts(value: object) -> Iterator[str]:
    """Every URL that JSON-LD processing would fetch: string contexts and @import."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("@context", "@import"):
                items = item if isinstance(item, list) else [item]
                yield from (i for i in items if isinstance(i, str))
            yield from _remote_contexts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _remote_contexts(item)


def _check_jsonld(name: str, text: str) -> None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(Loc(name, exc.lineno, exc.colno), f"bad JSON: {exc.msg}") from None
    for url in _remote_contexts(doc):
        offset = max(text.find(json.dumps(url)), 0)
        raise ImportFileError(_loc(name, text, offset), "remote JSON-LD context refused "
                              "(kg never fetches; inline the context)", url)


def _nt_error(name: str, text: str, exc: Exception) -> ImportFileError:
    for n, line in enumerate(text.split("\n"), start=1):
        try:
            Graph().parse(data=line, format="nt")
        except (ParserError, ValueError) as line_exc:
            rest = str(line_exc).removeprefix("Invalid line: ")
            col = len(line) - len(rest) + 1 if rest and line.endswith(rest) else 1
            return ImportFileError(Loc(name, n, col), f"bad N-Triples: {line_exc}")
    return ImportFileError(Loc(name), f"bad N-Triples: {exc}")


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
    base = base or p.resolve().as_uri()
    graph = Graph(bind_namespaces="none")
    if fmt == "xml":
        try:
            return graph.parse(data=raw, format="xml", publicID=base)
        except xml.sax.SAXParseException as exc:
            line, col = exc.getLineNumber() or 0, exc.getColumnNumber() or 0
            raise ImportFileError(Loc(name, line, col + 1),
                                  f"bad RDF/XML: {exc.getMessage()}") from None
        except (ParserError, ValueError) as exc:
            raise ImportFileError(Loc(name), f"bad RDF/XML: {exc}") from None
    text = _decode(name, raw)
    if fmt == "json-ld":
        _check_jsonld(name, text)
    try:
        with warnings.catch_warnings():  # rdflib 7's JSON-LD parser uses its own deprecated API
            warnings.simplefilter("ignore", DeprecationWarning)
            return graph.parse(data=text, format=fmt, publicID=base)
    except BadSyntax as exc:
        loc = _loc(name, text, int(getattr(exc, "_i", 0)))
        line = loc.line if exc.lines is None else exc.lines + 1
        why = getattr(exc, "_why", str(exc))
        raise ImportFileError(Loc(name, line, loc.col), f"bad Turtle: {why}") from None
    except (ParserError, ValueError) as exc:
        if fmt == "nt":
            raise _nt_error(name, text, exc) from None
        raise ImportFileError(Loc(name), f"bad {fmt}: {exc}") from None


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


_SAME_AS = frozenset(SAME_AS)


def _links(triples: list[tuple[Node, Node, Node]], curated: Dataset) -> dict[str, str]:
    by_wikidata = {e.wikidata: e.id for e in curated.entities if e.wikidata}
    ids = {e.id for e in curated.entities}
    kgr = str(KGR)
    known: dict[Node, str | None] = {}

    def curated_id(term: Node) -> str | None:
        if term in known:
            return known[term]
        text = str(term)
        found = None
        if isinstance(term, URIRef):
            if text.startswith(kgr) and text[len(kgr):] in ids:
                found = text[len(kgr):]
            elif "wikidata.org/" in text and (m := _WIKIDATA.fullmatch(text)):
                found = by_wikidata.get(m.group(1))
        known[term] = found
        return found

    links: dict[str, str] = {}
    for s, p, o in triples:
        candidates = [(s, o), (o, s), (s, s)] if p in _SAME_AS else [(s, s)]
        for ext, other in candidates:
            ident = curated_id(other)
            if ident and isinstance(ext, URIRef) and ext != entity_iri(ident):
                links[str(ext)] = ident
    return links


def import_rdf(path: Path | str, curated: Dataset, *, name: str | None = None,
               format: str | None = None) -> RdfImport:
    """Read one external RDF file into its own named graph, aligned with ``curated``;
    ``format`` (a :data:`FORMAT_NAMES` key) overrides the file's suffix."""
    label = name or Path(path).name
    graph_iri = GRAPH[f"rdf/{slug(label)}"]
    source = URIRef(f"{graph_iri}/source")
    raw = read_import_bytes(path)
    fast = fast_triples(raw, file_format(path, format), Path(path).resolve().as_uri()) \
        if not raw.startswith(b"\xef\xbb\xbf") else None
    parsed = fast if fast is not None else parse_file(path, format=format, raw=raw)
    triples = _skolemized(parsed, slug(label).replace("-", ""))
    links = _links(triples, curated)
    digest = hashlib.sha256(raw).hexdigest()
    meta: list[Triple] = [
        (source, RDF.type, KG.Source),
        (source, RDFS.label, Literal(label, lang="en")),
        (source, DCTERMS.title, Literal(label, lang="en")),
        (source, KG.file, Literal(label)),
        (source, KG.sha256, Literal(digest)),
        (graph_iri, PROV.wasDerivedFrom, source),
    ]
    meta += [(entity_iri(i), OWL.sameAs, URIRef(ext)) for ext, i in sorted(links.items())]
    return RdfImport(str(path), graph_iri, source, triples, meta, links)
