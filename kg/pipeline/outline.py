"""Step 1 of the streamed build (kg.pipeline.stream): each data file's outline, its
entities and sources, read without its statements.

Of the other files, a file's record checks and page rows need only their entities and
sources (kg.curate.check.Context, kg.page.pageparts.PageContext), and the spill's cuts
only their ids and how many statements each subject has (kg.pipeline.spill.cuts).
Statements are nine tenths of the bytes. So step 1 parses each file with the lines of
its block ``statements:`` section emptied (every other record keeps its line and
column), and only counts the subjects named in that section; step 2 then parses each
file once, whole (it used to be parsed in both steps, about 180 s of CPU each at a
million facts; docs/benchmarks.md, "One parse per file").

Finding the section is a look at lines, not a YAML parse: a line at column 0 that is
``statements:`` (a block section; a flow one is read whole) opens it, and the next line
at column 0 that is neither blank, a comment nor a sequence entry closes it. Where that
reads a file wrongly (a scalar continued at column 0, a file that does not parse as
YAML...), the outline's entities or sources differ from the file's own: step 2
compares them with the whole parse (:func:`agrees`) and, on any difference, runs again
on outlines made from that parse (:func:`exact`). An outline can make a build slower,
never different. With a cache, a file whose summary is cached is outlined from it,
exactly, without a parse.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.core.model import Entity, Source
from kg.curate.load import load_file
from kg.pipeline import datafiles
from kg.pipeline.cache import file_key
from kg.pipeline.datafiles import DataFile, FileSummary

_SECTION = re.compile(rb"^statements:[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_TOP = re.compile(rb"^[^\s#-]", re.M)  # a line at column 0 that ends a block section
_SUBJECT = re.compile(  # a statement's subject, an id (kg.curate.check.ID) in plain style
    rb"^[ \t]*(?:-[ \t]+)?subject:[ \t]*([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)[ \t]*\r?$", re.M)


@dataclass(frozen=True, slots=True)
class Outline:
    """One data file for the streamed build: its name, content key ('' without a
    cache) and bytes; its entities and sources; how many statements each subject id has
    (counted from the text: the cuts are only weighed by it); its summary when it is
    known exactly (from the cache, or a whole parse)."""

    name: str
    key: str
    data: bytes
    entities: tuple[Entity, ...]
    sources: tuple[Source, ...]
    subjects: dict[str, int]
    summary: FileSummary | None = None

    @classmethod
    def of(cls, f: DataFile) -> Outline:
        """The exact outline of a file read whole."""
        return cls.summarized(f.name, f.key, f.data, f.summary)

    @classmethod
    def summarized(cls, name: str, key: str, data: bytes, summary: FileSummary) -> Outline:
        """The exact outline of a file whose summary is known."""
        return cls(name, key, data, summary.check.entities, summary.check.sources,
                   dict(Counter(s for s, _ in summary.page.links)), summary)

    def file(self, cache_dir: Path | None) -> DataFile:
        """The file read whole: its summary (from the cache or made from its records,
        which stay in memory until released)."""
        if self.summary is not None:
            return DataFile(self.name, self.key, self.data, self.summary, cache_dir)
        return datafiles.read_file(self.name, self.data, cache_dir, key=self.key)


def outline(name: str, data: bytes, cache_dir: Path | None) -> Outline:
    """The outline of the data file ``name`` whose bytes are ``data``."""
    key = file_key(name, data) if cache_dir is not None else ""
    if cache_dir is not None and (summary := datafiles.cached_summary(cache_dir, key)):
        return Outline.summarized(name, key, data, summary)
    rest, section = blanked(data)
    records, _ = load_file(rest, name)
    return Outline(name, key, data, records.entities, records.sources,
                   dict(Counter(m.decode() for m in _SUBJECT.findall(section))))


#: What outlining a byte costs, in units of a statements section's byte (found and its
#: subjects counted by regular expressions, 0.023 us): a byte parsed as YAML, here (0.52
#: us), and in a forked child whose outline is pickled back (another 0.75 us: its entities
#: and sources). Measured at a million facts (docs/benchmarks.md, "Steps 1 and 2 shared
#: by cost"); they only weigh the shares (kg.pipeline.shares), never change an outline.
_PARSED, _PARSED_SENT = 22, 55


def costs(data: bytes) -> tuple[int, int]:
    """What outlining ``data`` costs here and in a forked child (kg.pipeline.shares)."""
    rest = rest_bytes(data)
    section = len(data) - rest
    return section + _PARSED * rest, section + _PARSED_SENT * rest


def rest_bytes(data: bytes) -> int:
    """About the bytes of ``data`` outside its block ``statements:`` section: those before
    it, the section taken to run to the end (finding its end is a scan of it, which the
    weighing of kg.pipeline.shares does not need)."""
    opening = _opening(data)
    return len(data) if opening is None else opening.start()


def _opening(data: bytes) -> re.Match[bytes] | None:
    """The line opening ``data``'s block ``statements:`` section (``_SECTION.search``,
    with ``bytes.find`` going from one candidate to the next: a regular expression
    anchored at line starts tries every line of a file without one)."""
    at = data.find(b"statements:")
    while at >= 0:
        if (found := _SECTION.match(data, at)) is not None:
            return found
        at = data.find(b"statements:", at + 1)
    return None


def blanked(data: bytes) -> tuple[bytes, bytes]:
    """``data`` with the lines of its block ``statements:`` section emptied (the line
    breaks kept), and that section; ``data`` whole and nothing when it has none."""
    opening = _opening(data)
    if opening is None:
        return data, b""
    closing = _TOP.search(data, opening.end())
    end = closing.start() if closing is not None else len(data)
    section = data[opening.start():end]
    return data[:opening.start()] + b"\n" * section.count(b"\n") + data[end:], section


def agrees(outlines: Sequence[Outline], files: Sequence[DataFile]) -> bool:
    """Whether each outline has the entities and sources of the same file read whole
    (then what step 2 made with the outlines is what the files make)."""
    return len(outlines) == len(files) and all(
        o.name == f.name and o.entities == f.summary.check.entities
        and o.sources == f.summary.check.sources for o, f in zip(outlines, files, strict=True))


def exact(files: Sequence[DataFile]) -> list[Outline]:
    """The outlines of files read whole."""
    return [Outline.of(f) for f in files]


def whole(outlines: Sequence[Outline], cache_dir: Path | None) -> list[DataFile]:
    """The files of ``outlines`` read whole, one at a time, their records dropped."""
    files = []
    for o in outlines:
        files.append(o.file(cache_dir))
        files[-1].release()
    return files
