"""Benchmark: what an atomic replacement of a graph costs in each store, and what is atomic.

    python bench/push_swap.py [--triples 50000,200000] [--server-triples 200000]
                              [--stores oxigraph,virtuoso] [--work DIR]

``kg push`` stages a graph with the store's bulk path, then swaps it onto its target with
one ``MOVE``. This measures the ways a store offers to replace a graph, on the generated
N-Triples of bench/push.py:

- **in process** (pyoxigraph, the engine of Oxigraph's server), for each ``--triples``,
  each in a fresh process (its peak RSS is its own): ``bulk_load`` into a graph (the bulk
  path, the baseline), a transactional ``load``, one ``INSERT DATA`` update, and the
  ``MOVE`` of the bulk-loaded graph onto another (the swap);
- **on each server** (tests/stores.py, 127.0.0.1), with ``--server-triples``: a target
  graph of the first 60,000 lines is replaced while a reader polls its size, once by a
  Graph Store ``PUT`` of the new graph and once by a staged graph and ``MOVE``; each
  prints its wall time, every size the reader saw (an atomic replacement shows two: the
  old and the new), how long before the end the first poll began that saw another size,
  and the server's peak RSS (``VmHWM``) before and after it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.push import generate  # noqa: E402
from tests.stores import oxigraph_server, virtuoso_server  # noqa: E402

IN_PROCESS = """import resource, shutil, sys, time, pyoxigraph as ox
nt, folder, how = sys.argv[1:]
shutil.rmtree(folder, ignore_errors=True)
store, g = ox.Store(folder), ox.NamedNode("http://example.org/g")
if how == "MOVE":
    store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
    store.flush()
if how == "INSERT DATA":
    text = "INSERT DATA { GRAPH <http://example.org/g> {\\n" + open(nt).read() + "} }"
start = time.perf_counter()
if how == "bulk_load":
    store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
    store.flush()
elif how == "load":
    store.load(path=nt, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
elif how == "INSERT DATA":
    store.update(text)
else:
    store.update("MOVE GRAPH <http://example.org/g> TO GRAPH <http://example.org/t>")
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10)
"""
WAYS = ("bulk_load", "load", "INSERT DATA", "MOVE")
OLD = 60_000


def in_process(nt: Path, folder: Path) -> dict[str, tuple[float, int]]:
    """Each way's seconds and peak RSS (MiB, the process's whole life) on ``nt``."""
    rows = {}
    for how in WAYS:
        done = subprocess.run([sys.executable, "-c", IN_PROCESS, str(nt), str(folder), how],
                              capture_output=True, text=True, check=True)
        seconds, rss = done.stdout.split()
        rows[how] = (float(seconds), int(rss))
    return rows


def _request(url: str, body: bytes | None = None, method: str = "POST",
             ctype: str = "application/n-triples") -> bytes:
    headers = {"Content-Type": ctype, "Accept": "application/sparql-results+json"}
    request = urllib.request.Request(url, body, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=3600) as answer:
            return bytes(answer.read())
    except urllib.error.HTTPError as exc:
        if method == "PUT" and exc.code == 406:  # Virtuoso's answer to a PUT it has stored
            return b""
        raise SystemExit(f"{method} {url}: {exc.code} {exc.read()[:500]!r}") from None


def _size(query_url: str) -> int:
    sparql = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/t> { ?s ?p ?o } }"
    body = urllib.parse.urlencode({"query": sparql}).encode()
    doc = json.loads(_request(query_url, body, ctype="application/x-www-form-urlencoded"))
    return int(doc["results"]["bindings"][0]["n"]["value"])


def _watched(query_url: str, act: threading.Thread) -> tuple[float, list[tuple[float, int]]]:
    """Run ``act`` while polling the target's size: its wall time, and each poll's start
    (seconds from the start) and the size it saw."""
    polls: list[tuple[float, int]] = []
    start = time.perf_counter()
    act.start()
    while act.is_alive():
        began = time.perf_counter() - start
        polls.append((began, _size(query_url)))
    act.join()
    return time.perf_counter() - start, polls


def _peak(pid: int) -> int:
    """The peak RSS of process ``pid`` so far, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) >> 10
    return 0


def on_server(name: str, nt: Path, folder: Path) -> list[str]:
    data = nt.read_bytes()
    old = b"".join(line for line in data.splitlines(keepends=True)[:OLD] if b"_:" not in line)
    launch = oxigraph_server if name == "oxigraph" else virtuoso_server
    lines = []
    shutil.rmtree(folder, ignore_errors=True)
    with launch(folder) as store:
        target = f"{store.gsp}?graph={urllib.parse.quote('http://example.org/t', safe='')}"
        staging = f"{store.gsp}?graph={urllib.parse.quote('http://example.org/s', safe='')}"
        for how in ("PUT", "MOVE"):
            _request(target, old, "PUT")
            before, peak = _size(store.query), _peak(store.pid)
            if how == "PUT":
                act = threading.Thread(target=_request, args=(target, data, "PUT"))
            else:
                _request(staging, data)
                act = threading.Thread(target=_request, args=(
                    store.update, b"MOVE GRAPH <http://example.org/s> TO GRAPH "
                    b"<http://example.org/t>", "POST", "application/sparql-update"))
            seconds, polls = _watched(store.query, act)
            after = _size(store.query)
            seen = Counter(size for _, size in polls)
            # how long before the end the first poll began that saw another size
            other = [began for began, size in polls if size not in (before, after)]
            window = f"{seconds - other[0]:.3f}" if other else "-"
            lines.append(f"| {name} | {how} | {before:,} -> {after:,} | {seconds:.2f} | "
                         + ", ".join(f"{size:,} ({n}x)" for size, n in sorted(seen.items()))
                         + f" | {window} | {peak:,} -> {_peak(store.pid):,} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", default="50000,200000")
    parser.add_argument("--server-triples", type=int, default=200_000)
    parser.add_argument("--stores", default="oxigraph,virtuoso")
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work" / "push-swap")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(n) for n in args.triples.split(",") if n]
    if sizes:
        print("| triples | " + " | ".join(f"{w} s (MiB)" for w in WAYS) + " | MOVE / bulk_load |")
        print("|---" * (len(WAYS) + 2) + "|")
    for n in sizes:
        nt = work / f"data-{n}.nt"
        if not nt.exists():
            generate(nt, n)
        rows = in_process(nt, work / "store")
        print(f"| {n:,} | " + " | ".join(f"{s:.2f} ({m:,})" for s, m in rows.values())
              + f" | {rows['MOVE'][0] / rows['bulk_load'][0]:.1f} |", flush=True)
    if args.stores:
        nt = work / f"data-{args.server_triples}.nt"
        if not nt.exists():
            generate(nt, args.server_triples)
        print("\n| store | replaced by | triples in the target | wall s | sizes a reader saw | "
              "other sizes seen from (s before the end) | server peak RSS MiB |")
        print("|---|---|---|---|---|---|---|")
        for name in args.stores.split(","):
            for line in on_server(name, nt, work / name):
                print(line, flush=True)


if __name__ == "__main__":
    main()
