"""Each staged output made durable and hashed on worker threads, while the next is written.

A build stages every output in a temporary file (kg.rdf.export.stage) and renames them
into place only when all are written. Before the renames, each file must be on disk
(``fsync``: the manifest that commits the build must never name a file a power cut
could lose), and the manifest records each file's SHA-256 (kg.pipeline.manifest). Done
one after another by the build, those two steps read back and flush hundreds of MB at
100k facts: about 1.2 s of a 4 s rebuild (docs/benchmarks.md, "The text triples freed
before the page, SHACL on the writers' grouping"). Handed to worker threads as each
file is closed, they overlap the writing of the next file: hashlib and ``fsync`` release
the GIL.

Two workers, one hashing and one flushing, so that the disk writes one file while the
other worker reads and hashes it (or the next) from memory: one after the other on one
worker, a rebuild at 100k facts waited 0.7 s for them after its last file, and about
0.3 s less with two (docs/benchmarks.md, "Rebuild: the flush and the hash side by side").
Each worker takes its files in the order they were written. Nothing else starts the
disk's writing early: ``sync_file_range`` from the build's own thread made it wait while
the pages were queued, and so did closing a file opened with ``O_TRUNC`` on ext4
(kg.rdf.export.open_staged).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from kg.core.errors import OutputError
from kg.rdf.export import flush_file

_CHUNK = 8 << 20


def _hash(temp: str) -> str:
    """``temp``'s SHA-256 (hex), read in pieces of 8 MiB. The thread takes the GIL back
    after each read and each digest, and waits up to 5 ms for it each time while the
    build's thread runs Python: in ``hashlib.file_digest``'s pieces of 256 KiB, the
    1.4 GB JSON-LD of a 1M rebuild took 13.5 s to hash beside the page, against 0.9 s
    for 0.8 GB of Turtle beside the splices (docs/benchmarks.md, "The 1M rebuild: the
    page on the other core, the replaced outputs freed aside"). Not mapped in memory: a
    mapped file's pages count in the build's resident memory (3 GB for graph.nt at 1M)."""
    digest = hashlib.sha256()
    chunk = bytearray(_CHUNK)
    with open(temp, "rb", buffering=0) as handle, memoryview(chunk) as view:
        while n := handle.readinto(chunk):
            digest.update(view[:n])
    return digest.hexdigest()


class Finisher:
    """Makes staged files durable and hashes them, on two worker threads; leaving its
    ``with`` waits for the work in hand."""

    def __init__(self) -> None:
        self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-hash")
        self._flusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-flush")
        self._pending: dict[Path, tuple[Future[str], Future[None]]] = {}

    def __enter__(self) -> Finisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self._hasher.shutdown(wait=True, cancel_futures=True)
        self._flusher.shutdown(wait=True, cancel_futures=True)

    def __call__(self, path: Path, temp: str) -> None:
        """Take over ``temp``, the closed staged file of ``path``: one worker flushes it,
        the other hashes it."""
        self._pending[path] = (self._hasher.submit(_hash, temp),
                               self._flusher.submit(flush_file, temp))

    def hashes(self) -> dict[Path, str]:
        """Each file's SHA-256 by its path, once every file is on disk; OutputError
        naming the file when one could not be read back or flushed (a full disk shows
        here on file systems that allocate at flush time)."""
        found: dict[Path, str] = {}
        for path, pending in self._pending.items():
            try:
                pending[1].result()
                found[path] = pending[0].result()
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        return found
