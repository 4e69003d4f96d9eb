"""Console examples in the docs, parsed and run as a user would run them (tests/test_readme.py).

An example is a fenced block whose lines starting with ``$ `` are commands (a command goes on
over the next lines while its quotes are open or the line ends with ``\\``); the lines after a
command, up to the next one, are what it prints (standard output and error, in order).

Placeholders, declared here and nowhere else:

- a line ``...`` stands for any number of lines (the docs leave long lists out);
- ``...`` inside a line stands for any text on that line (a shortened list of names);
- ``/tmp/`` in a command is a folder of the test's own (so nothing is written to /tmp), and
  that folder is printed back as ``/tmp/``;
- the ports 8000 and 7878 are free ports picked by the test, printed back as 8000 and 7878.

A command with no lines after it must print nothing. ``kg`` is the real command line
(``python -m kg`` of this checkout, in the environment running the tests).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Command:
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Example:
    doc: str  # path relative to the repository root
    line: int  # line of the opening fence
    lang: str
    commands: list[Command]

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def text(self) -> str:
        return "\n".join(c.text + "\n" + "\n".join(c.expected) for c in self.commands)


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command)
    except ValueError:  # an open quote: the command goes on
        return False
    return True


def examples(root: Path, doc: str) -> list[Example]:
    """Every console example (a block with ``$`` lines) in ``doc``."""
    lines = (root / doc).read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i + 1, m.group(1)
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if not body or not body[0].startswith("$ "):
            continue
        commands: list[Command] = []
        j = 0
        while j < len(body):
            if body[j].startswith("$ "):
                text = body[j][2:]
                while not _complete(text) and j + 1 < len(body):
                    j += 1
                    text += "\n" + body[j]
                commands.append(Command(text))
            else:
                commands[-1].expected.append(body[j])
            j += 1
        found.append(Example(doc, start, lang, commands))
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """``actual`` lines fit ``expected`` with its ``...`` placeholders (lines compared with
    trailing spaces removed)."""
    patterns = [None if e.strip() == "..." else
                re.compile(".*?".join(re.escape(p) for p in e.rstrip().split("...")) + r"\Z")
                for e in expected]
    got = [a.rstrip() for a in actual]

    def fit(p: int, a: int) -> bool:
        if p == len(patterns):
            return a == len(got)
        pattern = patterns[p]
        if pattern is None:
            return any(fit(p + 1, k) for k in range(a, len(got) + 1))
        return a < len(got) and bool(pattern.match(got[a])) and fit(p + 1, a + 1)

    return fit(0, 0)
