"""The streamed build: a graph larger than memory, built file by file and written range
by range, to the very bytes of the in-memory build (kg.pipeline.build).

The in-memory build holds every record and the whole graph grouped by subject at once:
about 9 GiB at a million facts. Here (docs/benchmarks.md, "The streamed build"):

1. each file is outlined (kg.pipeline.outline: its entities and sources, read with its
   statements left out; the files shared by cost with a forked child,
   kg.pipeline.shares): the other files' record
   checks and page rows need nothing more of it;
2. then each file is read whole, alone: its summary, its records' checks, its page
   rows, its SHACL run (kg.rdf.shaclfiles validates a file with its own triples, the
   ontology and the sources it cites) and its text triples, spilled to disk by subject
   range (kg.pipeline.spill); its records are then dropped. About half of the work, by
   cost (kg.pipeline.shares), is done in a process forked at the build's start
   (kg.core.fork.Standby). The
   checks across files run on the summaries once they are all made, and where an
   outline differs from its file's summary, step 2 runs again (kg.pipeline.streambuild);
3. each range is read back, grouped and written in every format
   (kg.pipeline.rangewrite), the first half of the ranges here, the second in another
   Standby; the stats, the rebuild's index and the repeats are summed as it goes. The
   ranges are cut so that writing them one after another gives the order of one sort of
   the whole graph.

So the memory follows the largest file and the largest range, not the graph; the price
is a second, partial read of each file (its outline). Only the curated data streams: a
build with imports, focus pages, archived sources or ``parallel`` is built in memory.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

from kg.core.entries import dumps
from kg.core.errors import Issue
from kg.core.fork import ChildFailed, Standby, both
from kg.core.vocab import Vocabulary, ontology_graph, vocabulary
from kg.curate.check import Context, across
from kg.curate.load import data_file_issues, data_files, display_name, missing_folder
from kg.page.pageparts import PageContext, page_context
from kg.pipeline import datafiles, outline, shares
from kg.pipeline.datafiles import DataFile, FileSummary
from kg.pipeline.outline import Outline
from kg.pipeline.spill import Spill, Writer, cuts
from kg.rdf.ntterms import NTTerms, from_rdflib
from kg.rdf.shaclfiles import validate_parts
from kg.rdf.triples import data_triples

STREAM_BYTES = 64 << 20  # data at least this large builds streamed (by default)
RANGE_BYTES = 4 << 20  # about this much YAML per subject range
_BUFFER = 1 << 20  # bytes buffered per output file


def data_bytes(files: Iterable[Path]) -> int:
    """The size of the data files (what :data:`STREAM_BYTES` is compared with)."""
    return sum(path.stat().st_size for path in files)


def scan(root: Path, *, cache_dir: Path | None, parallel: bool = True
         ) -> tuple[list[Outline], list[Issue]]:
    """Step 1: the outline of every data file under ``root`` (kg.pipeline.outline; as
    :func:`kg.curate.load.load` orders and names them), shared by cost with a forked
    child (kg.pipeline.shares, kg.core.fork) when ``parallel``; the issue when ``root``
    is not a folder."""
    if not root.is_dir():
        return [], [missing_folder(root)]
    base = root.parent
    named = [(display_name(path, base), path.read_bytes()) for path in data_files(root)]
    make = partial(_outlines, named, cache_dir=cache_dir)
    issues = data_file_issues(root, base)
    mine, theirs = shares.split([outline.costs(data) for _, data in named]) \
        if parallel else (list(range(len(named))), [])
    if not theirs:
        return make(mine), issues
    try:
        sent, made = both(partial(make, theirs, sent=True), partial(make, mine))
    except ChildFailed:  # as one process would: the same error, or none the second time
        return make(range(len(named))), issues
    found = dict(zip(mine, made, strict=True))
    found.update((i, replace(o, data=named[i][1])) for i, o in zip(theirs, sent, strict=True))
    return [found[i] for i in range(len(named))], issues


def _outlines(named: Sequence[tuple[str, bytes]], indexes: Iterable[int], *,
              cache_dir: Path | None, sent: bool = False) -> list[Outline]:
    """The outlines of the files ``indexes`` of ``named`` (name, bytes); without their
    bytes when ``sent`` to the process that has them."""
    made = (outline.outline(*named[i], cache_dir) for i in indexes)
    return [replace(o, data=b"") for o in made] if sent else list(made)


def checked(files: Sequence[DataFile]) -> list[Issue]:
    """The issues of the files that need no records: their parse and the checks across
    files (which read a file's statements only where one may be made twice)."""
    issues = [i for f in files for i in f.summary.issues]
    return issues + across([f.summary.check for f in files],
                           lambda i: files[i].records().statements)


@dataclass(slots=True)
class PerFile:
    """What step 2 found: each file's summary (by name), the issues of the records'
    checks and of SHACL, the page rows."""

    summaries: dict[str, FileSummary] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    shacl: list[Issue] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)

    def files(self, outlines: Sequence[Outline], cache_dir: Path | None) -> list[DataFile]:
        """The files of ``outlines`` with the summaries step 2 made (no records)."""
        return [DataFile(o.name, o.key, o.data, self.summaries[o.name], cache_dir)
                for o in outlines]


def per_file(files: Sequence[Outline], spill: Spill, *, shacl: bool,
             cache_dir: Path | None, standby: Standby | None = None) -> PerFile:
    """Step 2: each file read whole, summarized, its records checked, validated, rowed
    and spilled, then dropped; then the ontology's triples spilled. The checks and rows
    see the entities and sources of the outlines (kg.pipeline.outline: the caller
    compares them with the summaries). With ``standby`` (kg.core.fork: forked at the
    build's start, while small) and a spill of two sides, about half of the work, by
    cost (:func:`_halves`), is done there on the other core: those files and what it
    needs of every file are sent to it, only their summaries, issues and rows come
    back. Raises OSError when the spill cannot be written, ValueError when a subject
    would break its order (cuts made from wrong outlines: kg.pipeline.spill)."""
    entities = [e for f in files for e in f.entities]
    sources = [s for f in files for s in f.sources]
    shared = Context.of(entities, sources)
    context = _Context(vocabulary(), shared, shared.digest if cache_dir is not None else "",
                       page_context(entities, sources), shacl, cache_dir)
    first, second = _halves(files) if standby is not None and spill.sides > 1 \
        else (files, ())
    sent = spill.folder / "summaries.1.pickle"  # the child's, written as they are made
    if second and standby is not None:
        standby.start(_run, context, second, spill.writer(1), False, sent)
    try:
        found = context.run(first, spill.writer(0), ontology=True)
    except BaseException:
        if standby is not None:  # stopped before the caller removes the spill
            standby.close()
        raise
    if second and standby is not None:
        try:
            theirs: PerFile = standby.result()
        except ChildFailed as exc:
            if exc.kind in ("OSError", "FileNotFoundError", "PermissionError"):
                raise OSError(exc.message) from None  # the spill: the caller reports it
            if exc.kind == "ValueError":
                raise ValueError(exc.message) from None
            raise
        found.summaries.update(_summaries(sent))
        found.issues += theirs.issues
        found.shacl += theirs.shacl
        found.rows.update(theirs.rows)
    return found


#: What sending a file's summary back from the child costs, per byte of the file outside
#: its statements section (its entities and sources pickled, sent and unpickled: about
#: 0.45 of what step 2 costs a byte of the file; docs/benchmarks.md, "Steps 1 and 2
#: shared by cost")
_SUMMARY_SENT = 0.45


def _halves(files: Sequence[Outline]) -> tuple[Sequence[Outline], Sequence[Outline]]:
    """The files done here and those done in the child (kg.pipeline.shares), each in
    order: the bytes of a file, and in the child the sending of its summary too."""
    here, there = shares.split([(len(f.data), len(f.data) + _SUMMARY_SENT * outline.rest_bytes(
        f.data)) for f in files])
    return [files[i] for i in here], [files[i] for i in there]


def _run(context: _Context, files: Sequence[Outline], writer: Writer, ontology: bool,
         summaries: Path) -> PerFile:
    """:meth:`_Context.run` in the Standby: each summary is written to ``summaries`` as
    it is made, not sent back with the rest (its half's summaries and the pickler's memo
    of them, about 600 MiB at a million facts, would be held at once)."""
    with open(summaries, "wb") as handle:
        return context.run(files, writer, ontology=ontology, summaries=handle)


def _summaries(path: Path) -> dict[str, FileSummary]:
    """The summaries :func:`_run` wrote, by file name."""
    found: dict[str, FileSummary] = {}
    with open(path, "rb") as handle:
        while handle.peek(1):
            name, summary = pickle.load(handle)  # (written by this build's own child)
            found[name] = summary
    return found


@dataclass(frozen=True, slots=True)
class _Context:
    """What step 2 needs of every file, made once before the work is split (it pickles)."""

    vocabulary: Vocabulary
    shared: Context
    digest: str
    rows: PageContext
    shacl: bool
    cache_dir: Path | None

    def run(self, files: Sequence[Outline], writer: Writer, *, ontology: bool,
            summaries: BinaryIO | None = None) -> PerFile:
        """Step 2 of ``files``; their summaries kept, or written to ``summaries``."""
        found, terms, errors = PerFile(), NTTerms(), False
        try:
            for o in files:
                f = o.file(self.cache_dir)
                if summaries is None:
                    found.summaries[f.name] = f.summary
                else:
                    summaries.write(dumps((f.name, f.summary)))
                issues = datafiles.record_issues_of(f, self.vocabulary, self.shared,
                                                    self.digest)
                found.issues += issues
                errors = errors or any(i.is_error for i in issues)  # (SHACL needs none)
                found.rows[f.name] = datafiles.rows_of(f, self.rows)
                triples = list(data_triples(f.records(), terms))
                if self.shacl and not errors:
                    found.shacl += validate_parts(
                        {f.name: f.records}, cache_dir=self.cache_dir,
                        file_keys=datafiles.keys([f]), own=lambda t=triples: t)  # type: ignore[misc]
                writer.add(triples)
                f.release()
            if ontology:
                writer.add(from_rdflib(ontology_graph()))
        finally:
            writer.close()
        return found


def ranges_for(files: Sequence[Outline]) -> list[str]:
    """The spill's cuts for these files: about :data:`RANGE_BYTES` of YAML a range, the
    statements weighed by their subjects (counted in each file's outline)."""
    size = sum(len(f.data) for f in files)
    statements: Counter[str] = Counter()
    for f in files:
        statements.update(f.subjects)
    ids = [e.id for f in files for e in f.entities] + [s.id for f in files for s in f.sources]
    return cuts(ids, statements, max(1, size // RANGE_BYTES))
