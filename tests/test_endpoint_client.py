"""`kg query --endpoint` against hostile stores (issue 19), over real sockets on 127.0.0.1:
--max-rows and --timeout hold for the whole exchange."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from kg.core.errors import QueryTooLarge, StoreError
from kg.sparql.store import query
from tests.conftest import run_kg
from tests.stores import http_server

ROWS = 300


class _Many(BaseHTTPRequestHandler):
    """Answers every query with ROWS rows of SPARQL results JSON."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        doc = {"head": {"vars": ["n"]}, "results": {"bindings": [
            {"n": {"type": "literal", "value": str(i)}} for i in range(ROWS)]}}
        data = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def many() -> Iterator[str]:
    with http_server(_Many) as url:
        yield f"{url}/sparql"


def test_max_rows_holds_for_a_remote_store(many: str, tmp_path: Path) -> None:
    done = run_kg("query", "--endpoint", many, "--max-rows", "10", "SELECT ?n {}",
                  cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == ("kg: error: the result has more than 10 rows (the row limit); "
                           "add a LIMIT or narrow the query\n")
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []
    done = run_kg("query", "--endpoint", many, "--max-rows", str(ROWS), "--format", "csv",
                  "SELECT ?n {}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == ROWS + 1


def test_max_rows_in_the_library(many: str) -> None:
    with pytest.raises(QueryTooLarge, match="more than 299 rows"):
        query(many, "SELECT ?n {}", max_rows=ROWS - 1)
    assert len(query(many, "SELECT ?n {}", max_rows=ROWS).rows) == ROWS


class _Trickle:
    """A server that answers one byte every 0.1 s (an answer of ``size`` bytes, about a
    minute in all) and counts how many bytes it got out before its client left."""

    def __init__(self, size: int = 600) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.size = size
        self.sent: list[int] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        gate = threading.Event()
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        answer = head + b"Content-Length: %d\r\n\r\n" % self.size + b" " * self.size
        sent = 0
        with conn:
            conn.recv(65536)
            try:
                for byte in answer:
                    conn.sendall(bytes([byte]))
                    sent += 1
                    gate.wait(0.1)
            except OSError:
                pass
        self.sent.append(sent)

    def close(self) -> None:
        self.sock.close()
        self.thread.join(120)


@pytest.mark.parametrize("where", ["cli", "library"])
def test_timeout_is_a_whole_request_deadline(tmp_path: Path, where: str) -> None:
    trickle = _Trickle()
    try:
        if where == "cli":
            done = run_kg("query", "--endpoint", trickle.url, "--timeout", "1", "ASK {}",
                          cwd=tmp_path)
            assert done.returncode == 1
            assert done.stderr == f"kg: error: POST {trickle.url}: no answer within 1 s\n"
            assert done.stdout == ""
        else:
            with pytest.raises(StoreError, match=r"no answer within 1 s"):
                query(trickle.url, "ASK {}", timeout=1)
    finally:
        trickle.close()
    # The client left long before the answer was whole (it would take about a minute).
    assert len(trickle.sent) == 1
    assert trickle.sent[0] < 300
