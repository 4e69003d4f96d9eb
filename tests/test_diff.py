"""kg diff: statements added, removed and changed between builds and between git revisions."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from kg import diff_graphs
from kg.analysis.diff import DiffError, FieldChange, diff, format_diff
from kg.pipeline.build import build, load_graph
from tests.conftest import run_kg

KGS = "https://w3id.org/kg/statement/"

COMMON = {
    "sources.yaml": """
        sources:
          - {id: s1, title: First report, published: 2020-01-01, reliability: B}
        """,
    "entities.yaml": """
        entities:
          - {id: alpha, type: Country, label: Alphaland}
          - {id: beta, type: Country, label: Betaland}
          - {id: gamma, type: Country, label: Gammaland}
          - {id: deal, type: Agreement, label: The deal}
        """,
}
OLD = """
    statements:
      - subject: deal
        predicate: party
        object: alpha
        qualifiers: {status: planned}
        sources: [{source: s1, locator: p1, credibility: 3}]
      - subject: deal
        predicate: party
        object: beta
        qualifiers: {status: planned}
        sources: [{source: s1, locator: p1}]
      - subject: deal
        predicate: party
        object: gamma
        sources: [{source: s1, locator: p2}]
    """
NEW = """
    statements:
      - subject: deal
        predicate: party
        object: alpha
        qualifiers: {status: signed}
        sources: [{source: s1, locator: p1, credibility: 2}]
      - subject: deal
        predicate: party
        object: gamma
        sources: [{source: s1, locator: p2}]
      - subject: alpha
        predicate: allied-with
        object: gamma
        qualifiers: {date: 2021}
        sources: [{source: s1, locator: p3}]
    """


def write(root: Path, statements: str) -> Path:
    files = {**COMMON, "statements.yaml": statements}
    if root.exists():
        shutil.rmtree(root)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                   capture_output=True)


def test_changed_qualifier_is_a_change_not_a_removal_and_addition(tmp_path: Path) -> None:
    old = load_graph(write(tmp_path / "old", OLD)).graph
    new = load_graph(write(tmp_path / "new", NEW)).graph
    d = diff_graphs(old, new)
    assert (d.added, d.removed, d.changed) == (1, 1, 1)
    assert [e.id for e in d.entities] == ["alpha", "deal"]
    (added,) = d.entities[0].statements
    assert (added.kind, added.statement, added.object_label) == (
        "added", KGS + "alpha.allied-with.gamma", "Gammaland")
    assert added.qualifiers == {"date": "2021"}
    kinds = {s.statement: s for s in d.entities[1].statements}
    assert kinds[KGS + "deal.party.beta"].kind == "removed"
    changed = kinds[KGS + "deal.party.alpha"]
    assert changed.kind == "changed"
    assert changed.changes == [FieldChange("status", "planned", "signed"),
                               FieldChange("citation s1 credibility", "3", "2")]
    assert KGS + "deal.party.gamma" not in kinds


def test_same_data_gives_an_empty_diff(tmp_path: Path) -> None:
    g = load_graph(write(tmp_path / "old", OLD)).graph
    d = diff_graphs(g, g)
    assert (d.added, d.removed, d.changed, d.entities) == (0, 0, 0, [])


def test_two_build_outputs_from_the_cli(tmp_path: Path) -> None:
    build(write(tmp_path / "old", OLD), tmp_path / "out1", formats=("nt",), html_page=False)
    build(write(tmp_path / "new", NEW), tmp_path / "out2", formats=("ttl",), html_page=False)
    r = run_kg("diff", "out1/graph.nt", "out2/graph.ttl", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["added"], d["removed"], d["changed"]) == (1, 1, 1)
    changed = [s for e in d["entities"] for s in e["statements"] if s["kind"] == "changed"]
    assert changed[0]["changes"][0] == {"field": "status", "old": "planned", "new": "signed"}


def test_two_git_revisions(tmp_path: Path) -> None:
    write(tmp_path / "data", OLD)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "data")
    git(tmp_path, "commit", "-q", "-m", "old")
    write(tmp_path / "data", NEW)
    git(tmp_path, "add", "-A", "data")
    git(tmp_path, "commit", "-q", "-m", "new")
    (tmp_path / "data" / "statements.yaml").write_text("not: [valid", encoding="utf-8")
    r = run_kg("diff", "HEAD~1", "HEAD", cwd=tmp_path)  # the worktree's data is not read
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "HEAD~1 -> HEAD: 1 added, 1 removed, 1 changed statement(s)"
    assert "The deal (deal)\n" in r.stdout
    assert "  ~ party -> Alphaland    [deal.party.alpha]\n      status: planned -> signed\n" \
           "      citation s1 credibility: 3 -> 2\n" in r.stdout
    assert "  - party -> Betaland    [deal.party.beta]\n" in r.stdout
    assert "  + allied with -> Gammaland    [alpha.allied-with.gamma]\n" \
           "      date 2021; sources s1\n" in r.stdout


def test_a_revision_can_be_compared_with_a_data_folder(tmp_path: Path) -> None:
    write(tmp_path / "data", OLD)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "data")
    git(tmp_path, "commit", "-q", "-m", "old")
    write(tmp_path / "data", NEW)
    d = diff("HEAD", str(tmp_path / "data"), data=tmp_path / "data")
    assert (d.added, d.removed, d.changed) == (1, 1, 1)
    assert format_diff(d).startswith(f"HEAD -> {tmp_path / 'data'}: 1 added")


def test_unknown_revision_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "data", OLD)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "data")
    git(tmp_path, "commit", "-q", "-m", "old")
    with pytest.raises(DiffError, match="'no-such-rev': not a graph file, a data folder or a "
                                        "git revision with data/"):
        diff("no-such-rev", "HEAD", data=tmp_path / "data")


def test_unparsable_graph_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(DiffError, match=r"bad\.ttl:1: not a graph file in Turtle \(the format "
                       r"its name ends in\): objectList expected\Z"):
        diff(str(bad), str(bad))


def test_cli_diff_of_a_file_that_is_not_rdf_is_one_line(tmp_path: Path) -> None:
    """No rdflib message (its multi-line parser dump, plugin names) reaches the user."""
    (tmp_path / "notes.ttl").write_text("hello\nworld\n", encoding="utf-8")
    (tmp_path / "notes.nt").write_text("hello world\n", encoding="utf-8")
    done = run_kg("diff", "notes.ttl", "notes.nt", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == ("kg: error: notes.ttl:1: not a graph file in Turtle (the format its "
                           "name ends in): expected directive or statement\n")
    done = run_kg("diff", "notes.nt", "notes.ttl", cwd=tmp_path)
    assert done.stderr == ("kg: error: notes.nt: not a graph file in N-Triples (the format its "
                           "name ends in): Invalid line: hello world\n")
    done = run_kg("diff", "notes.txt", "notes.ttl", cwd=tmp_path)
    assert done.returncode == 1 and "plugin" not in done.stderr.lower()
