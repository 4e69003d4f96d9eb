"""Time and row limits, refusals, and agreement between the rdflib and Oxigraph engines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core.errors import QueryError, QueryTimeout, QueryTooLarge
from kg.pipeline.build import load_graph
from kg.sparql.engine import Engine, open_engine
from kg.sparql.query import query
from kg.sparql.results import QueryResult
from tests.conftest import DATA, ROOT, run_kg

CARTESIAN = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?h ?i }"
PATH = "SELECT * WHERE { ?s (rdfs:label|!rdfs:label)* ?o . ?x ?y ?z }"

OWN_QUERIES = {
    "labels": "SELECT ?s ?l WHERE { ?s rdfs:label ?l }",
    "count-by-predicate": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
    "classes-closure": "SELECT ?c ?super WHERE { ?c rdfs:subClassOf+ ?super }",
    "optional-altlabel": "SELECT ?s ?l ?alt WHERE { ?s a ?t ; rdfs:label ?l "
                         "OPTIONAL { ?s skos:altLabel ?alt } }",
    "filter-lang-regex": 'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(lang(?l) = "en" '
                         '&& REGEX(?l, "korea", "i")) }',
    "statements-with-sources": "SELECT ?st ?s ?o ?src WHERE { ?st rdf:subject ?s ; "
                               "rdf:object ?o ; prov:wasDerivedFrom ?src }",
    "string-functions": "SELECT (UCASE(STR(?l)) AS ?u) (STRLEN(?l) AS ?n) WHERE "
                        "{ ?s rdfs:label ?l }",
    "ask": "ASK { ?s a kg:Country }",
    "ask-false": "ASK { ?s kg:no-such-predicate ?o }",
    "construct": "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s rdfs:label ?l }",
    "minus-values": "SELECT ?s WHERE { VALUES ?t { kg:Country kg:Organization } ?s a ?t "
                    "MINUS { ?s kg:leader-of ?x } }",
}


def _saved_queries() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "queries").glob("*.rq")):
        yield f"queries/{path.name}", path.read_text(encoding="utf-8")
    yield from sorted(OWN_QUERIES.items())


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph(DATA).graph


@pytest.fixture(scope="module")
def engines(graph: Graph) -> dict[str, Engine]:
    return {name: open_engine(graph, name) for name in ("rdflib", "oxigraph")}


def _norm(term: Node | None) -> object:
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:"
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = float(value)
        elif not isinstance(value, bool):
            value = str(term)
        return ("literal", value, term.language, str(term.datatype or ""))
    assert isinstance(term, URIRef)
    return str(term)


def _answer_set(result: QueryResult) -> object:
    if result.kind == "ASK":
        return result.boolean
    if result.graph is not None:
        return {tuple(_norm(t) for t in triple) for triple in result.graph}
    return (result.variables, {tuple(_norm(t) for t in row) for row in result.rows})


@pytest.mark.parametrize(("name", "sparql"), list(_saved_queries()), ids=lambda v: v[:40])
def test_engines_agree(engines: dict[str, Engine], name: str, sparql: str) -> None:
    answers = {n: _answer_set(query(e, sparql, timeout=None)) for n, e in engines.items()}
    assert answers["rdflib"] == answers["oxigraph"], name
    if isinstance(answers["rdflib"], tuple):
        assert answers["rdflib"][1], f"{name}: a saved query should match something"


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("sparql", [CARTESIAN, PATH], ids=["cartesian", "unbounded-path"])
def test_runaway_query_is_stopped_at_the_limit(engines: dict[str, Engine], engine: str,
                                               sparql: str) -> None:
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"longer than the 1 s time limit"):
        query(engines[engine], sparql, timeout=1.0, max_rows=None)
    assert time.monotonic() - start < 15  # bounded: stopped, not run to completion


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_row_limit_is_an_error_not_a_truncation(engines: dict[str, Engine],
                                                engine: str) -> None:
    with pytest.raises(QueryTooLarge, match="more than 5 rows"):
        query(engines[engine], "SELECT * WHERE { ?s ?p ?o }", max_rows=5)
    with pytest.raises(QueryTooLarge, match="more than 5 rows"):
        query(engines[engine], "CONSTRUCT WHERE { ?s ?p ?o }", max_rows=5)
    exact = query(engines[engine], "SELECT * WHERE { ?s ?p ?o } LIMIT 5", max_rows=5)
    assert len(exact.rows) == 5


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize(("sparql", "message"), [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("LOAD <http://example.org/data.ttl>", "updates"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
])
def test_refused_before_evaluation_on_both_engines(engines: dict[str, Engine], engine: str,
                                                   sparql: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        query(engines[engine], sparql)


def test_evaluation_error_is_a_query_error(graph: Graph) -> None:
    with pytest.raises(QueryError, match="unknown engine 'jena'"):
        query(graph, "ASK {}", engine="jena")
    with pytest.raises(QueryError, match="positive"):
        query(graph, "ASK {}", timeout=0)


def test_cli_timeout_and_engine(tmp_path: Path) -> None:
    done = run_kg("query", "--data", str(DATA), "--engine", "oxigraph", "--timeout", "1",
                  "--max-rows", "1000000000", PATH, cwd=tmp_path)  # the time limit, not rows
    assert done.returncode == 1
    assert "time limit" in done.stderr and "stopped" in done.stderr
    assert done.stdout == ""
    ok = run_kg("query", "--data", str(DATA), "--engine", "oxigraph", "--format", "csv",
                "SELECT ?c WHERE { kgr:japan a ?c }", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == ["c", "https://w3id.org/kg/ontology/Country"]
