"""The README documents every command, and its quick start is what CI runs."""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.cli import _parser
from tests.conftest import ROOT, run_kg
from tests.examples import Example, examples, matches

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = _parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_every_command_is_documented() -> None:
    missing = [c for c in _commands() if not re.search(rf"`kg {c}\b", README)]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "python -m pip install -q -e '.[test]' && python -m pytest"
    assert command in README
    assert ci.rstrip().splitlines()[-1] == command


def test_lowest_constraints_pin_every_lower_bound() -> None:
    """ci/constraints-lowest.txt pins each dependency at the lower bound pyproject.toml
    declares, and the README gives the one command that runs the suite with them."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = {}
    for spec in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", spec.split(";")[0].strip())
        if m and m.group(1) not in ("mypy", "ruff"):  # linters: not run by the suite
            bounds[m.group(1).lower()] = m.group(2)
    pins = {}
    for line in (ROOT / "ci" / "constraints-lowest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    def norm(v: str) -> str:  # 7.0.0 == 7.0 == 7
        return re.sub(r"(\.0)+$", "", v)

    assert {n: norm(pins.get(n, "")) for n in bounds} == {n: norm(v) for n, v in bounds.items()}
    assert ("python -m pip install -q -e '.[test]' -c ci/constraints-lowest.txt "
            "&& python -m pytest") in README


def test_ci_makes_the_readme_fresh_virtual_environment() -> None:
    """CI installs into its own fresh venv (no system site-packages), as the README says."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && . .venv/bin/activate" in README
    lines = ci.splitlines()
    assert "rm -rf .ci-venv" in lines
    assert "python3 -m venv .ci-venv" in lines
    assert "--system-site-packages" not in ci
    assert lines.index("python3 -m venv .ci-venv") < lines.index(". .ci-venv/bin/activate")
    assert ".ci-venv/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# --- every console example in the docs runs and prints what the docs show ------------------

DOCS = ["README.md", "data/README.md", *sorted(
    p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
ALL = [ex for doc in DOCS for ex in examples(ROOT, doc)]

# Not console examples (no `$` line), on purpose: the README's quick start (the commands
# .ci/run runs, see above) and data/README.md's `grep ... | sed -n '7p'` recipe for finding a
# paragraph of a seed article (its output would copy an article's sentence into the project).
# docs/benchmarks.md records benchmark runs of minutes to hours on generated data of up to a
# million facts, and their timings: those commands are checked against the real parser (every
# option, size and stage exists), not run; their output is a measurement, not compared.
MEASUREMENTS = {"docs/benchmarks.md"}
# Commands the README shows as the way to run the benchmark itself (minutes): checked, not run.
CHECKED_ONLY = ("kg bench ",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a clone holds that the examples read: data/, queries/ and the test fixtures."""
    root = tmp_path_factory.mktemp("clone")
    for name in ("data", "queries", "tests/fixtures"):
        shutil.copytree(ROOT / name, root / name)
    return root


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=repo, check=True,
                   capture_output=True)


def _setup(example: Example, project: Path) -> list[object]:
    """What an example needs beyond a clone (what its text says it is run after)."""
    held: list[object] = []
    text = example.text
    if "'lonely'" in text:  # data/README.md: the warnings of tests/fixtures/warnings/
        shutil.rmtree(project / "data")
        shutil.copytree(project / "tests" / "fixtures" / "warnings", project / "data")
    reads_build = re.search(r"^kg (query|stats|path|neighbors|central|communities|export|serve)"
                            r"\b(?!.*--from-data)", text, re.MULTILINE)
    if "--graph-file out/" in text or (reads_build and "building it first" not in text):
        # "queries the output of a build": the README's examples run after `kg build`
        assert run_kg("build", cwd=project).returncode == 0
    if "'Misile'" in text:  # "A mistake": the class of the first system misspelt
        systems = project / "data" / "entities" / "systems.yaml"
        lines = systems.read_text(encoding="utf-8").splitlines(keepends=True)
        assert lines[3].startswith("    type: Missile"), lines[3]
        lines[3] = lines[3].replace("Missile", "Misile")
        systems.write_text("".join(lines), encoding="utf-8")
    if "kg diff HEAD~1 HEAD" in text:  # two commits of the example data of tests/test_diff.py
        from tests.test_diff import NEW, OLD, write

        shutil.rmtree(project / "data")
        write(project / "data", OLD)
        _git(project, "init", "-q")
        _git(project, "add", "data")
        _git(project, "commit", "-q", "-m", "old")
        write(project / "data", NEW)
        _git(project, "add", "-A", "data")
        _git(project, "commit", "-q", "-m", "new")
    if 'sipri = ["tests/fixtures/sipri-register.csv"]' in text:  # "with kg.toml"
        (project / "kg.toml").write_text('[imports]\nsipri = ["tests/fixtures/sipri-register.csv"]'
                                         "\n", encoding="utf-8")
    if "../shared/seeds" in text:  # the archived articles beside the clone, as in CI
        seeds = ROOT.parent / "shared" / "seeds"
        if not seeds.is_dir():
            pytest.skip(f"the archived articles are not at {seeds} (CI has ../shared)")
        (project.parent / "shared").mkdir(exist_ok=True)
        (project.parent / "shared" / "seeds").symlink_to(seeds)
    if "--lock-wait 0" in text:  # another build is writing out/
        (project / "out").mkdir(exist_ok=True)
        handle = (project / "out" / ".kg.lock").open("w")
        fcntl.flock(handle, fcntl.LOCK_EX)
        held.append(handle)
    return held


def _check_bench(command: str) -> None:
    """A benchmark command line is valid: kg's own parser and the bench's names accept it."""
    from kg.bench.generate import SIZES
    from kg.bench.stages import STAGES

    words = shlex.split(command.replace("\\\n", " "))
    if words[:3] == ["python", "-m", "kg"] or words[:1] == ["kg"]:
        args = _parser().parse_args(words[3:] if words[0] == "python" else words[1:])
        assert all(s in SIZES for s in args.sizes.split(",")), args.sizes
        assert args.stages is None or all(s in STAGES for s in args.stages.split(",") if s)
    elif words[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(words[2]) is not None, words[2]
    elif words[0] == "python" and words[1] != "-c":
        assert (ROOT / words[1]).is_file(), words[1]


@pytest.mark.parametrize("example", ALL, ids=[ex.id for ex in ALL])
def test_console_example(example: Example, base: Path, tmp_path: Path) -> None:
    if example.doc in MEASUREMENTS:
        for command in example.commands:
            if not command.text.startswith("Q="):
                _check_bench(command.text)
        return
    project = tmp_path / "clone"
    shutil.copytree(base, project)
    (project / "tmp").mkdir()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "kg").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kg "$@"\n',
                               encoding="utf-8")
    (bindir / "kg").chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
               PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    ports = {"8000": str(_free_port()), "7878": str(_free_port())}

    def into(text: str) -> str:
        text = text.replace("/tmp/", f"{project}/tmp/")
        for shown, real in ports.items():
            text = re.sub(rf"\b{shown}\b", real, text)
        return text

    def back(text: str) -> list[str]:
        text = text.replace(f"{project}/tmp/", "/tmp/")
        for shown, real in ports.items():
            text = re.sub(rf"\b{real}\b", shown, text)
        return text.splitlines()

    held = _setup(example, project)
    background: list[subprocess.Popen[str]] = []
    failures = []
    try:
        for command in example.commands:
            if command.text.startswith(CHECKED_ONLY):
                _check_bench(command.text)
                continue
            text = into(command.text)
            if text.startswith("kg serve") or text.endswith("&"):
                proc = subprocess.Popen(["bash", "-c", f"exec {text.rstrip('& ')}"],
                                        cwd=project, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                background.append(proc)
                assert proc.stdout is not None
                shown = [proc.stdout.readline().rstrip("\n") for _ in command.expected]
                port = re.search(r"(?:--port |--bind 127\.0\.0\.1:)(\d+)", text)
                assert port, text
                _wait_for_port(int(port.group(1)), proc)
                got = back("\n".join(shown))
            else:
                done = subprocess.run(["bash", "-c", text], cwd=project, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      timeout=600, check=False)
                got = back(done.stdout)
            if not matches(command.expected, got):
                failures.append(f"$ {command.text}\n--- the docs show:\n"
                                + "\n".join(command.expected) + "\n--- kg printed:\n"
                                + "\n".join(got))
    finally:
        for proc in background:
            proc.terminate()
            proc.communicate(timeout=30)
        for handle in held:
            handle.close()  # type: ignore[attr-defined]
    assert not failures, f"{example.id}:\n" + "\n\n".join(failures)


def test_examples_are_found() -> None:
    """The parser sees the examples (so an empty list cannot pass for 'all ran')."""
    by_doc = {doc: len([ex for ex in ALL if ex.doc == doc]) for doc in DOCS}
    assert by_doc["README.md"] >= 12 and by_doc["docs/benchmarks.md"] >= 10
    assert by_doc["data/README.md"] == 1
    assert matches(["a", "...", "c ... e"], ["a", "x", "y", "c d e"])
    assert not matches(["a", "c"], ["a", "b", "c"])
    assert not matches(["a"], ["a", "extra"])
