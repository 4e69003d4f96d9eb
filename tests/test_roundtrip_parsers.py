"""Every export is re-read by independent strict parsers and is the graph kg built.

Parsers: rdflib (Turtle, N-Triples, JSON-LD), pyoxigraph (strict: IRIs and language tags
validated) and Raptor's `rapper` (Turtle, N-Triples; it has no JSON-LD reader). Each
result must be isomorphic to kg.rdf.triples.to_graph of the loaded data. The helpers here are
also used by the property tests.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, needs_rapper, run_kg
from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.term import Node

from kg.curate.load import load
from kg.rdf.triples import to_graph

RDFLIB_FORMATS = {"graph.ttl": "turtle", "graph.nt": "nt", "graph.jsonld": "json-ld"}
RAPPER_SYNTAX = {"graph.ttl": "turtle", "graph.nt": "ntriples"}
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def rdflib_graph(path: Path) -> Graph:
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(path, format=RDFLIB_FORMATS[path.name])


def _ox_term(term: object) -> Node:
    import pyoxigraph

    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    assert isinstance(term, pyoxigraph.Literal), term
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype in (str(XSD.string), RDF_LANG_STRING):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def oxigraph_graph(path: Path) -> Graph:
    """The file parsed by pyoxigraph's strict parser, as an rdflib graph."""
    import pyoxigraph

    graph = Graph()
    for quad in pyoxigraph.parse(path=path):
        assert isinstance(quad.graph_name, pyoxigraph.DefaultGraph)
        graph.add((_ox_term(quad.subject), _ox_term(quad.predicate), _ox_term(quad.object)))
    return graph


def rapper_graph(path: Path) -> Graph:
    """The file parsed by Raptor's rapper, re-serialized as N-Triples, as an rdflib graph."""
    done = subprocess.run(["rapper", "-i", RAPPER_SYNTAX[path.name], "-o", "ntriples",
                           str(path)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr.lower() and "error" not in done.stderr.lower(), \
        done.stderr
    return Graph().parse(data=done.stdout, format="nt")


def rereads(out: Path) -> Iterator[tuple[str, Graph]]:
    """Every export in ``out`` read by every parser that reads its format."""
    for name in RDFLIB_FORMATS:
        path = out / name
        yield f"rdflib {name}", rdflib_graph(path)
        yield f"oxigraph {name}", oxigraph_graph(path)
        if name in RAPPER_SYNTAX:
            yield f"rapper {name}", rapper_graph(path)


def assert_all_isomorphic(out: Path, expected: Graph) -> None:
    canonical = to_isomorphic(expected)
    for what, graph in rereads(out):
        assert len(graph) == len(expected), what
        assert isomorphic(graph, canonical), what


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shipped")
    shutil.copytree(DATA, root / "data")
    done = run_kg("build", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@needs_rapper
def test_every_export_of_the_shipped_data_is_reread_isomorphic(shipped: Path) -> None:
    data, issues = load(shipped / "data")
    assert not [i for i in issues if i.is_error]
    assert_all_isomorphic(shipped / "out", to_graph(data))


@needs_rapper
@pytest.mark.parametrize("name", sorted(RAPPER_SYNTAX))
def test_rapper_counts_the_same_triples(shipped: Path, name: str) -> None:
    done = subprocess.run(["rapper", "-c", "-i", RAPPER_SYNTAX[name], str(shipped / "out" / name)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    expected = len(to_graph(load(shipped / "data")[0]))
    assert f"returned {expected} triples" in done.stderr


@needs_rapper
def test_oxigraph_refuses_a_broken_export(shipped: Path, tmp_path: Path) -> None:
    """The strict parsers are not lenient: a damaged file fails them (so passing counts)."""
    broken = tmp_path / "graph.nt"
    text = (shipped / "out" / "graph.nt").read_text(encoding="utf-8")
    assert '"kg ontology"@en' in text
    broken.write_text(text.replace('"kg ontology"@en', '"kg "ontology"@en'), encoding="utf-8")
    with pytest.raises(SyntaxError):
        oxigraph_graph(broken)
    done = subprocess.run(["rapper", "-i", "ntriples", "-o", "ntriples", str(broken)],
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0
