"""The endpoint against hostile clients (issue 19), through real sockets on 127.0.0.1.

Clients are told apart by their address: Linux routes all of 127.0.0.0/8 to the
loopback interface, so a test binds its sockets to 127.0.0.2, 127.0.0.3... to play
several clients. Nothing here asserts a duration: where fairness matters, the tests
assert the ORDER in which answers arrive (a slow query always runs to its time limit).
"""

from __future__ import annotations

import math
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kg.core.errors import QueryError
from kg.pipeline.build import load_graph
from kg.sparql.serve import MAX_QUERY, Endpoint, make_server
from tests.conftest import DATA, run_kg

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?h ?i }"
QUICK = "ASK { kgr:japan a kg:Country }"


def _start(**options: object) -> Endpoint:
    endpoint = make_server(load_graph(DATA).graph, port=0, **options)  # type: ignore[arg-type]
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    return endpoint


def _stop(endpoint: Endpoint) -> None:
    endpoint.shutdown()
    endpoint.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[Endpoint]:
    endpoint = _start(timeout=2.0, max_rows=50)
    yield endpoint
    _stop(endpoint)


def _connect(server: Endpoint, client: str = "127.0.0.1") -> socket.socket:
    host, port = server.server_address[:2]
    return socket.create_connection((str(host), port), timeout=30, source_address=(client, 0))


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], str]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed without a response: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest.decode("utf-8")


def _raw(server: Endpoint, request: bytes, client: str = "127.0.0.1"
         ) -> tuple[int, dict[str, str], str]:
    with _connect(server, client) as sock:
        sock.sendall(request)
        return _read_response(sock)


def _post(sparql: str, accept: str = "text/csv") -> bytes:
    body = sparql.encode("utf-8")
    return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Accept: " + accept.encode() + b"\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body)


def _get(sparql: str) -> bytes:
    return (f"GET /sparql?{urllib.parse.urlencode({'query': sparql})} HTTP/1.1\r\n"
            "Host: x\r\nAccept: text/csv\r\n\r\n").encode()


# --- Content-Length ------------------------------------------------------------------

@pytest.mark.parametrize(("length_header", "message"), [
    (b"Content-Length: -1\r\n", "bad Content-Length '-1': it must be a non-negative whole"),
    (b"Content-Length: abc\r\n", "bad Content-Length 'abc'"),
    (b"Content-Length: 1e3\r\n", "bad Content-Length '1e3'"),
    (b"Content-Length: \xd9\xa3\r\n", "bad Content-Length"),  # an Arabic-Indic digit
    (b"", "a POST needs a Content-Length header"),
    (b"Content-Length: 5\r\nContent-Length: 6\r\n", "the request has conflicting Content-Length"),
    (b"Transfer-Encoding: chunked\r\n", "chunked request bodies are not supported"),
], ids=["negative", "letters", "exponent", "non-ascii", "missing", "twice", "chunked"])
def test_bad_body_length_gets_400_at_once(server: Endpoint, length_header: bytes,
                                          message: str) -> None:
    request = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
               + length_header + b"\r\nASK {}")
    with _connect(server) as sock:
        sock.sendall(request)  # the client keeps its end open: the server must not wait
        status, headers, body = _read_response(sock)
        assert (status, body.startswith(message)) == (400, True), body
        assert headers["connection"] == "close"
        assert sock.recv(100) == b""  # and the server closed the connection


def test_body_over_the_limit_is_refused_unread(server: Endpoint) -> None:
    request = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
               b"Content-Length: 300000000\r\n\r\nASK {}")
    status, _, body = _raw(server, request)
    assert status == 413
    assert body == f"the request body is larger than {1 << 20} bytes (the limit)\n"


# --- the query text ------------------------------------------------------------------

@pytest.mark.parametrize("sparql", ["", "   \n\t", "# only a comment", "# a\n  # b\r\n"],
                         ids=["empty", "blank", "comment", "comments"])
def test_empty_query_is_a_400_not_an_update(server: Endpoint, sparql: str) -> None:
    for request in (_post(sparql), _get(sparql)):
        status, _, body = _raw(server, request)
        assert (status, body) == (400, "the query is empty (nothing but white space and "
                                       "comments)\n")


def test_query_size_is_bounded(server: Endpoint) -> None:
    sparql = "ASK {}" + "#" * MAX_QUERY
    status, _, body = _raw(server, _post(sparql))
    assert status == 413
    assert body == f"the query is {MAX_QUERY + 6} bytes long; the limit is {MAX_QUERY}\n"


@pytest.mark.parametrize("depth", [200, 20_000])
def test_deeply_nested_query_gets_a_response(server: Endpoint, depth: int) -> None:
    sparql = "SELECT * WHERE " + "{" * depth + "}" * depth
    status, _, body = _raw(server, _post(sparql))
    assert (status, body) == (400, "the query is nested too deeply to parse: more than 100 "
                                   "levels of brackets (kg's limit) at line 1, column 116\n")


@pytest.mark.parametrize("sparql", [
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "ASK { GRAPH <urn:x> { ?s ?p ?o } }",
])
def test_graph_query_is_a_clear_400(server: Endpoint, sparql: str) -> None:
    status, _, body = _raw(server, _post(sparql))
    assert status == 400
    assert body == ("GRAPH is not supported on the rdflib engine: the endpoint serves one "
                    "default graph and no named graphs\n")
    assert "ConjunctiveGraph" not in body


def test_graph_query_on_oxigraph_matches_nothing() -> None:
    endpoint = _start(timeout=5.0, engine="oxigraph")
    try:
        status, _, body = _raw(endpoint, _post("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"))
    finally:
        _stop(endpoint)
    assert (status, body) == (200, "s\r\n")


def test_syntax_error_is_located_from_the_worker(server: Endpoint) -> None:
    status, _, body = _raw(server, _post("SELECT ?s\nWHERE {\n  ?s ?p\n}"))
    assert status == 400
    assert "line 3, column 3" in body


def test_syntax_error_on_oxigraph_is_a_400() -> None:
    endpoint = _start(timeout=5.0, engine="oxigraph")
    try:
        status, _, body = _raw(endpoint, _post("SELECT ?s\nWHERE {\n  ?s ?p\n}"))
        empty = _raw(endpoint, _post("# nothing"))
    finally:
        _stop(endpoint)
    assert (status, body.startswith("SPARQL syntax error at line 3, column 3")) == (400, True)
    assert empty[::2] == (400, "the query is empty (nothing but white space and comments)\n")


# --- sharing the workers -------------------------------------------------------------

def _in_thread(run: Callable[[], tuple[int, dict[str, str], str]],
               results: list[tuple[str, int, str]], name: str) -> threading.Thread:
    def target() -> None:
        status, _, body = run()
        results.append((name, status, body))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _wait_for(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(3000):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the pool never reached the expected state")


def test_one_client_cannot_starve_another() -> None:
    # Two workers: a client runs at most one query at a time, so the other worker stays
    # free for someone else, however many queries the first one sends.
    endpoint = _start(timeout=3.0, workers=2, per_client=8)
    results: list[tuple[str, int, str]] = []
    try:
        hog = [_in_thread(lambda: _raw(endpoint, _post(SLOW), "127.0.0.2"), results, "hog")
               for _ in range(4)]
        _wait_for(lambda: endpoint.pool.stats() == (1, 3))
        status, _, body = _raw(endpoint, _post(QUICK), "127.0.0.3")
        assert (status, body) == (200, "true\n")
        assert results == []  # answered while every one of the hog's queries is pending
        for thread in hog:
            thread.join(60)
    finally:
        _stop(endpoint)
    assert [r[1] for r in results] == [503] * 4


def test_waiting_counts_toward_the_time_limit() -> None:
    endpoint = _start(timeout=1.0, workers=1)
    try:
        # The only worker is busy (held here as a query would hold it, for longer than
        # the limit): a query that waits for it the whole second is refused, not run late.
        with endpoint.pool.slot("127.0.0.9", math.inf):
            status, headers, body = _raw(endpoint, _post(QUICK), "127.0.0.3")
        assert (status, body) == (503, "the query waited for a free worker until its 1 s "
                                       "time limit (waiting counts) and was not started; "
                                       "retry later\n")
        assert headers["retry-after"] == "1"
        assert _raw(endpoint, _post(QUICK), "127.0.0.3")[:3:2] == (200, "true\n")
    finally:
        _stop(endpoint)


def test_full_queue_and_full_share_get_503_with_retry_after() -> None:
    endpoint = _start(timeout=3.0, workers=1, queue=1, per_client=2)
    results: list[tuple[str, int, str]] = []
    try:
        running = _in_thread(lambda: _raw(endpoint, _post(SLOW), "127.0.0.2"), results, "a")
        _wait_for(lambda: endpoint.pool.stats() == (1, 0))
        waiting = _in_thread(lambda: _raw(endpoint, _post(SLOW), "127.0.0.3"), results, "b")
        _wait_for(lambda: endpoint.pool.stats() == (1, 1))
        status, headers, body = _raw(endpoint, _post(QUICK), "127.0.0.4")
        assert (status, body) == (503, "1 queries are already waiting (the queue's limit); "
                                       "retry later\n")
        assert headers["retry-after"] == "3"
        # 127.0.0.2 holds one query; with a bigger queue a second would wait, a third not.
        assert endpoint.pool.per_client == 2
        running.join(60)
        waiting.join(60)
    finally:
        _stop(endpoint)


def test_a_client_over_its_share_is_refused() -> None:
    endpoint = _start(timeout=3.0, workers=2, queue=8, per_client=2)
    results: list[tuple[str, int, str]] = []
    try:
        threads = [_in_thread(lambda: _raw(endpoint, _post(SLOW), "127.0.0.2"), results, "a")
                   for _ in range(2)]
        _wait_for(lambda: endpoint.pool.stats() == (1, 1))
        status, headers, body = _raw(endpoint, _post(QUICK), "127.0.0.2")
        assert (status, body) == (503, "this client already has 2 queries running or "
                                       "waiting (its share); wait for their answers\n")
        assert headers["retry-after"] == "3"
        status, _, body = _raw(endpoint, _post(QUICK), "127.0.0.3")  # others still served
        assert (status, body) == (200, "true\n")
        for thread in threads:
            thread.join(60)
    finally:
        _stop(endpoint)


def test_slow_parse_runs_in_the_worker_under_the_limit() -> None:
    # 1,500 `||` terms take rdflib's parser about half a minute: that must cost the
    # query's own time limit in a worker, not the server process.
    heavy = "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o = 1"] * 1500) + ") }"
    endpoint = _start(timeout=2.0, workers=2)
    results: list[tuple[str, int, str]] = []
    try:
        thread = _in_thread(lambda: _raw(endpoint, _post(heavy), "127.0.0.2"), results, "h")
        _wait_for(lambda: endpoint.pool.stats() == (1, 0))
        status, _, body = _raw(endpoint, _post(QUICK), "127.0.0.3")
        assert (status, body) == (200, "true\n")
        assert results == []
        thread.join(60)
    finally:
        _stop(endpoint)
    assert results[0][1] == 503
    assert "ran longer than the 2 s time limit" in results[0][2]


# --- connections ---------------------------------------------------------------------

def test_idle_connections_are_closed() -> None:
    endpoint = _start(idle_timeout=0.3)
    try:
        with _connect(endpoint) as sock:
            assert sock.recv(100) == b""  # the server gave up on the silent client
        with _connect(endpoint) as sock:  # and after a request, between requests too
            sock.sendall(_get(QUICK))
            assert _read_response(sock)[0] == 200
            assert sock.recv(100) == b""
        _wait_for(lambda: endpoint.connections == 0)
    finally:
        _stop(endpoint)


def test_connections_are_bounded() -> None:
    endpoint = _start(max_connections=3, idle_timeout=30)
    held = [_connect(endpoint) for _ in range(3)]
    try:
        _wait_for(lambda: endpoint.connections == 3)
        threads_before = threading.active_count()
        for _ in range(20):
            with _connect(endpoint) as sock:
                status, headers, body = _read_response(sock)
                assert (status, body) == (503, "3 connections are open (the limit); retry "
                                               "later\n")
                assert headers["retry-after"] == "10"
        assert threading.active_count() == threads_before  # no thread per refused client
        held.pop().close()
        _wait_for(lambda: endpoint.connections == 2)
        assert _raw(endpoint, _get(QUICK))[0] == 200
    finally:
        for sock in held:
            sock.close()
        _stop(endpoint)


def test_listen_backlog_is_not_five(server: Endpoint) -> None:
    assert server.request_queue_size == 128


def test_serve_refuses_an_empty_pool(tmp_path: Path) -> None:
    # the command line refuses it as a usage error (kg.cliconv: exit 2, nothing served)
    done = run_kg("serve", "--data", str(DATA), "--port", "0", "--workers", "0",
                  cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == ("kg serve: error: argument --workers: must be 1 "
                                            "or more: 0")
    assert done.stdout == ""
    # and so does the endpoint itself, for a caller that is not the command line
    with pytest.raises(QueryError) as refused:
        make_server(load_graph(DATA).graph, port=0, workers=0)
    assert str(refused.value) == ("the endpoint needs at least 1 worker (got 0), a queue "
                                  "of 0 or more (got 32) and a share of at least 1 query "
                                  "per client (got 4)")
