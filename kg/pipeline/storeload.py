"""The store generation loaded in a process of its own, while the build goes on.

Bulk-loading the store generation (kg.pipeline.artifact.load_generation) is the longest
single step of a large build: about 20 s of one core for the 1.8 million triples of 100k
facts, a quarter of the build. It needs only the staged N-Triples (or N-Quads), so the
build hands that file to a loader as soon as it is written and validates and writes
everything else meanwhile, on the other core (docs/benchmarks.md, "The store loaded
beside the writers").

Why a new interpreter and not ``fork()`` (kg.core.fork): a forked child would share, and
through CPython's reference counts soon copy, the build's whole heap, while a fresh one
holds only the loader's slices (about 100 MiB at 100k facts). The loader is started when
the build begins, while the build is still small, and waits for its file: a process
started later, from a build holding a gigabyte, is charged that gigabyte as its own peak
memory by the kernel (``exec`` keeps the larger of the two), which would double the
build's measured memory for nothing.

The loader is tied to the build (``PR_SET_PDEATHSIG``: a killed build never leaves a
loader writing behind it); a loader whose build no longer wants it is killed and its
half-made generation removed (:meth:`Loader.close`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kg.core.errors import OutputError

_SLICE = 8 << 20  # bytes of N-Triples per bulk_load call: the loader's memory
# The loader's program: kg is imported as the build imported it (the folder holding this
# kg is appended to the path, so an installed kg still comes first).
_RUN = ("import sys; sys.path.append(sys.argv[1]); "
        "from kg.pipeline.storeload import _main; sys.exit(_main(sys.argv[2:]))")


class Loader:
    """A loader process, started early, that loads one store generation when told to."""

    def __init__(self, *, now: bool = True) -> None:
        """Start the loader ``now`` (a build that will most likely load a whole
        generation), else only when :meth:`load` is called."""
        self.proc: subprocess.Popen[str] | None = None
        self.folder: Path | None = None  # the generation being loaded, once told
        self._taken = False
        if now:
            self._spawn()

    def _spawn(self) -> None:
        command = [sys.executable, "-c", _RUN, str(Path(__file__).resolve().parents[2]),
                   str(os.getpid())]
        try:
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
        except OSError:
            self.proc = None  # no second process: the build loads the store itself

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def started(self) -> bool:
        """Whether the loader was given a file to load."""
        return self.folder is not None

    def load(self, out: Path, source: Path) -> bool:
        """Begin loading ``source`` (staged N-Quads or N-Triples) into a new generation
        of ``out``'s store (kg.pipeline.artifact); False when there is no loader (then
        the build loads the store itself)."""
        from kg.pipeline.artifact import new_generation_name

        if self.proc is None and not self._taken:
            self._spawn()
        if self.proc is None or self.proc.stdin is None or self.started:
            return False
        name = new_generation_name()
        job = json.dumps({"out": str(out), "name": name, "source": str(source)})
        try:
            self.proc.stdin.write(job + "\n")
            self.proc.stdin.flush()  # communicate() closes it
        except OSError:
            return False  # the loader is gone (its result() would say why): load here
        self.folder = out / name
        return True

    def result(self) -> tuple[str, dict[str, int]]:
        """The generation's name (relative to ``out``) and its triples per graph, once
        loaded; OutputError (the loader's one-line message) when it failed."""
        assert self.proc is not None and self.folder is not None
        found, err = self.proc.communicate()
        self._taken = True
        if self.proc.returncode != 0:
            shutil.rmtree(self.folder, ignore_errors=True)
            lines = err.strip().splitlines()
            raise OutputError(lines[-1] if lines else
                              f"{self.folder}: the store loader ended with status "
                              f"{self.proc.returncode}")
        done = json.loads(found)
        return done["generation"], {g: int(n) for g, n in done["graphs"].items()}

    def close(self) -> None:
        """End the loader: an idle one is let go; one whose result was not taken (the
        build failed) is killed and what it loaded removed."""
        if self.proc is None or self._taken:
            return
        self._taken = True
        if self.started:
            self.proc.kill()
        self.proc.communicate()  # closes stdin: an idle loader, told nothing, ends
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _main(argv: list[str]) -> int:
    """The loader: tie itself to the build, wait for its job on stdin (none: end), load."""
    from kg.core.fork import die_with_parent

    parent = int(argv[0])
    die_with_parent(parent)  # where prctl is missing, the loader still works
    if os.getppid() != parent:
        return 2  # the build is gone
    line = sys.stdin.readline()
    if not line:
        return 0
    job = json.loads(line)
    from kg.pipeline.artifact import load_generation

    try:
        generation, graphs = load_generation(Path(job["out"]), Path(job["source"]),
                                             name=job["name"], chunk_bytes=_SLICE)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps({"generation": generation, "graphs": graphs}))
    return 0
