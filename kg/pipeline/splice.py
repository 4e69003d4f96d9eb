"""Outputs as blocks at known places, so that a rebuild rewrites only the blocks that changed.

Each serialization is ``head + sep.join(blocks) + tail`` with one block per subject, in
an order fixed by the subjects alone (kg.rdf.export.Frame). When the build writes it, a
:class:`Recorder` notes each block's length in bytes; the :class:`Index` of a file is
that list and the file's identity (inode, size, modification and change times) right
after it was put in place. A rebuild that changed a few subjects then writes the new
file from the old one: the changed blocks are written anew, and each run of unchanged
blocks between them is copied byte for byte at once, in the kernel where it can
(``os.copy_file_range``), else through a memory map. Block places come from summing
lengths up to the few changed positions (found by bisection in the sorted order), so a
rebuild does no work per unchanged subject in Python. The old file is only used when it
is still exactly the one indexed (any write to it changes its change time); otherwise
the caller builds in full.
"""

from __future__ import annotations

import errno
import mmap
import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from kg.rdf.export import BlockWriter, Frame, open_staged

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
    order_key: str | None = None  # where ``order`` is cached, while it is the order read
    #  from there (kg.pipeline.rebuild): a splice that keeps every subject keeps the key


@dataclass(slots=True)
class Recorder:
    """The pieces of an output, as kg.rdf.export writes them, noting each block's length."""

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


Changes = tuple[list[int], list[tuple[int, str, str]]]
"""What a rebuild changes in an output: the old positions of the blocks it drops
(sorted), and the blocks it writes, as (old position it goes before, subject, text), in
output order. A changed block is its old position dropped and its new text written there."""


def position(order: Sequence[str], subject: str, key: Callable[[str], Any]) -> int | None:
    """Where ``subject`` is in ``order`` (sorted by ``key``), or None."""
    at = bisect_left(order, key(subject), key=key)
    return at if at < len(order) and order[at] == subject else None


def starts(index: Index, positions: Iterable[int]) -> list[int]:
    """Where the blocks at ``positions`` (ascending) start, summing lengths once."""
    found: list[int] = []
    at, last, lengths, sep = index.head, 0, index.lengths, index.sep
    for i in positions:
        at += sum(lengths[last:i]) + (i - last) * sep
        last = i
        found.append(at)
    return found


_NO_KERNEL_COPY = frozenset({errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP,
                             errno.EPERM, errno.EBADF})


@dataclass(slots=True)
class Copier:
    """Copies byte ranges of one file to the end of another: in the kernel
    (``os.copy_file_range``) where it can, else through a memory map of the source."""

    src: BinaryIO
    out: int  # the destination's descriptor (unbuffered: written at its position)
    kernel: bool
    view: memoryview | None = None
    _map: mmap.mmap | None = None

    def copy(self, start: int, end: int) -> None:
        src = self.src.fileno()
        while self.kernel and start < end:
            try:
                n = os.copy_file_range(src, self.out, end - start, start)
            except OSError as exc:
                if exc.errno not in _NO_KERNEL_COPY:
                    raise
                self.kernel = False  # e.g. another file system: copy through memory
                break
            if n == 0:
                raise OSError(f"{self.src.name} is shorter than its index")
            start += n
        if start < end:
            if self.view is None:
                self._map = mmap.mmap(src, 0, access=mmap.ACCESS_READ)
                self.view = memoryview(self._map)
            if end > len(self.view):
                raise OSError(f"{self.src.name} is shorter than its index")
            write_all(self.out, self.view[start:end])

    def close(self) -> None:
        if self.view is not None:
            self.view.release()
        if self._map is not None:
            self._map.close()


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def splice(old_path: Path, old: Index, frame: Frame, changes: Changes, dest: Path, *,
           kernel_copy: bool = True) -> Index:
    """Write to ``dest`` the output ``old_path`` (indexed by ``old``) with ``changes``:
    every other block is copied, runs of adjacent blocks at once (in the kernel, unless
    ``kernel_copy`` is off or unavailable). Returns the new index (without a signature:
    the file is not in place yet)."""
    drops, writes = changes
    same = drops == [at for at, _, _ in writes] and \
        all(old.order[at] == s for at, s, _ in writes)  # each block rewritten in its place
    dropped, n = set(drops), len(old.order)
    events = sorted({*dropped, *(at for at, _, _ in writes), n})  # n: past the last block
    order: list[str] = []
    lengths: array[int] = array("q")
    sep = frame.sep.encode()
    with open(old_path, "rb") as src, open(open_staged(str(dest)), "wb", buffering=0) as out:
        fd = out.fileno()
        copier = Copier(src, fd, kernel_copy and hasattr(os, "copy_file_range"))
        pending = [frame.head.encode()]  # small pieces, written at once before a copy
        try:
            new = iter(writes)
            upcoming = next(new, None)
            last, begin = 0, old.head  # the next old block to copy, and where it starts
            for at, place in zip(events, starts(old, events), strict=True):
                if last < at:  # the old blocks last .. at - 1, separators included
                    pending.append(sep if order else b"")
                    write_all(fd, b"".join(pending))
                    pending.clear()
                    copier.copy(begin, place - old.sep)
                    order += old.order[last:at]
                    lengths += old.lengths[last:at]
                while upcoming is not None and upcoming[0] == at:
                    data = upcoming[2].encode()
                    pending.append(sep + data if order else data)
                    order.append(upcoming[1])
                    lengths.append(len(data))
                    upcoming = next(new, None)
                last, begin = (at + 1, place + old.lengths[at] + old.sep) if at in dropped \
                    else (at, place)
            write_all(fd, b"".join([*pending, frame.tail.encode()]) if order
                       else frame.empty.encode())
        finally:
            copier.close()
    if same:  # the same subjects in the same order: the cached order still holds
        order = old.order
    return Index(order, lengths, nbytes(frame.head), nbytes(frame.sep),
                 order_key=old.order_key if same else None)
