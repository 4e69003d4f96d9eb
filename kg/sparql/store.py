"""An external SPARQL store: push the graph into it, query it, over the standard protocols.

``push`` replaces one named graph atomically. The Graph Store HTTP Protocol's PUT is not
atomic in every store (Oxigraph clears the graph, then loads the new triples, so a
reader can see an empty or half-loaded graph in between), so the graph is PUT into a
fresh staging graph first and then moved onto the target by one SPARQL Update,
``MOVE GRAPH <staging> TO GRAPH <target>``, which the store runs as one transaction: a
reader sees the old graph or the new one, never half. If anything fails, the staging
graph is deleted (best effort) and the target is left as it was. (If the MOVE itself
times out on the client, the store may still complete it: the target is then the new
graph, whole.)

``query`` sends a query by the SPARQL 1.1 Protocol (POST, form-encoded) with kg's
prefixes declared, after the same local checks as the embedded engines, and parses the
SPARQL JSON or N-Triples answer into the same QueryResult the CLI prints.

Every failure is a StoreError carrying the method, the URL and the store's own message:
refused or unreachable, an HTTP error status, a timeout, or a 200 whose body reports a
failure (some stores, Virtuoso among them, answer 200 with an error text).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import uuid
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core.errors import QueryTooLarge, StoreError
from kg.core.vocab import PREFIXES
from kg.rdf.export import serialize
from kg.sparql.engine import query_kind
from kg.sparql.httpfetch import FetchTimeout, FetchTooLarge, fetch
from kg.sparql.names import DEFAULT_GRAPH
from kg.sparql.query import QueryResult, result_graph
from kg.sparql.vetting import normalize, prepare

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_FAILURE = re.compile(r"cancel|abort|rollback|error|fail|exception", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PushResult:
    endpoint: str
    graph: str
    triples: int


def _request(method: str, url: str, body: bytes | None, *, timeout: float,
             content_type: str | None = None, accept: str | None = None,
             check_body: bool = False) -> tuple[str, bytes]:
    """Send one request; the answer's media type and body, or a StoreError. ``timeout``
    bounds the whole request (kg.sparql.httpfetch), not each read."""
    headers = {"User-Agent": "kg"}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
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
        raise StoreError(f"{where}: the connection failed: {exc}") from None
    data = answer.body
    if answer.status >= 300:
        message = data.decode("utf-8", errors="replace").strip()
        raise StoreError(f"{where}: the store answered {answer.status} {answer.reason}: "
                         f"{message[:2000] or '(no message)'}")
    if check_body and _FAILURE.search(data.decode("utf-8", errors="replace")):
        text = data.decode("utf-8", errors="replace").strip()
        raise StoreError(f"{where}: the store answered 200 but reports a failure: "
                         f"{text[:2000]}")
    return answer.media, data


def _with_graph(url: str, graph_iri: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"graph": graph_iri})) if q)
    return urlunsplit(parts._replace(query=query))


def update_url(endpoint: str) -> str:
    """The SPARQL Update URL next to a Graph Store URL: .../store or .../data -> .../update."""
    parts = urlsplit(endpoint)
    head = parts.path.rstrip("/").rpartition("/")[0]
    return urlunsplit(parts._replace(path=f"{head}/update", query=""))


def push(graph: Graph, *, endpoint: str, graph_iri: str = DEFAULT_GRAPH,
         update: str | None = None, timeout: float = 60.0) -> PushResult:
    """Replace the named graph ``graph_iri`` in the store at ``endpoint`` with ``graph``.

    ``endpoint`` is the store's Graph Store Protocol URL (Oxigraph: ``.../store``,
    Fuseki: ``.../dataset/data``); ``update`` its SPARQL Update URL (by default the
    sibling ``update`` of ``endpoint``). Raises StoreError; the target graph is then as
    it was.
    """
    staging = f"{graph_iri}-staging-{uuid.uuid4().hex}"
    body = serialize(graph, "nt").encode("utf-8")
    move = f"MOVE GRAPH <{staging}> TO GRAPH <{graph_iri}>"
    try:
        _request("PUT", _with_graph(endpoint, staging), body, timeout=timeout,
                 content_type="application/n-triples", check_body=True)
        _request("POST", update or update_url(endpoint), move.encode("utf-8"),
                 timeout=timeout, content_type="application/sparql-update", check_body=True)
    except StoreError:
        _discard(endpoint, staging, timeout)
        raise
    return PushResult(endpoint, graph_iri, len(graph))


def _discard(endpoint: str, staging: str, timeout: float) -> None:
    # Best effort: nothing may have been staged, or the store may be gone; the target
    # graph is untouched either way.
    with contextlib.suppress(StoreError):
        _request("DELETE", _with_graph(endpoint, staging), None, timeout=timeout)


def query(endpoint: str, sparql: str, *, graph_iri: str | None = DEFAULT_GRAPH,
          timeout: float = 60.0, max_rows: int | None = None) -> QueryResult:
    """Run a query on the SPARQL endpoint at ``endpoint`` over the graph ``graph_iri``
    (``None``: the store's default graph); kg's prefixes are predeclared. ``timeout``
    bounds the whole exchange; an answer of more than ``max_rows`` rows (or triples) is
    refused with QueryTooLarge, as the local engines refuse it."""
    result = _query(endpoint, sparql, graph_iri=graph_iri, timeout=timeout)
    size = len(result.graph) if result.graph is not None else len(result.rows)
    if max_rows is not None and size > max_rows:
        raise QueryTooLarge(f"the result has more than {max_rows} rows (the row limit); "
                            "add a LIMIT or narrow the query")
    return result


def _query(endpoint: str, sparql: str, *, graph_iri: str | None,
           timeout: float) -> QueryResult:
    kind = query_kind(prepare(sparql))  # the same refusals as the embedded engines
    sparql = normalize(sparql)  # the text as it was vetted
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    params = {"query": prologue + sparql}
    if graph_iri:
        params["default-graph-uri"] = graph_iri
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
