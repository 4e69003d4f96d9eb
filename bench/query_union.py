"""The saved queries on a built store (e.g. the curated graph with its imports), before and
after a rewrite, on pyoxigraph.

    python bench/query_union.py /tmp/hq-bench/out --before ba57188 --repeats 3
    python bench/query_union.py --facts 100000 --work /tmp/qscale --before ba57188

The first form opens the store generation that ``OUT/manifest.json`` names, read-only, and
queries its default graph as the union of all graphs (as ``kg query`` does). The second
bulk-loads a generated graph (``kg.bench.generate``, seed 1, as bench/query_scaling.py
does, reusing its files under ``--work``). Every ``queries/*.rq`` runs as it is now and, with
``--before REV``, as it was at git revision REV (``git show REV:queries/NAME.rq``),
``--repeats`` times each, alternating; the fastest run counts (the machine is shared).
Prints a Markdown table: seconds before and now, rows, and whether both gave the same rows
(the multiset, ``row_digest``, and the order where the query has ORDER BY).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.bench.baselines import row_digest
from kg.core.vocab import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
Runner = Callable[[str], list[tuple[Any, ...]]]


def built_store(out: Path) -> Runner:
    from pyoxigraph import Store

    generation = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["generation"]
    store = Store.read_only(str(out / generation))
    prefixes = dict(PREFIXES)
    return lambda text: [tuple(row) for row in
                         store.query(text, use_default_graph_as_union=True, prefixes=prefixes)]


def generated_store(facts: int, work: Path) -> Runner:
    from pyoxigraph import RdfFormat, Store

    from bench.query_scaling import graph_file

    store = Store()
    store.bulk_load(path=str(graph_file(work, facts)), format=RdfFormat.N_TRIPLES)
    prefixes = dict(PREFIXES)
    return lambda text: [tuple(row) for row in store.query(text, prefixes=prefixes)]


def saved_queries(before: str | None) -> dict[tuple[str, str], str]:
    texts: dict[tuple[str, str], str] = {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        texts[(path.stem, "now")] = path.read_text(encoding="utf-8")
        if before:
            texts[(path.stem, "before")] = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{before}:queries/{path.name}"],
                check=True, capture_output=True, text=True).stdout
    return texts


def measure(run: Runner, texts: dict[tuple[str, str], str],
            repeats: int) -> dict[tuple[str, str], tuple[float, list[tuple[Any, ...]]]]:
    out: dict[tuple[str, str], tuple[float, list[tuple[Any, ...]]]] = {}
    for _ in range(repeats):
        for key, text in texts.items():
            start = time.perf_counter()
            rows = run(text)
            seconds = time.perf_counter() - start
            out[key] = (min(seconds, out.get(key, (math.inf, []))[0]), rows)
    return out


def _same(texts: dict[tuple[str, str], str], name: str,
          res: dict[tuple[str, str], tuple[float, list[tuple[Any, ...]]]]) -> str:
    old, new = res[(name, "before")][1], res[(name, "now")][1]
    if row_digest(old) != row_digest(new):
        return "NO"
    if "ORDER BY" in texts[(name, "now")]:
        return "yes, same order" if [str(r) for r in old] == [str(r) for r in new] else "ORDER NO"
    return "yes"


def table(texts: dict[tuple[str, str], str],
          res: dict[tuple[str, str], tuple[float, list[tuple[Any, ...]]]]) -> str:
    lines = ["| query | before s | now s | rows | same rows |", "|---|---|---|---|---|"]
    for name in sorted({name for name, _ in texts}):
        seconds, rows = res[(name, "now")]
        if (name, "before") in res:
            lines.append(f"| {name} | {res[(name, 'before')][0]:.4f} | {seconds:.4f} | "
                         f"{len(rows)} | {_same(texts, name, res)} |")
        else:
            lines.append(f"| {name} | | {seconds:.4f} | {len(rows)} | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", type=Path, help="a built out/ folder")
    parser.add_argument("--facts", type=int, help="a generated graph of this many facts instead")
    parser.add_argument("--work", type=Path, default=Path("bench-work/query-scaling"))
    parser.add_argument("--before", help="git revision of the queries to compare with")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if (args.out is None) == (args.facts is None):
        parser.error("give either a built out/ folder or --facts")
    run = built_store(args.out) if args.out else generated_store(args.facts, args.work)
    texts = saved_queries(args.before)
    print(table(texts, measure(run, texts, args.repeats)))


if __name__ == "__main__":
    main()
