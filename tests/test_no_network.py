"""No query reaches the network, whatever its text, on every engine and the endpoint.

A listener on 127.0.0.1 stands in for a remote SPARQL endpoint (it is a real socket;
Oxigraph's HTTP client connects to it when a SERVICE call gets through). Each payload
hides a SERVICE call from a naive vetting in its own way. Two depths are tested: every
path a user has refuses the text, and a query that skips the vetting altogether still
cannot connect, because the process that evaluates it is denied sockets (kg.sparql.netguard).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, ROOT, run_kg
from rdflib import Graph

from kg.core.errors import QueryError
from kg.pipeline.build import load_graph
from kg.sparql.engine import OxigraphEngine, RdflibEngine, evaluate
from kg.sparql.query import query, session
from kg.sparql.serve import make_server
from kg.sparql.worker import QueryWorker


class Listener:
    """Accepts connections on 127.0.0.1 and counts them (it never answers)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lis = Listener()
    yield lis
    lis.close()
    assert lis.accepted == 0, f"a query reached the listener {lis.accepted} time(s)"


def payloads(port: int) -> dict[str, str]:
    url = f"<http://127.0.0.1:{port}/sparql>"
    call = f"SERVICE {url} {{ ?s ?p ?o }}"
    return {
        "bare-cr-ends-comment": f"SELECT ?s WHERE {{\n# x\r{call}\n}}",
        "crlf": f"SELECT ?s WHERE {{\r\n# x\r\n{call}\r\n}}",
        "escaped-lf-in-comment": f"SELECT ?s WHERE {{\n# x\\u000a{call}\n}}",
        "escaped-quote-in-string": f'SELECT ?s WHERE {{ BIND("\\u0022 # " AS ?x) {call} }}',
        "escaped-keyword": f"SELECT ?s WHERE {{ SERV\\u0049CE {url} {{ ?s ?p ?o }} }}",
        "lower-case": f"select ?s where {{ service {url} {{ ?s ?p ?o }} }}",
        "mixed-case-silent": f"SELECT ?s WHERE {{ SeRvIcE SiLeNt {url} {{ ?s ?p ?o }} }}",
        "variable-endpoint":
            f"SELECT ?s WHERE {{ VALUES ?e {{ {url} }} SERVICE ?e {{ ?s ?p ?o }} }}",
        "nested-subquery": f"SELECT * WHERE {{ OPTIONAL {{ SELECT ?s WHERE {{ {call} }} }} }}",
        "vertical-tab": f"SELECT ?s WHERE {{\n# x\x0b{call}\n}}",
        "next-line": f"SELECT ?s WHERE {{\n# x\x85{call}\n}}",
        "line-separator": f"SELECT ?s WHERE {{\n# x\u2028{call}\n}}",
        "no-space": f"SELECT ?s WHERE {{ SERVICE{url}{{?s ?p ?o}} }}",
    }


NAMES = list(payloads(1))


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph(DATA).graph


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("timeout", [5.0, None], ids=["limited", "unlimited"])
def test_library_query_refuses(listener: Listener, graph: Graph, name: str, engine: str,
                               timeout: float | None) -> None:
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        query(graph, payloads(listener.port)[name], engine=engine, timeout=timeout)


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_session_refuses(listener: Listener, graph: Graph, engine: str) -> None:
    with session(graph, engine=engine) as s:
        for name, text in payloads(listener.port).items():
            with pytest.raises(QueryError, match="SERVICE is not allowed"):
                s.query(text, timeout=5)
            assert listener.accepted == 0, name


def test_refusal_names_the_position() -> None:
    with pytest.raises(QueryError) as caught:
        query(Graph(), "SELECT ?s WHERE {\n# x\rSERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\n}")
    assert "at line 3, column 1" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_unvetted_text_cannot_connect_per_query_child(listener: Listener, graph: Graph,
                                                      name: str) -> None:
    """Depth two: the vetting skipped on purpose, Oxigraph is asked to call the listener
    in kg's per-query child; the kernel refuses the socket, the listener hears nothing."""
    engine = OxigraphEngine.from_graph(graph)
    text = payloads(listener.port)[name]
    try:
        answer = evaluate(engine, text, None, timeout=10, max_rows=None)
    except QueryError as exc:  # the refused socket, or a syntax error kg then locates
        assert any(word in str(exc) for word in ("Permission denied", "SERVICE is not",
                                                 "syntax error", "is unbound")), str(exc)
        if name in ("bare-cr-ends-comment", "lower-case", "no-space"):
            # Oxigraph did try to connect: the kernel said no
            assert "Permission denied" in str(exc)
    else:  # a comment to Oxigraph too: it ran over the local graph only
        assert answer.kind == "SELECT"


def test_unvetted_text_cannot_connect_in_worker(listener: Listener, graph: Graph) -> None:
    with QueryWorker(OxigraphEngine.from_graph(graph)) as worker:
        text = payloads(listener.port)["bare-cr-ends-comment"]
        with pytest.raises(QueryError, match="Permission denied"):
            worker.evaluate(text, None, timeout=10)
        # the worker goes on answering ordinary queries
        answer = worker.evaluate("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", None, timeout=10)
        assert int(answer.rows[0][0]) > 1000  # type: ignore[arg-type]


ONESHOT = """
import json, sys
from kg.core.errors import QueryError
from kg.pipeline.build import load_graph
from kg.sparql.engine import OxigraphEngine
from kg.sparql.oneshot import evaluate_here
engine = OxigraphEngine.from_graph(load_graph(sys.argv[1]).graph)
engine.store.query("ASK {}")  # the store's own threads run before the guard
try:
    answer = evaluate_here(engine, sys.stdin.read(), None, timeout=10, max_rows=None,
                           expired=print)
    print(json.dumps(["answer", answer.kind]))
except QueryError as exc:
    print(json.dumps(["error", str(exc)]))
"""


@pytest.mark.parametrize("name", ["bare-cr-ends-comment", "lower-case", "no-space"])
def test_unvetted_text_cannot_connect_in_a_one_shot_process(listener: Listener,
                                                             name: str) -> None:
    """Depth two for `kg query` over the build, which evaluates in its own process
    (kg.sparql.oneshot): the vetting skipped on purpose, Oxigraph tries the SERVICE call
    and the kernel refuses its socket (a child process: the guard is for good)."""
    text = payloads(listener.port)[name]
    done = subprocess.run([sys.executable, "-c", ONESHOT, str(DATA)], input=text,
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    kind, said = json.loads(done.stdout.splitlines()[-1])
    assert (kind, "Permission denied" in said) == ("error", True), said


def test_rdflib_engine_unvetted_still_limited_to_the_parse(graph: Graph) -> None:
    """rdflib's engine needs kg's parse (which refuses SERVICE) to run anything."""
    with pytest.raises(QueryError, match="parsed and vetted by kg first"):
        evaluate(RdflibEngine(graph), "SELECT * { ?s ?p ?o }", None, timeout=5)


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_cli_query_refuses(listener: Listener, tmp_path: Path, engine: str) -> None:
    for name, text in payloads(listener.port).items():
        rq = tmp_path / f"{name}.rq"
        rq.write_bytes(text.encode("utf-8"))  # the bytes as written: CR stays CR
        done = run_kg("query", str(rq), "--engine", engine, "--data", str(DATA),
                      cwd=tmp_path)
        assert done.returncode != 0, name
        assert "SERVICE is not allowed" in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stderr
    assert listener.accepted == 0


def test_cli_graph_file_refuses(listener: Listener, tmp_path: Path, graph: Graph) -> None:
    nt = tmp_path / "graph.nt"
    graph.serialize(nt, format="nt", encoding="utf-8")
    rq = tmp_path / "q.rq"
    rq.write_bytes(payloads(listener.port)["bare-cr-ends-comment"].encode("utf-8"))
    done = run_kg("query", str(rq), "--graph-file", str(nt), cwd=tmp_path)
    assert done.returncode != 0
    assert "SERVICE is not allowed" in done.stderr


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_endpoint_refuses(listener: Listener, graph: Graph, engine: str) -> None:
    endpoint = make_server(graph, port=0, engine=engine, timeout=5.0)
    thread = threading.Thread(target=endpoint.serve_forever, daemon=True)
    thread.start()
    try:
        for name, text in payloads(listener.port).items():
            request = urllib.request.Request(
                endpoint.url, data=text.encode("utf-8"), method="POST",
                headers={"Content-Type": "application/sparql-query",
                         "Accept": "application/sparql-results+json"})
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=10)
            body = caught.value.read().decode("utf-8")
            caught.value.close()
            assert caught.value.code == 400, (name, body)
            assert "SERVICE is not allowed" in body, (name, body)
            assert not body.lstrip().startswith("{") or "results" not in json.loads(body)
    finally:
        endpoint.shutdown()
        endpoint.server_close()
    assert listener.accepted == 0
