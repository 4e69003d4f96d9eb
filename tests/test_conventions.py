"""Command-line conventions users expect, each through the real CLI (python -m kg)."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, run_kg


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("conventions")
    shutil.copytree(DATA, root / "data")
    return root


def test_version() -> None:
    from importlib.metadata import version

    done = run_kg("--version", cwd=ROOT)
    assert done.returncode == 0
    assert done.stdout == f"kg {version('kg')}\n"


@pytest.mark.parametrize("args", [
    ("central", "--top", "0"), ("central", "--top", "-2"), ("path", "a", "b", "--limit", "0"),
    ("neighbors", "x", "--hops", "0"), ("communities", "--min-size", "0"),
    ("query", "ASK {}", "--max-rows", "0"), ("query", "ASK {}", "--timeout", "0"),
    ("serve", "--port", "70000"), ("central", "--top", "ten"),
    ("bench", "--repeats", "0"), ("build", "--lock-wait", "-1"),
])
def test_numbers_are_validated_as_usage_errors(project: Path, args: tuple[str, ...]) -> None:
    done = run_kg(*args, cwd=project)
    assert done.returncode == 2
    assert done.stdout == ""
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"kg {args[0]}: error: argument "), last
    assert f" {args[-1]}" in last or repr(args[-1]) in last


def test_top_limits_rows(project: Path) -> None:
    done = run_kg("central", "--top", "2", cwd=project)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 4  # header, rule, two rows


def test_output_option_short_long_and_alias(project: Path) -> None:
    for flag, name in (("-o", "a.graphml"), ("--output", "b.graphml"), ("--out", "c.graphml")):
        done = run_kg("export", "-f", "graphml", flag, name, cwd=project)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"wrote {name}\n"
        assert (project / name).read_text(encoding="utf-8").startswith("<graphml ")


def test_format_is_inferred_from_the_output_suffix(project: Path) -> None:
    done = run_kg("export", "-o", "net.gexf", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "<gexf " in (project / "net.gexf").read_text(encoding="utf-8")
    done = run_kg("export", "-o", "tables", cwd=project)  # a folder: csv
    assert done.stdout == "wrote tables/edges.csv\nwrote tables/nodes.csv\n"
    done = run_kg("export", "-o", "net.txt", cwd=project)
    assert done.returncode == 1
    assert done.stderr == ("kg: error: cannot tell the format from 'net.txt': give -f/--format "
                           "(graphml, gexf, csv) or an output ending in .graphml, .gexf, .csv\n")
    done = run_kg("query", "SELECT ?l WHERE { kgr:japan rdfs:label ?l }", "-o", "r.tsv",
                  cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "r.tsv").read_text(encoding="utf-8") == '?l\n"Japan"@en\n'


def test_export_to_standard_output_writes_no_file(project: Path) -> None:
    done = run_kg("export", "-f", "graphml", "-o", "-", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<graphml ") and done.stdout.endswith("</graphml>\n")
    assert not (project / "-").exists()
    done = run_kg("export", "-f", "csv", "-o", "-", cwd=project)
    assert done.returncode == 1
    assert done.stderr.startswith("kg: error: -o -: csv writes two files")
    assert not (project / "-").exists()


def test_query_from_standard_input(project: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "kg", "query", "-", "-f", "csv"], cwd=project,
                          input="SELECT ?l WHERE { kgr:japan rdfs:label ?l }", env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "l\nJapan\n"  # CSV's CRLF, read in text mode


def test_unknown_entity_gets_did_you_mean(project: Path) -> None:
    done = run_kg("path", "Japn", "ROK", cwd=project)
    assert done.returncode == 1
    assert done.stderr == ("kg: error: no entity has the id, label or alias 'Japn'; did you "
                           "mean 'Japan' or 'JPN'?\n")
    done = run_kg("neighbors", "zzzzzz", cwd=project)
    assert done.stderr == "kg: error: no entity has the id, label or alias 'zzzzzz'\n"


def test_ambiguous_name_lists_the_candidates(tmp_path: Path) -> None:
    """A place's label that is also another entity's alias: an error naming both."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.yaml").write_text("""\
sources:
  - {id: s, title: T, published: 2020-01-01, reliability: B}
entities:
  - {id: georgia-state, type: Place, label: Georgia}
  - {id: ge, type: Country, label: Sakartvelo, aliases: [Georgia],
     ambiguous: {Georgia: Also the US state's name}}
  - {id: atlanta, type: Place, label: Atlanta}
  - {id: tbilisi, type: Place, label: Tbilisi}
statements:
  - {subject: atlanta, predicate: located-in, object: georgia-state,
     sources: [{source: s, locator: p1}]}
  - {subject: tbilisi, predicate: located-in, object: ge,
     sources: [{source: s, locator: p2}]}
""", encoding="utf-8")
    for args in (("path", "Georgia", "Atlanta"), ("neighbors", "georgia")):
        done = run_kg(*args, cwd=tmp_path)
        assert done.returncode == 1
        # the first command builds out/ first (kg.pipeline.built), and says so on its own line
        assert done.stderr.endswith(f"kg: error: {args[1]!r} is ambiguous; use one of these "
                                    "ids: ge (Sakartvelo), georgia-state (Georgia)\n")
    done = run_kg("neighbors", "sakartvelo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[1] Tbilisi (tbilisi, Place)")


def test_path_prints_labels_not_ids(project: Path) -> None:
    done = run_kg("path", "Japan", "ROK", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "accordingTo Unnamed person cited by Reuters on the radar-sharing plan (May 2023)," \
        in done.stdout
    assert "accordingTo unnamed-source-radar-2023" not in done.stdout
    assert "accordingTo reuters" not in done.stdout and "accordingTo Reuters" in done.stdout
    done = run_kg("path", "Japan", "ROK", "-f", "json", cwd=project)
    facts = [f for p in json.loads(done.stdout) for s in p["steps"] for f in s["facts"]]
    assert any(f["qualifiers"].get("accordingTo") == "reuters" for f in facts)  # ids for scripts


def test_check_errors_only_and_json(project: Path, tmp_path: Path) -> None:
    shutil.copytree(project / "data", tmp_path / "data")
    systems = tmp_path / "data" / "entities" / "systems.yaml"
    systems.write_text(systems.read_text(encoding="utf-8").replace(
        "type: Missile", "type: Misile", 1), encoding="utf-8")
    done = run_kg("check", "--errors-only", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and lines[-1] == "1 error(s), 149 warning(s)"
    assert lines[0].startswith("data/entities/systems.yaml:4:11: error: unknown class")
    done = run_kg("check", "-f", "json", cwd=tmp_path)
    report = json.loads(done.stdout)
    assert (report["errors"], report["warnings"], len(report["issues"])) == (1, 149, 150)
    first = report["issues"][0]
    assert {k: first[k] for k in ("file", "line", "col", "severity", "value")} == {
        "file": "data/entities/systems.yaml", "line": 4, "col": 11, "severity": "error",
        "value": "Misile"}
    done = run_kg("check", "--errors-only", "--format", "json", cwd=tmp_path)
    assert len(json.loads(done.stdout)["issues"]) == 1


def test_stats_json(project: Path) -> None:
    done = run_kg("stats", "--format", "json", cwd=project)
    assert done.returncode == 0
    counts = json.loads(done.stdout)
    assert counts["triples"] == 3185 and counts["entity_total"] == 70
    assert counts["entities"]["Country"] == sum(
        1 for line in run_kg("query", "SELECT ?c WHERE { ?c a kg:Country }", "-f", "csv",
                             cwd=project).stdout.splitlines()[1:])


def _in_terminal(args: list[str], cwd: Path, columns: int) -> str:
    """Run kg with its standard output on a pseudo-terminal of ``columns`` columns."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS=str(columns), LINES="50")
    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "kg", *args], cwd=cwd, env=env,
                          stdout=follower, stderr=subprocess.DEVNULL) as proc:
        os.close(follower)
        chunks = []
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_tables_fit_the_terminal_and_pipes_get_everything(project: Path) -> None:
    sparql = "SELECT ?s ?said WHERE { ?x kg:statement ?st . ?st rdf:predicate kg:stated ; " \
             "rdf:subject ?s ; rdf:object ?said }"
    piped = run_kg("query", sparql, cwd=project).stdout
    assert max(len(line) for line in piped.splitlines()) > 100
    shown = _in_terminal(["query", sparql], project, 60)
    lines = shown.splitlines()
    assert len(lines) == len(piped.splitlines())
    assert max(len(line) for line in lines) == 60
    assert any(line.endswith("…") for line in lines)
    path = _in_terminal(["path", "Japan", "ROK"], project, 70)
    assert max(len(line) for line in path.splitlines()) <= 70


def test_serve_on_a_busy_port_is_one_line(project: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_kg("serve", "--port", str(port), cwd=project)
    assert done.returncode == 1
    assert done.stderr == f"kg: error: cannot serve on 127.0.0.1:{port}: Address already in use\n"


def test_import_sipri_shows_the_first_line_as_written(tmp_path: Path, project: Path) -> None:
    (tmp_path / "notes.csv").write_bytes("Café — list,1,2\nx,y,z\n".encode())
    (tmp_path / "old.csv").write_bytes("Café list,1,2\n".encode("latin-1"))
    for name, first in (("notes.csv", "Café — list,1,2"), ("old.csv", "Café list,1,2")):
        done = run_kg("import", "sipri", str(tmp_path / name), "--data", str(project / "data"),
                      "-o", str(tmp_path / "imp"), cwd=tmp_path)
        assert done.returncode == 1
        assert done.stderr.endswith(f"found first line: {first!r}\n"), done.stderr
    assert not (tmp_path / "imp").exists()


def test_wrote_only_for_files_that_changed(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    first = run_kg("build", "--no-html", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert [x for x in first.stdout.splitlines() if x.startswith("wrote")] == [
        "wrote out/graph.jsonld", "wrote out/graph.nt", "wrote out/graph.ttl"]
    again = run_kg("build", "--no-html", cwd=tmp_path)
    assert not [x for x in again.stdout.splitlines() if x.startswith("wrote")]
    # same inputs, out/ intact (kg.pipeline.built): the build writes nothing at all
    assert ("out was built from these very inputs (by content hash) and is intact: nothing "
            "written") in again.stdout.splitlines()
    forced = run_kg("build", "--no-html", "--no-cache", cwd=tmp_path)  # built anew: same bytes
    assert not [x for x in forced.stdout.splitlines() if x.startswith("wrote")]
    assert "out: every output is unchanged" in forced.stdout.splitlines()
    assert run_kg("export", "-o", "n.graphml", cwd=tmp_path).stdout == "wrote n.graphml\n"
    assert run_kg("export", "-o", "n.graphml", cwd=tmp_path).stdout == ""
    systems = tmp_path / "data" / "entities" / "systems.yaml"
    systems.write_text(systems.read_text(encoding="utf-8").replace(
        "label: SM-3\n", "label: SM-3 missile\n", 1), encoding="utf-8")
    assert run_kg("export", "-o", "n.graphml", cwd=tmp_path).stdout == "wrote n.graphml\n"


def test_documented_work_folders_are_git_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for folder in ("out/", "store/", "bench-work/", ".ci-venv/"):
        assert folder in ignored
