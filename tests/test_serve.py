"""The SPARQL endpoint with real clients over 127.0.0.1: SPARQLWrapper, rdflib's
SPARQLStore, and plain http.client / urllib."""

from __future__ import annotations

import csv
import gc
import http.client
import io
import json
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.pipeline.build import load_graph
from kg.sparql.serve import Endpoint, make_server, negotiate
from tests.conftest import DATA

JAPAN = URIRef("https://w3id.org/kg/resource/japan")
LABELS = "SELECT ?l WHERE { kgr:japan rdfs:label ?l }"
PAGE = "<!doctype html><title>kg graph</title>"
# rdflib's own JSON-LD parser builds a (deprecated) ConjunctiveGraph internally
JSONLD_WARNING = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


# SPARQLWrapper and rdflib's SPARQLStore hand urllib responses to their callers and never
# close them; the socket is then closed by the garbage collector during some later test,
# whose run pytest would fail with PytestUnraisableExceptionWarning (seen once in CI).
# The server's own sockets are closed by socketserver; this only tolerates the clients'.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _finalize_client_sockets() -> Iterator[None]:
    """Collect the clients' abandoned responses here, under this module's filter, rather
    than at random in a later module's test."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    page = tmp_path_factory.mktemp("out") / "graph.html"
    page.write_text(PAGE, encoding="utf-8")
    endpoint = make_server(load_graph(DATA).graph, port=0, timeout=1.5, max_rows=50,
                           html=page)
    thread = threading.Thread(target=endpoint.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.shutdown()
    endpoint.server_close()
    thread.join(5)


def _http(server: Endpoint, method: str, path: str, body: str | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=30)
    try:
        conn.request(method, path, body=body.encode() if body is not None else None,
                     headers=headers or {})
        response = conn.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read().decode("utf-8"))
    finally:
        conn.close()


def _get(server: Endpoint, sparql: str, accept: str = "") -> tuple[int, dict[str, str], str]:
    headers = {"Accept": accept} if accept else {}
    return _http(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": sparql}),
                 headers=headers)


def test_binds_to_loopback_by_default(server: Endpoint) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")


# --- SPARQLWrapper ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json_each_method(server: Endpoint, method: str) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery(LABELS)
    client.setReturnFormat(JSON)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    elif method == POST:
        client.setMethod(POST)
    doc = client.queryAndConvert()
    assert doc["head"]["vars"] == ["l"]
    assert [b["l"] for b in doc["results"]["bindings"]] == [
        {"type": "literal", "value": "Japan", "xml:lang": "en"}]


@JSONLD_WARNING
def test_sparqlwrapper_other_formats(server: Endpoint) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery(LABELS)
    client.setReturnFormat(XML)
    doc = client.queryAndConvert()
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == ["Japan"]
    for fmt, expected in ((CSV, b"l\r\nJapan\r\n"), (TSV, b'?l\n"Japan"@en\n')):
        client.setReturnFormat(fmt)
        assert client.queryAndConvert() == expected
    client.setQuery("ASK { kgr:japan a kg:Country }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True
    client.setQuery("CONSTRUCT { kgr:japan rdfs:label ?l } WHERE { kgr:japan rdfs:label ?l }")
    for fmt in (TURTLE, N3):
        client.setReturnFormat(fmt)
        graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
        assert set(graph) == {(JAPAN, URIRef(str(RDFS_LABEL)), Literal("Japan", lang="en"))}
    client.setReturnFormat(JSONLD)  # convert() would use rdflib's deprecated ConjunctiveGraph
    response = client.query().response
    with response:
        assert response.headers["Content-Type"].startswith("application/ld+json")
        assert len(Graph().parse(data=response.read(), format="json-ld")) == 1


RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def test_sparqlwrapper_errors(server: Endpoint) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery("SELECT ?s\nWHERE {\n  ?s ?p\n}")
    with pytest.raises(QueryBadFormed, match=r"line 3, column 3"):
        client.query()
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    client.setMethod(POST)
    with pytest.raises(HTTPError) as info:
        client.query()
    assert info.value.code == 403
    assert b"read-only" in info.value.read()


# --- rdflib SPARQLStore ---------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST_FORM", "POST"])
def test_rdflib_sparqlstore(server: Endpoint, method: str) -> None:
    graph = Graph(store=SPARQLStore(server.url, method=method))
    rows = list(graph.query(LABELS.replace("kgr:japan", f"<{JAPAN}>").replace(
        "rdfs:label", f"<{RDFS_LABEL}>")))
    assert [tuple(r) for r in rows] == [(Literal("Japan", lang="en"),)]  # type: ignore[arg-type]
    assert bool(graph.query(f"ASK {{ <{JAPAN}> ?p ?o }}").askAnswer)
    labels = set(graph.objects(JAPAN, URIRef(RDFS_LABEL)))
    assert labels == {Literal("Japan", lang="en")}


def test_rdflib_update_store_is_refused(server: Endpoint) -> None:
    store = SPARQLUpdateStore(server.url, server.url)
    with pytest.raises(HTTPError) as info:
        store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert info.value.code == 403
    count = _get(server, "SELECT (COUNT(*) AS ?n) WHERE { <urn:a> ?p ?o }", "text/csv")
    assert count[2] == "n\r\n0\r\n"


# --- plain HTTP -----------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media"), [
    ("", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5, */*;q=0.1", "text/csv"),
])
def test_select_content_negotiation(server: Endpoint, accept: str, media: str) -> None:
    status, headers, body = _get(server, LABELS, accept)
    assert status == 200, body
    assert headers["content-type"].split(";")[0] == media
    assert headers["access-control-allow-origin"] == "*"
    if media.endswith("json"):
        assert json.loads(body)["results"]["bindings"][0]["l"]["value"] == "Japan"
    elif media.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert ET.fromstring(body).find(f".//{ns}literal").text == "Japan"  # type: ignore[union-attr]
    elif media == "text/csv":
        assert list(csv.reader(io.StringIO(body))) == [["l"], ["Japan"]]
    else:
        assert body == '?l\n"Japan"@en\n'


@pytest.mark.parametrize(("accept", "media", "parse_as"), [
    ("", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
@JSONLD_WARNING
def test_construct_and_describe_negotiation(server: Endpoint, accept: str, media: str,
                                            parse_as: str) -> None:
    # Singapore: few enough triples for the fixture's 50-row limit (Japan has more).
    singapore = URIRef("https://w3id.org/kg/resource/singapore")
    for sparql in ("CONSTRUCT WHERE { kgr:singapore rdfs:label ?l }", "DESCRIBE kgr:singapore"):
        status, headers, body = _get(server, sparql, accept)
        assert status == 200, body
        assert headers["content-type"].split(";")[0] == media
        graph = Graph().parse(data=body, format=parse_as)
        assert (singapore, URIRef(RDFS_LABEL), Literal("Singapore", lang="en")) in graph


def test_post_form_utf8_and_direct(server: Endpoint) -> None:
    sparql = 'SELECT ?x WHERE { BIND("東京 — Tōkyō" AS ?x) }'
    form = urllib.parse.urlencode({"query": sparql})
    status, _, body = _http(server, "POST", "/sparql", form, {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "Accept": "text/csv"})
    assert (status, body) == (200, "x\r\n東京 — Tōkyō\r\n")
    status, _, body = _http(server, "POST", "/sparql", sparql, {
        "Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert (status, body) == (200, "x\r\n東京 — Tōkyō\r\n")
    request = urllib.request.Request(server.url, data=form.encode(), method="POST",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        doc = json.load(response)
    assert doc["results"]["bindings"][0]["x"]["value"] == "東京 — Tōkyō"


def test_cors_preflight_and_page(server: Endpoint) -> None:
    status, headers, _ = _http(server, "OPTIONS", "/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    status, headers, body = _http(server, "GET", "/")
    assert (status, body) == (200, PAGE)
    assert headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("method", "path", "body", "ctype", "status", "message"), [
    ("POST", "/sparql", "update=" + urllib.parse.quote("CLEAR ALL"),
     "application/x-www-form-urlencoded", 403, "read-only"),
    ("POST", "/sparql", "DROP ALL", "application/sparql-update", 403, "read-only"),
    ("POST", "/sparql", "LOAD <http://example.org/x.ttl>", "application/sparql-query", 403,
     "read-only"),
    ("POST", "/sparql", "query=ASK{}", "text/plain", 415, "Content-Type"),
    ("GET", "/sparql", None, "", 400, "exactly one query"),
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, "", 400, "exactly one query"),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fexample.org%2F", None,
     "", 400, "default-graph-uri is not allowed"),
    ("GET", "/nowhere", None, "", 404, "/sparql"),
])
def test_protocol_errors(server: Endpoint, method: str, path: str, body: str | None,
                         ctype: str, status: int, message: str) -> None:
    got, headers, text = _http(server, method, path, body,
                               {"Content-Type": ctype} if ctype else {})
    assert got == status, text
    assert message in text
    assert headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(("sparql", "status", "message"), [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", 400, "FROM"),
    ("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(\n}", 400, "line 3, column 3"),
    ("SELECT * WHERE { ?s ?p ?o }", 500, "more than 50 rows"),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?h ?i }", 503,
     "time limit"),
])
def test_refusals_and_limits(server: Endpoint, sparql: str, status: int,
                             message: str) -> None:
    start = time.monotonic()
    got, _, text = _get(server, sparql, "application/sparql-results+json")
    assert got == status, text
    assert message in text
    assert "bindings" not in text  # never a partial answer
    assert time.monotonic() - start < 15


def test_not_acceptable(server: Endpoint) -> None:
    status, _, text = _get(server, LABELS, "image/png")
    assert status == 406
    assert "text/csv" in text


def test_negotiate() -> None:
    offered = ["application/sparql-results+json", "text/csv"]
    assert negotiate("", offered) == offered[0]
    assert negotiate("text/*;q=0.8, application/json;q=0.2", offered) == "text/csv"
    assert negotiate("text/csv;q=0", offered) is None
