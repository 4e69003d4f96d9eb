"""The networkx projection and the analyses on it (kg.analysis.network), from Python and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from kg import central, communities, neighbors, paths, to_networkx
from kg.analysis.network import NetworkError
from kg.pipeline.build import build, load_graph
from tests.conftest import ROOT, run_kg

KGS = "https://w3id.org/kg/statement/"

FILES = {
    "sources.yaml": """
        sources:
          - {id: s-old, title: Old report, published: 2019-03-01, reliability: B}
          - {id: s-new, title: New report, published: 2022-06-15, reliability: C}
        """,
    "entities__all.yaml": """
        entities:
          - {id: alpha, type: Country, label: Alphaland, aliases: [AL, Twin],
             ambiguous: {Twin: Both countries are nicknamed Twin (a fixture).}}
          - {id: beta, type: Country, label: Betaland, aliases: [BL]}
          - {id: twinland, type: Country, label: Twinland, aliases: [Twin],
             ambiguous: {Twin: Both countries are nicknamed Twin (a fixture).}}
          - {id: gamma, type: Person, label: Gamma Person}
          - {id: deal, type: Agreement, label: Alpha-Beta deal}
        """,
    "statements__all.yaml": """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            qualifiers: {date: 2022-07, status: planned}
            sources: [{source: s-new, locator: para 2, credibility: 3, attribution: unnamed}]
          - subject: deal
            predicate: party
            object: beta
            qualifiers: {date: 2022-07, status: planned}
            sources: [{source: s-new, locator: para 2, credibility: 3, attribution: unnamed}]
          - subject: deal
            predicate: value
            value: {value: 5e6, currency: USD}
            sources: [{source: s-new, locator: para 4}]
          - subject: gamma
            predicate: leader-of
            object: alpha
            qualifiers: {date: 2019-02}
            sources: [{source: s-old, locator: p1, credibility: 2, attribution: first-hand}]
          - subject: gamma
            predicate: met-with
            object: beta
            qualifiers: {date: 2019-03-01, according-to: gamma}
            sources: [{source: s-old, locator: p2, credibility: 2, attribution: official}]
        """,
}


@pytest.fixture
def data(write_data: Callable[..., Path]) -> Path:
    return write_data(**FILES)


@pytest.fixture
def graph(data: Path) -> Graph:
    return load_graph(data).graph


def _route(result: object) -> list[str]:
    return [n["id"] for n in result.nodes]  # type: ignore[attr-defined]


# --- the projection -----------------------------------------------------------------------

def test_entities_are_nodes_with_label_class_aliases(graph: Graph) -> None:
    g = to_networkx(graph)
    assert sorted(g.nodes) == ["alpha", "beta", "deal", "gamma", "twinland"]
    assert g.nodes["alpha"]["label"] == "Alphaland"
    assert g.nodes["alpha"]["class"] == "Country"
    assert g.nodes["alpha"]["aliases"] == ["AL", "Twin"]
    assert g.nodes["gamma"]["class"] == "Person"


def test_sources_schema_and_statement_nodes_are_left_out(graph: Graph) -> None:
    g = to_networkx(graph)
    assert not {"s-old", "s-new"} & set(g.nodes)
    assert not [n for n in g.nodes if "ontology" in str(n) or str(n).startswith(KGS)]


def test_a_statement_is_an_edge_keyed_by_its_iri_with_qualifiers_and_citations(
        graph: Graph) -> None:
    g = to_networkx(graph)
    key = KGS + "deal.party.alpha"
    edge = g.edges["deal", "alpha", key]
    assert edge["predicate"] == "party"
    assert edge["predicate_label"] == "party"
    assert edge["qualifiers"] == {"date": "2022-07", "status": "planned"}
    assert edge["citations"] == [{
        "source": "s-new", "title": "New report", "published": "2022-06-15",
        "reliability": "C", "locator": "para 2", "credibility": 3,
        "attribution": "unnamed", "note": ""}]
    assert g.number_of_edges() == 4  # the value statement is not an edge


def test_literal_valued_statements_become_node_values(graph: Graph) -> None:
    g = to_networkx(graph)
    assert g.nodes["deal"]["values"] == {"value": ["5000000"]}


def test_projection_of_a_built_graph_file_is_the_same(data: Path, tmp_path: Path) -> None:
    build(data, tmp_path / "out", formats=("ttl",), html_page=False)
    parsed = Graph().parse(tmp_path / "out" / "graph.ttl", format="turtle")
    a, b = to_networkx(load_graph(data).graph), to_networkx(parsed)
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True), key=lambda e: e[2]) == \
        sorted(b.edges(keys=True, data=True), key=lambda e: e[2])


# --- paths ----------------------------------------------------------------------------------

def test_all_shortest_paths_with_facts_and_sources(graph: Graph) -> None:
    found = paths(graph, "AL", "betaland")
    assert [_route(p) for p in found] == [["alpha", "deal", "beta"],
                                          ["alpha", "gamma", "beta"]]
    step = found[1].steps[1]
    assert [(f["subject"], f["predicate"], f["object"]) for f in step.facts] == [
        ("gamma", "met-with", "beta")]
    assert step.facts[0]["qualifiers"] == {"date": "2019-03-01", "accordingTo": "gamma"}
    assert step.facts[0]["citations"][0]["locator"] == "p2"


def test_as_of_keeps_facts_dated_or_reported_by_then(graph: Graph) -> None:
    assert [_route(p) for p in paths(graph, "alpha", "beta", as_of="2020")] == [
        ["alpha", "gamma", "beta"]]
    # the deal is dated 2022-07 but reported 2022-06-15: known from that day
    assert len(paths(graph, "alpha", "beta", as_of="2022-06-15")) == 2
    assert len(paths(graph, "alpha", "beta", as_of="2022-06-14")) == 1
    assert paths(graph, "alpha", "beta", as_of="2019-01") == []


def test_exclusions_direction_and_max_length(graph: Graph) -> None:
    assert [_route(p) for p in paths(graph, "alpha", "beta", exclude_predicates=["party"])] \
        == [["alpha", "gamma", "beta"]]
    assert [_route(p) for p in paths(graph, "alpha", "beta", exclude_classes=["Agent"])] \
        == [["alpha", "deal", "beta"]]  # endpoints are kept, Person is an Agent
    assert paths(graph, "alpha", "beta", max_length=1) == []
    assert paths(graph, "alpha", "beta", directed=True) == []
    assert [_route(p) for p in paths(graph, "gamma", "beta", directed=True)] == [
        ["gamma", "beta"]]


def test_names_resolve_by_id_label_alias_ignoring_case(graph: Graph) -> None:
    assert _route(paths(graph, "GAMMA PERSON", "bl")[0]) == ["gamma", "beta"]
    with pytest.raises(NetworkError, match=r"'Twin' is ambiguous.*alpha \(Alphaland\), "
                                           r"twinland \(Twinland\)"):
        paths(graph, "Twin", "beta")
    with pytest.raises(NetworkError, match="no entity has the id, label or alias 'nowhere'"):
        paths(graph, "nowhere", "beta")
    with pytest.raises(NetworkError, match="--as-of"):
        paths(graph, "alpha", "beta", as_of="10/05/2023")


# --- neighbours, centrality, communities ----------------------------------------------------

def test_neighbors_by_ring_with_the_facts_that_join_them(graph: Graph) -> None:
    ring = neighbors(graph, "beta", hops=2)
    assert [(n.id, n.distance) for n in ring] == [
        ("deal", 1), ("gamma", 1), ("alpha", 2)]
    assert sorted(f["statement"] for f in ring[2].facts) == [
        KGS + "deal.party.alpha", KGS + "gamma.leader-of.alpha"]
    assert [n.id for n in neighbors(graph, "beta")] == ["deal", "gamma"]


def test_central_ranks_and_filters_by_class(graph: Graph) -> None:
    rows = central(graph, top=None)
    assert [r.id for r in rows][:2] == ["alpha", "beta"]  # degree 2 each, then by id
    assert {r.id: r.degree for r in rows} == {
        "alpha": 2, "beta": 2, "deal": 2, "gamma": 2, "twinland": 0}
    assert [r.id for r in central(graph, by_class="Person")] == ["gamma"]
    by_rank = central(graph, sort="pagerank", top=2)
    assert {r.id for r in by_rank} == {"alpha", "beta"}  # objects of the facts
    assert by_rank[0].pagerank >= by_rank[1].pagerank > 0
    assert max(r.betweenness for r in rows) > 0



def test_pagerank_matches_networkx_reference_without_numpy() -> None:
    """kg's PageRank (kg/analysis/pagerank.py, plain Python) gives networkx's numbers, on
    the shipped graph and on a small graph with parallel edges, a self-loop and a dangling node."""
    import networkx as nx
    from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

    from kg.analysis.pagerank import pagerank

    small = nx.MultiDiGraph()  # edges added, not passed: networkx 3.2-3.3 warn (no pandas)
    small.add_edges_from([("a", "b"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "c"),
                          ("a", "d")])
    shipped = to_networkx(load_graph(ROOT / "data").graph)
    for g in (small, shipped):
        ours = pagerank(g.nodes, g.edges())
        reference = _pagerank_python(g)
        assert ours.keys() == reference.keys()
        assert max(abs(ours[n] - reference[n]) for n in ours) < 1e-9
        assert abs(sum(ours.values()) - 1) < 1e-9
    assert pagerank([], []) == {}
    assert pagerank(["x"], []) == {"x": 1.0}

def test_communities_are_deterministic(graph: Graph) -> None:
    first = communities(graph)
    assert first == communities(graph)
    members = sorted(m["id"] for c in first for m in c.members)
    assert members == ["alpha", "beta", "deal", "gamma"]  # twinland alone: below min_size
    assert len(communities(graph, min_size=1)) == len(first) + 1


# --- command line ---------------------------------------------------------------------------

def test_cli_path_prints_a_chain_of_facts(data: Path) -> None:
    r = run_kg("path", "al", "bl", "--as-of", "2020", "--data", str(data), cwd=data.parent)
    assert r.returncode == 0, r.stderr
    assert "path 1 of 1 (2 steps): Alphaland - Gamma Person - Betaland" in r.stdout
    assert "Gamma Person -[met with]-> Betaland" in r.stdout
    assert 'source: s-old "Old report" (2019-03-01, reliability B), p2, credibility 2, ' \
           "official" in r.stdout
    r = run_kg("path", "twin", "bl", "--data", str(data), cwd=data.parent)
    assert r.returncode == 1
    assert "'twin' is ambiguous; use one of these ids: alpha (Alphaland), twinland" in r.stderr


def test_cli_json_outputs(data: Path) -> None:
    r = run_kg("path", "alpha", "beta", "--exclude-predicate", "met-with", "--format", "json",
               "--data", str(data), cwd=data.parent)
    found = json.loads(r.stdout)
    assert [[n["id"] for n in p["nodes"]] for p in found] == [["alpha", "deal", "beta"]]
    r = run_kg("central", "--by-class", "Country", "--top", "1", "--format", "json",
               "--data", str(data), cwd=data.parent)
    assert [row["id"] for row in json.loads(r.stdout)] == ["alpha"]
    assert json.loads(r.stdout)[0]["class"] == "Country"


def test_cli_no_path_exits_1(data: Path) -> None:
    r = run_kg("path", "alpha", "twinland", "--data", str(data), cwd=data.parent)
    assert (r.returncode, r.stdout) == (1, "no path between 'alpha' and 'twinland'\n")


def test_import_kg_does_not_import_networkx() -> None:
    code = "import sys, kg; kg.paths; print('networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"
