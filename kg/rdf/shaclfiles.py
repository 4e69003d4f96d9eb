"""SHACL validation file by file, with a per-file cache: the same results as one big run.

The shapes (kg/rdf/shapes.ttl) only look at a focus node's own triples, which come from one
record of one file, plus the ontology (classes, predicates, statuses) and the type of
each cited source. So each file's graph is its records' triples, the ontology, and
``<source> a kg:Source`` for the sources it cites from other files; results about those
borrowed sources are dropped (their own file validates them in full). Each file's raw
results are cached under a hash of its records, the shapes and the ontology, and mapped
back to file and line from the current data on every run, so a position is never stale.
Before pyshacl, :mod:`kg.rdf.shaclfast` checks in one pass whether any shape is violated at
all; only when one is (or when the shapes use SHACL beyond its subset) does pyshacl run,
and then every result is pyshacl's. This is only used when the checks of :mod:`kg.check`
found no error (ids are unique and statements distinct, so no focus node spans two files).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from itertools import chain
from pathlib import Path

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from kg.core.entries import code_version, read_entry, write_entry
from kg.core.errors import Issue, Loc
from kg.core.model import Dataset, Entity, Source, Statement, merge
from kg.core.vocab import KG, ontology_graph, ontology_text
from kg.rdf.ntterms import NTTerms, from_rdflib
from kg.rdf.shaclfast import Grouped, Shape, compile_shapes, conforms_grouped, conforms_text
from kg.rdf.termtext import nt_iri
from kg.rdf.triples import data_triples, entity_iri, new_graph
from kg.rdf.validate import locations, shapes_graph

Result = tuple[str, str, str]  # focus IRI, message, value


def by_file(data: Dataset) -> dict[str, Dataset]:
    """The records of ``data`` grouped by the file they came from, in file order."""
    sources: dict[str, list[Source]] = {}
    entities: dict[str, list[Entity]] = {}
    statements: dict[str, list[Statement]] = {}
    for s in data.sources:
        sources.setdefault(s.loc.file, []).append(s)
    for e in data.entities:
        entities.setdefault(e.loc.file, []).append(e)
    for st in data.statements:
        statements.setdefault(st.loc.file, []).append(st)
    names = dict.fromkeys([*sources, *entities, *statements])
    return {name: Dataset(tuple(sources.get(name, ())), tuple(entities.get(name, ())),
                          tuple(statements.get(name, ())), (name,)) for name in names}


@cache
def compiled_shapes() -> tuple[Shape, ...] | None:
    return compile_shapes(shapes_graph())


def shacl_results(graph: Graph, shapes: Graph) -> list[Result]:
    """pyshacl's results, as kg.rdf.validate runs it: (focus, message, value) strings."""
    from pyshacl import validate as shacl

    conforms, report, _ = shacl(graph, shacl_graph=shapes, inference="none",
                                advanced=False, allow_warnings=True)
    if conforms:
        return []
    out = []
    for result in report.subjects(SH.focusNode, None):
        focus = report.value(result, SH.focusNode)
        value = report.value(result, SH.value)
        out.append((str(focus) if isinstance(focus, URIRef) else "",
                    f"SHACL: {report.value(result, SH.resultMessage)}",
                    str(value) if value is not None else str(focus)))
    return out


@cache
def _salt() -> str:
    text = shapes_text() + ontology_text() + code_version()
    return hashlib.sha256(text.encode()).hexdigest()


def shapes_text() -> str:
    from importlib import resources

    return resources.files("kg").joinpath("rdf/shapes.ttl").read_text(encoding="utf-8")


def _cited_elsewhere(part: Dataset) -> list[URIRef]:
    own = {s.id for s in part.sources}
    cited = {c.source for s in part.statements for c in s.citations} - own
    return [entity_iri(src) for src in sorted(cited)]


def _key(part: Callable[[], Dataset], file_key: str | None) -> str:
    """What a file's results depend on: its records and the sources they borrow (both
    told by ``file_key``, the hash of its bytes and of the reader's code, when the caller
    has it; else the records' repr), the shapes and the ontology."""
    if file_key is not None:
        text = _salt() + file_key
    else:
        records = part()
        text = _salt() + repr(records) + repr(_cited_elsewhere(records))
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _ontology_text() -> tuple[tuple[str, str, str], ...]:
    return tuple(from_rdflib(ontology_graph()))


def _run(parts: dict[str, Dataset], grouped: Callable[[], Grouped] | None,
         own: Callable[[], Iterable[tuple[str, str, str]]] | None = None) -> \
        dict[str, list[Result]]:
    """One pyshacl run over the given files; its results split back by file.

    ``grouped``: the N-Triples text triples of exactly these files and the ontology,
    grouped by subject and predicate, when the caller has them already (the writers'
    kg.rdf.export.Text.grouped): the fast test then reads them in place instead of making
    its own copy of the graph. ``own``: the files' own text triples (no ontology), when
    the caller has made them already.
    """
    combined = merge(list(parts.values()))
    borrowed = {str(src) for src in _cited_elsewhere(combined)}
    extra = [(URIRef(src), RDF.type, KG.Source) for src in borrowed]
    rules = compiled_shapes()
    if rules is not None:
        skip = frozenset(nt_iri(src) for src in borrowed)  # pyshacl's results on them are dropped
        if conforms_grouped(grouped(), rules, skip=skip) if grouped is not None and not extra \
                else conforms_text(chain(own() if own is not None else
                                         data_triples(combined, NTTerms()), _ontology_text(),
                                         from_rdflib(extra)), rules, skip=skip):
            return {name: [] for name in parts}  # pyshacl would report nothing we keep
    graph = new_graph([*data_triples(combined), *ontology_graph(), *extra])
    where = locations(combined)
    first = next(iter(parts))
    out: dict[str, list[Result]] = {name: [] for name in parts}
    for result in shacl_results(graph, shapes_graph()):
        if result[0] in borrowed:
            continue
        loc = where.get(URIRef(result[0])) if result[0] else None
        out[loc.file if loc is not None and loc.file in out else first].append(result)
    return out


def _issues(found: Mapping[str, list[Result]],
            parts: Mapping[str, Callable[[], Dataset]]) -> list[Issue]:
    """The results as issues, each placed in the file it is stored under (the file of
    its focus node); files without results are not even read."""
    seen: set[Result] = set()
    issues = []
    for name, results in found.items():
        if not results:
            continue  # mapping every record to its place costs more than the usual none
        where = locations(parts[name]())
        for result in results:
            if result in seen:
                continue
            seen.add(result)
            focus, message, value = result
            loc = where.get(URIRef(focus), Loc("<graph>")) if focus else Loc("<graph>")
            issues.append(Issue(loc, message, value, code="shacl"))
    return issues


def validate_files(data: Dataset, *, cache_dir: Path | None = None,
                   grouped: Callable[[], Grouped] | None = None,
                   file_keys: Mapping[str, str] | None = None) -> list[Issue]:
    """The SHACL issues of ``data``; with ``cache_dir``, unchanged files reuse their results.

    ``grouped``, when given, gives ``data``'s N-Triples text triples with the ontology's,
    grouped by subject and predicate (kg.rdf.export.Text.grouped, as the build has them;
    called at most once). ``file_keys``: each file's content key
    (kg.pipeline.datafiles), which spares hashing its records.
    """
    parts = {name: (lambda part=part: part) for name, part in by_file(data).items()}
    return validate_parts(parts, cache_dir=cache_dir, grouped=grouped, file_keys=file_keys)


def validate_parts(parts: Mapping[str, Callable[[], Dataset]], *,
                   cache_dir: Path | None = None, grouped: Callable[[], Grouped] | None = None,
                   file_keys: Mapping[str, str] | None = None,
                   own: Callable[[], Iterable[tuple[str, str, str]]] | None = None
                   ) -> list[Issue]:
    """:func:`validate_files` of the files ``parts`` (name -> its records, read only when
    needed: to validate a file without a cached result, or to place a result).

    The files without a cached result are validated together in one run; ``grouped``
    (or ``own``: the files' own N-Triples text triples, without the ontology) is used
    when every file has to be.
    """
    given = file_keys or {}
    keys = {name: _key(part, given.get(name)) for name, part in parts.items()} \
        if cache_dir else {}
    found: dict[str, list[Result]] = {}
    if cache_dir is not None:
        for name, key in keys.items():
            entry = read_entry(cache_dir, "shacl", key)
            if isinstance(entry, list):
                found[name] = entry
    missing = {name: part() for name, part in parts.items() if name not in found}
    if missing:
        every = len(missing) == len(parts)
        fresh = _run(missing, grouped if every else None, own if every else None)
        found.update(fresh)
        if cache_dir is not None:
            for name, results in fresh.items():
                write_entry(cache_dir, "shacl", keys[name], results)
    return _issues({name: found[name] for name in parts}, parts)
