"""Benchmark: a rebuild whose cached state is damaged while its head is whole.

    python bench/damaged_state.py --work DIR [--facts N] [--repo CHECKOUT]
    # e.g. python bench/damaged_state.py --work /tmp/damaged --facts 1000000
    #      python bench/damaged_state.py --work /tmp/damaged --repo /tmp/old-kg

The first run in an empty ``DIR`` generates ``N`` facts in 100 files (kg.bench.generate,
as `kg bench`) into ``DIR/data`` and builds them with the cache in ``DIR/cache`` (a full
build: streamed from 64 MiB of data). Every run then cuts each file of the rebuild
state's entry (``DIR/cache/build``) to 100 bytes, leaving its head, appends a comment
line to the first data file (an edit), and times ``kg.build`` of the data with that
cache, in a fresh process that imports kg from ``CHECKOUT`` (default: this one; name an
older checkout to compare). Prints one JSON line a build: the wall time, whether it
streamed or spliced, and the peak RSS of the build's process plus that of its largest
child (``ru_maxrss``; pages they share count in both: an upper bound).
(docs/benchmarks.md, "A damaged rebuild state").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from kg.core.gcpause import paused_gc
from kg.pipeline.build import build
start = time.perf_counter()
with paused_gc():
    result = build(Path(sys.argv[1]), Path(sys.argv[2]), cache_dir=Path(sys.argv[3]))
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + \
    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": round(wall, 2), "streamed": result.streamed,
                  "spliced": result.spliced, "peak_mib": peak // 1024}))
"""


def _timed_build(repo: Path, work: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(work / "data"), str(work / "out"),
         str(work / "cache")], cwd=repo, env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin",
                                              "HOME": str(work)},
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                 f"the build exited with {done.returncode}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(work: Path, facts: int, repo: Path) -> None:
    sys.path.insert(0, str(HERE))
    from kg.bench.generate import generate
    from kg.pipeline import rebuild

    if not (work / "data").is_dir():
        generate(work / "data", facts, files=100)
        print(json.dumps({"full build": _timed_build(repo, work)}), flush=True)
    entries = [p for p in sorted((work / "cache" / rebuild.KIND).rglob("*")) if p.is_file()]
    if not entries:
        sys.exit(f"{work / 'cache' / rebuild.KIND}: no rebuild state to damage")
    for path in entries:
        path.write_bytes(path.read_bytes()[:100])
    first = sorted((work / "data").glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    print(json.dumps({"damaged state": _timed_build(repo, work)}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--repo", type=Path, default=HERE)
    args = parser.parse_args()
    main(args.work, args.facts, args.repo.resolve())
