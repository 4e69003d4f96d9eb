"""The README documents every command, and its quick start is what CI runs."""

from __future__ import annotations

import argparse
import re

from kg.cli import _parser
from tests.conftest import ROOT

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
