"""Text triples spilled to disk by subject range, read back one range at a time: what
lets a streamed build's memory follow a range of subjects, not the graph
(kg.pipeline.stream).

The writers order subjects in two ways: Turtle and JSON-LD by the IRI
(kg.rdf.export.Text.subjects), N-Triples by the line's text, ``<iri>``
(Text.nt_subjects). The two orders disagree only on an IRI and a longer one that begins
with it, when the next character sorts before ``>``: ``kgs:a.p.b`` and
``kgs:a.p.b.cites.s``. So the ranges are cut only where no subject can begin a cut: each
cut is ``kgs:<entity id>.``, the opening of the statements about that entity (an id has
no dot, kg.curate.check.ID, and a statement's name has two dots or more after it), or
``kgr:<id>`` of an entity or source whose id no other id begins; so no subject is a
proper beginning of a cut. Then every subject of one range sorts before
every subject of the next in both orders, and writing the ranges one after the other,
each sorted alone, gives the very bytes of one sort of the whole graph. :meth:`Spill.add`
checks this for every subject it meets, and refuses one that breaks it.

Each range is a file of N-Triples lines per side (``sides``: one per process that
spills, each writing its own files) in the order they were made; reading it back splits
each line at its first two spaces (neither a subject nor a predicate holds one).

A spill is claimed by the process that made it: an ``fcntl.flock`` on a file in its
folder, which the system releases when that process dies, however it dies. A build
killed mid-stream leaves its spill (gigabytes at a million facts); the next streamed
build beside it removes every spill whose claim is free (:func:`remove_left`), and no
live build's (one killed in the instant between making its folder and claiming it is
removed once a minute old).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path
from typing import IO

from kg.core.vocab import KGR, KGS
from kg.rdf.ntterms import TextTriple

_BUFFER = 1 << 20  # bytes buffered per range file


_RESOURCE_TRIPLES = 8  # about the triples of one entity or source
_STATEMENT_TRIPLES = 17  # of one statement with its citations


def cuts(resource_ids: Iterable[str], statements: Mapping[str, int], ranges: int
         ) -> list[str]:
    """Up to ``ranges - 1`` cuts (IRI values, without ``<>``) that split the subjects
    into ranges of about the same number of triples: ``kgr:<id>`` among the entities
    and sources (``resource_ids``; only ids no other id begins, so that no subject
    begins a cut), ``kgs:<id>.`` among the statements, which ``statements`` counts by
    subject id."""
    ids = set(resource_ids)
    weighted = [(f"{KGR}{i}", _RESOURCE_TRIPLES) for i in ids
                if not any(i[:n] in ids for n in range(1, len(i)))]
    weighted += [(f"{KGS}{i}.", _STATEMENT_TRIPLES * n) for i, n in statements.items() if n]
    weighted.sort()
    total = _RESOURCE_TRIPLES * len(ids) + _STATEMENT_TRIPLES * sum(statements.values())
    if ranges < 2 or not weighted:
        return []
    target, run, found = total / ranges, 0, list[str]()
    for cut, weight in weighted:
        if run >= target and len(found) < ranges - 1:
            found.append(cut)
            run = 0
        run += weight
    return found


class Spill:
    """Range files under a new temporary folder in ``parent``, removed on :meth:`close`:
    ``sides`` sets of them, each written by one :class:`Writer` (in this process or
    another: :meth:`writer` pickles) and all read back, range by range, by
    :meth:`ranges`."""

    def __init__(self, parent: Path, cut_values: Sequence[str], *, sides: int = 1) -> None:
        self.cuts = [f"<{c}" for c in cut_values]  # compared with a subject's text
        self.folder = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=parent))
        self.sides = sides
        self._claim: int | None = None
        try:
            self._claim = _claim(self.folder)
            for side in range(sides):
                for k in range(len(self.cuts) + 1):
                    _path(self.folder, k, side).touch()
        except OSError:
            self.close()
            raise

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def writer(self, side: int) -> Writer:
        """The writer of ``side`` (not yet open: it opens on its first use, where it is)."""
        return Writer(self.folder, tuple(self.cuts), side)

    def ranges(self) -> Iterator[Iterator[TextTriple]]:
        """Each range's triples, in range order, once every writer is closed; each
        range's files are removed once read."""
        return self.files().ranges()

    def files(self) -> Files:
        """The range files, for another process to read (it pickles)."""
        return Files(self.folder, len(self.cuts) + 1, self.sides)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._claim is not None:  # released once the folder is gone
            os.close(self._claim)
            self._claim = None


_PREFIX = ".kg-spill-"
_CLAIM = ".claim"  # locked by the process that made the spill, while it lives


def _claim(folder: Path) -> int:
    """A lock on ``folder`` held while this process lives: taken on a new file that is
    then renamed into place, so that no other process ever finds the claim unlocked."""
    fd, temp = tempfile.mkstemp(prefix=".claiming-", dir=folder)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.replace(temp, folder / _CLAIM)
    except OSError:
        os.close(fd)
        raise
    return fd


_GRACE = 60.0  # seconds a spill may be without its claim: the moment of its making


def remove_left(parent: Path) -> list[Path]:
    """Remove the spills in ``parent`` that no live process claims (killed builds'),
    and those without a claim older than a minute (a build killed as it made one); a
    spill claimed, or just made, is left. Returns those removed."""
    removed = []
    for folder in sorted(parent.glob(f"{_PREFIX}*")):
        try:
            fd = os.open(folder / _CLAIM, os.O_RDONLY)
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > _GRACE:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
            continue
        except OSError:
            continue  # not a spill's
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live build's
        else:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed


@dataclass(slots=True)
class Writer:
    """Appends text triples to one side's range files (opened at the first :meth:`add`,
    in the process that writes); :meth:`close` before the files are read."""

    folder: Path
    cuts: tuple[str, ...]
    side: int
    _stack: ExitStack | None = None
    _files: list[IO[str]] | None = None

    def __getstate__(self) -> tuple[Path, tuple[str, ...], int]:
        assert self._files is None, "an open writer stays in its process"
        return self.folder, self.cuts, self.side

    def __setstate__(self, state: tuple[Path, tuple[str, ...], int]) -> None:
        self.folder, self.cuts, self.side = state
        self._stack = self._files = None

    def range_of(self, subject: str) -> int:
        """The range of ``subject`` (its text: ``<iri>``); raises ValueError for one
        that would break the order (a blank node, or an IRI beginning a cut)."""
        if not subject.startswith("<") or "\\" in subject:
            raise ValueError(f"cannot spill a subject that is not a plain IRI: {subject}")
        value = subject[:-1]  # "<iri": compared with the cuts as text
        k = bisect_right(self.cuts, value)
        if k < len(self.cuts) and self.cuts[k].startswith(value):
            raise ValueError(f"subject {subject} begins the cut {self.cuts[k]}>")
        return k

    def _open(self) -> list[IO[str]]:
        stack = self._stack = ExitStack()
        self._files = [stack.enter_context(open(  # noqa: SIM115 (the stack closes it)
            _path(self.folder, k, self.side), "w", encoding="utf-8", newline="\n",
            buffering=_BUFFER)) for k in range(len(self.cuts) + 1)]
        return self._files

    def add(self, triples: Iterable[TextTriple]) -> None:
        """Append ``triples`` to their ranges' files."""
        files, range_of = self._files or self._open(), self.range_of
        last, write = "", files[0].write
        for s, p, o in triples:
            if s is not last:
                last, write = s, files[range_of(s)].write
            write(f"{s} {p} {o}\n")

    def close(self) -> None:
        """Write out what the buffers hold and close the files."""
        if self._stack is not None:
            self._stack.close()


@dataclass(frozen=True, slots=True)
class Files:
    """A spill's range files: ``ranges`` ranges of ``sides`` files each in ``folder``."""

    folder: Path
    count: int
    sides: int

    def ranges(self, *, only: range | None = None) -> Iterator[Iterator[TextTriple]]:
        """Each range's triples (see :meth:`Spill.ranges`), or those of the ranges
        ``only``."""
        for k in only if only is not None else range(self.count):
            yield chain.from_iterable(_read(_path(self.folder, k, side))
                                      for side in range(self.sides))

    def middle(self) -> int:
        """Where the ranges are cut in two of about the same bytes: the first
        ``middle()`` ranges, and the rest."""
        sizes = [sum(_path(self.folder, k, side).stat().st_size for side in range(self.sides))
                 for k in range(self.count)]
        runs = [0, *accumulate(sizes)]
        return min(range(len(runs)), key=lambda k: abs(2 * runs[k] - runs[-1]))


def _path(folder: Path, k: int, side: int) -> Path:
    return folder / f"{k:05d}.{side}.nt"


def _read(path: Path) -> Iterator[TextTriple]:
    with open(path, encoding="utf-8", newline="\n", buffering=_BUFFER) as handle:
        for line in handle:
            s, p, o = line[:-1].split(" ", 2)
            yield s, p, o
    os.unlink(path)  # read once: its disk is given back as the next range is read
