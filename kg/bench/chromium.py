"""How soon the HTML page is usable in headless Chromium, measured as a user meets it.

**Interactive** means: from the start of navigation (``performance.timeOrigin``) until a
click on a node, issued as soon as the page has drawn its settled layout, has put that
node's facts in the side panel. In steps: the page sets ``window.kgDrawn`` (the
``performance.now()`` of the first frame drawn after the layout stopped moving); the
harness then picks a node that is on screen and not covered by another one (the most
connected such node), clicks its centre with the mouse, and the page's own clock records
when the panel's heading shows that node's label. That last ``performance.now()`` is the
figure, in seconds; it includes parsing the 4 MB page, building the network, the layout,
the first full draw and the click's round trip.

Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright; every request other
than ``file:`` is refused and counted (the page must make none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

# The most connected node that is inside the graph area and on top at its centre.
_PICK = """() => {
  const net = window.kgNetwork, box = document.getElementById("graph");
  const ids = window.kgNodes.getIds();
  const deg = new Map(ids.map((id) => [id, net.getConnectedEdges(id).length]));
  ids.sort((a, b) => deg.get(b) - deg.get(a) || (a < b ? -1 : 1));
  const pos = net.getPositions(ids);
  for (const id of ids) {
    const p = net.canvasToDOM(pos[id]);
    if (p.x < 20 || p.y < 20 || p.x > box.clientWidth - 20 || p.y > box.clientHeight - 20) continue;
    if (net.getNodeAt(p) === id) {
      return { id, x: p.x, y: p.y, label: net.body.nodes[id].options.label, at: performance.now() };
    }
  }
  return null;
}"""

# Resolves with performance.now() when the panel's heading shows ``label``.
_WATCH = """(label) => {
  window.kgPanelAt = null;
  const panel = document.getElementById("panel");
  const seen = () => { const h = panel.querySelector("h2"); return h && h.textContent === label; };
  new MutationObserver((_, obs) => {
    if (seen()) { window.kgPanelAt = performance.now(); obs.disconnect(); }
  }).observe(panel, { childList: true, subtree: true, characterData: true });
}"""


def unavailable() -> str | None:
    """Why the measurement cannot run here, or None when Playwright and Chromium are there."""
    if not Path(CHROMIUM).exists():
        return f"not available: no Chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "not available: the playwright package is not installed"
    return None


def time_to_interactive(page_file: Path, *, timeout_s: float = 300) -> dict[str, Any]:
    """Open ``page_file`` in headless Chromium and measure when it is interactive.

    Returns ``seconds`` (navigation start to the clicked node's panel), ``drawn`` (to the
    first settled frame), ``ready`` (layout done), ``nodes``, ``edges`` and ``refused``
    (requests that were not ``file:``; always 0 for kg's page).
    """
    from playwright.sync_api import Route, sync_playwright

    refused: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    wait_ms = timeout_s * 1000
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", guard)
            page = context.new_page()
            page.goto(page_file.resolve().as_uri(), wait_until="commit", timeout=wait_ms)
            page.wait_for_function("() => typeof window.kgDrawn === 'number'",
                                   polling="raf", timeout=wait_ms)
            target = page.evaluate(_PICK)
            if target is None:
                raise RuntimeError("no node of the page is on screen to click")
            page.evaluate(_WATCH, target["label"])
            box = page.locator("#graph").bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
            page.wait_for_function("() => window.kgPanelAt !== null", polling="raf",
                                   timeout=wait_ms)
            marks = page.evaluate("""() => ({panel: window.kgPanelAt, drawn: window.kgDrawn,
              ready: window.kgTimes.ready, script: window.kgTimes.script,
              network: window.kgTimes.network, nodes: kgNodes.length, edges: kgEdges.length})""")
        finally:
            browser.close()
    return {"seconds": marks["panel"] / 1000, "drawn": marks["drawn"] / 1000,
            "ready": marks["ready"] / 1000,
            "script": marks["script"] / 1000, "network": marks["network"] / 1000,
            "picked": target["at"] / 1000, "nodes": marks["nodes"], "edges": marks["edges"],
            "clicked": target["id"], "refused": len(refused)}


#: The fixed case of issue 9: this many nodes and edges, whatever the size being run.
FIXED_NODES, FIXED_EDGES = 5_000, 10_000


def fixed_dataset(work: Path) -> Any:
    """5,000 entities and 10,000 links between them, from the benchmark's own generator.

    25,000 generated facts have 5,000 entities; the first 10,000 of their facts that link
    two entities are kept (same power-law hubs and classes as every size).
    """
    from dataclasses import replace

    from kg.bench.generate import generate
    from kg.curate.load import load

    root, done = work / "page-5k-data", work / "page-5k-data.done"
    if not done.exists():
        generate(root, FIXED_NODES * 5)
        done.write_text(f"{FIXED_NODES * 5} facts\n", encoding="utf-8")
    data = load(root)[0]
    ids = [e.id for e in data.entities][:FIXED_NODES]
    keep = set(ids)
    links = [s for s in data.statements
             if s.object is not None and s.subject in keep and s.object in keep]
    return replace(data, entities=tuple(e for e in data.entities if e.id in keep),
                   statements=tuple(links[:FIXED_EDGES]))


def page_stage(data: Path, work: Path, *, fixed: bool) -> dict[str, Any]:
    """The ``page-chromium`` stages: write the page (untimed), then time it in Chromium.

    ``fixed``: the 5,000-node / 10,000-edge graph of issue 9 instead of the size's data.
    Exits with "not available: ..." (no figure) when Chromium or Playwright is missing.
    """
    reason = unavailable()
    if reason:
        raise SystemExit(reason)
    from kg.curate.load import load
    from kg.page.render import render_page

    loaded = fixed_dataset(work) if fixed else load(data)[0]
    page = work / ("page-5k.html" if fixed else "page.html")
    page.write_text(render_page(loaded), encoding="utf-8")
    info = time_to_interactive(page)
    if info["refused"]:
        raise SystemExit(f"the page asked the network {info['refused']} times")
    return info
