"""``kg bench``: one call from the command line to the harness and its report."""

from __future__ import annotations

import sys
from pathlib import Path

from kg.core.errors import KGError


def bench(sizes: str, repeats: int, work: Path, stages: str | None, engines: str,
          timeout: float, *, query_timeout: float | None = 600,
          rdflib_memory_gib: float | None = None) -> str:
    """Run the benchmark and return its Markdown report (progress goes to stderr)."""
    from kg.bench.generate import SIZES
    from kg.bench.harness import run_bench
    from kg.bench.report import format_report
    from kg.bench.stages import QUERY_ENGINES, STAGES

    chosen = tuple(s.strip().lower() for s in sizes.split(",") if s.strip())
    for size in chosen:
        if size not in SIZES:
            raise KGError(f"unknown size {size!r}; allowed: " + ", ".join(SIZES))
    # None: every stage; "" (``--stages ''``): none, only the queries.
    names = STAGES if stages is None else tuple(s.strip() for s in stages.split(",")
                                                if s.strip())
    for name in names:
        if name not in STAGES:
            raise KGError(f"unknown stage {name!r}; allowed: " + ", ".join(STAGES))
    chosen_engines = tuple(e.strip() for e in engines.split(",") if e.strip())
    for engine in chosen_engines:
        if engine not in QUERY_ENGINES:
            raise KGError(f"unknown engine {engine!r}; allowed: " + ", ".join(QUERY_ENGINES))
    report = run_bench(sizes=chosen, repeats=repeats, work=work, stages=names,
                       engines=chosen_engines, timeout=timeout, query_timeout=query_timeout,
                       rdflib_memory_gib=rdflib_memory_gib,
                       progress=lambda text: print(f"kg bench: {text}", file=sys.stderr))
    return format_report(report)
