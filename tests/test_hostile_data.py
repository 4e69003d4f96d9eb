"""Hostile data files and arguments (issue 19): located errors, never tracebacks, nothing
written; values that would make huge or silently wrong literals are bounded."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DATA, run_kg
from test_bad_input import failing_build, pristine, project  # noqa: F401 (fixtures)

from kg.curate.ynodes import MAX_DIGITS, MAX_EXPONENT

RANGE = (f"number out of range: at most {MAX_DIGITS} digits and an exponent from "
         f"-{MAX_EXPONENT} to {MAX_EXPONENT}")
BIG_NUMBERS = ["9" * 5000, "1e1000000", "1e999998", "1e-999999999", "-1.5e101",
               "1" + "0" * 40, "1e99999999999999999999"]


def test_numbers_out_of_range_are_located_errors(project: Path) -> None:  # noqa: F811
    lines = [f"  - {{id: n{i}, subject: deal, predicate: value, sources: [src-a],\n"
             f"     value: {{value: {text}, currency: USD}}}}\n"
             for i, text in enumerate(BIG_NUMBERS)]
    run = failing_build(project, {"more.yaml": "statements:\n" + "".join(lines)})
    for i, text in enumerate(BIG_NUMBERS):
        run.expect(f"data/more.yaml:{2 * i + 3}:21", RANGE, text)
    assert len(run.errors) == len(BIG_NUMBERS) + 1  # one error each, no follow-on errors


def test_numbers_in_range_still_work(project: Path) -> None:  # noqa: F811
    # The largest allowed: 40 digits, exponents of +-100 (all errors but the other file's)
    lines = [f"  - {{id: n{i}, subject: deal, predicate: value, sources: [src-a],\n"
             f"     value: {{value: {text}, currency: USD}}}}\n" for i, text in enumerate(
                 ["9" * 40, "1e100", "1.5e-100", "0.5"])]
    run = failing_build(project, {"more.yaml": "statements:\n" + "".join(lines)})
    assert len(run.errors) == 1


BAD_DATES = [
    ("FY0000", "fiscal year out of range: write FY0002 to FY9998"),
    ("FY0001", "fiscal year out of range: write FY0002 to FY9998"),
    ("FY9999", "fiscal year out of range: write FY0002 to FY9998"),
    ("\uff12\uff10\uff12\uff13-\uff10\uff15",  # fullwidth
     "not a date: write YYYY, YYYY-MM, YYYY-MM-DD or FY2023"),
    ("2023-\u0660\u0665",  # Arabic-Indic
     "not a date: write YYYY, YYYY-MM, YYYY-MM-DD or FY2023"),
    ("FY\uff12\uff10\uff12\uff13",
     "not a date: write YYYY, YYYY-MM, YYYY-MM-DD or FY2023"),
]


def test_odd_dates_are_located_errors(project: Path) -> None:  # noqa: F811
    lines = [f"  - {{id: s{i}, subject: japan, predicate: allied-with, object: usa, "
             f"sources: [src-a],\n     qualifiers: {{date: \"{date}\"}}}}\n"
             for i, (date, _) in enumerate(BAD_DATES)]
    run = failing_build(project, {"more.yaml": "statements:\n" + "".join(lines)})
    for i, (date, message) in enumerate(BAD_DATES):
        run.expect(f"data/more.yaml:{2 * i + 3}:25", message, date)
    assert len(run.errors) == len(BAD_DATES) + 1


# -- arguments ---------------------------------------------------------------------------

def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize("rev", ["--output={target}", "--remote=ext::sh -c touch% {target}",
                                 "-o{target}"])
def test_diff_revision_is_never_a_git_option(tmp_path: Path, rev: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "data")
    _git(tmp_path, "commit", "-q", "-m", "data")
    target = tmp_path / "victim.txt"
    target.write_text("precious\n", encoding="utf-8")
    spec = rev.format(target=target)
    done = run_kg("diff", "--", spec, "HEAD", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (f"kg: error: {spec!r}: not a graph file, a data folder or a git "
                           "revision with data/\n")
    assert done.stdout == ""
    assert target.read_text(encoding="utf-8") == "precious\n"  # not truncated, not touched


# -- data files that are not what they seem ----------------------------------------------

SECRET = "entities:\n  - {id: outsider, type: Person, label: SECRET-OUTSIDE-LABEL}\n"


@pytest.mark.parametrize("command", ["build", "check"])
def test_symlink_out_of_the_data_folder_is_refused(tmp_path: Path, command: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    outside = tmp_path / "outside" / "notes.yaml"
    outside.parent.mkdir()
    outside.write_text(SECRET, encoding="utf-8")
    (tmp_path / "data" / "notes.yaml").symlink_to(outside)
    (tmp_path / "data" / "passwd.yaml").symlink_to("/etc/passwd")
    (tmp_path / "data" / "status.yml").symlink_to("/proc/self/status")
    done = run_kg(command, cwd=tmp_path)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    refused = "error: a symbolic link leading out of the data folder; refused (not read)"
    assert errors[:2] == [f"data/notes.yaml: {refused}: {str(outside)!r}",
                          f"data/passwd.yaml: {refused}: '/etc/passwd'"]
    assert re.fullmatch(f"data/status.yml: {re.escape(refused)}: '/proc/[0-9]+/status'",
                        errors[2])
    assert len(errors) == 3
    for leaked in ("SECRET-OUTSIDE-LABEL", "root:", "VmRSS", "Pid:"):
        assert leaked not in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()


def test_symlink_inside_the_data_folder_is_read(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "data" / "extra").mkdir()
    (tmp_path / "data" / "extra" / "real.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "data" / "linked.yaml").symlink_to(Path("extra") / "real.txt")
    done = run_kg("query", "--format", "csv", "SELECT ?l { kgr:outsider rdfs:label ?l }",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "l\nSECRET-OUTSIDE-LABEL\n"


def test_fifo_in_the_data_folder_is_refused_without_hanging(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    os.mkfifo(tmp_path / "data" / "pipe.yaml")
    done = run_kg("check", cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert ("data/pipe.yaml: error: not a regular file (a FIFO, device or folder); refused "
            "(not read)\n") in done.stderr


@pytest.mark.parametrize("name", ["upper.YAML", "mixed.Yml", "shout.YML"])
def test_upper_case_yaml_suffixes_are_read(tmp_path: Path, name: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "data" / name).write_text(SECRET.replace("SECRET-OUTSIDE-LABEL", "Shouty"),
                                          encoding="utf-8")
    done = run_kg("query", "--format", "csv", "SELECT ?l { kgr:outsider rdfs:label ?l }",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "l\nShouty\n"


def test_query_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    os.mkfifo(tmp_path / "x.rq")
    done = run_kg("query", "x.rq", cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr == "kg: error: x.rq: not a regular file (a FIFO, device or folder)\n"
    assert done.stdout == ""


# -- invisible and look-alike text --------------------------------------------------------

INVISIBLE = [("\u200e", "200E"), ("\u200f", "200F"), ("\u200b", "200B"), ("\u2060", "2060"),
             ("\ufeff", "FEFF"), ("\U000e0041", "E0041"), ("\U000e007f", "E007F")]


def test_invisible_characters_are_refused_with_the_code_point(project: Path) -> None:  # noqa: F811
    lines = [f'  - {{id: e{i}, type: Person, label: "Jo{char}hn"}}\n'
             for i, (char, _) in enumerate(INVISIBLE)]
    run = failing_build(project, {"more.yaml": "entities:\n" + "".join(lines)})
    for i, (char, code) in enumerate(INVISIBLE):
        run.expect(f"data/more.yaml:{i + 2}:35", f"invisible character U+{code} in text (it "
                   "shows as nothing; remove it)", f"Jo{char}hn")
    assert len(run.errors) == len(INVISIBLE) + 1


def test_joiners_are_kept_with_a_warning(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    (tmp_path / "data" / "more.yaml").write_text(
        f'entities:\n  - {{id: family, type: Person, label: "{family}"}}\n', encoding="utf-8")
    done = run_kg("check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert ("data/more.yaml:2:39: warning: invisible character U+200D in text (kept: check "
            f"that it is meant): {family!r}\n") in done.stderr


def test_nfd_text_is_read_as_nfc(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "data" / "more.yaml").write_text(
        "entities:\n  - {id: cafe-a, type: Country, label: \"Cafe\u0301 Land\"}\n"
        "  - {id: cafe-b, type: Country, label: \"Caf\u00e9 Land\", aliases: [Cafe\u0301]}\n",
        encoding="utf-8")
    done = run_kg("query", "--format", "csv", "--raw-csv", "SELECT ?l { VALUES ?e "
                  "{ kgr:cafe-a kgr:cafe-b } ?e rdfs:label|skos:altLabel ?l } ORDER BY ?l",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "l\nCaf\u00e9\nCaf\u00e9 Land\nCaf\u00e9 Land\n"
    (label,) = {line for line in done.stdout.splitlines()[2:]}
    assert label == "Caf\u00e9 Land"  # one spelling: the two labels are the same text
