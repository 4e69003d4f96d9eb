"""The real command line (python -m kg) as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

from tests.conftest import FIXTURES, run_kg, tree_snapshot

SMALL = FIXTURES / "small" / "data"
DEALS = ("SELECT ?deal ?label ?value WHERE "
         "{ ?deal a kg:ArmsTransfer ; rdfs:label ?label ; kg:value ?value }")


def _project(tmp_path: Path) -> Path:
    shutil.copytree(SMALL, tmp_path / "data")
    return tmp_path


def test_build_writes_every_output_and_a_summary(tmp_path: Path) -> None:
    done = run_kg("build", cwd=_project(tmp_path))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".kg.lock", "graph.html", "graph.jsonld", "graph.nt", "graph.ttl", "manifest.json",
        "store"]
    assert "4 entities, 4 statements, 5 citations, 1 sources" in done.stdout
    assert re.search(r"ArmsTransfer\s+1\n", done.stdout)
    assert "5 warning(s)" in done.stdout
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_a_second_build_after_an_edit_updates_the_previous_outputs(tmp_path: Path) -> None:
    project = _project(tmp_path)
    first = run_kg("build", cwd=project)
    assert first.returncode == 0, first.stderr
    assert "updated from the previous build" not in first.stdout
    path = next((project / "data").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    second = run_kg("build", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "RDF outputs updated from the previous build" in second.stdout
    fresh = run_kg("build", "--no-cache", "--out", "fresh", cwd=project)
    assert fresh.returncode == 0, fresh.stderr
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "graph.html"):
        assert (project / "out" / name).read_bytes() == (project / "fresh" / name).read_bytes()


def test_build_refuses_bad_data_and_leaves_out_untouched(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_kg("build", cwd=project).returncode == 0
    before = tree_snapshot(project / "out")
    path = project / "data" / "entities.yaml"
    path.write_text(path.read_text().replace("type: Company", "type: Compnay"))
    done = run_kg("build", cwd=project)
    assert done.returncode == 1
    assert "data/entities.yaml:3:22: error: unknown class (did you mean 'Company'?)" in done.stderr
    assert done.stderr.endswith("\n1 error(s); nothing written\n")
    assert tree_snapshot(project / "out") == before


def test_check_prints_one_problem_per_line_and_writes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = run_kg("check", cwd=project)
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert lines[0] == "data/statements.yaml:2:5: warning: claim rests on a single source: 'src-a'"
    assert "data/statements.yaml:17:15: warning: citation has no locator (paragraph or page): "\
        "'src-a'" in lines
    assert lines[-1] == "0 error(s), 5 warning(s)"
    assert not (project / "out").exists()


def test_query_prints_a_readable_table(tmp_path: Path) -> None:
    done = run_kg("query", DEALS, cwd=_project(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "?deal     ?label    ?value\n"
        "--------  --------  -------\n"
        "kgr:deal  Zap deal  1500000\n"
        "(1 row)\n"
    )


def test_query_formats_for_scripts(tmp_path: Path) -> None:
    project = _project(tmp_path)
    out = run_kg("query", DEALS, "--format", "csv", cwd=project).stdout
    assert list(csv.reader(io.StringIO(out))) == [
        ["deal", "label", "value"], ["https://w3id.org/kg/resource/deal", "Zap deal", "1500000"]]
    tsv = run_kg("query", DEALS, "--format", "tsv", cwd=project).stdout.splitlines()
    assert tsv == ["?deal\t?label\t?value",
                   '<https://w3id.org/kg/resource/deal>\t"Zap deal"@en\t'
                   '"1500000"^^<http://www.w3.org/2001/XMLSchema#decimal>']
    doc = json.loads(run_kg("query", DEALS, "--format", "json", cwd=project).stdout)
    assert doc["head"]["vars"] == ["deal", "label", "value"]
    assert doc["results"]["bindings"][0]["label"] == {
        "type": "literal", "value": "Zap deal", "xml:lang": "en"}


def test_query_from_a_file_and_errors(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "q.rq").write_text("ASK { kgr:atlantis a kg:Country }\n")
    assert run_kg("query", "q.rq", cwd=project).stdout == "true\n"
    bad = run_kg("query", "SELECT ?x WHERE {\n ?x a }", cwd=project)
    assert bad.returncode == 1
    assert "SPARQL syntax error at line 2, column" in bad.stderr
    for refused in ("LOAD <http://example.org/x>",
                    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"):
        done = run_kg("query", refused, cwd=project)
        assert done.returncode == 1 and "not allowed" in done.stderr, refused


def test_stats_counts_classes_and_predicates(tmp_path: Path) -> None:
    done = run_kg("stats", cwd=_project(tmp_path))
    assert done.returncode == 0
    assert re.search(r"Missile\s+1\n", done.stdout)
    assert re.search(r"supplier\s+1\n", done.stdout)


def test_html_page_is_self_contained(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_kg("build", cwd=project)
    page = (project / "out" / "graph.html").read_text(encoding="utf-8")
    assert "vis.Network" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert not re.search(r"""@import|url\(\s*["']?(?:https?:)?//""", page)
    assert "<b>" not in page.split('id="kg-data">')[1].split("</script>")[0]
