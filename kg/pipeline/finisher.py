"""Each staged output made durable and hashed on a worker thread, while the next is written.

A build stages every output in a temporary file (kg.rdf.export.stage) and renames them
into place only when all are written. Before the renames, each file must be on disk
(``fsync``: the manifest that commits the build must never name a file a power cut
could lose), and the manifest records each file's SHA-256 (kg.pipeline.manifest). Done
one after another by the build, those two steps read back and flush hundreds of MB at
100k facts: about 1.2 s of a 4 s rebuild (docs/benchmarks.md, "The text triples freed
before the page, SHACL on the writers' grouping"). Handed to one worker thread as each
file is closed, they overlap the writing of the next file: hashlib and ``fsync`` release
the GIL. The disk starts writing each file as soon as it is handed over (Linux
``sync_file_range``), while the worker still hashes the ones before it.

One worker, not more: the files are flushed in the order they were written, and the
worker's hashing takes at most one of the build's two cores.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from kg.core.errors import OutputError

_CHUNK = 1 << 20
_SYNC_FILE_RANGE_WRITE = 2


def _finish(temp: str) -> str:
    """Flush ``temp`` to disk and return its SHA-256 (hex)."""
    digest = hashlib.sha256()
    with open(temp, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
        os.fsync(handle.fileno())
    return digest.hexdigest()


def _start_writeback(temp: str) -> None:
    """Begin writing ``temp``'s pages to disk without waiting (Linux ``sync_file_range``
    with SYNC_FILE_RANGE_WRITE), so that the disk works while the worker hashes the files
    before it; elsewhere, or when refused, the flush does it all."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(temp, os.O_RDONLY)
        try:
            libc.sync_file_range(fd, ctypes.c_longlong(0), ctypes.c_longlong(0),
                                 ctypes.c_uint(_SYNC_FILE_RANGE_WRITE))
        finally:
            os.close(fd)


class Finisher:
    """Makes staged files durable and hashes them, on one worker thread; leaving its
    ``with`` waits for the work in hand."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-finish")
        self._pending: dict[Path, Future[str]] = {}

    def __enter__(self) -> Finisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __call__(self, path: Path, temp: str) -> None:
        """Take over ``temp``, the closed staged file of ``path``: its writing to disk
        begins now (:func:`_start_writeback`), its flush and hash on the worker."""
        _start_writeback(temp)
        self._pending[path] = self._pool.submit(_finish, temp)

    def hashes(self) -> dict[Path, str]:
        """Each file's SHA-256 by its path, once every file is on disk; OutputError
        naming the file when one could not be read back or flushed (a full disk shows
        here on file systems that allocate at flush time)."""
        found: dict[Path, str] = {}
        for path, pending in self._pending.items():
            try:
                found[path] = pending.result()
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        return found
