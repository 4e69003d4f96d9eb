"""Outputs as blocks at known places, so that a rebuild rewrites only the blocks that changed.

Each serialization is ``head + sep.join(blocks) + tail`` with one block per subject, in
an order fixed by the subjects alone (kg.export.Frame). When the build writes it, a
:class:`Recorder` notes each block's length in bytes; the :class:`Index` of a file is
that list and the file's identity (inode, size, modification and change times) right
after it was put in place. A rebuild that changed a few subjects then writes the new
file from the old one: runs of unchanged blocks are copied byte for byte, the changed
blocks are written anew. The old file is only used when it is still exactly the one
indexed (any write to it changes its change time); otherwise the caller builds in full.
"""

from __future__ import annotations

import mmap
import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from kg.export import BlockWriter, Frame

Signature = tuple[int, int, int, int]


def signature(path: Path) -> Signature | None:
    """The file's identity: inode, size, modification and change times (None if gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def nbytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


@dataclass(slots=True)
class Index:
    """Where each subject's block lies in one output file."""

    order: list[str]  # the subjects, in file order
    lengths: array[int]  # each block's length in bytes
    head: int  # bytes before the first block
    sep: int  # bytes between two blocks
    signature: Signature | None = None  # the file's, once it is in place

    def offsets(self) -> Iterator[int]:
        """Where each block starts."""
        at, sep = self.head, self.sep
        for length in self.lengths:
            yield at
            at += length + sep


@dataclass(slots=True)
class Recorder:
    """The pieces of an output, as kg.export writes them, noting each block's length."""

    frame: Frame
    order: Sequence[str]
    write: BlockWriter
    grouped: Mapping[str, Mapping[str, Sequence[str]]]
    lengths: array[int] = field(default_factory=lambda: array("q"))

    def __call__(self) -> Iterator[str]:
        lengths, write, grouped = self.lengths, self.write, self.grouped
        del lengths[:]
        for s in self.order:
            block = write(s, grouped[s])
            lengths.append(nbytes(block))
            yield block

    def pieces(self) -> Iterator[str]:
        return self.frame.pieces(self())

    def index(self) -> Index:
        order = self.order if isinstance(self.order, list) else list(self.order)
        return Index(order, self.lengths, nbytes(self.frame.head),
                     nbytes(self.frame.sep))


def merged_order(old: Sequence[str], removed: set[str], added: Sequence[str],
                 key: Callable[[str], Any]) -> list[str]:
    """``old`` without ``removed``, with ``added`` (subjects not in ``old``) put in place
    by ``key``, the order's sort key (computed for O(log n) old subjects each)."""
    kept = [s for s in old if s not in removed] if removed else list(old)
    places = sorted((bisect_left(kept, key(s), key=key), key(s), s) for s in added)
    out: list[str] = []
    start = 0
    for at, _, s in places:
        out += kept[start:at]
        out.append(s)
        start = at
    out += kept[start:]
    return out


def splice(old_path: Path, old: Index, frame: Frame, order: list[str],
           blocks: Mapping[str, str], dest: Path) -> Index:
    """Write the output with subjects ``order`` to ``dest``: each subject's block from
    ``blocks`` when there, else copied from ``old_path`` (indexed by ``old``). Returns
    the new index (without a signature: the file is not in place yet)."""
    place = dict(zip(old.order, zip(old.offsets(), old.lengths, strict=True), strict=True))
    lengths = array("q")
    with open(old_path, "rb") as src, open(dest, "wb") as out:
        if not order:
            out.write(frame.empty.encode())
            return Index([], lengths, len(frame.empty.encode()), nbytes(frame.sep))
        if os.fstat(src.fileno()).st_size == 0:
            _copy_blocks(memoryview(b""), out, frame, order, blocks, place, lengths)
        else:
            with mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                _copy_blocks(memoryview(mm), out, frame, order, blocks, place, lengths)
        out.flush()
        os.fsync(out.fileno())
    return Index(order, lengths, nbytes(frame.head), nbytes(frame.sep))


def _copy_blocks(view: memoryview, out: BinaryIO, frame: Frame, order: list[str],
                 blocks: Mapping[str, str], place: Mapping[str, tuple[int, int]],
                 lengths: array[int]) -> None:
    """The body of :func:`splice`: runs of blocks adjacent in the old file are one copy."""
    write = out.write
    sep = frame.sep.encode()
    write(frame.head.encode())
    run_start = run_end = -1  # the old bytes of the pending run of copied blocks
    try:
        for i, s in enumerate(order):
            new = blocks.get(s)
            if new is None:
                at, length = place[s]
                lengths.append(length)
                if at == run_end + len(sep) and run_end >= 0:
                    run_end = at + length  # adjacent in the old file: extend the run
                    continue
                if run_end >= 0:
                    write(view[run_start:run_end])
                if i:
                    write(sep)
                run_start, run_end = at, at + length
                continue
            if run_end >= 0:
                write(view[run_start:run_end])
                run_start = run_end = -1
            data = new.encode()
            lengths.append(len(data))
            write(sep + data if i else data)
        if run_end >= 0:
            write(view[run_start:run_end])
        write(frame.tail.encode())
    finally:
        view.release()
