"""A read-only SPARQL 1.1 Protocol endpoint over the built graph, on localhost.

``GET /sparql?query=...``, ``POST /sparql`` form-encoded (``query=...``) or with the
query as an ``application/sparql-query`` body. Answers are negotiated from the Accept
header: SPARQL results JSON (default), XML, CSV and TSV for SELECT and ASK; Turtle
(default), N-Triples, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE. Every answer
carries ``Access-Control-Allow-Origin: *`` and OPTIONS answers CORS preflights, so a
browser-based SPARQL editor can use the endpoint. ``GET /`` serves ``out/graph.html``.

Safe by default: binds to 127.0.0.1; updates get 403; SERVICE, LOAD, FROM and the
protocol's dataset parameters get 400 before evaluation; each query runs under a time
and a row limit (kg.worker: one long-lived worker process per store, killed and made
again at a time limit) and hitting either gives 503 or 500 with a message, never a
truncated answer; a syntax error gives 400 naming line and column.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from rdflib import Graph

from kg.engine import Engine, open_engine, query_kind
from kg.errors import QueryError, QueryTimeout, ReadOnlyError
from kg.export import serialize
from kg.query import QueryResult, format_result, from_answer, prepare
from kg.worker import QueryWorker

MAX_BODY = 1 << 20
SPARQL_PATHS = ("/sparql", "/query", "/")

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


class Endpoint(ThreadingHTTPServer):
    """The HTTP server: holds the engine, its query worker (one long-lived process that
    evaluates the requests' queries one at a time, kg.worker) and the settings; one
    thread per request."""

    daemon_threads = True

    def __init__(self, engine: Engine, settings: Settings, address: tuple[str, int]) -> None:
        super().__init__(address, Handler)
        self.engine = engine
        self.settings = settings
        self.worker = QueryWorker(engine)

    def server_close(self) -> None:
        """Close the socket and stop the query worker."""
        super().server_close()
        worker = getattr(self, "worker", None)  # None when binding failed in __init__
        if worker is not None:
            worker.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/sparql"


def make_server(graph: Graph, *, host: str = "127.0.0.1", port: int = 8000,
                engine: str = "rdflib", timeout: float | None = 10.0,
                max_rows: int | None = 10_000, html: Path | None = None,
                log: bool = False) -> Endpoint:
    """A ready endpoint over ``graph`` (call ``serve_forever()``; ``port=0`` picks one)."""
    settings = Settings(timeout=timeout, max_rows=max_rows, html=html, log=log)
    return Endpoint(open_engine(graph, engine), settings, (host, port))


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

    def log_message(self, format: str, *args: object) -> None:
        if self.server.settings.log:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, status: int, body: str | bytes, media: str = "text/plain") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        charset = "; charset=utf-8" if not media.endswith("ld+json") else ""
        self.send_header("Content-Type", media + charset)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Vary", "Accept")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, message.rstrip("\n") + "\n")

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

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._error(413, f"the request body is larger than {MAX_BODY} bytes")
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
        try:
            prepared = prepare(sparql)
        except QueryError as exc:  # refused before evaluation: the client's fault
            self._error(403 if isinstance(exc, ReadOnlyError) else 400, str(exc))
            return
        kind = query_kind(prepared)
        offered = list(_RESULTS if kind in ("SELECT", "ASK") else _GRAPHS)
        media = negotiate(self.headers.get("Accept") or "", offered)
        if media is None:
            self._error(406, f"cannot answer a {kind} query in the accepted types; "
                        "available: " + ", ".join(offered))
            return
        settings = self.server.settings
        try:
            answer = self.server.worker.evaluate(sparql, prepared, timeout=settings.timeout,
                                                 max_rows=settings.max_rows)
        except QueryError as exc:  # a time limit is the server's busy state; the rest fail
            self._error(503 if isinstance(exc, QueryTimeout) else 500, str(exc))
            return
        result = from_answer(answer)
        if result.graph is not None:
            self._send(200, _GRAPHS[media](result.graph), media)
        else:
            self._send(200, _RESULTS[media](result), media)
