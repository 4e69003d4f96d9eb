"""Benchmark the HTML page: writing it, and how soon a big page is usable in Chromium.

    python bench/html_page.py                      # 5,000 nodes in the browser
    python bench/html_page.py --nodes 2000 --write-nodes 20000 --edges-per-node 4.2
    python bench/html_page.py --sipri ../shared/data/sipri/trade-register.csv   # union page

Prints the seconds to write pages of generated graphs (kg's O(n) page data, and pyvis's
``add_edge`` on a smaller graph for comparison), then opens a page in headless Chromium
(network blocked) and prints the seconds until it is interactive (layout stabilised,
physics off) and how long a search and a filter take there. With ``--sipri`` it does the
same for the union page (kg.imports.pages.union_page): the shipped curated graph with every
deal of a SIPRI register export, and times nothing else.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.core.errors import Loc
from kg.core.model import Citation, Dataset, Entity, Qualifiers, Source, Statement
from kg.page.render import render_page

TYPES = ("Country", "Person", "GovernmentBody", "WeaponSystem", "Agreement", "Meeting")
PREDICATES = ("party", "participant", "leader-of", "supplier", "recipient", "concerns")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def generate(nodes: int, edges_per_node: float, *, seed: int = 1) -> Dataset:
    rnd = random.Random(seed)
    loc = Loc("bench.yaml", 1, 1)
    sources = tuple(Source(f"src-{i}", f"Source {i}", loc,
                           published=f"{2000 + i % 24}-0{1 + i % 9}",
                           reliability="ABCDEF"[i % 6]) for i in range(50))
    entities = tuple(Entity(f"e{i}", TYPES[i % len(TYPES)], f"Entity {i}", loc,
                            aliases=(f"alias {i}",)) for i in range(nodes))
    statements = []
    for k in range(int(nodes * edges_per_node)):
        s, o = rnd.randrange(nodes), rnd.randrange(nodes)
        src = sources[rnd.randrange(len(sources))]
        statements.append(Statement(f"e{s}", PREDICATES[k % len(PREDICATES)], loc, object=f"e{o}",
                                    id=f"n{k}", qualifiers=Qualifiers(date=src.published),
                                    citations=(Citation(src.id, loc, locator=f"para {k % 9}"),)))
    return Dataset(sources=sources, entities=entities, statements=tuple(statements))


def time_pyvis_add_edge(data: Dataset) -> float:
    from pyvis.network import Network

    start = time.perf_counter()
    net = Network(directed=True)
    for e in data.entities:
        net.add_node(e.id, label=e.label)
    for s in data.statements:
        net.add_edge(s.subject, s.object, label=s.predicate)
    return time.perf_counter() - start


def time_render(data: Dataset) -> tuple[float, str]:
    start = time.perf_counter()
    page = render_page(data)
    return time.perf_counter() - start, page


def browse(path: Path, searches: tuple[str, str]) -> dict[str, float]:
    """Seconds to interactive, to the first frame drawn, for a search (twice: through
    Playwright, and by the page's own clock) and for a filter."""
    from playwright.sync_api import sync_playwright

    left: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        def guard(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(("file:", "data:")):
                route.continue_()  # type: ignore[attr-defined]
            else:
                left.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", guard)
        start = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.kgReady === true", timeout=600_000, polling=100)
        ready = time.perf_counter() - start
        marks = page.evaluate("() => window.kgTimes")
        t = time.perf_counter()
        drawn = page.evaluate("""() => new Promise((done) => {
          const wait = () => (window.kgDrawn ? done(window.kgDrawn) : setTimeout(wait, 20));
          wait();
        })""")
        page.fill("#search", searches[0])
        page.press("#search", "Enter")
        page.wait_for_function("() => kgNetwork.getSelectedNodes().length === 1")
        search = time.perf_counter() - t
        # The same search timed by the page's own clock, without Playwright's round trips:
        # from the typed text's input event to the first frame drawn with the match selected.
        in_page = page.evaluate("""(text) => new Promise((done) => {
          kgNetwork.unselectAll();
          const box = document.getElementById("search");
          const t = performance.now();
          box.value = text;
          box.dispatchEvent(new Event("input"));
          box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter"}));
          kgNetwork.once("afterDrawing", () => done((performance.now() - t) / 1000));
        })""", searches[1])
        filt = page.evaluate("""() => new Promise((done) => {
          const t = performance.now();
          const box = document.querySelector("#f-class input[value=Person]");
          box.checked = false;
          box.dispatchEvent(new Event("change"));
          requestAnimationFrame(() => setTimeout(() => done((performance.now() - t) / 1000)));
        })""")
        browser.close()
    assert not left, left
    return {"interactive": ready, "script start": marks["script"] / 1000,
            "network built": marks["network"] / 1000, "stabilised": marks["ready"] / 1000,
            "first frame": drawn / 1000,
            "search": search, "search in page": in_page, "filter": filt}


def union(register: Path) -> None:
    """The union page of the shipped data and ``register``: written, then opened."""
    from kg.imports.pages import union_page
    from kg.imports.sipri import read_register
    from kg.imports.sipri_graph import import_register
    from kg.pipeline.build import load_graph

    curated = load_graph(Path(__file__).resolve().parent.parent / "data", shacl=False).data
    table = read_register(register)
    imported = import_register(table, curated, digest=table.sha256)
    cpu, start = time.process_time(), time.perf_counter()
    page = union_page([imported], curated)
    print(f"write union page ({len(imported.transfers)} deals): "
          f"{time.perf_counter() - start:.2f}s ({time.process_time() - cpu:.2f}s CPU), "
          f"{len(page.encode()) / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "union.html"
        path.write_text(page, encoding="utf-8")
        times = browse(path, ("Japan", "Germany"))
    print("browser union page: " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sipri", type=Path, help="a SIPRI register export: time the union page")
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--edges-per-node", type=float, default=2.0)
    ap.add_argument("--write-nodes", type=int, default=20000)
    ap.add_argument("--write-edges-per-node", type=float, default=4.2)
    ap.add_argument("--pyvis-nodes", type=int, default=2000)
    args = ap.parse_args()
    if args.sipri:
        union(args.sipri)
        return

    big = generate(args.write_nodes, args.write_edges_per_node)
    seconds, page = time_render(big)
    print(f"write page {len(big.entities)} nodes / {len(big.statements)} edges: "
          f"{seconds:.2f}s, {len(page.encode()) / 1e6:.1f} MB")
    small = generate(args.pyvis_nodes, args.write_edges_per_node)
    kg_s = time_render(small)[0]
    pv_s = time_pyvis_add_edge(small)
    print(f"{len(small.entities)} nodes / {len(small.statements)} edges: kg page {kg_s:.2f}s, "
          f"pyvis add_node+add_edge alone {pv_s:.2f}s ({pv_s / kg_s:.0f}x)")

    data = generate(args.nodes, args.edges_per_node)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.html"
        path.write_text(render_page(data), encoding="utf-8")
        times = browse(path, (f"alias {len(data.entities) - 1}", f"alias {len(data.entities) - 2}"))
    print(f"browser {len(data.entities)} nodes / {len(data.statements)} edges: "
          + ", ".join(f"{k} {v:.1f}s" for k, v in times.items()))


if __name__ == "__main__":
    main()
