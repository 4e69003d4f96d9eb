"""Benchmark: import the whole SIPRI trade register, then build with it.

    python bench/sipri.py [PATH] [--trace]
    # PATH defaults to ../shared/data/sipri/trade-register.csv

``--trace`` adds tracemalloc's peak of Python allocations per step (it slows Python
several-fold, so times taken with it are not comparable).

Prints wall time and peak memory (the process's maximum resident set, ru_maxrss) for
reading, aligning and converting the register, and for `kg build` of the curated data
plus the register (union Turtle/N-Triples/JSON-LD, TriG, N-Quads, the main page and one
focused page per curated country) into a temporary folder.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.build import build  # noqa: E402
from kg.imports.sipri import read_register  # noqa: E402
from kg.imports.sipri_graph import import_register  # noqa: E402
from kg.load import load  # noqa: E402

CANDIDATES = (ROOT.parent / "shared" / "data" / "sipri" / "trade-register.csv",
              Path("/work/shared/data/sipri/trade-register.csv"))


TRACE = "--trace" in sys.argv


def measure(label: str, step: Callable[[], object]) -> object:
    if TRACE:
        tracemalloc.start()
    start = time.perf_counter()
    value = step()
    seconds = time.perf_counter() - start
    traced = ""
    if TRACE:
        traced = f", traced peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB"
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<30} {seconds:7.1f} s   max RSS so far {rss:6.0f} MiB{traced}", flush=True)
    return value


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--trace"]
    path = Path(args[0]) if args else next(
        (p for p in CANDIDATES if p.is_file()), CANDIDATES[0])
    curated = load(ROOT / "data")[0]
    register = measure("read register", lambda: read_register(path))
    imp = measure("align + convert to triples", lambda: import_register(register, curated))
    print(f"  {len(register.deals)} deals, {len(imp.triples)} triples")  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "kg.toml").write_text(f'[imports]\nsipri = ["{path}"]\n', encoding="utf-8")
        result = measure("kg build with the register", lambda: build(
            ROOT / "data", project / "out", config=project / "kg.toml"))
        for name, out in sorted(result.outputs.items()):  # type: ignore[attr-defined]
            print(f"  {name:<28} {out.stat().st_size / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
