"""`kg query` over the built store answers in its own process (kg.sparql.oneshot).

It prints pyoxigraph's terms without rdflib (kg.sparql.results), so the text must be the
text the library's answer (rdflib terms) gives, in every format and for every kind of
term; the time and row limits and the refusals hold as in the forked child.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from kg.core.errors import QueryError
from kg.sparql.engine import OxigraphEngine
from kg.sparql.names import RESULT_FORMATS
from kg.sparql.results import format_result, from_answer
from tests.conftest import DATA, ROOT, run_kg

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Every kind of term an answer can hold, the awkward ones included.
OBJECTS = [
    pyoxigraph.NamedNode(f"{EX}plain"),
    pyoxigraph.NamedNode("https://w3id.org/kg/resource/japan"),  # a kg prefixed name
    pyoxigraph.NamedNode("https://w3id.org/kg/resource/a/b"),  # not a prefixed name
    pyoxigraph.BlankNode("b0"),
    pyoxigraph.Literal("plain"),
    pyoxigraph.Literal("typed string", datatype=pyoxigraph.NamedNode(f"{XSD}string")),
    pyoxigraph.Literal("Tōkyō", language="ja-latn"),
    pyoxigraph.Literal("42", datatype=pyoxigraph.NamedNode(f"{XSD}integer")),
    pyoxigraph.Literal("2018-01", datatype=pyoxigraph.NamedNode(f"{XSD}gYearMonth")),
    pyoxigraph.Literal("x", datatype=pyoxigraph.NamedNode(f"{EX}custom")),
    pyoxigraph.Literal('quote " back \\ tab \t line\nfeed\r\x7f <b>&amp;</b>'),
    pyoxigraph.Literal("=1+2"),  # a formula to a spreadsheet
]
SELECT = f"SELECT ?i ?o ?none WHERE {{ ?s <{EX}p> ?o ; <{EX}i> ?i }} ORDER BY ?i"


@pytest.fixture(scope="module")
def engine() -> OxigraphEngine:
    store = pyoxigraph.Store()
    for i, obj in enumerate(OBJECTS):
        s = pyoxigraph.NamedNode(f"{EX}s{i}")
        store.add(pyoxigraph.Quad(s, pyoxigraph.NamedNode(f"{EX}p"), obj))
        store.add(pyoxigraph.Quad(s, pyoxigraph.NamedNode(f"{EX}i"), pyoxigraph.Literal(
            str(i), datatype=pyoxigraph.NamedNode(f"{XSD}integer"))))
    return OxigraphEngine(store)


@pytest.mark.parametrize("fmt", RESULT_FORMATS)
@pytest.mark.parametrize("text", [SELECT, "ASK { ?s ?p ?o }", "ASK { ?s <urn:no> ?o }"],
                         ids=["select", "ask-true", "ask-false"])
def test_pyoxigraph_terms_print_as_their_rdflib_terms(engine: OxigraphEngine, fmt: str,
                                                      text: str) -> None:
    raw = engine.evaluate(text, None, max_rows=None, raw=True)
    converted = engine.evaluate(text, None, max_rows=None)
    if raw.kind == "SELECT":
        assert len(raw.rows) == len(OBJECTS)
        assert all(type(t).__module__ == "pyoxigraph" for t in raw.rows[0] if t is not None)
        assert all(type(t).__module__.startswith("rdflib") for t in converted.rows[0]
                   if t is not None)
    for protect in (False, True):
        assert format_result(from_answer(raw), fmt, protect_formulas=protect) == \
            format_result(from_answer(converted), fmt, protect_formulas=protect)


def test_the_printed_terms_are_what_sparql_results_say(engine: OxigraphEngine) -> None:
    doc = json.loads(format_result(from_answer(engine.evaluate(SELECT, None, max_rows=None,
                                                                raw=True)), "json"))
    objects = [b["o"] for b in doc["results"]["bindings"]]
    assert objects[1] == {"type": "uri", "value": "https://w3id.org/kg/resource/japan"}
    assert objects[3] == {"type": "bnode", "value": "b0"}
    assert objects[5] == {"type": "literal", "value": "typed string"}  # xsd:string implicit
    assert objects[6] == {"type": "literal", "value": "Tōkyō", "xml:lang": "ja-latn"}
    assert objects[7] == {"type": "literal", "value": "42", "datatype": f"{XSD}integer"}
    tsv = format_result(from_answer(engine.evaluate(SELECT, None, max_rows=None, raw=True)),
                        "tsv").splitlines()
    assert tsv[1 + 10].split("\t")[1] == \
        '"quote \\" back \\\\ tab \\t line\\nfeed\\r\\u007F <b>&amp;</b>"'
    table = format_result(from_answer(engine.evaluate(SELECT, None, max_rows=None, raw=True)))
    assert "kgr:japan" in table and "<https://w3id.org/kg/resource/a/b>" in table


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oneshot")
    shutil.copytree(DATA, root / "data")
    done = run_kg("build", "--no-html", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


def test_kg_query_over_the_build_prints_without_rdflib(project: Path) -> None:
    """The whole `kg query` process (its main, in a fresh interpreter) answers a SELECT
    and never imports rdflib; the same text as the rdflib engine's in every format."""
    code = ("import sys; from kg.cli import main; rc = main(sys.argv[1:]); "
            "print('rdflib' in sys.modules, rc, file=sys.stderr)")
    text = ("SELECT ?c ?label ?n WHERE { ?c a kg:Country ; rdfs:label ?label . "
            "OPTIONAL { SELECT ?c (COUNT(*) AS ?n) WHERE { ?c ?p ?o } GROUP BY ?c } } "
            "ORDER BY ?label")
    for fmt in RESULT_FORMATS:
        done = subprocess.run([sys.executable, "-c", code, "query", text, "-f", fmt],
                              cwd=project, capture_output=True, text=True, check=False,
                              env=_env())
        assert done.stderr.strip() == "False 0", done.stderr
        rdflib = run_kg("query", text, "-f", fmt, "--engine", "rdflib", cwd=project)
        assert rdflib.returncode == 0, rdflib.stderr
        assert done.stdout == rdflib.stdout, fmt
    assert "kgr:japan" in done.stdout or "Japan" in done.stdout


def _env() -> dict[str, str]:
    import os

    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")


def test_kg_query_stops_at_the_time_limit(project: Path) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    done = run_kg("query", slow, "--timeout", "1", cwd=project, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("kg: error: the query ran longer than the 1 s time limit and was "
                           "stopped; narrow it, add a LIMIT, or raise --timeout\n")


def test_ctrl_c_ends_a_running_query_at_once(project: Path) -> None:
    """SIGINT while Oxigraph evaluates ends the process (its default action), without
    waiting for the query or its time limit, and without a traceback."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    proc = subprocess.Popen([sys.executable, "-m", "kg", "query", slow, "--timeout", "300"],
                            cwd=project, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _wait_until_guarded(proc.pid)  # the filter goes on just before the query runs
    time.sleep(0.5)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)  # not the 300 s limit
    assert proc.returncode == -signal.SIGINT
    assert (out, err) == ("", "")


def _wait_until_guarded(pid: int) -> None:
    """Until the process has its seccomp filter (``Seccomp: 2`` in /proc/PID/status)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        if "\nSeccomp:\t2\n" in status:
            return
        time.sleep(0.05)
    raise AssertionError("the query process never installed its network filter")


def test_kg_query_refuses_past_the_row_limit(project: Path) -> None:
    done = run_kg("query", "SELECT ?s WHERE { ?s ?p ?o }", "--max-rows", "5", cwd=project)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("kg: error: the result has more than 5 rows (the row limit); "
                           "add a LIMIT or narrow the query\n")


def test_kg_query_graph_answers_are_rdflib_graphs(project: Path) -> None:
    done = run_kg("query", "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a kg:Country ; "
                  "rdfs:label ?l }", cwd=project)
    assert done.returncode == 0, done.stderr
    assert 'kgr:japan\n    rdfs:label "Japan"@en .' in done.stdout


def test_a_time_limit_must_be_positive(engine: OxigraphEngine) -> None:
    from kg.sparql.oneshot import evaluate_here

    with pytest.raises(QueryError, match="must be positive, got 0"):
        evaluate_here(engine, "ASK {}", None, timeout=0, max_rows=None, expired=print)


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
def test_nesting_deeper_than_the_engines_parse_is_refused_with_its_position(
        engine_name: str) -> None:
    """Oxigraph's parser overflows the stack of the process at about 3,000 nested groups (a
    crash: in `kg query`'s own process, no message at all), so kg refuses past 100 levels."""
    from kg.sparql.vetting import MAX_NESTING, vet

    assert MAX_NESTING == 100
    if engine_name == "oxigraph":  # (rdflib's own parser gives up at about 30 parentheses)
        assert vet("SELECT * WHERE " + "{" * 100 + "}" * 100, engine_name) is None
    with pytest.raises(QueryError) as caught:
        vet("SELECT * WHERE {\n  # (((( a comment line is not counted\n  FILTER("
            + "(" * 99 + "1" + ")" * 99 + ") }", engine_name)
    assert str(caught.value) == ("the query is nested too deeply to parse: more than 100 "
                                 "levels of brackets (kg's limit) at line 3, column 108")


def test_kg_query_refuses_a_query_that_would_crash_oxigraph(project: Path) -> None:
    done = run_kg("query", "SELECT * WHERE " + "{" * 3000 + "}" * 3000, cwd=project)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("kg: error: the query is nested too deeply to parse: more than 100 "
                           "levels of brackets (kg's limit) at line 1, column 116\n")


def test_a_query_that_overflows_a_main_thread_s_stack_is_answered(project: Path) -> None:
    """12,000 nested negations overflow Oxigraph's recursion on a process's main thread
    (SIGSEGV, measured); `kg query` evaluates on a thread with a 256 MiB stack."""
    from kg.sparql.oneshot import IN_PROCESS_MAX_BYTES

    text = "ASK { FILTER(" + "!" * 12_000 + "true) }"
    assert len(text) < IN_PROCESS_MAX_BYTES
    done = run_kg("query", text, cwd=project)
    assert (done.returncode, done.stdout, done.stderr) == (0, "true\n", "")


def test_a_longer_query_that_crashes_the_engine_is_an_error(project: Path) -> None:
    """Past IN_PROCESS_MAX_BYTES the text goes to a forked child: its crash (the sum of
    20,000 ones overflows Oxigraph's stack) is a one-line error naming the signal."""
    text = "SELECT (" + "+".join(["1"] * 20_000) + " AS ?x) WHERE {}"
    done = run_kg("query", text, cwd=project)
    assert (done.returncode, done.stdout) == (1, "")
    assert re.fullmatch(r"kg: error: the query worker \(pid \d+\) died without an answer "
                        r"\(signal 11, SIGSEGV; a query this long or nested this deep can "
                        r"overflow the engine's stack\)\n", done.stderr), done.stderr
