"""kg push / kg query --endpoint against a real Oxigraph server, and faults from a tiny
local HTTP server (refusal, 4xx/5xx, a 200 reporting a cancelled operation, a timeout)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.core.errors import QueryError, StoreError
from kg.pipeline.build import load_graph
from kg.sparql.query import query as local_query
from kg.sparql.results import format_result
from kg.sparql.store import DEFAULT_GRAPH, push, query, update_url
from tests.conftest import DATA, run_kg, tree_snapshot
from tests.stores import http_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT ?g WHERE { GRAPH ?g { } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on a free 127.0.0.1 port; its base URL."""
    # The test extra installs it beside this Python (found even when the venv is not active).
    binary = shutil.which("oxigraph", path=f"{Path(sys.executable).parent}{os.pathsep}"
                          f"{os.environ.get('PATH', '')}")
    assert binary, "the oxigraph server (pip install oxigraph) is needed"
    port = _free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("ox")),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, "oxigraph exited"
                assert time.monotonic() < deadline, "oxigraph did not start"
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph(DATA).graph


def _count(base: str, graph_iri: str | None = DEFAULT_GRAPH) -> int:
    result = query(f"{base}/query", COUNT, graph_iri=graph_iri)
    return int(result.rows[0][0])  # type: ignore[arg-type]


def _graphs(base: str) -> set[str]:
    return {str(r[0]) for r in query(f"{base}/query", GRAPHS, graph_iri=None).rows}


def test_push_replaces_named_graph_and_query_agrees(oxigraph: str, graph: Graph) -> None:
    target = "https://example.org/replaced"
    small = Graph()
    small.add((URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c")))
    assert push(small, endpoint=f"{oxigraph}/store", graph_iri=target).triples == 1
    assert _count(oxigraph, target) == 1
    pushed = push(graph, endpoint=f"{oxigraph}/store", graph_iri=target)
    assert pushed.triples == len(graph)
    assert _count(oxigraph, target) == len(graph)  # replaced, not merged
    ask = query(f"{oxigraph}/query", "ASK { <urn:a> ?p ?o }", graph_iri=target)
    assert ask.boolean is False
    assert _graphs(oxigraph) == {target}  # no staging graph left behind
    construct = query(f"{oxigraph}/query", "CONSTRUCT WHERE { kgr:japan rdfs:label ?l }",
                      graph_iri=target)
    assert construct.graph is not None and len(construct.graph) == 1


def test_cli_push_and_remote_query_match_local(oxigraph: str, tmp_path: Path) -> None:
    done = run_kg("push", "--data", str(DATA), "--endpoint", f"{oxigraph}/store",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"into <{DEFAULT_GRAPH}> at {oxigraph}/store" in done.stdout
    sparql = "SELECT ?s ?l WHERE { ?s a kg:Country ; rdfs:label ?l } ORDER BY ?s"
    local = run_kg("query", "--data", str(DATA), sparql, cwd=tmp_path)
    remote = run_kg("query", "--endpoint", f"{oxigraph}/query", sparql, cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert "Japan" in remote.stdout
    local_result = local_query(load_graph(DATA).graph, sparql)
    remote_result = query(f"{oxigraph}/query", sparql)
    for fmt in ("csv", "tsv", "json", "xml"):
        assert format_result(remote_result, fmt) == format_result(local_result, fmt), fmt


def test_failed_move_leaves_remote_graph_and_local_build(oxigraph: str, graph: Graph,
                                                         tmp_path: Path) -> None:
    target = "https://example.org/kept"
    push(graph, endpoint=f"{oxigraph}/store", graph_iri=target)
    built = run_kg("build", "--data", str(DATA), "--out", str(tmp_path / "out"), "--no-html",
                   cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    before = tree_snapshot(tmp_path / "out")
    small = Graph()
    small.add((URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c")))
    with pytest.raises(StoreError, match=r"404 Not Found: .*not supported"):
        push(small, endpoint=f"{oxigraph}/store", update=f"{oxigraph}/nowhere",
             graph_iri=target)
    assert _count(oxigraph, target) == len(graph)
    assert not any("staging" in g for g in _graphs(oxigraph))
    done = run_kg("push", "--data", str(DATA), "--endpoint", f"{oxigraph}/store",
                  "--update", f"{oxigraph}/nowhere", "--graph", target, cwd=tmp_path)
    assert done.returncode == 1
    assert "kg: error: POST" in done.stderr and "404" in done.stderr
    assert tree_snapshot(tmp_path / "out") == before


def test_remote_query_is_vetted_locally(oxigraph: str) -> None:
    with pytest.raises(QueryError, match="read-only"):
        query(f"{oxigraph}/query", "DROP ALL")
    with pytest.raises(QueryError, match="SERVICE"):
        query(f"{oxigraph}/query", "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }")


def test_update_url() -> None:
    assert update_url("http://h:7878/store") == "http://h:7878/update"
    assert update_url("http://h:3030/ds/data?x=1") == "http://h:3030/ds/update"


# --- faults from a tiny local server ---------------------------------------------------

class _Faulty(BaseHTTPRequestHandler):
    """/<fault>/...: 500, 400, cancel (200 with a failure text), slow (answers late)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fault = self.path.strip("/").split("/")[0]
        if fault == "slow":
            time.sleep(3)
        status, text = {
            "500": (500, "Internal error: the disk is full"),
            "400": (400, "Bad request: invalid N-Triples at line 3"),
            "cancel": (200, "Transaction cancelled: the server is shutting down"),
        }.get(fault, (200, "{}"))
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout case)
            self.wfile.write(data)

    do_PUT = do_POST = do_DELETE = do_GET = _answer


@pytest.fixture(scope="module")
def faulty() -> Iterator[str]:
    with http_server(_Faulty) as url:
        yield url


@pytest.mark.parametrize(("fault", "message"), [
    ("500", r"POST .*answered 500 Internal Server Error: Internal error: the disk is full"),
    ("400", r"answered 400 Bad Request: Bad request: invalid N-Triples at line 3"),
    ("cancel", r"answered 200 but reports a failure: Transaction cancelled"),
    ("slow", r"no answer within 0.5 s"),
])
def test_push_faults(faulty: str, graph: Graph, fault: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        push(graph, endpoint=f"{faulty}/{fault}/store", timeout=0.5)


@pytest.mark.parametrize(("fault", "message"), [
    ("500", r"answered 500 Internal Server Error: Internal error: the disk is full"),
    ("cancel", r"answered 200 but not with application/sparql-results\+json .*cancelled"),
    ("slow", r"no answer within 0.5 s"),
])
def test_query_faults(faulty: str, fault: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        query(f"{faulty}/{fault}/query", COUNT, timeout=0.5)


def test_endpoint_down(graph: Graph, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(StoreError, match=r"cannot reach the store: .*[Rr]efused"):
        push(graph, endpoint=f"{url}/store", timeout=5)
    done = run_kg("query", "--endpoint", f"{url}/query", "ASK {}", cwd=tmp_path)
    assert done.returncode == 1
    assert "cannot reach the store" in done.stderr
    assert not list(tmp_path.iterdir())  # nothing written locally


def test_result_formatting_is_shared(oxigraph: str, graph: Graph) -> None:
    push(graph, endpoint=f"{oxigraph}/store")
    result = query(f"{oxigraph}/query", "ASK { kgr:japan a kg:Country }")
    assert format_result(result, "json") == '{"head": {}, "boolean": true}\n'
    with urllib.request.urlopen(f"{oxigraph}/store?graph={DEFAULT_GRAPH}", timeout=10) as r:
        remote = Graph().parse(data=r.read(), format="nt")
    assert len(remote) == len(graph)
