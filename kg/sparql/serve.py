"""A read-only SPARQL 1.1 Protocol endpoint over the built graph, on localhost.

``GET /sparql?query=...``, ``POST /sparql`` form-encoded (``query=...``) or with the
query as an ``application/sparql-query`` body. Answers are negotiated from the Accept
header: SPARQL results JSON (default), XML, CSV and TSV for SELECT and ASK; Turtle
(default), N-Triples, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE. Every answer
carries ``Access-Control-Allow-Origin: *`` and OPTIONS answers CORS preflights, so a
browser-based SPARQL editor can use the endpoint. ``GET /`` serves ``out/graph.html``.

Safe by default: binds to 127.0.0.1; updates get 403; SERVICE, LOAD, FROM and the
protocol's dataset parameters get 400 before evaluation; each query runs under a time
and a row limit (in a small pool of long-lived worker processes, kg.sparql.worker and
kg.sparql.admission; a worker is killed at a time limit and made again) and hitting either
gives 503 or 500 with a message, never a truncated answer; a syntax error gives 400
naming line and column.

Bounded against hostile clients (issue 19): a POST body needs a valid Content-Length
(400 at once otherwise) of at most 1 MiB (413), a query at most ``MAX_QUERY`` bytes
(413); queries are parsed and vetted in the worker, inside their time limit, never in
the server process; a small pool of workers is shared fairly (kg.sparql.admission: bounded
queue, a share per client, turns) and the time spent waiting counts toward each query's
limit (503 with ``Retry-After`` when the queue or the client's share is full); at most
``max_connections`` connections are served at once (503 beyond) and an idle one is
closed after ``idle_timeout`` seconds.
"""

from __future__ import annotations

import math
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rdflib import Graph
from rdflib.plugins.sparql.sparql import Query

from kg.core.errors import QueryError, QueryTimeout, QueryTooLarge, ReadOnlyError
from kg.rdf.export import serialize
from kg.sparql.admission import Pool, Refused, WaitedTooLong
from kg.sparql.engine import Answer, Engine, open_engine
from kg.sparql.results import QueryResult, format_result, from_answer
from kg.sparql.vetting import vet

MAX_BODY = 1 << 20
MAX_QUERY = 1 << 16
SPARQL_PATHS = ("/sparql", "/query", "/")
_LENGTH = re.compile(r"[0-9]{1,10}")
_COMMENT = re.compile(r"#[^\r\n]*")

_RESULTS: dict[str, Callable[[QueryResult], str]] = {
    "application/sparql-results+json": lambda r: format_result(r, "json"),
    "application/sparql-results+xml": lambda r: format_result(r, "xml"),
    "text/csv": lambda r: format_result(r, "csv"),
    "text/tab-separated-values": lambda r: format_result(r, "tsv"),
}
_GRAPHS: dict[str, Callable[[Graph], str]] = {
    "text/turtle": lambda g: serialize(g, "ttl"),
    "application/n-triples": lambda g: serialize(g, "nt"),
    "application/ld+json": lambda g: serialize(g, "jsonld"),
    "application/rdf+xml": lambda g: g.serialize(format="xml"),
}
_ALIASES = {"application/json": "application/sparql-results+json",
            "application/xml": "application/sparql-results+xml",
            "text/xml": "application/sparql-results+xml",
            "text/plain": "application/n-triples"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Limits and the page served at ``/``."""

    timeout: float | None = 10.0
    max_rows: int | None = 10_000
    html: Path | None = None
    log: bool = False
    workers: int = 2
    queue: int = 32
    per_client: int = 4
    max_connections: int = 64
    idle_timeout: float = 30.0

    @property
    def retry_after(self) -> str:
        """Seconds a refused client should wait (the ``Retry-After`` header)."""
        return str(max(1, math.ceil(self.timeout or 1)))


def query_pool(engine: Engine, settings: Settings) -> Pool:
    """The fair pool of query workers (kg.sparql.admission) an endpoint over ``engine`` answers
    with: each worker parses and vets its queries itself, under their time limit."""
    return Pool(_Vetting(engine), workers=settings.workers, queue=settings.queue,
                per_client=settings.per_client)


class Endpoint(ThreadingHTTPServer):
    """The HTTP server: holds the engine, its pool of query workers (kg.sparql.admission) and the
    settings; one thread per connection, at most ``settings.max_connections`` at once."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog (socketserver's default is 5)

    def __init__(self, engine: Engine, settings: Settings, address: tuple[str, int]) -> None:
        # the pool first: bad settings fail before the port is bound
        self.pool = query_pool(engine, settings)
        super().__init__(address, Handler)
        self.engine = engine
        self.settings = settings
        self._connections = 0
        self._count_lock = threading.Lock()

    @property
    def connections(self) -> int:
        """Connections being served now."""
        return self._connections

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread, or refuse it with 503 when
        ``max_connections`` are already served (no thread is made for it)."""
        with self._count_lock:
            full = self._connections >= self.settings.max_connections
            if not full:
                self._connections += 1
        if not full:
            try:
                super().process_request(request, client_address)
            except BaseException:
                self._release()
                raise
            return
        message = (f"{self.settings.max_connections} connections are open (the limit); "
                   "retry later\n").encode()
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                            b"Content-Type: text/plain; charset=utf-8\r\n"
                            b"Access-Control-Allow-Origin: *\r\n"
                            b"Retry-After: " + self.settings.retry_after.encode() + b"\r\n"
                            b"Content-Length: " + str(len(message)).encode() + b"\r\n\r\n"
                            + message)
        except OSError:
            pass
        self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._count_lock:
            self._connections -= 1

    def server_close(self) -> None:
        """Close the socket and stop the query workers."""
        super().server_close()
        pool = getattr(self, "pool", None)  # None when binding failed in __init__
        if pool is not None:
            pool.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/sparql"


def make_server(graph: Graph, *, host: str = "127.0.0.1", port: int = 8000,
                engine: str = "rdflib", timeout: float | None = 10.0,
                max_rows: int | None = 10_000, html: Path | None = None,
                log: bool = False, workers: int = 2, queue: int = 32, per_client: int = 4,
                max_connections: int = 64, idle_timeout: float = 30.0) -> Endpoint:
    """A ready endpoint over ``graph`` (call ``serve_forever()``; ``port=0`` picks one)."""
    settings = Settings(timeout=timeout, max_rows=max_rows, html=html, log=log,
                        workers=workers, queue=queue, per_client=per_client,
                        max_connections=max_connections, idle_timeout=idle_timeout)
    return Endpoint(open_engine(graph, engine), settings, (host, port))


@dataclass(frozen=True, slots=True)
class _Vetting:
    """The engine the workers run: it parses and vets each query itself, in the worker
    and so inside the query's time limit, and answers a refusal as an Answer of kind
    ``REFUSED`` (variables: the HTTP status and the message) for the handler."""

    inner: Engine

    @property
    def name(self) -> str:
        return self.inner.name

    def evaluate(self, sparql: str, prepared: Query | None, *,
                 max_rows: int | None) -> Answer:
        try:
            prepared = vet(sparql, self.inner.name)
        except ReadOnlyError as exc:
            return _refused(403, str(exc))
        except QueryError as exc:
            return _refused(400, str(exc))
        except RecursionError:
            return _refused(400, "the query is nested too deeply to parse")
        try:
            return self.inner.evaluate(sparql, prepared, max_rows=max_rows)
        except QueryTooLarge:
            raise
        except QueryError as exc:  # Oxigraph parses what kg.sparql.query.vet let through
            if str(exc).startswith(("SPARQL syntax error", "Oxigraph cannot parse")):
                return _refused(400, str(exc))
            raise
        except RecursionError:
            return _refused(400, "the query is nested too deeply to evaluate")
        except Exception as exc:
            if "requiring a dataset" in str(exc):  # rdflib on a GRAPH pattern
                return _refused(400, "GRAPH is not supported on the rdflib engine: the "
                                "endpoint serves one default graph and no named graphs")
            raise QueryError(f"the query failed during evaluation ({type(exc).__name__})") \
                from None


def _refused(status: int, message: str) -> Answer:
    return Answer("REFUSED", (str(status), message))


def negotiate(accept: str, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers most (first offered on a tie)."""
    if not accept.strip():
        return offered[0]
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, _ALIASES.get(media.lower(), media.lower())))
    for negative_q, _, media in sorted(ranked):
        if negative_q >= 0:
            break
        for candidate in offered:
            if media in (candidate, "*/*", candidate.split("/")[0] + "/*"):
                return candidate
    return None


class Handler(BaseHTTPRequestHandler):
    """One request: route, vet, evaluate under limits, negotiate, answer."""

    server: Endpoint
    protocol_version = "HTTP/1.1"
    server_version = "kg-sparql/0.1"

    def setup(self) -> None:
        super().setup()
        # a silent client (idle between requests, or slow mid-request) is dropped
        self.connection.settimeout(self.server.settings.idle_timeout)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.settings.log:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, status: int, body: str | bytes, media: str = "text/plain",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        charset = "; charset=utf-8" if not media.endswith("ld+json") else ""
        self.send_header("Content-Type", media + charset)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Vary", "Accept")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str, *, retry: bool = False) -> None:
        headers = {"Retry-After": self.server.settings.retry_after} if retry else None
        self._send(status, message.rstrip("\n") + "\n", headers=headers)

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path == "/" and not params:
            self._page()
        elif url.path in SPARQL_PATHS:
            self._sparql(params)
        else:
            self._error(404, f"no such resource {url.path}; the endpoint is /sparql")

    def do_HEAD(self) -> None:
        self.do_GET()

    def _body_length(self) -> int | None:
        """The body's length from a valid Content-Length, or None after a 400 (sent
        without reading the body; the connection is then closed)."""
        lengths = self.headers.get_all("Content-Length") or []
        problem = None
        if self.headers.get("Transfer-Encoding"):
            problem = "chunked request bodies are not supported; send a Content-Length"
        elif not lengths:
            problem = "a POST needs a Content-Length header"
        elif len(set(lengths)) > 1:
            problem = "the request has conflicting Content-Length headers"
        elif not _LENGTH.fullmatch(lengths[0].strip()):
            problem = (f"bad Content-Length {lengths[0][:40]!r}: it must be a "
                       "non-negative whole number of bytes")
        if problem is not None:
            self.close_connection = True
            self._error(400, problem)
            return None
        return int(lengths[0])

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = self._body_length()
        if length is None:
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._error(413, f"the request body is larger than {MAX_BODY} bytes (the limit)")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        if url.path not in SPARQL_PATHS:
            self._error(404, f"no such resource {url.path}; the endpoint is /sparql")
            return
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        if media == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
            self._sparql(params)
        elif media == "application/sparql-query":
            self._sparql(params, body)
        elif media == "application/sparql-update":
            self._error(403, "updates are not allowed: this endpoint is read-only")
        else:
            self._error(415, f"unsupported Content-Type {media!r}; send "
                        "application/x-www-form-urlencoded or application/sparql-query")

    def _page(self) -> None:
        page = self.server.settings.html
        if page is None or not page.is_file():
            self._error(404, "no graph.html to serve: run `kg build` first")
            return
        self._send(200, page.read_bytes(), "text/html")

    def _sparql(self, params: dict[str, list[str]], direct: str | None = None) -> None:
        if "update" in params:
            self._error(403, "updates are not allowed: this endpoint is read-only")
            return
        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                self._error(400, f"{name} is not allowed: queries run over the built graph")
                return
        texts = [direct] if direct is not None else params.get("query", [])
        if len(texts) != 1:
            self._error(400, "give exactly one query (the query parameter, or an "
                        "application/sparql-query body)")
            return
        self._answer(texts[0])

    def _answer(self, sparql: str) -> None:
        arrived = time.monotonic()
        size = len(sparql.encode("utf-8", errors="replace"))
        if size > MAX_QUERY:
            self._error(413, f"the query is {size} bytes long; the limit is {MAX_QUERY}")
            return
        if not _COMMENT.sub("", sparql).strip():
            self._error(400, "the query is empty (nothing but white space and comments)")
            return
        accept = self.headers.get("Accept") or ""
        if negotiate(accept, [*_RESULTS, *_GRAPHS]) is None:
            self._error(406, "cannot answer in the accepted types; available: "
                        + ", ".join([*_RESULTS, *_GRAPHS]))
            return
        settings = self.server.settings
        deadline = math.inf if settings.timeout is None else arrived + settings.timeout
        try:
            with self.server.pool.slot(self.client_address[0], deadline) as worker:
                left = None if settings.timeout is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise WaitedTooLong
                answer = worker.evaluate(sparql, None, timeout=left,
                                         max_rows=settings.max_rows)
        except Refused as exc:
            self._error(503, str(exc), retry=True)
            return
        except WaitedTooLong:
            self._error(503, f"the query waited for a free worker until its "
                        f"{settings.timeout:g} s time limit (waiting counts) and was not "
                        "started; retry later", retry=True)
            return
        except QueryTimeout:
            self._error(503, f"the query ran longer than the {settings.timeout:g} s time "
                        "limit (waiting for a worker included) and was stopped; narrow it, "
                        "add a LIMIT, or retry later", retry=True)
            return
        except QueryTooLarge as exc:
            self._error(500, str(exc))
            return
        except QueryError as exc:  # the rest fail
            self._error(500, str(exc))
            return
        self._reply(answer, accept)

    def _reply(self, answer: Answer, accept: str) -> None:
        if answer.kind == "REFUSED":
            status, message = answer.variables
            self._error(int(status), message)
            return
        offered = list(_RESULTS if answer.kind in ("SELECT", "ASK") else _GRAPHS)
        media = negotiate(accept, offered)
        if media is None:
            self._error(406, f"cannot answer a {answer.kind} query in the accepted types; "
                        "available: " + ", ".join(offered))
            return
        result = from_answer(answer)
        if result.graph is not None:
            self._send(200, _GRAPHS[media](result.graph), media)
        else:
            self._send(200, _RESULTS[media](result), media)
