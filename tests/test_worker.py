"""The long-lived query worker (kg.sparql.worker) and query sessions (kg.sparql.query.session)."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import to_isomorphic

from kg.core.errors import QueryError, QueryTimeout, QueryTooLarge, ReadOnlyError
from kg.pipeline.build import load_graph
from kg.sparql.engine import Engine, open_engine
from kg.sparql.query import query, session
from kg.sparql.results import QueryResult

DATA = Path(__file__).resolve().parent.parent / "data"

SELECT = """SELECT ?s ?label WHERE { ?s a kg:Country ; rdfs:label ?label }
ORDER BY ?s"""
ASK = "ASK { kgr:japan a kg:Country }"
CONSTRUCT = "CONSTRUCT { kgr:japan ?p ?o } WHERE { kgr:japan ?p ?o }"
DESCRIBE = "DESCRIBE kgr:singapore"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph(DATA).graph


@pytest.fixture(scope="module", params=["rdflib", "oxigraph"])
def engine(request: pytest.FixtureRequest, graph: Graph) -> Engine:
    return open_engine(graph, str(request.param))


@pytest.fixture()
def oxigraph(graph: Graph) -> Iterator[Engine]:
    yield open_engine(graph, "oxigraph")


def _same(a: QueryResult, b: QueryResult) -> None:
    assert (a.kind, a.variables, a.rows, a.boolean) == (b.kind, b.variables, b.rows, b.boolean)
    if a.graph is None or b.graph is None:
        assert a.graph is b.graph is None
    else:
        assert len(a.graph) > 0
        assert to_isomorphic(a.graph) == to_isomorphic(b.graph)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sparql", [SELECT, ASK, CONSTRUCT, DESCRIBE])
def test_answers_equal_one_shot_queries(engine: Engine, sparql: str) -> None:
    with session(engine) as s:
        got = s.query(sparql)
    _same(got, query(engine, sparql))
    if got.kind == "SELECT":
        assert len(got.rows) > 3


def test_child_is_reused_and_closed(engine: Engine) -> None:
    with session(engine) as s:
        assert s.worker.pid is None  # forked lazily
        s.query(ASK)
        pid = s.worker.pid
        assert pid is not None and pid != os.getpid()
        for sparql in (SELECT, CONSTRUCT, ASK):
            s.query(sparql)
            assert s.worker.pid == pid
    assert s.worker.pid is None
    assert not _alive(pid)
    with pytest.raises(QueryError, match="closed"):
        s.query(ASK)


def test_errors_as_one_shot_queries(engine: Engine) -> None:
    with session(engine) as s:
        with pytest.raises(QueryTooLarge, match="more than 2 rows"):
            s.query(SELECT, max_rows=2)
        with pytest.raises(ReadOnlyError):
            s.query("INSERT DATA { kgr:a kgr:b kgr:c }")
        with pytest.raises(QueryError, match="line 1, column"):
            s.query("SELECT ?s WHERE { ?s ?p }")
        with pytest.raises(QueryError, match="must be positive"):
            s.query(ASK, timeout=0)
        pid = s.worker.pid
        assert s.query(ASK, timeout=None).boolean is True
        assert s.worker.pid == pid  # errors leave the child alive


def test_timeout_kills_the_child_and_the_next_query_forks_anew(oxigraph: Engine) -> None:
    with session(oxigraph) as s:
        s.query(ASK)
        first = s.worker.pid
        assert first is not None
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"0\.5 s time limit"):
            s.query(SLOW, timeout=0.5)
        assert time.monotonic() - start < 5
        assert s.worker.pid is None and not _alive(first)
        assert s.query(ASK).boolean is True
        assert s.worker.pid not in (None, first)


def test_child_killed_from_outside(oxigraph: Engine) -> None:
    with session(oxigraph) as s:
        s.query(ASK)
        pid = s.worker.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(QueryError, match=rf"pid {pid}\).*exit code -9"):
            s.query(ASK)
        _same(s.query(SELECT), query(oxigraph, SELECT))
        assert s.worker.pid not in (None, pid)


def test_concurrent_queries_from_threads(oxigraph: Engine) -> None:
    texts = [SELECT, ASK, CONSTRUCT, DESCRIBE] * 3
    expected = [query(oxigraph, t) for t in texts]
    with session(oxigraph) as s, ThreadPoolExecutor(4) as pool:
        got = list(pool.map(s.query, texts))
        pid = s.worker.pid
    for g, e in zip(got, expected, strict=True):
        _same(g, e)
    assert pid is not None and not _alive(pid)


def test_child_holds_no_inherited_socket(oxigraph: Engine) -> None:
    """A connection the parent closes is closed for its peer (the endpoint's clients)."""
    ours, peer = socket.socketpair()
    with ours, peer, session(oxigraph) as s:
        s.query(ASK)  # forks the child while both ends are open
        ours.close()
        peer.settimeout(5)
        assert peer.recv(1) == b""  # EOF: the child has no copy of ``ours``
        assert s.query(ASK).boolean is True
