"""`kg build` with a kg.toml listing imports: named graphs, union, pages, failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from kg.core.errors import ImportFileError
from kg.core.vocab import ontology_graph
from kg.curate.load import load
from kg.pipeline.build import build
from kg.rdf.export import serialize
from kg.rdf.triples import data_triples
from tests.conftest import FIXTURES, ROOT, run_kg, tree_snapshot

EXTRA = ("@prefix ex: <http://example.org/> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
         "ex:tokyo owl:sameAs <http://www.wikidata.org/entity/Q17> ; ex:note \"capital\" .\n")
SIPRI_GRAPH = URIRef("https://w3id.org/kg/graph/sipri-trade-register-2025-02-03")
RDF_GRAPH = URIRef("https://w3id.org/kg/graph/rdf/extra/bases.ttl")


@pytest.fixture
def project(tmp_path: Path, data_copy: Path) -> Path:
    shutil.copy(FIXTURES / "sipri-register.csv", tmp_path / "sipri.csv")
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "bases.ttl").write_text(EXTRA, encoding="utf-8")
    (tmp_path / "kg.toml").write_text('[imports]\nsipri = ["sipri.csv"]\n'
                                      'rdf = ["extra/bases.ttl"]\n\n[align]\n'
                                      '"MIM-104 PAC-3" = "pac-3"\n', encoding="utf-8")
    return tmp_path


def test_no_config_build_unchanged(tmp_path: Path) -> None:
    result = build(ROOT / "data", tmp_path / "out", html_page=False)
    assert result.imported is None
    assert sorted(result.outputs) == ["graph.jsonld", "graph.nt", "graph.ttl"]
    data = load(ROOT / "data")[0]
    expected = serialize([*data_triples(data), *ontology_graph()], "ttl")
    assert (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8") == expected


# rdflib 7.6's own TriG / N-Quads parsers call its deprecated Dataset API internally.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_build_keeps_named_graphs_and_union(project: Path) -> None:
    result = run_kg("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "5 deals read" in result.stdout and "1 resource(s) aligned" in result.stdout
    out = project / "out"
    quads = Dataset()
    quads.parse(data=(out / "graph.nq").read_text(encoding="utf-8"), format="nquads")
    names = {g.identifier for g in quads.graphs()}
    assert {SIPRI_GRAPH, RDF_GRAPH} <= names
    assert len(quads.graph(RDF_GRAPH)) == 2
    trig = Dataset()
    trig.parse(data=(out / "graph.trig").read_text(encoding="utf-8"), format="trig")
    assert set(trig.graph(SIPRI_GRAPH)) == set(quads.graph(SIPRI_GRAPH))
    union = Graph().parse(data=(out / "graph.ttl").read_text(encoding="utf-8"),
                          format="turtle")
    assert set(union) == {t for g in quads.graphs() for t in g}
    report = (out / "imports-report.txt").read_text(encoding="utf-8")
    assert "matched  'MIM-104 PAC-3' -> kgr:pac-3" in report
    assert "<http://example.org/tokyo> -> kgr:japan" in report
    page = (out / "countries" / "japan.html").read_text(encoding="utf-8")
    assert "SM-3 Block-2 (2019)" in page and "kg — Japan: arms transfers" in page
    assert "Mi-8MT" not in page  # another recipient's deal stays off Japan's page
    assert (out / "graph.html").is_file()


def test_build_is_deterministic(project: Path) -> None:
    first = build(project / "data", project / "a", html_page=False)
    build(project / "data", project / "b", html_page=False)
    for name in ("graph.ttl", "graph.trig", "graph.nq"):
        assert (project / "a" / name).read_bytes() == (project / "b" / name).read_bytes()
    assert first.imported is not None and len(first.imported.sipri[0].transfers) == 5


def test_bad_rdf_file_fails_with_position_and_writes_nothing(project: Path) -> None:
    build(project / "data", project / "out", html_page=False)
    before = tree_snapshot(project / "out")
    (project / "extra" / "bases.ttl").write_text(EXTRA + "ex:a ex:b .\n", encoding="utf-8")
    result = run_kg("build", "--no-html", cwd=project)
    assert result.returncode == 1
    assert "extra/bases.ttl:4:" in result.stderr  # named relative to where kg runs
    assert tree_snapshot(project / "out") == before


@pytest.mark.parametrize(("text", "where", "message"), [
    ('[imports]\nsipri = "x.csv"\n', ":2:1:", "must be a list"),
    ('[imports]\ncsv = ["x.csv"]\n', ":2:1:", "unknown key in [imports]"),
    ("[imports\n", ":1:9:", "bad TOML"),
    ('[align]\n"x" = 3\n', ":2:1:", "[align] value"),
])
def test_bad_config_refused_with_position(project: Path, text: str, where: str,
                                          message: str) -> None:
    (project / "kg.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        build(project / "data", project / "out", html_page=False)
    assert str(err.value).startswith(f"{project / 'kg.toml'}{where}")
    assert message in str(err.value)
    assert not (project / "out").exists()
