"""Benchmark: one cold build with the time each step of it begins and ends.

    python bench/build_steps.py DATA_DIR OUT_DIR
    # e.g. python bench/build_steps.py /tmp/g23/1m/data /tmp/s25/o1m

``kg.build(DATA_DIR, OUT_DIR)`` with no cache, as ``bench/build_once.py`` runs it, with
the functions of the streamed build's steps (kg.pipeline.stream, rangewrite, the page,
the store's loader) wrapped to print, on stderr, the seconds since the start and the
process id as each is entered (``>``) and left (``<``): the forked children's lines too.
Then ``bench/build_once.py``'s JSON line on stdout: the wall time, the triples, the CPU
time and peak RSS of this process and of its children. It shows where a step waits for
the other core (docs/benchmarks.md, "Steps 1 and 2 shared by cost").
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_START = time.perf_counter()


def _mark(text: str) -> None:
    print(f"{time.perf_counter() - _START:8.2f} pid={os.getpid()} {text}", file=sys.stderr,
          flush=True)


def _wrap(owner: Any, name: str) -> None:
    real = getattr(owner, name)
    label = f"{getattr(owner, '__name__', owner)}.{name}"

    @functools.wraps(real)
    def timed(*args: Any, **kwargs: Any) -> Any:
        _mark(f"> {label}")
        try:
            return real(*args, **kwargs)
        finally:
            _mark(f"< {label}")

    setattr(owner, name, timed)


def main(data: str, out: str) -> dict[str, object]:
    from kg.page import render
    from kg.pipeline import (
        artifact,
        datafiles,
        outline,
        rangewrite,
        staged,
        storeload,
        stream,
        streambuild,
    )

    for owner, name in [(streambuild, "build_streamed"), (stream, "scan"),
                        (stream, "_outlines"), (stream, "ranges_for"), (stream, "per_file"),
                        (stream._Context, "run"), (stream, "_summaries"),
                        (outline, "agrees"), (stream, "checked"),
                        (staged, "validate_and_write"), (rangewrite, "write_split"),
                        (datafiles, "page_parts"), (render, "page_pieces"),
                        (storeload.Loader, "result"), (artifact, "commit")]:
        _wrap(owner, name)
    from build_once import main as timed  # (bench/, the script's own folder, is on the path)

    return timed(data, out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
