"""The store generation loaded in a process of its own, while the build goes on.

Bulk-loading the store generation (kg.pipeline.artifact.load_generation) is the longest
single step of a large build: about 20 s of one core for the 1.8 million triples of 100k
facts, a quarter of the build. It needs only the staged N-Triples (or N-Quads), so the
build starts it as soon as that file is written and validates and writes everything else
meanwhile, on the other core (docs/benchmarks.md, "The store loaded beside the writers").

Why a new interpreter and not ``fork()`` (kg.core.fork): a forked child would count the
build's whole heap in its resident memory (CPython's reference counts copy the pages it
touches), while a fresh one holds only the loader's slices, about 100 MiB; the build's
peak memory stays what it was with the load in the build's own process.

The loader is tied to the build (``PR_SET_PDEATHSIG``: a killed build never leaves a
loader writing behind it), and a loader whose build no longer wants it is killed and its
half-made generation removed (:meth:`Loading.cancel`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import OutputError

_SLICE = 8 << 20  # bytes of N-Triples per bulk_load call: the loader's memory (about 100 MiB)
# The loader's program: kg is imported as the build imported it (the folder holding this
# kg is appended to the path, so an installed kg still comes first).
_RUN = ("import sys; sys.path.append(sys.argv[1]); "
        "from kg.pipeline.storeload import _main; sys.exit(_main(sys.argv[2:]))")


@dataclass(slots=True)
class Loading:
    """A store generation being loaded by another process."""

    proc: subprocess.Popen[str]
    folder: Path
    done: bool = False

    def result(self) -> tuple[str, dict[str, int]]:
        """The generation's name (relative to ``out``) and its triples per graph, once the
        loader has finished; OutputError (its one-line message) when it failed."""
        out, err = self.proc.communicate()
        self.done = True
        if self.proc.returncode != 0:
            shutil.rmtree(self.folder, ignore_errors=True)
            lines = err.strip().splitlines()
            raise OutputError(lines[-1] if lines else
                              f"{self.folder}: the store loader ended with status "
                              f"{self.proc.returncode}")
        found = json.loads(out)
        return found["generation"], {g: int(n) for g, n in found["graphs"].items()}

    def cancel(self) -> None:
        """Stop the loader (if its result was not taken) and remove what it made."""
        if self.done:
            return
        self.done = True
        self.proc.kill()
        self.proc.communicate()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(out: Path, source: Path) -> Loading:
    """Begin loading ``source`` (the staged N-Quads or N-Triples) into a new generation
    of ``out``'s store (kg.pipeline.artifact) in another process."""
    from kg.pipeline.artifact import new_generation_name

    name = new_generation_name()
    command = [sys.executable, "-c", _RUN, str(Path(__file__).resolve().parents[2]),
               str(out), name, str(source), str(os.getpid())]
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
    except OSError as exc:
        raise OutputError(f"{out / name}: cannot start the store loader: "
                          f"{exc.strerror or exc}") from None
    return Loading(proc, out / name)


def _main(argv: list[str]) -> int:
    from kg.core.fork import die_with_parent
    from kg.pipeline.artifact import load_generation

    out, name, source, parent = argv
    die_with_parent(int(parent))  # where prctl is missing, the loader still works
    if os.getppid() != int(parent):
        return 2  # the build is gone
    try:
        generation, graphs = load_generation(Path(out), Path(source), name=name,
                                             chunk_bytes=_SLICE)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps({"generation": generation, "graphs": graphs}))
    return 0
