"""The store generation loaded on a thread of its own, while the build goes on.

Bulk-loading the store generation (kg.pipeline.artifact.load_generation) is the longest
single step of a large build: about 23 s of CPU for the 1.8 million triples of 100k
facts, on two threads of Oxigraph's. It needs only the staged N-Triples (or N-Quads), so
the build hands that file to a loader as soon as it is written and validates and writes
everything else meanwhile (docs/benchmarks.md, "The store loaded beside the writers").

A thread, not a process: pyoxigraph releases the GIL while it parses and sorts, so the
load runs beside the build's Python; and in one process the load adds only its slices
(about 70 MiB) to the build's memory, where a second interpreter would add its own
(a measured 100-130 MiB). In a build in memory, the thread, and the threads Oxigraph
starts from it, run at a lower priority (Linux: a thread's nice value) so that the
build's own work, the longer of the two, is never the one kept waiting for a core. In a
streamed build (kg.pipeline.stream) the load is the longer: at a lower priority it fell
behind the writers of both processes and loaded the last 2 minutes alone, on 1.5 cores,
so it runs at the build's priority there (1M facts: 613 s, 613 s against 634 s;
docs/benchmarks.md, "Step 3 split by ranges"); and it loads the two processes' parts of
graph.nt side by side as they are written (:meth:`Loader.follow`).

A build that fails stops the loader between two slices and removes the half-made
generation (:meth:`Loader.close`); a killed build takes the thread with it, and the next
build removes the generation it left (kg.pipeline.artifact.remove_old_generations).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from kg.pipeline.bulkload import Growing

SLICE = 4 << 20  # bytes of N-Triples per bulk_load call: what the load adds to the build
_NICE = 10  # the loader's priority below the build's (Linux only)


class Loader:
    """Loads one store generation on a thread, once told which file to load."""

    def __init__(self, *, lower: bool = True) -> None:
        """``lower``: the load runs at a lower priority than the build's."""
        self.lower = lower
        self.folder: Path | None = None  # the generation being loaded, once told
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._found: tuple[str, dict[str, int]] | None = None
        self._error: BaseException | None = None
        self._taken = False

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def started(self) -> bool:
        """Whether the loader was given a file to load."""
        return self._thread is not None

    def load(self, out: Path, source: Path) -> None:
        """Begin loading ``source`` (staged N-Quads or N-Triples) into a new generation
        of ``out``'s store (kg.pipeline.artifact)."""
        from kg.pipeline.artifact import load_generation

        self._start(out, partial(load_generation, source=source, distinct_lines=True))

    def follow(self, out: Path, files: Sequence[Growing]) -> None:
        """Begin loading N-Triples of one distinct triple a line from ``files`` as they
        are written (kg.pipeline.bulkload.load_growing: a streamed build's graph.nt and
        the part another process writes) into a new generation of ``out``'s store."""
        from kg.pipeline.artifact import follow_generation

        self._start(out, partial(follow_generation, files=files))

    def _start(self, out: Path, fill: Callable[..., tuple[str, dict[str, int]]]) -> None:
        from kg.pipeline.artifact import new_generation_name

        if self.started:
            raise RuntimeError("a Loader loads one generation")
        name = new_generation_name()
        self.folder = out / name
        self._thread = threading.Thread(target=self._run, args=(out, name, fill),
                                        name="kg-store-loader", daemon=True)
        self._thread.start()

    def _run(self, out: Path, name: str, fill: Callable[..., tuple[str, dict[str, int]]]
             ) -> None:
        if self.lower:
            _lower_priority()
        try:
            self._found = fill(out, name=name, chunk_bytes=SLICE, stop=self._stop)
        except BaseException as exc:  # raised again in the build's thread (result)
            self._error = exc
        finally:
            _give_back_memory()

    def result(self) -> tuple[str, dict[str, int]]:
        """The generation's name (relative to ``out``) and its triples per graph, once
        loaded; OutputError (one line naming the generation) when loading failed, or
        whatever else the loading thread raised, raised here."""
        assert self._thread is not None
        self._thread.join()
        self._taken = True
        if self._error is not None:
            if self.folder is not None:  # (load_generation removes it on its own errors)
                shutil.rmtree(self.folder, ignore_errors=True)
            raise self._error
        assert self._found is not None
        return self._found

    def close(self) -> None:
        """A loader whose result was not taken (the build failed) is stopped after its
        current slice, and what it loaded removed."""
        if self._thread is None or self._taken:
            return
        self._taken = True
        self._stop.set()
        self._thread.join()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _give_back_memory() -> None:
    """Return the memory the load freed to the system (glibc's ``malloc_trim``): the
    store's allocations were made in this thread's own malloc arena, which glibc keeps
    otherwise, and the build's largest step (the page) is still to come."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back
        ctypes.CDLL(None).malloc_trim(0)


def _lower_priority() -> None:
    """This thread's nice value raised (the threads it starts inherit it): Linux keeps
    one per thread. Elsewhere it would apply to the whole process, so it is not done."""
    if sys.platform != "linux":
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + _NICE)
    except OSError:
        pass  # not allowed here: the load runs at the build's priority
