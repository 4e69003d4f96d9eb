"""The cited paragraphs for the page: each citation's paragraph text, read from the
sources' archived copies at build time, split into segments with the known entities'
names marked (kg.curate.archive). The text goes into the built page only (``out/``, never
committed), as data the page shows through textContent, never as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from kg.core.model import Dataset
from kg.curate import archive

#: One passage: [text, entity id or None] segments, in order.
Passage = list[list[str | None]]


def passage_key(source: str, locator: str) -> str:
    """The key of a cited paragraph in the page's ``passages`` (also page.js's)."""
    return f"{source} {locator}"


def marked(text: str, known: Mapping[str, Sequence[str]]) -> Passage:
    """``text`` cut into segments, each known entity's names marked with its id: the
    earliest match first, the longest of those starting at one place, never overlapping."""
    spans: list[tuple[int, int, str]] = []
    for eid, names in known.items():
        for name in names:
            spans += [(m.start(), m.end(), eid)
                      for m in archive.name_pattern(name).finditer(text)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: Passage = []
    at = 0
    for start, end, eid in spans:
        if start < at:
            continue
        if start > at:
            out.append([text[at:start], None])
        out.append([text[start:end], eid])
        at = end
    if at < len(text):
        out.append([text[at:], None])
    return out


def page_passages(data: Dataset, folder: Path) -> dict[str, Passage]:
    """Every cited paragraph found in ``folder``, by :func:`passage_key`."""
    found = archive.archives(data.sources, folder)
    known = archive.names(data.entities)
    out: dict[str, Passage] = {}
    for s in data.statements:
        for c in s.citations:
            a = found.get(c.source)
            n = archive.para_number(c.locator)
            if a is None or n is None or c.locator is None or n > len(a.paragraphs):
                continue
            key = passage_key(c.source, c.locator)
            if key not in out:
                out[key] = marked(a.paragraphs[n - 1], known)
    return dict(sorted(out.items()))
