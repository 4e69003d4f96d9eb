"""The archived copies of the sources: check locators against them, report what no
statement cites, and show a cited paragraph.

A source's ``file`` names its archived copy inside a sources folder (``--sources DIR``;
the shipped data's articles are ``../shared/seeds/`` beside the repository and are never
copied into it). ``para N`` is the N-th non-blank line of that file (data/README.md).
With the folder at hand :func:`archive_issues` checks that each file is there and
unchanged (its SHA-256 against the source's ``sha256``), that each locator exists, and
warns when a cited paragraph names none of the statement's entities.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.core.errors import Issue, Loc, Severity
from kg.core.model import Dataset, Entity, Source, Statement

PARA = re.compile(r"para ([1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class Archive:
    """One archived copy, read: its paragraphs (non-blank lines, stripped) and hash."""

    path: Path
    paragraphs: tuple[str, ...]
    sha256: str


@cache
def _read(path: Path, mtime_ns: int, size: int) -> Archive:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    paras = tuple(line.strip() for line in text.splitlines() if line.strip())
    return Archive(path, paras, hashlib.sha256(data).hexdigest())


def read_archive(path: Path) -> Archive | None:
    """The archived copy at ``path``, or None when there is no such file."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return _read(path, st.st_mtime_ns, st.st_size)


def archives(sources: Iterable[Source], folder: Path) -> dict[str, Archive]:
    """Each source's archived copy found in ``folder``, by source id."""
    found = {}
    for s in sources:
        if s.file and (a := read_archive(folder / s.file)) is not None:
            found[s.id] = a
    return found


def para_number(locator: str | None) -> int | None:
    return int(m.group(1)) if locator and (m := PARA.fullmatch(locator)) else None


@cache
def name_pattern(name: str) -> re.Pattern[str]:
    """A name starting a word; all-capital short names (US, ROK) only as written and
    whole, longer names also with an ending (Japan in Japanese, North Korea in North
    Korean)."""
    if name.isupper() and len(name) <= 4:
        return re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")
    end = r"\w{0,3}(?!\w)" if len(name) >= 4 else r"(?!\w)"
    return re.compile(r"(?<!\w)" + re.escape(name) + end, re.IGNORECASE)


def names(entities: Iterable[Entity]) -> dict[str, tuple[str, ...]]:
    """Each entity's label and aliases, by id (and a person's surname: the last word
    of the label)."""
    out = {}
    for e in entities:
        surname = (e.label.split()[-1],) if e.type == "Person" and " " in e.label \
            and not e.unnamed else ()
        out[e.id] = (e.label, *e.aliases, *surname)
    return out


def mentions(text: str, known: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(entity id, name) for every known entity named in ``text``, in the order of
    ``known``; each entity once, under the first of its names found."""
    found = []
    for eid, entity_names in known.items():
        for name in entity_names:
            if name_pattern(name).search(text):
                found.append((eid, name))
                break
    return found


def _involved(s: Statement) -> list[str]:
    q = s.qualifiers
    return [x for x in (s.subject, s.object, q.according_to, q.location) if x]


def _warn(loc: Loc, message: str, value: object, code: str) -> Issue:
    return Issue(loc, message, value, Severity.WARNING, code)


def archive_issues(data: Dataset, folder: Path) -> list[Issue]:
    """The problems the archived copies in ``folder`` show: a missing or changed copy,
    a locator past its end, a cited paragraph naming none of the statement's entities."""
    issues: list[Issue] = []
    if not folder.is_dir():
        return [Issue(Loc(str(folder)), "sources folder not found")]
    found = archives(data.sources, folder)
    for s in data.sources:
        issues += _source_issues(s, found.get(s.id), folder)
    known = names(data.entities)
    for st in data.statements:
        issues += _citation_issues(st, found, known)
    return issues


def _source_issues(s: Source, archive: Archive | None, folder: Path) -> Iterator[Issue]:
    at = s.locs.get
    if s.file is None:
        return
    if archive is None:
        yield _warn(at("file", s.loc), f"archived copy not found in {folder}", s.file,
                    "archive-missing")
    elif s.sha256 is None:
        yield _warn(at("file", s.loc), f"source has no sha256 of its archived copy; "
                    f"add: sha256: {archive.sha256}", s.file, "archive-no-sha256")
    elif s.sha256.lower() != archive.sha256:
        yield Issue(at("sha256", s.loc), f"the archived copy {s.file} has changed (its "
                    f"SHA-256 is now {archive.sha256}): check every locator against it, "
                    "then record the new hash", s.sha256, code="archive-changed")


def _citation_issues(st: Statement, found: Mapping[str, Archive],
                     known: Mapping[str, Sequence[str]]) -> Iterator[Issue]:
    involved = {x: known.get(x, ()) for x in _involved(st)}
    for c in st.citations:
        archive = found.get(c.source)
        n = para_number(c.locator)
        if archive is None or n is None:
            continue
        loc = c.locs.get("locator", c.loc)
        if n > len(archive.paragraphs):
            yield Issue(loc, f"locator points past the archived copy "
                        f"({len(archive.paragraphs)} paragraphs)", c.locator,
                        code="locator-missing")
        elif not mentions(archive.paragraphs[n - 1], involved):
            yield _warn(loc, "the cited paragraph names none of the statement's entities "
                        "(labels or aliases): " + ", ".join(involved), c.locator,
                        "locator-no-mention")


def coverage(data: Dataset, folder: Path) -> list[tuple[Source, int, list[int]]]:
    """Per source with an archived copy: its paragraph count and the paragraphs no
    statement cites."""
    found = archives(data.sources, folder)
    cited: dict[str, set[int]] = {}
    for st in data.statements:
        for c in st.citations:
            if (n := para_number(c.locator)) is not None:
                cited.setdefault(c.source, set()).add(n)
    out = []
    for s in data.sources:
        if (a := found.get(s.id)) is not None:
            total = len(a.paragraphs)
            out.append((s, total, [n for n in range(1, total + 1)
                                   if n not in cited.get(s.id, set())]))
    return out


def ranges(numbers: Sequence[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    parts: list[str] = []
    start = prev = None
    for n in [*numbers, None]:
        if n is not None and prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ", ".join(parts)


def format_coverage(rows: Sequence[tuple[Source, int, list[int]]]) -> str:
    lines = []
    for s, total, uncited in rows:
        lines.append(f"{s.id} ({s.file}): {total} paragraphs, {total - len(uncited)} cited; "
                     f"not cited: {ranges(uncited) or 'none'}")
    return "".join(line + "\n" for line in lines)
