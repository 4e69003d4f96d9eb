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
the inputs, open the built store, answer), beside the same query on pyoxigraph in
process on the same store. Prints the times and the ratios the issue asks for.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

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
    args = parser.parse_args()
    if args.queries_only:
        work = args.work.resolve()
        queries(work, dict(os.environ, PYTHONPATH=str(ROOT), KG_CACHE_DIR=str(work / "cache")))
        return
    sipri = args.sipri or next((p for p in SIPRI if p.is_file()), None)
    if sipri is None or not sipri.is_file():
        raise SystemExit("the SIPRI register is not there (../shared/data/sipri/)")
    work: Path = args.work.resolve()
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
    assert "2 import(s) unchanged" in out, out
    edited_cpu = CPU[-1]
    print(f"{'':34} {'wall':>9} {'CPU':>9}  ratio of cold (wall, CPU)")
    print(f"cold build                         {cold:7.2f} s {cold_cpu:7.2f} s")
    print(f"rebuild, nothing changed           {same:7.2f} s {same_cpu:7.2f} s  "
          f"{same / cold:6.1%} {same_cpu / cold_cpu:6.1%} (target <= 5%)")
    print(f"rebuild, one curated file edited   {edited:7.2f} s {edited_cpu:7.2f} s  "
          f"{edited / cold:6.1%} {edited_cpu / cold_cpu:6.1%} (target <= 10%)")
    queries(work, env)


def queries(work: Path, env: dict[str, str]) -> None:
    import json

    import pyoxigraph

    sys.path.insert(0, str(ROOT))
    from kg.core.vocab import PREFIXES

    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    store = pyoxigraph.Store.read_only(str(work / "out" / manifest["generation"]))
    print(f"\n{'saved query':<30} {'kg query: wall':>14} {'CPU':>7} {'rows':>6} "
          f"{'pyoxigraph in process':>22}")
    for path in sorted((ROOT / "queries").glob("*.rq")):
        seconds, out = timed(["query", str(path), "--format", "tsv"], work, env)
        answered = out.count("\n") - 1  # TSV: a header line, then one line per row
        text = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        result = store.query(text, prefixes=dict(PREFIXES), use_default_graph_as_union=True)
        rows = sum(1 for _ in result) if hasattr(result, "variables") else 1
        inproc = time.perf_counter() - start
        assert rows == answered or not hasattr(result, "variables"), (path.name, rows)
        print(f"{path.name:<30} {seconds:>12.2f} s {CPU[-1]:>5.2f} s {rows:>6} "
              f"{inproc:>20.3f} s")


if __name__ == "__main__":
    main()
