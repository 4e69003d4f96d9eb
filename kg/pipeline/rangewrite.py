"""Step 3 of the streamed build (kg.pipeline.stream): the spill's ranges read back, each
grouped once (kg.rdf.export.Text) and written in every format, framed as kg.rdf.export
frames one sort of the whole graph.

Two processes share the ranges, not the formats: this one writes the first ranges
straight into the outputs, while a Standby (kg.core.fork, forked at the build's start)
writes the others into part files in the spill's folder; each part is then appended to
its output. So each range is read, grouped and sorted once. Splitting by format instead
(Turtle and N-Triples here, JSON-LD there) made both processes read and group every
range: at a million facts, about 100 s of CPU more on a machine whose two cores are busy
throughout (docs/benchmarks.md, "Step 3 split by ranges"). The store loads graph.nt
as it grows (kg.pipeline.storeload), up to where the Standby's part is appended, and that
part as the Standby writes it (kg.pipeline.bulkload.load_growing): waiting for the
append, it loaded half the graph alone once both writers were done (docs/benchmarks.md,
"Steps 1 and 2 shared by cost").
"""

from __future__ import annotations

import os
import shutil
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TextIO

from kg.analysis.stats import Stats, counted_stats, grouped_counts
from kg.core.fork import ChildFailed, Standby
from kg.core.gcpause import paused_gc
from kg.pipeline import rebuild
from kg.pipeline.bulkload import Growing
from kg.pipeline.spill import Files, Spill
from kg.pipeline.splice import Index, nbytes
from kg.rdf import export
from kg.rdf.ntterms import TextTriple

Load = Callable[[Sequence[Growing]], None]  # begins loading files as they are written

_BUFFER = 1 << 20  # bytes buffered per output file
_COPY = 8 << 20  # bytes per read when a part is appended


@dataclass(slots=True)
class Written:
    """What :func:`write_ranges` leaves besides the files: the counts behind the stats,
    each format's index (for the rebuild's state) and the repeated triples."""

    by_predicate: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    orders: dict[str, list[str]] = field(default_factory=dict)
    lengths: dict[str, array[int]] = field(default_factory=dict)
    repeats: Counter[TextTriple] = field(default_factory=Counter)

    @property
    def stats(self) -> Stats:
        return counted_stats(self.by_predicate, self.kinds)

    def state(self, options: str, keys: Mapping[str, str]) -> rebuild.State:
        """The rebuild state of the build written (kg.pipeline.rebuild)."""
        indexes = {}
        for fmt, order in self.orders.items():
            frame = export.frame(fmt)
            indexes[fmt] = Index(order, self.lengths[fmt], nbytes(frame.head),
                                 nbytes(frame.sep))
        return rebuild.State(options, dict(keys), indexes, dict(self.repeats),
                             self.by_predicate, self.kinds)

    def then(self, later: Written) -> None:
        """Add what ``later`` (the ranges after these) counted and indexed."""
        self.by_predicate.update(later.by_predicate)
        self.kinds.update(later.kinds)
        self.repeats.update(later.repeats)
        for fmt, order in later.orders.items():
            self.orders[fmt].extend(order)
            self.lengths[fmt].extend(later.lengths[fmt])


def write_ranges(ranges: Iterable[Iterable[TextTriple]], handles: Mapping[str, TextIO],
                 *, index: bool) -> Written:
    """Each range grouped and its blocks written to each format's handle, framed as
    kg.rdf.export frames one sort of the whole graph; with ``index``, each block's
    subject and length are noted for the rebuild's state."""
    done, wrote = _write_blocks(ranges, handles, index=index, head=True)
    for fmt, handle in handles.items():
        frame = export.frame(fmt)
        handle.write(frame.tail if wrote[fmt] else frame.empty)
    _share_orders(done.orders)
    return done


def write_split(spill: Spill, paths: Mapping[str, str], *, index: bool,
                standby: Standby | None = None, load: Load | None = None) -> Written:
    """The spill's ranges written into ``paths`` (format -> the staged file to write):
    the first half (by bytes) here, the second in ``standby`` (kg.core.fork) into part
    files then appended; without it, all here. ``load`` is given the N-Triples to load
    as they are written (kg.pipeline.bulkload.load_growing): graph.nt up to its appended
    part, and that part as the Standby writes it. Raises OSError when a file cannot be
    written."""
    files = spill.files()
    if standby is None:
        return write_files(files, paths, index=index, load=load)
    at = files.middle()
    parts = {fmt: str(spill.folder / f"part.{fmt}") for fmt in paths}
    for part in parts.values():  # made here: the store reads the N-Triples one as it grows
        open(part, "xb").close()
    standby.start(write_part, files, range(at, files.count), parts, index)
    growing: list[Growing] = []
    try:
        with ExitStack() as stack:
            handles = _opened(stack, paths)
            growing = _following(load, [paths.get("nt"), parts.get("nt")])
            with paused_gc():
                done, wrote = _write_blocks(files.ranges(only=range(at)), handles,
                                            index=index, head=True)
            if growing:  # the store loads graph.nt up to here, the rest from the part
                handles["nt"].flush()
                growing[0].end = handles["nt"].buffer.tell()
                growing[0].written.set()
            later, theirs = _their_part(standby)
            for each in growing:
                each.written.set()
            for fmt, handle in handles.items():
                _append(handle, parts[fmt], export.frame(fmt), mine=wrote[fmt],
                        theirs=theirs[fmt])
    except BaseException:
        standby.close()  # stopped before the caller removes the files it writes
        raise
    finally:
        for each in growing:  # whatever happened: the loader waits no longer
            each.written.set()
    done.then(later)
    _share_orders(done.orders)
    return done


def write_files(files: Files, paths: Mapping[str, str], *, index: bool,
                load: Load | None = None) -> Written:
    """:func:`write_ranges` of every range of ``files`` into ``paths`` (each opened as a
    staged output: kg.rdf.export.open_staged); ``load`` is given graph.nt to load as it
    is written."""
    growing: list[Growing] = []
    try:
        with ExitStack() as stack:
            handles = _opened(stack, paths)
            growing = _following(load, [paths.get("nt")])
            with paused_gc():
                return write_ranges(files.ranges(), handles, index=index)
    finally:
        for each in growing:
            each.written.set()


def write_part(files: Files, only: range, parts: Mapping[str, str], index: bool
               ) -> tuple[Written, dict[str, bool]]:
    """The ranges ``only`` written into the empty files ``parts`` (format -> path), their
    blocks with a separator between them and nothing around them (another process's
    Standby call); with whether any block was written, by format."""
    with ExitStack() as stack:
        handles = _opened(stack, parts)
        with paused_gc():
            return _write_blocks(files.ranges(only=only), handles, index=index, head=False)


def _following(load: Load | None, paths: Sequence[str | None]) -> list[Growing]:
    """The files ``paths`` opened for ``load`` to read as they are written (none without
    it, or without N-Triples)."""
    if load is None or None in paths:
        return []
    growing = [Growing(open(path, "rb")) for path in paths if path is not None]  # noqa: SIM115
    load(growing)  # (the loader closes each once read)
    return growing


def _opened(stack: ExitStack, paths: Mapping[str, str]) -> dict[str, TextIO]:
    return {fmt: stack.enter_context(open(export.open_staged(path), "w", encoding="utf-8",
                                          newline="\n", buffering=_BUFFER))
            for fmt, path in paths.items()}


def _their_part(standby: Standby) -> tuple[Written, dict[str, bool]]:
    try:
        found: tuple[Written, dict[str, bool]] = standby.result()
    except ChildFailed as exc:
        if exc.kind in ("OSError", "FileNotFoundError", "PermissionError", "FileExistsError"):
            raise OSError(exc.message) from None
        raise
    return found


def _append(handle: TextIO, part: str, frame: export.Frame, *, mine: bool,
            theirs: bool) -> None:
    """The part ``part`` appended after this process's blocks (``mine``: whether there
    were any), then removed, and the frame's end."""
    if theirs:
        handle.write(frame.sep if mine else frame.head)
        handle.flush()  # the text before the part's bytes
        with open(part, "rb") as source:
            shutil.copyfileobj(source, handle.buffer, _COPY)
    os.unlink(part)  # its disk given back before the next part is appended
    handle.write(frame.tail if mine or theirs else frame.empty)


def _write_blocks(ranges: Iterable[Iterable[TextTriple]], handles: Mapping[str, TextIO],
                  *, index: bool, head: bool) -> tuple[Written, dict[str, bool]]:
    """Each range grouped and its blocks written to each format's handle, the format's
    head before the very first (with ``head``; nothing without) and its separator before
    each other; whether any block was written, by format."""
    done = Written()
    frames = {fmt: export.frame(fmt) for fmt in handles}
    wrote = dict.fromkeys(handles, False)
    if index:
        for fmt in handles:
            done.orders[fmt], done.lengths[fmt] = [], array("q")
    for triples in ranges:
        text = export.Text(triples)
        grouped = text.grouped
        by_predicate, kinds = grouped_counts(grouped)
        done.by_predicate.update(by_predicate)
        done.kinds.update(kinds)
        done.repeats.update(text.repeats)
        for fmt, handle in handles.items():
            order = export.order(text, fmt)
            blocks = _blocks(order, export.block_writer(fmt, text.keys), grouped)
            if index:
                done.orders[fmt].extend(order)
                blocks = _noted(blocks, done.lengths[fmt])
            sep = frames[fmt].sep
            first = sep if wrote[fmt] else frames[fmt].head if head else ""
            wrote[fmt] = _write(handle, blocks, first=first, sep=sep) or wrote[fmt]
        text.release()
    return done, wrote


def _blocks(order: Sequence[str], write: export.BlockWriter,
            grouped: Mapping[str, Mapping[str, Sequence[str]]]) -> Iterator[str]:
    for s in order:
        yield write(s, grouped[s])


def _noted(blocks: Iterator[str], lengths: array[int]) -> Iterator[str]:
    for block in blocks:
        lengths.append(nbytes(block))
        yield block


def _write(handle: TextIO, blocks: Iterator[str], *, first: str, sep: str) -> bool:
    """Write ``blocks``, ``first`` before the first and ``sep`` before each other;
    whether there was any."""
    write, before, any_block = handle.write, first, False
    for block in blocks:
        write(before)
        write(block)
        before, any_block = sep, True
    return any_block


def _share_orders(orders: dict[str, list[str]]) -> None:
    """Equal orders (Turtle's and JSON-LD's) as one list, as the rebuild state keeps them."""
    kept: list[list[str]] = []
    for fmt, order in orders.items():
        orders[fmt] = next((o for o in kept if o == order), order)
        kept.append(orders[fmt])
