"""Loading a line-based RDF file (N-Triples, N-Quads) into an Oxigraph store in bounded
memory.

``Store.bulk_load`` of a whole file holds the file's triples in memory while it sorts
them into the store's indexes: about 1.1 GiB for the 1.8 million triples of 100k facts,
more than the rest of the build together, and ten times that at a million facts. Fed in
slices of about ``chunk_bytes`` (whole lines: a line-based format has one triple or quad
per line), its memory stays that of one slice.

One thing does not survive slicing: ``bulk_load`` gives each call's blank nodes fresh
ids, so one blank node on both sides of a slice boundary would become two. Slices are
therefore bulk-loaded only while none holds ``_:`` (kg's own N-Triples never do: every
node is an IRI); from the first slice that does, the rest of the file is parsed keeping
its blank node labels and added in batches (``bulk_extend``), so the store holds the
same graph either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from threading import Event
from typing import Any, BinaryIO


class Stopped(OSError):
    """Loading was stopped before the file's end (the build no longer wants it)."""


CHUNK_BYTES = 16 << 20  # 16 MiB of N-Triples: about 100,000 triples per slice
BATCH = 200_000  # quads per bulk_extend once blank nodes are met


def load(store: Any, source: Path, *, fmt: Any, chunk_bytes: int = CHUNK_BYTES,
         batch: int = BATCH, lenient: bool = False, stop: Event | None = None,
         written: Event | None = None) -> int | None:
    """Add the triples (or quads) of the line-based file ``source`` in format ``fmt``
    (a ``pyoxigraph.RdfFormat``) to ``store``, holding about one slice at a time;
    ``lenient`` skips Oxigraph's validation of IRIs (for kg's own output, whose every
    IRI kg made or checked). Raises what pyoxigraph raises (SyntaxError, OSError, ...),
    and Stopped when ``stop`` is set (checked before each slice).

    With ``written``, ``source`` is still being written (kg.pipeline.stream): its lines
    are loaded as they come, until ``written`` is set and its end reached.

    Returns the number of lines loaded, or None once blank nodes made the rest of the
    file load as one document."""
    with open(source, "rb") as handle:
        slices = _following(handle, chunk_bytes, written, stop) if written is not None \
            else iter(partial(_slice, handle, chunk_bytes), b"")
        start = lines = 0
        for block in slices:
            if stop is not None and stop.is_set():
                raise Stopped(f"{source}: loading stopped")
            if b"_:" in block:
                if written is not None:
                    while not written.wait(_WAIT):  # the rest, once it is all there
                        if stop is not None and stop.is_set():
                            raise Stopped(f"{source}: loading stopped")
                handle.seek(start)
                _extend(store, handle, fmt=fmt, batch=batch, lenient=lenient, stop=stop)
                return None
            start += len(block)
            lines += block.count(b"\n") + (not block.endswith(b"\n"))
            store.bulk_load(input=block, format=fmt, lenient=lenient)
        if stop is not None and stop.is_set():
            raise Stopped(f"{source}: loading stopped")
        return lines


_WAIT = 0.05  # seconds between two looks at a file still being written


def _following(handle: BinaryIO, size: int, written: Event,
               stop: Event | None) -> Iterator[bytes]:
    """Slices of whole lines of a file still being written, as they come: at its end,
    wait for more until ``written`` is set or ``stop`` is (:class:`_Follower`)."""
    follower = _Follower(Growing(handle, written), size)
    while (block := follower.take()) is not None:
        if block:
            yield block
        elif stop is not None and stop.is_set():
            return
        else:
            written.wait(_WAIT)


def _slice(handle: BinaryIO, size: int) -> bytes:
    """About ``size`` bytes of whole lines (the last line read to its end)."""
    block = handle.read(size)
    if block and not block.endswith(b"\n"):
        block += handle.readline()
    return block


def _extend(store: Any, handle: BinaryIO, *, fmt: Any, batch: int, lenient: bool,
            stop: Event | None) -> None:
    """The rest of ``handle``, parsed as one document (blank node labels kept), added
    ``batch`` quads at a time (Stopped when ``stop`` is set between two batches)."""
    import pyoxigraph

    quads = pyoxigraph.parse(input=handle, format=fmt, lenient=lenient)
    while chunk := list(itertools.islice(quads, batch)):
        store.bulk_extend(chunk)
        if stop is not None and stop.is_set():
            raise Stopped(f"{handle.name}: loading stopped")


@dataclass(slots=True)
class Growing:
    """A line-based file still being written (by another thread or process), open for
    reading: loaded by :func:`load_growing` as its lines come. ``written`` is set once
    every byte to load is there; ``end``, when set (before ``written``), is where the
    bytes to load end (the writer may go on writing what is loaded from elsewhere).
    Opened by whoever makes the file, so that it is read even if it is removed before
    the loader gets to it."""

    handle: BinaryIO
    written: Event = field(default_factory=Event)
    end: int | None = None


def load_growing(store: Any, files: Sequence[Growing], *, fmt: Any,
                 chunk_bytes: int = CHUNK_BYTES, lenient: bool = False,
                 stop: Event | None = None) -> int:
    """Bulk-load the triples of ``files`` as they are written, a slice of whole lines
    from each file with new ones in turn, until each is written and read to its end;
    each handle is closed once read. Returns the lines loaded; raises Stopped when
    ``stop`` is set, ValueError for a blank node (its label would not be shared across
    slices or files: the streamed build writes none, kg.pipeline.spill)."""
    followers = [_Follower(f, chunk_bytes) for f in files]
    lines = 0
    try:
        while followers:
            moved = False
            for follower in list(followers):
                if stop is not None and stop.is_set():
                    raise Stopped(f"{follower.name}: loading stopped")
                block = follower.take()
                if block is None:
                    follower.close()
                    followers.remove(follower)
                elif block:
                    if b"_:" in block and _blank_node(block, fmt):
                        raise ValueError(f"{follower.name}: a blank node, which a file "
                                         "loaded as it is written cannot hold")
                    lines += block.count(b"\n") + (not block.endswith(b"\n"))
                    store.bulk_load(input=block, format=fmt, lenient=lenient)
                    moved = True
            if followers and not moved:
                followers[0].file.written.wait(_WAIT)
    finally:
        for follower in followers:
            follower.close()
    return lines


def _blank_node(block: bytes, fmt: Any) -> bool:
    """Whether ``block`` holds a blank node (``_:`` may also be text in a literal or an
    IRI: then the block is parsed to know)."""
    import pyoxigraph

    return any(isinstance(term, pyoxigraph.BlankNode)
               for quad in pyoxigraph.parse(input=block, format=fmt, lenient=True)
               for term in (quad.subject, quad.object))


class _Follower:
    """Slices of whole lines of one :class:`Growing` file."""

    def __init__(self, file: Growing, size: int) -> None:
        self.file, self.size, self.name = file, size, getattr(file.handle, "name", "?")
        self.read, self.carry = 0, b""

    def take(self) -> bytes | None:
        """The next slice of whole lines: empty when none is there yet, None once the
        file is written and read to its end (a last line without its line break too)."""
        done = self.file.written.is_set()  # looked at before the read that finds the end
        data = self.file.handle.read(self.size)
        end = self.file.end  # after the read: set before any byte past it was written
        if end is not None:
            data = data[:max(0, end - self.read)]
        self.read += len(data)
        if data:
            data, self.carry = self.carry + data, b""
            cut = data.rfind(b"\n") + 1
            data, self.carry = data[:cut], data[cut:]
            return data
        if done:
            rest, self.carry = self.carry, b""
            return rest or None
        return b""

    def close(self) -> None:
        self.file.handle.close()
