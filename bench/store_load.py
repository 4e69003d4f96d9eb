"""Benchmark: loading a build's graph.nt into a fresh store generation, by slice size.

    python bench/store_load.py --nt out/graph.nt [--slices 8,16,32,whole] [--strict]

Each way runs in a fresh process (its own peak RSS, ``ru_maxrss``): the file fed to
``Store.bulk_load`` in slices of N MiB of whole lines (kg.pipeline.bulkload; ``whole``:
one call on the whole file), leniently as the build loads its own output (``--strict``:
with Oxigraph's IRI validation), then the triples counted per graph as the build does
(kg.pipeline.artifact.counts). Prints wall and CPU time (user + system, both of the
store's threads) and the peak RSS: what kg.pipeline.storeload's loader costs beside the
writers, and why its slices are 8 MiB (docs/benchmarks.md, "The store loaded beside the
writers").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_ONE = """
import json, os, resource, sys, time
import pyoxigraph
from kg.pipeline import artifact, bulkload

source, folder, size, lenient = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
fmt = pyoxigraph.RdfFormat.N_TRIPLES
start = time.perf_counter()
store = pyoxigraph.Store(folder)
if size == "whole":
    store.bulk_load(path=source, format=fmt, lenient=lenient)
else:
    bulkload.load(store, __import__("pathlib").Path(source), fmt=fmt,
                  chunk_bytes=int(size) << 20, lenient=lenient)
store.flush()
graphs = artifact.counts(store)
times = os.times()
print(json.dumps({"wall": time.perf_counter() - start, "cpu": times.user + times.system,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "graphs": graphs}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nt", type=Path, required=True, help="a build's graph.nt")
    parser.add_argument("--slices", default="8,16,32,whole",
                        help="slice sizes in MiB, or 'whole' (comma-separated)")
    parser.add_argument("--strict", action="store_true", help="validate IRIs as it loads")
    args = parser.parse_args()
    print(f"{args.nt}: {args.nt.stat().st_size / 2**20:.0f} MiB, "
          f"{'strict' if args.strict else 'lenient'}")
    print("| slices | wall s | CPU s | peak RSS MiB | triples |")
    print("|---|---:|---:|---:|---:|")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for size in args.slices.split(","):
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run([sys.executable, "-c", _ONE, str(args.nt), folder, size,
                                   "0" if args.strict else "1"], env=env, check=True,
                                  capture_output=True, text=True)
        found = json.loads(done.stdout)
        label = size if size == "whole" else f"{size} MiB"
        print(f"| {label} | {found['wall']:.1f} | {found['cpu']:.1f} | "
              f"{found['peak_mib']:.0f} | {sum(found['graphs'].values()):,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
