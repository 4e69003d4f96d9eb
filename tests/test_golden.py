"""The graph of a small fixture against a golden Turtle file: as text and as graphs."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

import kg
from kg.rdf.export import serialize
from kg.rdf.triples import data_triples, new_graph
from tests.conftest import FIXTURES

SMALL = FIXTURES / "small"


def _fixture_triples() -> list:  # type: ignore[type-arg]
    data, issues = kg.load(SMALL / "data")
    assert [i for i in issues if i.is_error] == []
    return list(data_triples(data))


def test_turtle_matches_golden_text() -> None:
    expected = (SMALL / "expected.ttl").read_text(encoding="utf-8")
    assert serialize(_fixture_triples(), "ttl") == expected


def test_turtle_matches_golden_graph() -> None:
    expected = Graph().parse(SMALL / "expected.ttl", format="turtle")
    actual = new_graph(_fixture_triples())
    iso_a, iso_e = to_isomorphic(actual), to_isomorphic(expected)
    _, only_actual, only_expected = graph_diff(iso_a, iso_e)
    assert not list(only_actual) and not list(only_expected)
    assert isomorphic(actual, expected)


def test_every_export_is_isomorphic_to_the_graph(tmp_path: Path) -> None:
    result = kg.build(SMALL / "data", tmp_path, html_page=False)
    reference = kg.to_graph(result.data)
    for name, fmt in (("graph.ttl", "turtle"), ("graph.nt", "nt"), ("graph.jsonld", "json-ld")):
        parsed = Graph().parse(tmp_path / name, format=fmt)
        assert isomorphic(parsed, reference), name


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    kg.build(SMALL / "data", tmp_path / "a")
    kg.build(SMALL / "data", tmp_path / "b")
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "graph.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_statement_node_carries_qualifiers_and_citations() -> None:
    graph = new_graph(_fixture_triples())
    rows = {tuple(str(x) for x in r) for r in graph.query(
        """SELECT ?date ?status ?locator ?cred WHERE {
             ?st rdf:subject kgr:deal ; rdf:predicate kg:supplier ; rdf:object kgr:acme ;
                 kg:date ?date ; kg:status ?status ; prov:qualifiedDerivation ?c .
             ?c kg:locator ?locator ; kg:credibility ?cred }""",
        initNs={"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                "kg": "https://w3id.org/kg/ontology/", "kgr": "https://w3id.org/kg/resource/",
                "prov": "http://www.w3.org/ns/prov#"})}
    assert rows == {("2020-02", "https://w3id.org/kg/ontology/signed", "para 1", "2")}


def test_outputs_are_readable_by_others(tmp_path: Path) -> None:
    kg.build(SMALL / "data", tmp_path)
    for name in ("graph.ttl", "graph.html"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name
