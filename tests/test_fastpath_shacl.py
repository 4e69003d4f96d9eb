"""kg.rdf.shaclfast agrees with pyshacl on whether a graph conforms, constraint by constraint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SH

from kg.bench.generate import generate
from kg.core.vocab import KG, KGR
from kg.curate.load import load
from kg.rdf.export import Text
from kg.rdf.ntterms import from_rdflib
from kg.rdf.shaclfast import compile_shapes, conforms, conforms_grouped, conforms_text
from kg.rdf.shaclfiles import compiled_shapes
from kg.rdf.triples import to_graph
from kg.rdf.validate import shapes_graph

Mutation = Callable[[Graph], None]


def _pyshacl_conforms(graph: Graph) -> bool:
    from pyshacl import validate

    ok, _, _ = validate(graph, shacl_graph=shapes_graph(), inference="none", advanced=False,
                        allow_warnings=True)
    return bool(ok)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    root = generate(tmp_path_factory.mktemp("g") / "data", 60, files=4).root
    return to_graph(load(root)[0])


def _first(g: Graph, cls: URIRef) -> URIRef:
    return sorted(s for s in g.subjects(RDF.type, cls) if isinstance(s, URIRef))[0]


def _set(p: URIRef, o: object, cls: URIRef = KG.Statement) -> Mutation:
    def change(g: Graph) -> None:
        node = _first(g, cls)
        g.remove((node, p, None))
        if o is not None:
            g.add((node, p, o))  # type: ignore[arg-type]
    return change


def _add(p: URIRef, o: object, cls: URIRef = KG.Statement) -> Mutation:
    return lambda g: g.add((_first(g, cls), p, o))  # type: ignore[arg-type]


MUTATIONS: dict[str, Mutation] = {
    "no label": _set(RDFS.label, None, KG.Country),
    "two labels": _add(RDFS.label, Literal("Other", lang="en"), KG.Country),
    "label not English": _set(RDFS.label, Literal("Japon", lang="fr"), KG.Country),
    "label without language": _set(RDFS.label, Literal("Plain"), KG.Country),
    "subject is a literal": _set(RDF.subject, Literal("x")),
    "predicate not curated": _set(RDF.predicate, KG.note),
    "no source": _set(PROV.wasDerivedFrom, None),
    "derived from a non-source": _set(PROV.wasDerivedFrom, KGR["country-0"]),
    "two statuses": lambda g: [g.add((_first(g, KG.Statement), KG.status, s))
                               for s in (KG.planned, KG.agreed)],
    "status not a status": _set(KG.status, KG.likely),
    "credibility 9": _set(KG.credibility, Literal(9), KG.Citation),
    "credibility 0": _set(KG.credibility, Literal(0), KG.Citation),
    "credibility as text": _set(KG.credibility, Literal("3"), KG.Citation),
    "credibility ill-typed": _set(KG.credibility, Literal("x", datatype=XSD.integer),
                                  KG.Citation),
    "citation without source": _set(PROV.entity, None, KG.Citation),
    "source without title": _set(DCTERMS.title, None, KG.Source),
    "reliability Z": _set(KG.reliability, Literal("Z"), KG.Source),
}


def test_shipped_shapes_are_within_the_fast_subset() -> None:
    assert compiled_shapes() is not None


def test_valid_graph_conforms_on_both(graph: Graph) -> None:
    shapes = compiled_shapes()
    assert shapes is not None
    assert conforms(graph, shapes) is True
    assert conforms_text(from_rdflib(graph), shapes) is True
    assert conforms_grouped(Text(from_rdflib(graph)).grouped, shapes) is True
    assert _pyshacl_conforms(graph) is True


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_violation_is_seen_by_both(graph: Graph, name: str) -> None:
    shapes = compiled_shapes()
    assert shapes is not None
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    MUTATIONS[name](broken)
    assert _pyshacl_conforms(broken) is False, "the mutation must break a shape"
    assert conforms(broken, shapes) is False
    assert conforms_text(from_rdflib(broken), shapes) is False
    # as the build reads it: the writers' grouping, in place
    assert conforms_grouped(Text(from_rdflib(broken)).grouped, shapes) is False


def test_shapes_beyond_the_subset_fall_back(tmp_path: Path) -> None:
    g = shapes_graph()
    node = next(iter(g.subjects(RDF.type, SH.NodeShape)))
    g.add((node, SH.closed, Literal(True)))
    assert compile_shapes(g) is None
    pattern = shapes_graph()
    prop = next(iter(pattern.objects(None, SH.property)))
    pattern.add((prop, SH.pattern, Literal("^x")))
    assert compile_shapes(pattern) is None
