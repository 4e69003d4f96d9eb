"""The query benchmark: every engine runs, answers are compared as row multisets, limits hold.

No timing is asserted: only that the measurements exist and the comparisons are right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.bench.harness import Report, measure_queries
from kg.bench.ntriples import write_ntriples
from kg.bench.report import format_report, same_rows
from kg.bench.stages import query_stage
from tests.conftest import DATA, ROOT

SAVED = ROOT / "queries" / "who-said-what.rq"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


@pytest.fixture(scope="module")
def nt_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nt") / "graph.nt"
    write_ntriples(DATA, out)
    return out


def test_all_engines_give_the_same_rows(nt_file: Path, tmp_path: Path) -> None:
    queries = [SAVED]
    measures = measure_queries(nt_file, queries, ("kg-query", "pyoxigraph", "rdflib"), 1, 300,
                               query_timeout=60)
    ms = {engine: m["who-said-what"] for engine, m in measures.items()}
    assert all(m.seconds is not None for m in ms.values()), {e: m.note for e, m in ms.items()}
    assert len({m.info["rows"] for m in ms.values()}) == 1
    assert ms["rdflib"].info["rows"] > 0
    assert len({m.info["digest"] for m in ms.values()}) == 1
    assert same_rows(ms) == "yes"
    report = Report(["1k"], 1, {"1k": {}}, {"1k": measures}, {})
    text = format_report(report)
    assert "| kg-query / pyoxigraph (query time, worst query) | <= 2 |" in text
    assert "| who-said-what |" in text and "| yes |" in text


def test_a_different_answer_is_flagged(nt_file: Path, tmp_path: Path) -> None:
    lines = nt_file.read_text(encoding="utf-8").splitlines(keepends=True)
    stated = "#predicate> <https://w3id.org/kg/ontology/stated>"
    dropped = next(i for i, line in enumerate(lines) if stated in line)
    other = tmp_path / "other.nt"
    other.write_text("".join(lines[:dropped] + lines[dropped + 1:]), encoding="utf-8")
    full = measure_queries(nt_file, [SAVED], ("pyoxigraph",), 1, 300)
    less = measure_queries(other, [SAVED], ("kg-query",), 1, 300, query_timeout=60)
    ms = {"pyoxigraph": full["pyoxigraph"]["who-said-what"],
          "kg-query": less["kg-query"]["who-said-what"]}
    assert ms["pyoxigraph"].info["rows"] != ms["kg-query"].info["rows"]
    assert same_rows(ms).startswith("NO (")


def test_rdflib_is_stopped_at_the_query_time_limit(nt_file: Path, tmp_path: Path) -> None:
    query = tmp_path / "slow.rq"
    query.write_text(SLOW, encoding="utf-8")
    info = query_stage("rdflib", nt_file, 1, [query], timeout=1.0)
    assert info["queries"]["slow"]["timeout"] is True
