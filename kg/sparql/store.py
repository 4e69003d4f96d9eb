"""An external SPARQL store: push graphs into it, query it, over the standard protocols.

``push`` (an rdflib graph) and ``push_store`` (every graph of a build's store) replace
named graphs atomically and in bounded memory. Each graph is written as N-Triples to a
temporary file (pyoxigraph's dump for a store) and sent by kg.sparql.upload as a
sequence of Graph Store Protocol POSTs of at most ``chunk_bytes`` each into a fresh
staging graph; then one SPARQL Update moves every staging graph onto its target,
``MOVE GRAPH <staging> TO GRAPH <target> ; ...``, which the store runs as one
transaction: whole or not at all, the old graphs to readers until it commits (and, on a
store that answers each query from a snapshot, as Oxigraph does, the old graphs or the
new ones, never half; Virtuoso's readers can count part of a large swap as it commits).
A plain PUT onto each target would not do: the protocol does not promise it is atomic,
Virtuoso's is not, and it replaces one graph where a build's must change together
(docs/benchmarks.md, "The swap, measured on a quiet machine"). If anything fails, or
the push is interrupted (Ctrl-C), the staging graphs are deleted (best effort) and the
targets are left as they were; a push killed outright (SIGKILL, power loss) leaves its
staging graphs, ``<target>-staging-<hex>-<n>``, beside untouched targets. (If the MOVE
itself times out on the client, the store may still complete it: the targets are then
the new graphs, whole.)

``query`` sends a query by the SPARQL 1.1 Protocol (POST, form-encoded) with kg's
prefixes declared, after the same local checks as the embedded engines, over the merge
of the given graphs, and parses the SPARQL JSON or N-Triples answer into the same
QueryResult the CLI prints.

Every failure is a StoreError of one line carrying the method, the URL and the store's
own status and message: refused or unreachable, an HTTP error status (401/403 with a
hint on credentials, which kg.sparql.upload reads from the environment or netrc), a
timeout, or a 200 whose body reports a failure (some stores, Virtuoso among them, answer
200 with an error text).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode, urlsplit, urlunsplit

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core.errors import QueryTooLarge, StoreError
from kg.core.prefixes import PREFIXES
from kg.rdf.export import ntriples_lines
from kg.sparql.engine import query_kind
from kg.sparql.httpfetch import FetchTimeout, FetchTooLarge, fetch
from kg.sparql.names import DEFAULT_GRAPH
from kg.sparql.query import result_graph
from kg.sparql.results import QueryResult
from kg.sparql.upload import CHUNK_BYTES, credentials, upload
from kg.sparql.vetting import normalize, prepare

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_FAILURE = re.compile(r"cancel|abort|rollback|error|fail|exception", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PushResult:
    endpoint: str
    graph: str
    triples: int  # in all graphs
    graphs: tuple[tuple[str, int], ...] = ()  # every graph replaced, with its triples
    seconds: tuple[float, float] = (0.0, 0.0)  # staging (the upload), then the swap


def _request(method: str, url: str, body: bytes | BinaryIO | None, *, timeout: float,
             content_type: str | None = None, accept: str | None = None,
             check_body: bool = False, length: int | None = None) -> tuple[str, bytes]:
    """Send one request; the answer's media type and body, or a StoreError of one line
    naming the method, the URL and the status. ``timeout`` bounds the whole request
    (kg.sparql.httpfetch), not each read."""
    headers = {"User-Agent": "kg", **credentials(url)}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    if length is not None:
        headers["Content-Length"] = str(length)
    where = f"{method} {url}"
    try:
        answer = fetch(method, url, body, headers=headers, timeout=timeout)
    except FetchTimeout:
        raise StoreError(f"{where}: no answer within {timeout:g} s") from None
    except FetchTooLarge as exc:
        raise StoreError(f"{where}: {exc}") from None
    except ConnectionRefusedError as exc:
        raise StoreError(f"{where}: cannot reach the store: {exc.strerror}") from None
    except socket.gaierror as exc:
        raise StoreError(f"{where}: cannot reach the store: {exc}") from None
    except (HTTPException, OSError) as exc:
        raise StoreError(f"{where}: the connection failed: {_line(str(exc))}") from None
    data = answer.body
    if answer.status >= 300:
        message = _line(data.decode("utf-8", errors="replace"))
        hint = " (credentials: KG_STORE_USER and KG_STORE_PASSWORD, or ~/.netrc)" \
            if answer.status in (401, 403) else ""
        raise StoreError(f"{where}: the store answered {answer.status} {answer.reason}{hint}: "
                         f"{message or '(no message)'}")
    if check_body and _FAILURE.search(data.decode("utf-8", errors="replace")):
        text = _line(data.decode("utf-8", errors="replace"))
        raise StoreError(f"{where}: the store answered 200 but reports a failure: {text}")
    return answer.media, data


def _line(text: str, limit: int = 500) -> str:
    """A store's message on one line (an HTML error page or a stack trace has many)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _with_graph(url: str, graph_iri: str, *extra: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"graph": graph_iri}), *extra) if q)
    return urlunsplit(parts._replace(query=query))


def update_url(endpoint: str) -> str:
    """The SPARQL Update URL next to a Graph Store URL: .../store or .../data -> .../update;
    Virtuoso's .../sparql-graph-crud(-auth) -> .../sparql(-auth)."""
    parts = urlsplit(endpoint)
    head, _, last = parts.path.rstrip("/").rpartition("/")
    name = {"sparql-graph-crud": "sparql",
            "sparql-graph-crud-auth": "sparql-auth"}.get(last, "update")
    return urlunsplit(parts._replace(path=f"{head}/{name}", query=""))


Writer = Callable[[Path], None]  # writes one graph's N-Triples into the file it is given


def push(graph: Graph, *, endpoint: str, graph_iri: str = DEFAULT_GRAPH,
         update: str | None = None, timeout: float = 60.0,
         chunk_bytes: int = CHUNK_BYTES) -> PushResult:
    """Replace the named graph ``graph_iri`` in the store at ``endpoint`` with ``graph``.

    ``endpoint`` is the store's Graph Store Protocol URL (Oxigraph: ``.../store``,
    Fuseki: ``.../dataset/data``, Virtuoso: ``.../sparql-graph-crud``); ``update`` its
    SPARQL Update URL (by default the sibling ``update``, or Virtuoso's ``sparql``).
    ``timeout`` bounds each request (the swap: once per ``chunk_bytes`` staged). Raises
    StoreError; the target graph is then as it was.
    """
    def write(path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(ntriples_lines(graph))

    return _push([(graph_iri, write)], endpoint=endpoint, update=update, timeout=timeout,
                 chunk_bytes=chunk_bytes)


def push_store(store: Any, *, endpoint: str, graph_iri: str = DEFAULT_GRAPH,
               update: str | None = None, timeout: float = 60.0,
               chunk_bytes: int = CHUNK_BYTES) -> PushResult:
    """Replace graphs in the store at ``endpoint`` with every graph of the pyoxigraph
    ``store`` (a build's, kg.pipeline.built), streamed in bounded memory: its default graph
    becomes ``graph_iri``, and each named graph (an import) keeps its name, or, under
    another ``graph_iri``, the same name below it (``<graph_iri>/sipri/...``). All are
    replaced together by one SPARQL Update (what a reader sees as it commits: see the
    module's text).
    """
    import pyoxigraph

    def dump(name: Any) -> Writer:
        def write(path: Path) -> None:
            store.dump(str(path), pyoxigraph.RdfFormat.N_TRIPLES, from_graph=name)
        return write

    named = sorted(g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
    graphs = [(graph_iri, dump(pyoxigraph.DefaultGraph()))]
    graphs += [(_renamed(n, graph_iri), dump(pyoxigraph.NamedNode(n))) for n in named]
    return _push(graphs, endpoint=endpoint, update=update, timeout=timeout,
                 chunk_bytes=chunk_bytes)


def _renamed(name: str, graph_iri: str) -> str:
    if graph_iri != DEFAULT_GRAPH and name.startswith(DEFAULT_GRAPH + "/"):
        return graph_iri + name[len(DEFAULT_GRAPH):]
    return name


def _push(graphs: Sequence[tuple[str, Writer]], *, endpoint: str, update: str | None,
          timeout: float, chunk_bytes: int) -> PushResult:
    """Stage every graph (bounded POSTs into a fresh staging graph each), then MOVE all
    onto their targets in one SPARQL Update. On any failure or interruption (Ctrl-C too)
    the staging graphs are deleted (best effort) and every target is left as it was."""
    token = uuid.uuid4().hex
    staged: list[tuple[str, str, int]] = []  # (target, staging, triples)
    sent: list[int] = []  # the size of each request sent
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="kg-push-") as tmp:
            for i, (target, write) in enumerate(graphs):
                staging = f"{target}-staging-{token}-{i}"
                staged.append((target, staging, 0))
                path = Path(tmp) / f"{i}.nt"
                write(path)
                # no_transaction: Oxigraph loads a staging graph with its bulk loader
                # (nothing reads it; the MOVE is the transaction); other stores ignore it.
                url = _with_graph(endpoint, staging, "no_transaction")

                def send(body: BinaryIO | bytes, size: int, url: str = url) -> None:
                    _request("POST", url, body, timeout=timeout, length=size,
                             content_type="application/n-triples", check_body=True)
                    sent.append(size)

                count = upload(path, send, chunk_bytes=chunk_bytes)
                path.unlink()
                staged[-1] = (target, staging, count)
        staged_at = time.perf_counter()
        swap = " ;\n".join(f"MOVE GRAPH <{s}> TO GRAPH <{t}>" if n
                           else f"DROP SILENT GRAPH <{t}>" for t, s, n in staged)
        # The swap rewrites every triple staged: ``timeout`` once per chunk-sized request.
        _request("POST", update or update_url(endpoint), swap.encode("utf-8"),
                 timeout=timeout * max(1, -(-sum(sent) // chunk_bytes)),
                 content_type="application/sparql-update", check_body=True)
    except BaseException:
        _discard(endpoint, [s for _, s, _ in staged], timeout)
        raise
    counts = tuple((t, n) for t, _, n in staged)
    return PushResult(endpoint, graphs[0][0], sum(n for _, n in counts), counts,
                      (staged_at - start, time.perf_counter() - staged_at))


def _discard(endpoint: str, staging: Sequence[str], timeout: float) -> None:
    # Best effort: nothing may have been staged, or the store may be gone; the target
    # graphs are untouched either way.
    for graph in staging:
        with contextlib.suppress(StoreError):
            _request("DELETE", _with_graph(endpoint, graph), None, timeout=min(timeout, 10))


def query(endpoint: str, sparql: str, *,
          graph_iri: str | Sequence[str] | None = DEFAULT_GRAPH,
          timeout: float = 60.0, max_rows: int | None = None) -> QueryResult:
    """Run a query on the SPARQL endpoint at ``endpoint`` over the graph ``graph_iri``
    (``None``: the store's default graph; several: their merge is the default graph, as
    a build's is, and ``GRAPH`` reaches each but the first, like a build's imports); kg's
    prefixes are predeclared. ``timeout``
    bounds the whole exchange; an answer of more than ``max_rows`` rows (or triples) is
    refused with QueryTooLarge, as the local engines refuse it."""
    result = _query(endpoint, sparql, graph_iri=graph_iri, timeout=timeout)
    size = len(result.graph) if result.graph is not None else len(result.rows)
    if max_rows is not None and size > max_rows:
        raise QueryTooLarge(f"the result has more than {max_rows} rows (the row limit); "
                            "add a LIMIT or narrow the query")
    return result


def _query(endpoint: str, sparql: str, *, graph_iri: str | Sequence[str] | None,
           timeout: float) -> QueryResult:
    kind = query_kind(prepare(sparql))  # the same refusals as the embedded engines
    sparql = normalize(sparql)  # the text as it was vetted
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    graphs = [graph_iri] if isinstance(graph_iri, str) else list(graph_iri or ())
    params = [("query", prologue + sparql)]
    params += [("default-graph-uri", g) for g in graphs if g]
    params += [("named-graph-uri", g) for g in graphs[1:] if g]
    graph_kind = kind in ("CONSTRUCT", "DESCRIBE")
    accept = "application/n-triples" if graph_kind else "application/sparql-results+json"
    _, data = _request("POST", endpoint, urlencode(params).encode("utf-8"), timeout=timeout,
                       content_type="application/x-www-form-urlencoded", accept=accept)
    try:
        if graph_kind:
            parsed = Graph().parse(data=data.decode("utf-8"), format="nt")
            return QueryResult(kind, graph=result_graph(parsed))
        return _from_json(json.loads(data))
    except (ValueError, KeyError, TypeError, SyntaxError) as exc:
        text = data.decode("utf-8", errors="replace").strip()
        raise StoreError(f"POST {endpoint}: the store answered 200 but not with "
                         f"{accept} ({exc}): {text[:2000]}") from None


def _from_json(doc: dict[str, Any]) -> QueryResult:
    if "boolean" in doc:
        return QueryResult("ASK", boolean=bool(doc["boolean"]))
    names = tuple(doc["head"]["vars"])
    rows = tuple(tuple(_json_term(b[v]) if v in b else None for v in names)
                 for b in doc["results"]["bindings"])
    return QueryResult("SELECT", names, rows)


def _json_term(value: dict[str, str]) -> Node:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        datatype = value.get("datatype")
        if datatype == _XSD_STRING:
            datatype = None
        return Literal(value["value"], lang=value.get("xml:lang"),
                       datatype=URIRef(datatype) if datatype and "xml:lang" not in value
                       else None)
    raise ValueError(f"unknown term type {kind!r}")
