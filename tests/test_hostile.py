"""Hostile data and queries: markup stays text, queries stay inside the graph, no network.

Labels and notes come from the web; queries come from strangers. Exports must carry the
text exactly (escaped, round-tripping), the HTML page must never run it, and SPARQL must
not reach the network or the file system.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import socket
import subprocess
import warnings
from pathlib import Path

import pytest
from conftest import DATA, needs_rapper, offline_caller, run_kg
from rdflib import RDFS, Graph, Literal

from kg.core.errors import QueryError
from kg.rdf.triples import entity_iri

HOSTILE = [
    "<script>alert('label')</script>",
    '</script><img src=x onerror="alert(1)">',
    "Tom & Jerry &amp; &lt;b&gt; <!-- --> <![CDATA[ ]]>",
    'quotes " \' """ \'\'\' and back\\slashes \\" \\n \\u0041',
    "line one\nline two\r\n\ttabbed",
    "__KG_DATA__ {{ template }} ${x} `tick` @prefix x: <y> .",
    "emoji 🚀 and RTL שלום and CJK 日本 and \u2028 separator",
    "javascript:alert(1)",
]


def hostile_yaml() -> str:
    """Entities whose labels, aliases and notes are the hostile strings (JSON-quoted)."""
    lines = ["entities:\n"]
    for i, text in enumerate(HOSTILE):
        # A JSON string is a YAML double-quoted scalar, once astral characters are written
        # as themselves (YAML refuses surrogate-pair escapes) and U+2028 is escaped (YAML
        # would fold it as a line break).
        quoted = json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028")
        lines.append(f"  - {{id: hostile-{i}, type: Person, label: {quoted}, "
                     f"aliases: [{quoted}], note: {quoted}}}\n")
    return "".join(lines)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(DATA, root / "data")
    (root / "data" / "hostile.yaml").write_text(hostile_yaml(), encoding="utf-8")
    done = run_kg("build", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "out"


def labels(graph: Graph) -> dict[int, str]:
    out = {}
    for i in range(len(HOSTILE)):
        value = graph.value(entity_iri(f"hostile-{i}"), RDFS.label)
        assert isinstance(value, Literal)
        out[i] = str(value)
    return out


@pytest.mark.parametrize(("name", "fmt"), [("graph.ttl", "turtle"), ("graph.nt", "nt"),
                                           ("graph.jsonld", "json-ld")])
def test_exports_carry_hostile_text_exactly(built: Path, name: str, fmt: str) -> None:
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = Graph().parse(built / name, format=fmt)
    assert labels(graph) == dict(enumerate(HOSTILE))


@pytest.mark.parametrize("name", ["graph.ttl", "graph.nt", "graph.jsonld"])
def test_exports_carry_hostile_text_exactly_for_oxigraph(built: Path, name: str) -> None:
    import pyoxigraph

    texts = {q.object.value for q in pyoxigraph.parse(path=built / name)
             if q.predicate.value == str(RDFS.label)}
    assert set(HOSTILE) <= texts


@needs_rapper
def test_rapper_reads_hostile_turtle_and_ntriples(built: Path) -> None:
    for name, syntax in (("graph.ttl", "turtle"), ("graph.nt", "ntriples")):
        done = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "ntriples",
                               str(built / name)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        graph = Graph().parse(data=done.stdout, format="nt")
        assert labels(graph) == dict(enumerate(HOSTILE))


def test_html_page_never_runs_data(built: Path) -> None:
    from kg.curate.load import load
    from kg.page.render import render_page

    page = (built / "graph.html").read_text(encoding="utf-8")
    clean = render_page(load(DATA)[0])
    # Only the page's own script elements (template and vis bundle), none from the data.
    assert page.count("<script") == clean.count("<script")
    assert page.count("</script") == clean.count("</script")
    assert page.count("<img") == clean.count("<img")
    island = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page,
                       re.S)
    assert island is not None
    text = island.group(1)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003cscript\\u003e" in text
    # The JSON island decodes to the exact hostile strings (shape of the island aside).
    decoded = json.dumps(json.loads(text), ensure_ascii=False)
    for value in HOSTILE:
        assert json.dumps(value, ensure_ascii=False) in decoded


# -- SPARQL from strangers -------------------------------------------------------------------


@pytest.mark.parametrize(("sparql", "message"), [
    ("SELECT * WHERE { SERVICE <http://203.0.113.1/sparql> { ?s ?p ?o } }",
     "SERVICE is not allowed"),
    ("SELECT * WHERE { OPTIONAL { SELECT * WHERE { SERVICE SILENT <http://x.example/> "
     "{ ?s ?p ?o } } } }", "SERVICE is not allowed"),
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM and FROM NAMED are not "
     "allowed"),
    ("SELECT * FROM NAMED <http://203.0.113.1/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
     "FROM and FROM NAMED are not allowed"),
    ("LOAD <file:///etc/passwd>", "updates (INSERT, DELETE, LOAD, CLEAR...) are not allowed"),
    ("LOAD <http://203.0.113.1/data.ttl> INTO GRAPH <urn:g>", "updates"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    ("CLEAR ALL", "updates"),
], ids=["service", "nested-service", "from-file", "from-named", "load-file", "load-http",
        "insert", "clear"])
def test_queries_cannot_reach_network_or_files(tmp_path: Path, sparql: str,
                                               message: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    done = run_kg("query", sparql, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"kg: error: {message}")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_refused_query_makes_no_connection_in_process() -> None:
    from kg.sparql.query import query

    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        query(Graph(), "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


# -- the network guard itself ----------------------------------------------------------------


@pytest.fixture
def listener() -> tuple[str, int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()
    server.close()


def test_guard_refuses_connections_beyond_loopback() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(RuntimeError, match="test tried to reach the network"):
        sock.connect(("203.0.113.1", 80))
    sock.close()
    with pytest.raises(RuntimeError, match="resolve a network name"):
        socket.getaddrinfo("example.org", 80)


def test_guard_allows_loopback_outside_kg(listener: tuple[str, int]) -> None:
    with socket.create_connection(listener, timeout=5):
        pass


class _PhoningGraph(Graph):
    """A graph whose query phones home: stands in for any library call that would."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__()
        self.address = address

    def query(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        with socket.create_connection(self.address, timeout=5):
            pass
        return super().query(*args, **kwargs)  # type: ignore[arg-type]


def test_guard_refuses_even_loopback_during_query(listener: tuple[str, int]) -> None:
    from kg.sparql.query import query

    with pytest.raises(Exception, match=r"network access during build/check/query \(query\.py"):
        query(_PhoningGraph(listener), "ASK { ?s ?p ?o }")


def test_guard_refuses_name_lookups_during_build(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    build_module = importlib.import_module("kg.pipeline.build")

    def phoning_stats(graph: Graph) -> object:
        socket.getaddrinfo("localhost", 80)
        raise AssertionError("unreachable")

    shutil.copytree(DATA, tmp_path / "data")
    monkeypatch.setattr(build_module, "grouped_stats", phoning_stats)
    with pytest.raises(RuntimeError, match=r"network access during build/check/query "
                                           r"\(build\.py:_fresh\)"):
        build_module.build(tmp_path / "data", tmp_path / "out", html_page=False)


def test_offline_caller_is_none_outside_kg() -> None:
    assert offline_caller() is None
