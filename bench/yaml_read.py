"""Benchmark: reading data files, kg's readers against PyYAML's C loader.

    python bench/yaml_read.py DATA_DIR [REPEATS]
    # e.g. python -c "from kg.bench.generate import generate; generate('/tmp/d', 100000)"
    #      python bench/yaml_read.py /tmp/d 3

Times, on every *.yaml file of DATA_DIR (bytes already in memory, garbage collector
paused as kg.build runs), the best of REPEATS (default 3) of:

- ``yaml.load(text, Loader=yaml.CSafeLoader)``: the C loader, the floor to beat;
- ``read_yaml(data, name, fast=False)``: the strict reader on libyaml's events;
- ``read_yaml(data, name)``: the same with the fast path (kg.curate.yamlfast);
- ``load_file(data, name, fast=False)`` and ``load_file(data, name)``: records from
  bytes, as kg.curate.load.load reads each file, without and with the fast path.

Both wall time and the process's CPU time are printed, each also as a multiple of the C
loader's; on a shared machine CPU time is the steadier of the two.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from kg.curate.load import load_file  # noqa: E402
from kg.curate.yamlread import read_yaml  # noqa: E402


def best(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The shortest wall and CPU times of ``repeats`` runs, collector paused."""
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        gc.enable()
    return min(wall), min(cpu)


def main(folder: str, repeats: int = 3) -> None:
    blobs = [(p.read_bytes(), p.name) for p in sorted(Path(folder).rglob("*.yaml"))]
    size = sum(len(b) for b, _ in blobs)
    print(f"{len(blobs)} files, {size / 1e6:.1f} MB, best of {repeats}")
    runs: dict[str, Callable[[], object]] = {
        "yaml.load CSafeLoader": lambda: [yaml.load(b.decode("utf-8"), Loader=yaml.CSafeLoader)
                                          for b, _ in blobs],
        "read_yaml strict": lambda: [read_yaml(b, n, fast=False) for b, n in blobs],
        "read_yaml fast": lambda: [read_yaml(b, n) for b, n in blobs],
        "load_file (strict read)": lambda: [load_file(b, n, fast=False) for b, n in blobs],
        "load_file (fast read)": lambda: [load_file(b, n) for b, n in blobs],
    }
    base: tuple[float, float] | None = None
    for label, run in runs.items():
        wall, cpu = best(run, repeats)
        base = base or (wall, cpu)
        print(f"{label:24s} wall {wall:6.2f} s ({wall / base[0]:4.2f}x)   "
              f"cpu {cpu:6.2f} s ({cpu / base[1]:4.2f}x)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
