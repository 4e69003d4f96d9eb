"""Benchmark: the built graph with the SIPRI register and a ~65k-triple RDF file imported.

    python bench/built.py [--work DIR] [--sipri PATH] [--triples N]

Makes a project in ``--work`` (default: bench-work/built): a copy of data/, a generated
external RDF file (``external.nt``, N triples, default 65,000), and a kg.toml importing
the SIPRI register (default ../shared/data/sipri/trade-register.csv; never copied) and
that file. Then, each as a whole `kg build` process, in one run:

1. cold build (empty cache, no out/);
2. rebuild with nothing changed;
3. rebuild after editing one curated file (a source's title: no curated name changes);

and each saved query (queries/*.rq) through `kg query` (the whole process: start, check
the inputs, open the built store, answer: wall and CPU seconds), beside, in one other
process, the query itself as `kg query` runs it once the store is open (kg.sparql.oneshot)
and on pyoxigraph alone on the same store, and through the library's forked ``kg.query``.
Prints the times and the ratios the issue asks for (``--queries-only``: the queries over
the build in ``--work``, or over any build with ``--built OUT --data DATA``: the 1M-fact
benchmark's, say; ``--repeats`` and ``--no-library`` shorten a run at that size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
SIPRI = (ROOT.parent / "shared" / "data" / "sipri" / "trade-register.csv",
         Path("/work/shared/data/sipri/trade-register.csv"))


def external(path: Path, triples: int) -> None:
    """A synthetic external dataset: bases with a label, a country, a type and a note."""
    lines = []
    for i in range(triples // 5):
        s = f"<http://example.org/base/{i}>"
        lines += [f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Base {i}"@en .',
                  f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                  "<http://example.org/Base> .",
                  f"{s} <http://example.org/country> <http://example.org/country/{i % 90}> .",
                  f'{s} <http://example.org/runway> "{1000 + i % 3000}"^^'
                  "<http://www.w3.org/2001/XMLSchema#integer> .",
                  f'{s} <http://example.org/note> "synthetic record {i}" .']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


Rows = list[tuple[Any, ...]]
CPU: list[float] = []  # the last timed process's user + system CPU seconds


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of a whole `kg` process (its CPU seconds go to CPU[-1])."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode:
        raise SystemExit(f"kg {' '.join(args)} failed:\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work" / "built")
    parser.add_argument("--sipri", type=Path, default=None)
    parser.add_argument("--triples", type=int, default=65_000)
    parser.add_argument("--queries-only", action="store_true",
                        help="only the queries, over the build already in --work")
    parser.add_argument("--built", type=Path, default=None,
                        help="with --queries-only: the build's out/ (default: --work/out)")
    parser.add_argument("--data", type=Path, default=None,
                        help="with --built: the data folder it was built from")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-library", action="store_true",
                        help="leave out the library's forked kg.query()")
    parser.add_argument("--in-process", type=int, metavar="REPEATS",
                        help=argparse.SUPPRESS)  # the child of queries()
    args = parser.parse_args()
    work: Path = args.work.resolve()
    built = (args.built or work / "out").resolve()
    if args.in_process:
        print(json.dumps(in_process(built, args.in_process, use_library=not args.no_library)))
        return
    if args.queries_only:
        queries(work, dict(os.environ, PYTHONPATH=str(ROOT), KG_CACHE_DIR=str(work / "cache")),
                args.repeats, built=built, data=args.data and args.data.resolve(),
                library=not args.no_library)
        return
    sipri = args.sipri or next((p for p in SIPRI if p.is_file()), None)
    if sipri is None or not sipri.is_file():
        raise SystemExit("the SIPRI register is not there (../shared/data/sipri/)")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "data", work / "data")
    external(work / "external.nt", args.triples)
    (work / "kg.toml").write_text(f'[imports]\nsipri = ["{sipri}"]\nrdf = ["external.nt"]\n',
                                  encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), KG_CACHE_DIR=str(work / "cache"))
    cold, out = timed(["build", "--no-html"], work, env)
    cold_cpu = CPU[-1]
    print(out.split("built graph: ")[1].splitlines()[0] if "built graph: " in out else out)
    same, _ = timed(["build", "--no-html"], work, env)
    same_cpu = CPU[-1]
    sources = work / "data" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("US OKs selling", "US approves selling"), encoding="utf-8")
    edited, out = timed(["build", "--no-html"], work, env)
    assert "2 import(s) unchanged: their graphs kept" in out, out
    edited_cpu = CPU[-1]
    print(f"{'':34} {'wall':>9} {'CPU':>9}  ratio of cold (wall, CPU)")
    print(f"cold build                         {cold:7.2f} s {cold_cpu:7.2f} s")
    print(f"rebuild, nothing changed           {same:7.2f} s {same_cpu:7.2f} s  "
          f"{same / cold:6.1%} {same_cpu / cold_cpu:6.1%} (target <= 5%)")
    print(f"rebuild, one curated file edited   {edited:7.2f} s {edited_cpu:7.2f} s  "
          f"{edited / cold:6.1%} {edited_cpu / cold_cpu:6.1%} (target <= 10%)")
    queries(work, env, args.repeats)


def best(run: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """The least wall and CPU (user + system) seconds of ``repeats`` runs, and an answer."""
    walls, cpus, answer = [], [], None
    for _ in range(repeats):
        cpu, start = time.process_time(), time.perf_counter()
        answer = run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), answer


def queries(work: Path, env: dict[str, str], repeats: int = 3, *, built: Path | None = None,
            data: Path | None = None, library: bool = True) -> None:
    """Each saved query: ``kg query`` as a whole process (start, check the inputs by hash,
    open the built store, answer; the least of ``repeats`` runs, after one run that writes
    the bytecode as any user's first run does), and, measured in one other process (see
    :func:`in_process`), the query itself through kg and on pyoxigraph alone."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    paths = sorted((ROOT / "queries").glob("*.rq"))
    built = built or work / "out"
    options = ["--format", "tsv", "--timeout", "600", "--max-rows", "10000000",
               "--built", str(built), *(["--data", str(data)] if data else [])]
    timed(["query", str(paths[0]), *options], work, env)  # writes the bytecode
    done = subprocess.run([sys.executable, __file__, "--work", str(work), "--built", str(built),
                           "--in-process", str(repeats),
                           *([] if library else ["--no-library"])],
                          env=env, stdout=subprocess.PIPE, text=True, check=True)
    inside = json.loads(done.stdout)
    print(f"\n{'saved query':<26} {'rows':>5} {'kg query process':>17} {'CPU':>7}   "
          f"{'in process: kg':>14} {'pyoxigraph':>10} {'ratio':>6} {'kg.query()':>10} same rows")
    for path in paths:
        walls, cpus = [], []
        for _ in range(repeats):
            seconds, out = timed(["query", str(path), *options],
                                 work, env)  # the default 10 s limit stops a slow one
            walls.append(seconds)
            cpus.append(CPU[-1])
        answered = out.count("\n") - 1  # TSV: a header line, then one line per row
        rows, mine, ox, forked, same = inside[path.name]
        assert rows == answered, (path.name, rows, answered)
        print(f"{path.name:<26} {rows:>5} {min(walls):>15.2f} s {min(cpus):>5.2f} s   "
              f"{mine:>12.3f} s {ox:>8.3f} s {mine / ox if ox else 0:>6.2f} {forked:>8.3f} s "
              f"{'yes' if same else 'NO'}")


def in_process(built: Path, repeats: int, *, use_library: bool = True
               ) -> dict[str, tuple[int, float, float, float, bool]]:
    """In this process (which kg's one-shot evaluation denies the network for good), each
    saved query, the least of ``repeats`` runs of: what ``kg query`` does once the store
    is open (vetting, kg.sparql.oneshot's guarded evaluation, the TSV text), pyoxigraph
    alone on the same store (the query, every row read), and the library's
    :func:`kg.query` (a forked, guarded child per query; the answer as rdflib terms)."""
    import pyoxigraph

    sys.path.insert(0, str(ROOT))
    from kg.bench.baselines import row_digest
    from kg.core.prefixes import PREFIXES
    from kg.pipeline.built import read_build
    from kg.sparql.oneshot import evaluate_here
    from kg.sparql.query import query
    from kg.sparql.results import format_result, from_answer
    from kg.sparql.vetting import vet

    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    store = pyoxigraph.Store.read_only(str(built / manifest["generation"]))
    engine = read_build(built).engine()
    found = {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")

        def oxigraph(text: str = text) -> list[tuple[Any, ...]]:
            result = store.query(text, prefixes=dict(PREFIXES),
                                 use_default_graph_as_union=True)
            return [tuple(row) for row in result] \
                if isinstance(result, pyoxigraph.QuerySolutions) else [(bool(result),)]

        def through_kg(text: str = text) -> list[tuple[Any, ...]]:
            answer = evaluate_here(engine, text, vet(text, "oxigraph"), timeout=600,
                                   max_rows=None, expired=print)
            format_result(from_answer(answer), "tsv")
            return list(answer.rows) if answer.kind == "SELECT" else [(answer.boolean,)]

        def library(text: str = text) -> int:
            return len(query(engine, text, timeout=None, max_rows=None).rows)

        ox, _, ox_answer = best(oxigraph, repeats)
        mine, _, kg_answer = best(through_kg, repeats)
        ox_rows, kg_rows = cast(Rows, ox_answer), cast(Rows, kg_answer)
        rows = len(ox_rows)
        lib, _, lib_rows = best(library, repeats) if use_library else (0.0, 0.0, rows)
        same = row_digest(ox_rows) == row_digest(kg_rows)  # the rows as multisets
        assert rows == len(kg_rows) == lib_rows, (path.name, rows, len(kg_rows), lib_rows)
        found[path.name] = (rows, mine, ox, lib, same)
        print(f"{path.name}: {rows} rows, kg {mine:.3f} s, pyoxigraph {ox:.3f} s, "
              f"same rows: {same}", file=sys.stderr, flush=True)  # progress of a long run
    return found


if __name__ == "__main__":
    main()
