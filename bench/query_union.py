"""The saved queries on a built store (e.g. the curated graph with its imports), before and
after a rewrite, on pyoxigraph.

    python bench/query_union.py /tmp/hq-bench/out --before ba57188 --repeats 3
    python bench/query_union.py --facts 100000 --work /tmp/qscale --before ba57188

The first form opens the store generation that ``OUT/manifest.json`` names, read-only, and
queries its default graph as the union of all graphs (as ``kg query`` does). The second
bulk-loads a generated graph (``kg.bench.generate``, seed 1, as bench/query_scaling.py
does, reusing its files under ``--work``). Every ``queries/*.rq`` runs as it is now and, with
``--before REV``, as it was at git revision REV (``git show REV:queries/NAME.rq``),
``--repeats`` times each, alternating; the fastest run counts (the machine is shared), in
wall-clock seconds and in CPU seconds of this process (pyoxigraph evaluates in the calling
thread; the CPU figure is the less disturbed by other loads). ``--only`` picks queries by
name. Prints a Markdown table: seconds before and now, rows, and whether both gave the same
rows: the multiset (``row_digest``) and, where the query has ORDER BY, the sequence of its
sort keys ("same order"); rows that tie on every key may come in another order.
"""

from __future__ import annotations

import argparse
import json
import math
import re
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
Rows = list[tuple[Any, ...]]
Runner = Callable[[str], tuple[list[str], Rows]]
Result = dict[tuple[str, str], tuple[float, float, list[str], Rows]]


def built_store(out: Path) -> Runner:
    from pyoxigraph import Store

    generation = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["generation"]
    store = Store.read_only(str(out / generation))
    prefixes = dict(PREFIXES)
    return lambda text: _rows(store.query(text, use_default_graph_as_union=True,
                                          prefixes=prefixes))


def generated_store(facts: int, work: Path) -> Runner:
    from pyoxigraph import RdfFormat, Store

    from bench.query_scaling import graph_file

    store = Store()
    store.bulk_load(path=str(graph_file(work, facts)), format=RdfFormat.N_TRIPLES)
    prefixes = dict(PREFIXES)
    return lambda text: _rows(store.query(text, prefixes=prefixes))


def _rows(solutions: Any) -> tuple[list[str], Rows]:
    """The variable names and the rows, every term read (as any reader of the answer does)."""
    return [v.value for v in solutions.variables], [tuple(row) for row in solutions]


def saved_queries(before: str | None, only: set[str]) -> dict[tuple[str, str], str]:
    texts: dict[tuple[str, str], str] = {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        if only and path.stem not in only:
            continue
        texts[(path.stem, "now")] = path.read_text(encoding="utf-8")
        if before:
            texts[(path.stem, "before")] = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{before}:queries/{path.name}"],
                check=True, capture_output=True, text=True).stdout
    return texts


def measure(run: Runner, texts: dict[tuple[str, str], str], repeats: int) -> Result:
    out: Result = {}
    for _ in range(repeats):
        for key, text in texts.items():
            wall, cpu = time.perf_counter(), time.process_time()
            names, rows = run(text)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            old = out.get(key, (math.inf, math.inf, [], []))
            out[key] = (min(wall, old[0]), min(cpu, old[1]), names, rows)
    return out


def sort_keys(text: str, names: list[str], rows: Rows) -> list[list[str]]:
    """Each row's values of the ORDER BY variables (the query's last ORDER BY clause)."""
    clause = re.findall(r"ORDER BY([^\n]*)", text)[-1]
    keys = [names.index(v) for v in re.findall(r"\?(\w+)", clause) if v in names]
    return [[str(row[i]) for i in keys] for row in rows]


def _same(texts: dict[tuple[str, str], str], name: str, res: Result) -> str:
    (_, _, old_names, old), (_, _, names, new) = res[(name, "before")], res[(name, "now")]
    if old_names != names or row_digest(old) != row_digest(new):
        return "NO"
    text = texts[(name, "now")]
    if "ORDER BY" not in text:
        return "yes"
    if sort_keys(text, names, old) != sort_keys(text, names, new):
        return "ORDER NO"
    return "yes, same order" + ("" if old == new else " (ties in another order)")


def table(texts: dict[tuple[str, str], str], res: Result) -> str:
    lines = ["| query | before s | now s | before CPU s | now CPU s | rows | same rows |",
             "|---|---|---|---|---|---|---|"]
    for name in sorted({name for name, _ in texts}):
        wall, cpu, _, rows = res[(name, "now")]
        if (name, "before") in res:
            old_wall, old_cpu, _, _ = res[(name, "before")]
            lines.append(f"| {name} | {old_wall:.4f} | {wall:.4f} | {old_cpu:.4f} | {cpu:.4f} | "
                         f"{len(rows)} | {_same(texts, name, res)} |")
        else:
            lines.append(f"| {name} | | {wall:.4f} | | {cpu:.4f} | {len(rows)} | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", type=Path, help="a built out/ folder")
    parser.add_argument("--facts", type=int, help="a generated graph of this many facts instead")
    parser.add_argument("--work", type=Path, default=Path("bench-work/query-scaling"))
    parser.add_argument("--before", help="git revision of the queries to compare with")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="", help="query names, comma-separated")
    args = parser.parse_args()
    if (args.out is None) == (args.facts is None):
        parser.error("give either a built out/ folder or --facts")
    run = built_store(args.out) if args.out else generated_store(args.facts, args.work)
    texts = saved_queries(args.before, {n for n in args.only.split(",") if n})
    print(table(texts, measure(run, texts, args.repeats)))


if __name__ == "__main__":
    main()
