"""How the saved queries grow with the graph on pyoxigraph, before and after their rewrite.

    python bench/query_scaling.py --sizes 3000,10000,30000 --work /tmp/qscale

For each size, generates the data (``kg.bench.generate``, seed 1, as ``kg bench`` does)
and its N-Triples (``kg.bench.ntriples``) under ``--work`` unless already there, bulk-loads
them into a pyoxigraph ``Store`` and runs every ``queries/*.rq`` and, where there is one,
its plain formulation in ``tests/fixtures/query_reference/`` (the query before it was
rewritten), ``--repeats`` times each, alternating; the fastest run counts (the machine is
shared: the minimum is the least disturbed figure). Prints a Markdown table: seconds at
the two largest sizes, the growth exponent k (time ~ facts^k) between them and fitted over
all sizes, the rows, and whether both formulations gave the same row multiset at every
size. Two reference queries show the store's own growth: a plain scan of the claims and
a label looked up claim by claim.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.bench.baselines import row_digest
from kg.bench.generate import generate
from kg.bench.ntriples import write_ntriples
from kg.core.prefixes import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "fixtures" / "query_reference"
FLOOR = {
    "(scan of the claims)": "SELECT ?st ?s ?p ?o WHERE { ?st a kg:Statement ; "
                            "rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }",
    "(label per claim)": "SELECT ?st ?l WHERE { ?st a kg:Statement ; rdf:subject ?s . "
                         "?s rdfs:label ?l }",
}


def graph_file(work: Path, facts: int) -> Path:
    nt = work / str(facts) / "stream.nt"
    if not nt.exists():
        generate(work / str(facts) / "data", facts)
        write_ntriples(work / str(facts) / "data", nt)
    return nt


def best(store: Any, text: str, repeats: int) -> tuple[float, int, str]:
    seconds, rows = math.inf, []
    for _ in range(repeats):
        start = time.perf_counter()
        rows = [tuple(row) for row in store.query(text, prefixes=PREFIXES)]
        seconds = min(seconds, time.perf_counter() - start)
    return seconds, len(rows), row_digest(rows)


def slope(points: list[tuple[int, float]]) -> float:
    xs = [math.log(f) for f, _ in points]
    ys = [math.log(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    covariance = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return covariance / sum((x - mx) ** 2 for x in xs)


def measure(sizes: list[int], work: Path, repeats: int) -> dict[tuple[str, str, int], Any]:
    from pyoxigraph import RdfFormat, Store

    texts: dict[tuple[str, str], str] = {(name, "ref"): q for name, q in FLOOR.items()}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        texts[(path.stem, "new")] = path.read_text(encoding="utf-8")
        old = REFERENCE / path.name
        if old.exists():
            texts[(path.stem, "old")] = old.read_text(encoding="utf-8")
    out: dict[tuple[str, str, int], Any] = {}
    for facts in sizes:
        store = Store()
        store.bulk_load(path=str(graph_file(work, facts)), format=RdfFormat.N_TRIPLES)
        for (name, kind), text in texts.items():
            out[(name, kind, facts)] = best(store, text, repeats)
        print(f"measured {facts} facts", file=sys.stderr, flush=True)
        del store
    return out


def table(res: dict[tuple[str, str, int], Any], sizes: list[int]) -> str:
    a, b = sizes[-2], sizes[-1]
    lines = [f"| query | before {a} s | now {a} s | before {b} s | now {b} s | k before | "
             f"k now | k fit before | k fit now | rows at {a} / {b} | same rows |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    names = sorted({name for name, _, _ in res}, key=lambda n: (n.startswith("("), n))
    return "\n".join(lines + [_row(res, sizes, name) for name in names])


def _row(res: dict[tuple[str, str, int], Any], sizes: list[int], name: str) -> str:
    """One query's line; the "before" cells only for a rewritten query."""
    a, b = sizes[-2], sizes[-1]
    now = "new" if (name, "new", a) in res else "ref"
    kinds = [now] + (["old"] if (name, "old", a) in res else [])
    cells: dict[str, list[str]] = {}
    for kind in ("old", "new"):
        use = kind if kind in kinds else ("" if kind == "old" else now)
        if not use:
            cells[kind] = [""] * 4
            continue
        cells[kind] = [f"{res[(name, use, a)][0]:.4f}", f"{res[(name, use, b)][0]:.4f}",
                       f"{slope([(f, res[(name, use, f)][0]) for f in (a, b)]):.2f}",
                       f"{slope([(f, res[(name, use, f)][0]) for f in sizes]):.2f}"]
    old, new = cells["old"], cells["new"]
    same = ""
    if "old" in kinds:
        same = "yes" if all(res[(name, "old", f)][2] == res[(name, now, f)][2]
                            for f in sizes) else "NO"
    rows = f"{res[(name, now, a)][1]} / {res[(name, now, b)][1]}"
    return (f"| {name} | {old[0]} | {new[0]} | {old[1]} | {new[1]} | {old[2]} | {new[2]} | "
            f"{old[3]} | {new[3]} | {rows} | {same} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="3000,10000,30000", help="facts, comma-separated")
    parser.add_argument("--work", type=Path, default=Path("bench-work/query-scaling"))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if len(sizes) < 2:
        parser.error("give at least two sizes")
    print(table(measure(sizes, args.work, args.repeats), sizes))


if __name__ == "__main__":
    main()
