"""SHACL validation of the built graph (kg/rdf/shapes.ttl via pyshacl), results as issues.

Each result's focus node is traced back to the record it came from, so a violation is
reported against a data file and line, not as raw RDF.
"""

from __future__ import annotations

from importlib import resources

from rdflib import Graph, URIRef
from rdflib.namespace import SH

from kg.core.errors import Issue, Loc
from kg.core.model import Dataset
from kg.rdf.triples import citation_iri, entity_iri, statement_iri


def shapes_graph() -> Graph:
    text = resources.files("kg").joinpath("rdf/shapes.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


def locations(data: Dataset) -> dict[URIRef, Loc]:
    """Where each IRI of the data graph was curated."""
    where: dict[URIRef, Loc] = {}
    for source in data.sources:
        where[entity_iri(source.id)] = source.loc
    for entity in data.entities:
        where[entity_iri(entity.id)] = entity.loc
    for s in data.statements:
        node = statement_iri(s)
        where[node] = s.loc
        seen: dict[str, int] = {}
        for c in s.citations:
            seen[c.source] = seen.get(c.source, 0) + 1
            where[citation_iri(node, c, seen[c.source])] = c.loc
    return where


def validate(graph: Graph, data: Dataset) -> list[Issue]:
    """SHACL violations of ``graph`` as issues placed at the curated record."""
    from pyshacl import validate as shacl

    conforms, report, _ = shacl(graph, shacl_graph=shapes_graph(), inference="none",
                                advanced=False, allow_warnings=True)
    if conforms:
        return []
    where = locations(data)
    issues = []
    for result in report.subjects(SH.focusNode, None):
        focus = report.value(result, SH.focusNode)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        loc = where.get(focus, Loc("<graph>")) if isinstance(focus, URIRef) else Loc("<graph>")
        issues.append(Issue(loc, f"SHACL: {message}", str(value) if value is not None else
                            str(focus), code="shacl"))
    return issues
