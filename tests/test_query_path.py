"""Querying a build's output on Oxigraph (no rdflib load), and the vetting that skips rdflib."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kg.core.errors import QueryError
from kg.pipeline.build import build, load_graph
from kg.sparql.query import query, query_path
from kg.sparql.vetting import vet
from tests.conftest import DATA, ROOT, run_kg

QUERY = (ROOT / "queries" / "who-said-what.rq").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graph_nt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    build(DATA, out, html_page=False)
    return out / "graph.nt"


def test_plain_select_skips_rdflib_parse_only_on_oxigraph() -> None:
    assert vet(QUERY, "oxigraph") is None
    assert vet(QUERY, "rdflib") is not None
    # a word the refusals are about sends the query to the full parse, even in a string
    assert vet('SELECT * WHERE { ?s ?p "from" }', "oxigraph") is not None
    with pytest.raises(QueryError):  # rdflib's parse refuses it: Oxigraph never sees it
        vet("SELECT * WHERE { ?s ?p 1SERVICE <x> { ?s ?p ?o } }", "oxigraph")
    assert vet("SELECT * WHERE { ?s kg:equipped-with ?o ; prov:wasDerivedFrom ?src }",
               "oxigraph") is None


@pytest.mark.parametrize("sparql", [
    # the "comment" line is inside a long string: SERVICE after it is real and refused
    'SELECT * WHERE { ?s ?p """x\n# """ . SERVICE <http://example.org/s> { ?s ?p ?o } }',
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/s> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
])
def test_refusals_still_hold_on_a_graph_file(graph_nt: Path, sparql: str) -> None:
    with pytest.raises(QueryError):
        query_path(graph_nt, sparql)


def test_graph_file_and_store_answer_as_rdflib_does(graph_nt: Path, tmp_path: Path) -> None:
    expected = query(load_graph(DATA).graph, QUERY).rows
    assert expected
    assert query_path(graph_nt, QUERY).rows == expected  # ORDER BY: same order too
    oxigraph = shutil.which("oxigraph")
    if oxigraph is None:
        pytest.skip("the oxigraph CLI is not installed")
    subprocess.run([oxigraph, "load", "--location", str(tmp_path / "store"), "--file",
                    str(graph_nt)], check=True, capture_output=True)
    assert query_path(tmp_path / "store", QUERY).rows == expected


def test_cli_graph_file(graph_nt: Path, tmp_path: Path) -> None:
    done = run_kg("query", "--graph-file", str(graph_nt), "--format", "csv",
                  "SELECT ?c WHERE { kgr:japan a ?c }", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["c", "https://w3id.org/kg/ontology/Country"]
    bad = run_kg("query", "--graph-file", str(tmp_path / "none.nt"), "ASK {}", cwd=tmp_path)
    assert bad.returncode == 1 and "none.nt: cannot open it as a graph" in bad.stderr
