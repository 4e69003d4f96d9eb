"""The HTML page in a real browser: Debian's Chromium driven by Playwright, network blocked.

One browser per module; each test opens a fresh page whose every request other than
file: and data: is refused and recorded, and asserts that none was made.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import textwrap
import zlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import DATA, ROOT, run_kg

from kg.core.dates import parse_date
from kg.core.model import Dataset
from kg.page.html import neighbourhood
from kg.pipeline.build import build, load_graph

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

HOSTILE = """\
sources:
  - id: src-a
    title: "<b>Bold</b> claims & <script>window.kgPwned = 'title'</script>"
    publisher: "<img src=x onerror=\\"window.kgPwned = 'publisher'\\">"
    published: 2019-03-02
    reliability: B
entities:
  - id: evil
    type: Country
    label: "<img src=x onerror=\\"window.kgPwned = 'label'\\">"
    aliases: ["<script>window.kgPwned = 'alias'</script>", "sneaky alias"]
    note: "</script><script>window.kgPwned = 'note'</script>"
  - {id: plain, type: Agreement, label: Plainland pact}
statements:
  - subject: plain
    predicate: party
    object: evil
    sources: [{source: src-a, locator: "<i>p 1</i>", note: "<svg onload=\\"window.kgPwned=1\\">"}]
"""

Opener = Callable[[Path], Any]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dataset]:
    out = tmp_path_factory.mktemp("out")
    result = build(DATA, out, formats=(), shacl=False, focus=("japan",), hops=1)
    return out, result.data


@pytest.fixture
def open_page(browser: Any) -> Iterator[Opener]:
    """Open a page offline; fail the test if the page asked for anything off file:/data:."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    left: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            left.append(url)
            route.abort()

    context.route("**/*", guard)

    def opener(path: Path) -> Any:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(path.as_uri())
        page.wait_for_function("() => window.kgReady === true", timeout=60_000)
        return page

    yield opener
    context.close()
    assert left == [], f"requests left the page: {left}"
    assert errors == [], f"script errors: {errors}"


def _ids(page: Any, view: str) -> set[str]:
    """The ids shown; for edges, the facts' (not the drawn "according to" links)."""
    ids = set(page.evaluate(f"() => window.{view}.getIds()"))
    return {i for i in ids if not i.startswith("according:")}


def _click_node(page: Any, node: str) -> None:
    pos = page.evaluate("(id) => kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id])", node)
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])


def _edge_ids(data: Dataset) -> set[str]:
    return {k for k, (_, o) in load_page_facts(data).items() if o is not None}


def load_page_facts(data: Dataset) -> dict[str, tuple[str, str | None]]:
    from kg.core.vocab import KGS
    from kg.rdf.triples import statement_iri

    return {str(statement_iri(s))[len(KGS):]: (s.subject, s.object) for s in data.statements}


def test_page_loads_offline_and_draws_every_node(shipped: tuple[Path, Dataset],
                                                 open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    assert page.evaluate("() => kgNetwork.body.nodeIndices.length") == len(data.entities)
    assert _ids(page, "kgNodes") == {e.id for e in data.entities}
    assert _ids(page, "kgEdges") == _edge_ids(data)
    # A source quoted only through "according to" gets a dashed link to what it is quoted on.
    according = {f"according:{s.qualifiers.according_to}>{s.subject}" for s in data.statements
                 if s.qualifiers.according_to and s.qualifiers.according_to != s.subject}
    assert "according:yomiuri-shimbun>aegis-info-exchange-system" in according
    drawn = set(page.evaluate("() => kgEdges.getIds()"))
    assert {i for i in drawn if i.startswith("according:")} == according
    assert page.evaluate("() => kgNetwork.body.edgeIndices.length") \
        == len(_edge_ids(data)) + len(according)
    countries = sum(1 for e in data.entities if e.type == "Country")
    assert f"Country ({countries})" in page.text_content("#f-class")
    # The legend: the classes the data uses, subclasses told apart, with counts.
    legend = page.eval_on_selector_all("#legend .item", "els => els.map(e => e.textContent)")
    types = {e.type for e in data.entities}
    for name in ("Missile", "SensorSystem", "Platform", "InformationSystem", "Claim"):
        assert name in types
        count = sum(1 for e in data.entities if e.type == name)
        assert any(item.endswith(f"{name} {count}") for item in legend), (name, legend)
    assert not any(item[1:].startswith("System ") for item in legend)  # no lumping
    predicates = page.eval_on_selector_all("#legend .preds div",
                                           "els => els.map(e => e.dataset.predicate)")
    assert sorted(predicates) == sorted({s.predicate for s in data.statements})


def test_click_on_node_shows_its_facts_and_sources(shipped: tuple[Path, Dataset],
                                                   open_page: Opener, tmp_path: Path) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    _click_node(page, "japan")
    assert page.inner_text("#panel h2") == "Japan"
    # The facts start near the top: the filters are closed lists over the panel.
    assert page.locator("#panel h2").bounding_box()["y"] < 250
    assert page.eval_on_selector_all("#filters details[open]", "els => els.length") == 0
    facts = [s for s in data.statements if "japan" in (s.subject, s.object)]
    shown = page.eval_on_selector_all("#panel .fact", "els => els.length")
    assert shown == len(facts)
    cited = page.eval_on_selector_all("#panel .cite", "els => els.map(e => e.dataset.source)")
    assert sorted(cited) == sorted(c.source for s in facts for c in s.citations)
    titles = {src.id: src.title for src in data.sources}
    panel = page.inner_text("#panel")
    for source in set(cited):
        assert titles[source] in panel
    assert "reliability C" in panel and "reliability F" in panel
    # One line per citation: source short name, reliability+credibility, locator, attribution.
    lines = page.eval_on_selector_all("#panel .cite", "els => els.map(e => e.textContent)")
    assert "Islam Times 2023 C2 · para 10 · other-outlet" in lines
    assert "us-sm3-japan-2018 F2 · para 5 · other-outlet" in lines  # a compilation: none first-hand
    # Facts grouped by predicate, each group sorted by date; the source's note once.
    heads = page.eval_on_selector_all("#panel h3", "els => els.map(e => e.textContent)")
    assert heads[:2] == ["→ allied with (1)", "→ operates (3)"] and heads[-1] == "Sources"
    assert "← recipient (1)" in heads and heads.index("← recipient (1)") > heads.index(
        "→ plans to acquire (1)")
    notes = {src.id: src.note for src in data.sources}
    assert page.eval_on_selector_all(
        "#panel details.source", "els => els.map(e => e.dataset.source)") == sorted(set(cited))
    html = page.inner_html("#panel")
    for source in set(cited):
        assert html.count(str(notes[source])[:60]) == 1
    whens = page.eval_on_selector_all(
        "#panel h3 ~ .fact", "els => els.map(e => e.querySelector('.when')?.textContent)")
    assert whens  # some facts are dated
    # A brief: status and certainty on the fact's own line, each citation on one line, so
    # a fact with one citation and no note takes two lines.
    first = page.evaluate("""() => { const f = document.querySelector('#panel h3 + .fact');
      return {rows: [...f.children].map(c => c.textContent),
              height: f.getBoundingClientRect().height}; }""")
    assert first["rows"] == ["United States2023-05 ongoing",
                             "Islam Times 2023 C2 · para 10 · other-outlet"]
    assert first["height"] < 3 * 14 * 1.4
    pac3 = page.eval_on_selector("#panel .fact:has(.certainty)",
                                 "e => e.firstElementChild.textContent")
    assert pac3 == "Japanese Aegis destroyers2018-01 ongoing likely"
    page.wait_for_timeout(600)  # the click's 300 ms centring animation
    _screenshot(page, tmp_path)


SCREENSHOT = ROOT / "docs" / "screenshot.png"


def _png_with_text(png: bytes, key: str, value: str) -> bytes:
    """``png`` with a tEXt chunk ``key``=``value`` before its IEND chunk."""
    body = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = (len(body).to_bytes(4, "big") + b"tEXt" + body
             + zlib.crc32(b"tEXt" + body).to_bytes(4, "big"))
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def _png_text(png: bytes, key: str) -> str | None:
    i = 8
    while i < len(png):
        size = int.from_bytes(png[i:i + 4], "big")
        kind, body = png[i + 4:i + 8], png[i + 8:i + 8 + size]
        if kind == b"tEXt" and body.split(b"\0", 1)[0] == key.encode():
            return body.split(b"\0", 1)[1].decode("latin-1")
        i += 12 + size
    return None


def _screenshot(page: Any, tmp_path: Path) -> None:
    """The README's screenshot shows what the page shows now.

    The picture is retaken on every run; docs/screenshot.png carries a hash of what it
    shows (the side panel's text, the legend, the page's own code), so a change to the page
    or to Japan's facts fails here until ``KG_UPDATE_SCREENSHOT=1 python -m pytest
    tests/test_html_browser.py`` writes the new picture (pixels differ between machines'
    fonts; the hash does not).
    """
    shown = "\n".join([page.inner_text("#panel"), page.inner_text("#f-class"),
                       *(f.read_text(encoding="utf-8") for f in sorted(
                           (ROOT / "kg" / "page" / "templates").iterdir()))])
    digest = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    png = _png_with_text(page.screenshot(), "kg-shows", digest)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and _png_text(png, "kg-shows") == digest
    (tmp_path / "screenshot.png").write_bytes(png)
    if os.environ.get("KG_UPDATE_SCREENSHOT"):
        SCREENSHOT.write_bytes(png)
    assert _png_text(SCREENSHOT.read_bytes(), "kg-shows") == digest, (
        "docs/screenshot.png is stale: KG_UPDATE_SCREENSHOT=1 python -m pytest "
        "tests/test_html_browser.py retakes it")


def test_click_on_edge_shows_that_fact(shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, _ = shipped
    page = open_page(out / "graph.html")
    page.evaluate("() => kgNetwork.moveTo({scale: 1})")
    # One of Sam Greaves's edges whose midpoint no node covers (the layout decides which).
    edge = page.evaluate("""() => {
      const box = document.getElementById('graph').getBoundingClientRect();
      const centre = {x: box.width / 2, y: box.height / 2};
      for (const e of kgEdges.get().filter(e => e.from === 'sam-greaves')) {
        const mid = kgNetwork.body.edges[e.id].edgeType.getPoint(0.5);  // on the drawn curve
        kgNetwork.moveTo({position: mid, scale: 1});
        if (kgNetwork.getNodeAt(centre) === undefined && kgNetwork.getEdgeAt(centre) === e.id)
          return e.id;
      }
      return null;
    }""")
    assert edge is not None
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.inner_text("#panel h2") == "leader of"
    assert page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.dataset.statement)") \
        == [edge]
    assert "Sam Greaves" in page.inner_text("#panel .fact")


def test_filters_hide_classes_and_predicates(shipped: tuple[Path, Dataset],
                                             open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    people = {e.id for e in data.entities if e.type == "Person"}
    page.locator("#filters summary", has_text="Classes").click()
    page.check("#f-class input[value=Person]")  # already on: a no-op
    page.uncheck("#f-class input[value=Person]")
    assert _ids(page, "kgNodes") == {e.id for e in data.entities} - people
    edges = page.evaluate("() => kgEdges.get()")
    assert edges and all(e["from"] not in people and e["to"] not in people for e in edges)
    page.check("#f-class input[value=Person]")
    page.locator("#filters summary", has_text="Predicates").click()
    page.uncheck("#f-predicate input[value=leader-of]")
    labels = {e["label"] for e in page.evaluate("() => kgEdges.get()")
              if not e["id"].startswith("according:")}
    assert "leader of" not in labels and "party" in labels
    involved = {x for s in data.statements for x in (s.subject, s.object)}
    others = {x for s in data.statements if s.predicate != "leader-of"
              for x in (s.subject, s.object)}
    assert _ids(page, "kgNodes") == {e.id for e in data.entities
                                     if e.id in others or e.id not in involved}


def test_source_and_reliability_filters(shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    page.locator("#filters summary", has_text="Sources").click()
    page.uncheck("#f-source input[value=jp-kr-radar-2023]")
    facts = load_page_facts(data)
    kept = {k for k, s in zip(facts, data.statements, strict=True) if s.object
            and any(c.source != "jp-kr-radar-2023" for c in s.citations)}
    assert _ids(page, "kgEdges") == kept and kept
    page.check("#f-source input[value=jp-kr-radar-2023]")
    page.locator("#filters summary", has_text="Source reliability").click()
    grade = {src.id: src.reliability for src in data.sources}
    page.uncheck("#f-reliability input[value=C]")
    kept = {k for k, s in zip(facts, data.statements, strict=True) if s.object
            and any(grade[c.source] != "C" for c in s.citations)}
    assert _ids(page, "kgEdges") == kept


def test_search_finds_an_alias_and_focuses(shipped: tuple[Path, Dataset],
                                           open_page: Opener) -> None:
    out, _ = shipped
    page = open_page(out / "graph.html")
    page.fill("#search", "dprk")
    assert page.inner_text("#matches") == "North Korea (DPRK)"
    page.press("#search", "Enter")
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == ["north-korea"]
    assert page.inner_text("#panel h2") == "North Korea"
    page.fill("#search", "ROK")
    page.click("#matches button")
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == ["south-korea"]


def _since(data: Dataset, statement: Any) -> date | None:
    published = {s.id: s.published for s in data.sources}
    texts = [statement.qualifiers.date, statement.qualifiers.start,
             *(published[c.source] for c in statement.citations)]
    return min((parse_date(t).earliest for t in texts if t), default=None)


def test_as_of_date_hides_later_facts(shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    page.fill("#asof", "2020-01-01")
    page.dispatch_event("#asof", "change")
    facts = load_page_facts(data)
    expected = {k for k, s in zip(facts, data.statements, strict=True)
                if s.object is not None and (_since(data, s) or date.min) <= date(2020, 1, 1)}
    assert _ids(page, "kgEdges") == expected
    assert 0 < len(expected) < len(_edge_ids(data))
    assert "yoon-suk-yeol" not in _ids(page, "kgNodes")  # known from 2023 only
    assert "as of 2020-01-01" in page.inner_text("#count")
    page.click("#asof-clear")
    assert _ids(page, "kgEdges") == _edge_ids(data)


def test_focus_on_neighbourhood_and_path(shipped: tuple[Path, Dataset],
                                         open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    page.evaluate("() => kgChoose('japan')")
    page.fill("#hops", "1")
    page.click("text=Focus neighbourhood")
    assert _ids(page, "kgNodes") == {e.id for e in neighbourhood(data, "japan", hops=1).entities}
    page.click("#focus-clear")
    graph = nx.Graph()  # edges added, not passed: networkx 3.2-3.3 warn (no pandas)
    graph.add_edges_from((s.subject, s.object) for s in data.statements if s.object)
    distances = nx.single_source_shortest_path_length(graph, "japan")
    start = max(distances, key=lambda n: (distances[n], n))  # the farthest from Japan
    end = max(nx.single_source_shortest_path_length(graph, start).items(),
              key=lambda kv: (kv[1], kv[0]))[0]
    steps = nx.shortest_path_length(graph, start, end)
    assert steps >= 3
    page.evaluate("(id) => kgChoose(id)", start)
    page.click("text=Path from here")
    page.evaluate("(id) => kgChoose(id)", end)
    page.click("text=Path to here")
    label = {e.id: e.label for e in data.entities}
    assert page.inner_text("#panel h2") == f"Path: {label[start]} → {label[end]}"
    assert page.eval_on_selector_all("#panel .fact", "els => els.length") == steps
    red = page.evaluate("() => kgEdges.get().filter(e => e.width === 4).map(e => e.id)")
    assert len(red) == steps
    path = page.evaluate("() => kgPanelFacts")
    assert len(path) == steps and set(path) == set(red)  # in path order, from start to end
    _assert_fitted(page, {x for k in path for x in load_page_facts(data)[k] if x})
    # A second path clears the first: highlight, selection and the search typed before.
    page.fill("#search", "dprk")
    page.evaluate("() => kgChoose('hawaii')")
    page.click("text=Path from here")
    page.evaluate("() => kgChoose('tokyo')")
    page.click("text=Path to here")
    second = page.evaluate("() => kgPanelFacts")
    assert set(page.evaluate("() => kgEdges.get().filter(e => e.width === 4).map(e => e.id)")) \
        == set(second) and set(path) - set(second)
    ends = {x for k in second for x in load_page_facts(data)[k] if x}
    assert set(page.evaluate("() => kgNetwork.getSelectedNodes()")) == ends
    assert page.input_value("#search") == "" and page.inner_text("#matches") == ""
    _assert_fitted(page, ends)
    assert [load_page_facts(data)[second[0]][0], load_page_facts(data)[second[-1]][1]] \
        == ["hawaii", "tokyo"] or "hawaii" in load_page_facts(data)[second[0]]


def _dom(page: Any, node: str) -> dict[str, float]:
    return page.evaluate("(id) => kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id])", node)


def _assert_fitted(page: Any, ids: set[str]) -> None:
    box = page.locator("#graph").bounding_box()
    for node in ids:
        p = _dom(page, node)
        assert 0 <= p["x"] <= box["width"] and 0 <= p["y"] <= box["height"], (node, p)


def test_focus_page_from_the_cli(tmp_path: Path, open_page: Opener) -> None:
    result = run_kg("build", "--data", str(DATA), "--out", str(tmp_path), "--no-html",
                    "--focus", "JPN", "--hops", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'focus-japan.html'}" in result.stdout
    page = open_page(tmp_path / "focus-japan.html")
    data = load_graph(DATA, shacl=False).data
    assert _ids(page, "kgNodes") == {e.id for e in neighbourhood(data, "japan", hops=1).entities}
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == ["japan"]
    assert page.inner_text("#panel h2") == "Japan"
    # Labels do not overlap, and Japan's comes first, on its plate, over its edges.
    labels = _labels(page)
    assert labels[0]["id"] == "japan" and labels[0]["text"] == "Japan"
    for i, a in enumerate(labels):
        assert not [b for b in labels[i + 1:] if _overlap(a, b)], a


def test_click_centres_and_selects(shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, _ = shipped
    page = open_page(out / "graph.html")
    _click_node(page, "north-korea")
    # The 300 ms animation, however long a loaded machine takes to play it.
    page.wait_for_function("""() => {
      const p = kgNetwork.canvasToDOM(kgNetwork.getPositions(['north-korea'])['north-korea']);
      const r = document.getElementById('graph').getBoundingClientRect();
      return Math.abs(p.x - r.width / 2) < 3 && Math.abs(p.y - r.height / 2) < 3;
    }""", timeout=10_000)
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == ["north-korea"]
    assert page.inner_text("#panel h2") == "North Korea"
    box = page.locator("#graph").bounding_box()
    p = _dom(page, "north-korea")
    assert abs(p["x"] - box["width"] / 2) < 3 and abs(p["y"] - box["height"] / 2) < 3
    assert page.evaluate("() => kgNetwork.getScale()") >= 0.9


def test_panel_scrolls_alone_and_edges_show_their_deal(shipped: tuple[Path, Dataset],
                                                      open_page: Opener) -> None:
    out, _ = shipped
    page = open_page(out / "graph.html")
    page.evaluate("() => kgChoose('japan', {animate: false})")
    search_y = page.locator("#search").bounding_box()["y"]
    assert page.evaluate("() => { const p = document.getElementById('panel');"
                         " return p.scrollHeight > p.clientHeight; }")
    page.evaluate("() => { document.getElementById('panel').scrollTop = 100000; }")
    assert page.evaluate("() => document.getElementById('panel').scrollTop") > 0
    assert page.locator("#search").bounding_box()["y"] == search_y
    assert page.locator("#filters").is_visible()
    assert page.evaluate("() => document.scrollingElement.scrollTop") == 0
    # The sale's supplier edge: its panel shows the deal's value, date and status.
    edge = "sm3-sale-2018.supplier.usa"
    _click_edge(page, edge)
    assert page.inner_text("#panel h2") == "supplier"
    assert page.evaluate("() => kgPanelFacts") == [edge]
    context = page.inner_text("#panel .context")
    assert "US sale to Japan of anti-ballistic missiles (2018)" in context
    assert "USD 133.3M · 2018-01 · approved" in context


def test_hostile_text_is_shown_literally_and_runs_nothing(tmp_path: Path,
                                                          open_page: Opener) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "all.yaml").write_text(textwrap.dedent(HOSTILE), encoding="utf-8")
    build(data_dir, tmp_path / "out", formats=(), shacl=False)
    page = open_page(tmp_path / "out" / "graph.html")
    page.fill("#search", "sneaky")
    page.press("#search", "Enter")
    panel = page.inner_text("#panel")
    assert "<img src=x onerror=\"window.kgPwned = 'label'\">" in panel
    assert "<script>window.kgPwned = 'alias'</script>" in panel
    assert "</script><script>window.kgPwned = 'note'</script>" in panel
    assert "<b>Bold</b> claims & <script>" in panel
    assert "<svg onload=" in panel and "<i>p 1</i>" in panel
    assert page.evaluate("() => window.kgPwned === undefined")
    assert page.evaluate("() => document.querySelectorAll('img, svg, i, a').length") == 0
    assert page.evaluate("() => document.scripts.length") == 3  # the page's own
    assert page.evaluate("() => kgNodes.get('evil').label").startswith("<img src=x")


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and \
        a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def _labels(page: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """The labels of one freshly drawn frame (``kind``: only "node" or "edge" ones)."""
    page.evaluate("() => new Promise(r => { kgNetwork.once('afterDrawing', r); "
                  "kgNetwork.redraw(); })")
    return [x for x in page.evaluate("() => window.kgLabels") if kind in (None, x["kind"])]


def test_first_view_labels_are_readable_by_degree(shipped: tuple[Path, Dataset],
                                                  open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")  # a 1600x1000 window
    nodes = _labels(page, "node")
    by_id = {x["id"]: x for x in nodes}
    degree = {e.id: 0 for e in data.entities}
    for s in data.statements:
        degree[s.subject] += 1
        if s.object:
            degree[s.object] += 1
    hubs = sorted(degree, key=lambda i: (-degree[i], i))[:8]
    assert set(hubs) <= set(by_id), [h for h in hubs if h not in by_id]
    assert all(x["px"] >= 10 for x in nodes)
    label = {e.id: e.label for e in data.entities}
    assert by_id["japan"]["text"] == "Japan"
    assert all(x["text"] == label[x["id"]] or x["text"].endswith("…") for x in nodes)
    for i, a in enumerate(nodes):  # none of the labels drawn overlap
        assert not any(_overlap(a, b) for b in nodes[i + 1:]), a
    assert _labels(page, "edge") == []  # edge labels wait for a hover, selection or zoom
    # A node left unlabelled at first is labelled once zoomed in on.
    quiet = next(i for i in sorted(degree, key=lambda i: (degree[i], i)) if i not in by_id)
    page.evaluate("(id) => kgNetwork.focus(id, {scale: 2.5, animation: false})", quiet)
    assert quiet in {x["id"] for x in _labels(page, "node")}


def test_edge_labels_sit_beside_their_line(shipped: tuple[Path, Dataset],
                                           open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    page.evaluate("() => kgChoose('japan', {animate: false})")
    both = _labels(page)
    edges = [x for x in both if x["kind"] == "edge"]
    mine = {x["id"] for x in edges}
    japan = {k for k, (s, o) in load_page_facts(data).items() if o and "japan" in (s, o)}
    assert mine and mine <= japan | {i for i in mine if i.startswith("according:")}
    assert len(mine & japan) >= len(japan) // 2  # most fit; the rest would overlap
    for a in edges:
        x0, y0, x1, y1 = a["line"]
        # Distance from the text's centre to its edge's line: more than half its height.
        gap = abs((x1 - x0) * (y0 - a["cy"]) - (x0 - a["cx"]) * (y1 - y0)) / \
            ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        assert gap >= a["th"] / 2, a
        assert not any(_overlap(a, b) for b in both if b is not a), a
    # A deal's edge carries the deal's value; an edge selected alone is always labelled.
    deal = "sm3-sale-2018.recipient.japan"
    page.evaluate("(id) => kgNetwork.setSelection({nodes: [], edges: [id]})", deal)
    texts = {x["id"]: x["text"] for x in _labels(page, "edge")}
    assert texts.get(deal) == "recipient · USD 133.3M"
    # Zoomed in, every edge on screen may carry its label.
    page.evaluate("() => { kgNetwork.unselectAll(); kgNetwork.moveTo({scale: 1.6}); }")
    assert len(_labels(page, "edge")) > 0


def test_timeline_shows_dated_facts_linked_with_graph_and_as_of(
        shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    marks = {m["id"]: m for m in page.evaluate("() => kgTimeline.marks")}
    keys = list(load_page_facts(data))
    dated = {k: s for k, s in zip(keys, data.statements, strict=True)
             if s.qualifiers.date or s.qualifiers.start or s.qualifiers.end}
    assert set(marks) == set(dated) and len(marks) > 20
    for k, s in dated.items():
        q = s.qualifiers
        want = "range" if q.start or q.end else parse_date(q.date or "").precision.value
        assert marks[k]["precision"] == want, (k, marks[k])
    widths = {}
    for m in marks.values():
        widths.setdefault(m["precision"], []).append(m["x1"] - m["x0"])
    assert max(widths["day"]) <= 4 < min(widths["fiscal-year"])
    assert max(widths["month"]) < min(widths["year"]) < min(widths["fiscal-year"])
    # graph -> timeline: a selected node's facts are highlighted there.
    page.evaluate("() => kgChoose('japan', {animate: false})")
    japan = {k for k, (s, o) in load_page_facts(data).items() if "japan" in (s, o)}
    assert set(page.evaluate("() => kgTimeline.highlighted()")) == japan
    # timeline -> graph: a click on a mark selects that fact's edge and shows it.
    edge = next(k for k in sorted(marks) if load_page_facts(data)[k][1])
    m = marks[edge]
    box = page.locator("#tl-canvas").bounding_box()
    page.mouse.click(box["x"] + (m["x0"] + m["x1"]) / 2, box["y"] + m["y"] + 3)
    assert page.evaluate("() => kgPanelFacts") == [edge]
    assert page.evaluate("() => kgNetwork.getSelectedEdges()") == [edge]
    # Scrubbing the axis sets "as of": the graph and the date box follow.
    x = (marks[edge]["x0"] + marks[edge]["x1"]) / 2
    page.mouse.click(box["x"] + x, box["y"] + box["height"] - 6)
    day = page.input_value("#asof")
    assert day and f"as of {day}" in page.inner_text("#count")
    assert page.evaluate("() => kgTimeline.at") is not None
    later = {k for k, s in zip(keys, data.statements, strict=True) if s.object
             and (_since(data, s) or date.min) > date.fromisoformat(day)}
    assert later and not later & _ids(page, "kgEdges")
    # ... and the other way: the date box moves the timeline's "as of" line.
    page.click("#asof-clear")
    assert page.evaluate("() => kgTimeline.at") is None
    page.fill("#asof", "2020-01-01")
    page.dispatch_event("#asof", "change")
    at = page.evaluate("() => kgTimeline.at")
    ends = {k: parse_date(s.qualifiers.date).latest for k, s in dated.items()
            if s.qualifiers.date and marks[k]["precision"] in ("day", "month", "year")}
    before = {k for k, d in ends.items() if d < date(2020, 1, 1)}
    assert {k for k in ends if marks[k]["x1"] <= at + 1} == before
    assert before and before != set(ends)


def test_big_graph_opens_on_an_overview_and_draws_on_demand(tmp_path: Path,
                                                           open_page: Opener) -> None:
    from kg.core.errors import Loc
    from kg.core.model import Citation, Entity, Source, Statement
    from kg.page.html import OVERVIEW_ABOVE, OVERVIEW_NODES
    from kg.page.render import render_page

    loc = Loc("big.yaml", 1, 1)
    n = OVERVIEW_ABOVE + 200
    entities = tuple(Entity(f"e{i}", "Country", f"Entity {i}", loc) for i in range(n))
    # Node i links to i // 2 and i // 3: low ids are the hubs.
    statements = tuple(Statement(f"e{i}", "party", loc, object=f"e{i // k}", id=f"s{i}-{k}",
                                 citations=(Citation("src", loc, locator="para 1"),))
                       for i in range(1, n) for k in (2, 3) if i // k != i)
    data = Dataset(sources=(Source("src", "A source", loc),), entities=entities,
                   statements=statements)
    path = tmp_path / "big.html"
    path.write_text(render_page(data), encoding="utf-8")
    page = open_page(path)
    drawn = _ids(page, "kgNodes")
    assert len(drawn) == OVERVIEW_NODES and {"e1", "e2", "e3"} <= drawn
    assert f"Overview: {OVERVIEW_NODES} of them drawn" in page.inner_text("#count")
    assert f"{n} of {n} nodes" in page.inner_text("#count")
    quiet = f"e{n - 1}"
    assert quiet not in drawn
    page.fill("#search", f"Entity {n - 1}")
    page.press("#search", "Enter")
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == [quiet]
    assert page.inner_text("#panel h2") == f"Entity {n - 1}"
    now = _ids(page, "kgNodes")
    assert {quiet, f"e{(n - 1) // 2}", f"e{(n - 1) // 3}"} <= now  # it and its neighbours
    assert f"e{n - 1}.party.e{(n - 1) // 2}.s{n - 1}-2" in _ids(page, "kgEdges")
    page.click("#overview button")
    assert len(_ids(page, "kgNodes")) == n and "Overview" not in page.inner_text("#count")


def _click_edge(page: Any, edge: str) -> None:
    """Zoom in on ``edge`` and click on it: at its middle, else at the nearest point of
    it where no other edge or node lies (edges cross where the layout puts them)."""
    at = page.evaluate("""(id) => {
      const e = kgNetwork.body.edges[id];
      for (const t of [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75]) {
        const p = e.edgeType.getPoint(t);
        kgNetwork.moveTo({position: {x: p.x, y: p.y}, scale: 3});
        const c = kgNetwork.canvasToDOM({x: p.x, y: p.y});
        if (kgNetwork.getEdgeAt(c) === id && kgNetwork.getNodeAt(c) === undefined) return c;
      }
      return null;
    }""", edge)
    assert at is not None, f"no point of {edge} to click on"
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])


def test_country_page_bundles_imported_deals(tmp_path: Path, data_copy: Path,
                                             open_page: Opener) -> None:
    from conftest import FIXTURES

    shutil.copy(FIXTURES / "sipri-register.csv", tmp_path / "sipri.csv")
    (tmp_path / "kg.toml").write_text('[imports]\nsipri = ["sipri.csv"]\n', encoding="utf-8")
    result = run_kg("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = open_page(tmp_path / "out" / "countries" / "japan.html")
    deals = page.evaluate("() => kgNodes.get().length")
    links = page.evaluate("() => kgEdges.get().map(e => [e.id, e.label])")
    bundle = "bundle:usa>japan"
    assert [bundle, "3 deals · TIV 1432 · 2005\u20132019"] in links  # the register's 3 US deals
    shown = _ids(page, "kgNodes")
    registered = set(page.evaluate("""() => kgNetwork.body.data.nodes.get()
      .filter(n => n.label.endsWith('United States → Japan')).map(n => n.id)"""))
    assert len(registered) == 3 and not registered & shown  # inside the bundle
    assert "sm3-sale-2018" in shown  # a curated deal (with facts of its own) stays drawn
    _click_edge(page, bundle)
    assert page.inner_text("#panel h2") == "United States → Japan: 3 deals"
    assert "categories: anti-ballistic missile missile 3" in page.inner_text("#panel .context")
    rows = page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.textContent)")
    assert rows[0].startswith("MIM-104 PAC-3 (2005): United States → Japan2005")
    assert len(rows) == 3 and "amount TIV 900 · quantity 90" in rows[2]
    page.click("text=Draw these 3 deals")
    after = _ids(page, "kgNodes")
    assert len(after) > len(shown) and bundle not in _ids(page, "kgEdges")
    assert registered <= after
    assert deals == len(shown)


def test_panel_shows_a_citation_passage_when_the_data_has_one(
        shipped: tuple[Path, Dataset], tmp_path: Path, open_page: Opener) -> None:
    """A citation row may carry a ``passage`` field (the cited paragraph): shown as text."""
    import json

    from kg.page.html import _script_json

    out, _ = shipped
    html = (out / "graph.html").read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="kg-data">') + 45
    end = html.index("</script>", start)
    data = json.loads(html[start:end])
    data["statements"]["citeFields"].append("passage")
    for row in data["statements"]["rows"]:
        for cite in row[-1]:
            cite.append(f"<b>passage</b> of {cite[1]}")
    page_file = tmp_path / "passage.html"
    page_file.write_text(html[:start] + _script_json(data) + html[end:], encoding="utf-8")
    page = open_page(page_file)
    page.evaluate("() => kgChoose('japan', {animate: false})")
    passages = page.eval_on_selector_all("#panel .passage", "els => els.map(e => e.textContent)")
    assert "\u201c<b>passage</b> of para 10\u201d" in passages
    assert page.evaluate("() => document.querySelectorAll('#panel b').length") == 0


HELICOPTERS = """\
Japan,France,2001,,3,,AS-332 Super Puma,transport helicopter,3,,2002; 2003,New,,8,24,24
Japan,United Kingdom,2003,,14,,EH-101,transport helicopter,14,,2006; 2007,New,,12,168,168
Japan,United Kingdom,1995,,2,,Super Lynx,transport helicopter,2,,1996,New,,5,10,10
"""
SIPRI_GRAPH = "https://w3id.org/kg/graph/sipri-trade-register-2025-02-03"
HELI_GROUP = f"weapons:{SIPRI_GRAPH}>transport helicopter"


@pytest.fixture(scope="module")
def helicopters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build with the fixture register plus three transport helicopters sold to Japan
    (one by France, two by the United Kingdom: a bundle)."""
    from conftest import FIXTURES

    root = tmp_path_factory.mktemp("heli")
    shutil.copytree(DATA, root / "data")
    register = (FIXTURES / "sipri-register.csv").read_bytes()
    (root / "sipri.csv").write_bytes(register + HELICOPTERS.encode())
    (root / "kg.toml").write_text('[imports]\nsipri = ["sipri.csv"]\n', encoding="utf-8")
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "out"


def _shown_nodes(page: Any) -> dict[str, str]:
    return dict(page.evaluate("() => kgNodes.get().map(n => [n.id, n.label])"))


def test_imported_weapons_are_grouped_by_description(helicopters: Path,
                                                     open_page: Opener) -> None:
    page = open_page(helicopters / "countries" / "japan.html")
    shown = _shown_nodes(page)
    weapons = {"sipri:weapon/as-332-super-puma", "sipri:weapon/eh-101", "sipri:weapon/super-lynx"}
    assert shown[HELI_GROUP] == "transport helicopter \u00b7 3 weapons"
    assert not weapons & shown.keys()  # inside their group
    deal = "sipri:2025-02-03/deal/japan.france.2001.as-332-super-puma"
    edges = dict(page.evaluate("() => kgEdges.get().map(e => [e.id, [e.from, e.to]])"))
    assert [deal, HELI_GROUP] in edges.values()  # the unbundled deal's weapon: its group
    # The United Kingdom's two deals are one bundle, drawn between the two parties.
    uk = "sipri:party/united-kingdom"
    assert edges[f"bundle:{uk}>japan"] == [uk, "japan"]
    # Counts are of the data's own nodes and links, not the groups drawn for them.
    assert "of 82 nodes" in page.inner_text("#count")
    # The register's parties not in the curated data (France, the United Kingdom) are
    # agents, not bare entities.
    legend = page.eval_on_selector_all("#legend .item", "els => els.map(e => e.textContent)")
    assert "\u25cfAgent 2" in legend and not [x for x in legend if "Entity" in x], legend
    page.evaluate("(id) => kgChoose(id, {animate: false})", HELI_GROUP)
    assert page.inner_text("#panel h2") == "transport helicopter: 3 weapons"
    rows = page.eval_on_selector_all("#panel [data-weapon]", "els => els.map(e => e.textContent)")
    assert rows == ["AS-332 Super Puma \u00b7 1 deal(s)", "EH-101 \u00b7 1 deal(s)",
                    "Super Lynx \u00b7 1 deal(s)"]
    # Every deal for the group's weapons, by date: the United Kingdom's two (inside their
    # bundle, not drawn) too.
    facts = page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.textContent)")
    assert [f.split(" \u2014 ")[0] for f in facts] == [
        "Super Lynx (1995): United Kingdom \u2192 Japan",
        "AS-332 Super Puma (2001): France \u2192 Japan",
        "EH-101 (2003): United Kingdom \u2192 Japan"]
    assert facts[1].startswith(
        "AS-332 Super Puma (2001): France \u2192 Japan \u2014 concerns \u2014 AS-332 Super Puma")
    assert "more fact(s) hidden" not in page.inner_text("#panel")
    page.click("text=Draw these 3 weapons")
    shown = _shown_nodes(page)
    assert HELI_GROUP not in shown and "sipri:weapon/as-332-super-puma" in shown
    assert page.inner_text("#panel h2") == "AS-332 Super Puma"
    # The two bundled deals' weapons wait inside the bundle until it is drawn; their
    # panels list their deals all the same, and name the bundle that holds them.
    assert "sipri:weapon/eh-101" not in shown
    page.evaluate("() => kgChoose('sipri:weapon/eh-101', {animate: false})")
    assert page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.textContent)")[0] \
        .startswith("EH-101 (2003): United Kingdom \u2192 Japan2003")
    deal = "sipri:2025-02-03/deal/japan.united-kingdom.2003.eh-101"
    page.evaluate("(id) => kgChoose(id, {animate: false})", deal)
    assert page.inner_text("#panel .bundled") == "inside the bundle United Kingdom \u2192 Japan"
    rows = page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.textContent)")
    assert len(rows) == 3 and any("amount TIV 168" in r for r in rows), rows
    page.click("#panel .bundled button")
    assert page.inner_text("#panel h2") == "United Kingdom \u2192 Japan: 2 deals"


def test_a_grouped_weapon_found_by_search_opens_its_group(helicopters: Path,
                                                          open_page: Opener) -> None:
    page = open_page(helicopters / "countries" / "japan.html")
    page.fill("#search", "AS-332")
    page.press("#search", "Enter")
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == ["sipri:weapon/as-332-super-puma"]
    assert HELI_GROUP not in _shown_nodes(page)


def test_filter_by_import_hides_each_graph(helicopters: Path, open_page: Opener) -> None:
    page = open_page(helicopters / "countries" / "japan.html")
    labels = page.eval_on_selector_all("#f-graph label", "els => els.map(e => e.textContent)")
    assert labels[0].startswith("curated (default graph) (")
    assert labels[1].startswith("SIPRI trade register (2025-02-03) (")
    assert page.is_visible("text=Imports")
    before = _shown_nodes(page)
    assert "sipri:party/france" in before and "north-korea" in before
    page.click("text=Imports")
    page.uncheck(f"#f-graph input[value='{SIPRI_GRAPH}']")
    after = _shown_nodes(page)
    assert not [i for i in after if i.startswith(("sipri:", "weapons:"))]
    assert not [e for e in _ids(page, "kgEdges") if e.startswith("bundle:")]
    assert {"japan", "north-korea"} <= after.keys()
    page.check(f"#f-graph input[value='{SIPRI_GRAPH}']")
    page.uncheck("#f-graph input[value='']")
    after = _shown_nodes(page)
    # Curated nodes stay only where an imported fact names them.
    assert "japan" in after and "north-korea" not in after and "sipri:party/france" in after
    assert [e for e in _ids(page, "kgEdges") if e.startswith("bundle:")]
    page.check("#f-graph input[value='']")
    page.evaluate("() => kgChoose('sipri:party/france', {animate: false})")
    assert page.inner_text("#panel .graphs") == "graph: SIPRI trade register (2025-02-03)"
    page.evaluate("() => kgChoose('japan', {animate: false})")
    assert page.inner_text("#panel .graphs") == \
        "graph: curated (default graph), SIPRI trade register (2025-02-03)"


def test_main_page_has_no_import_filter(shipped: tuple[Path, Dataset],
                                        open_page: Opener) -> None:
    out, _ = shipped
    page = open_page(out / "graph.html")
    assert not page.is_visible("#f-graph") and not page.is_visible("text=Imports")
    assert page.eval_on_selector_all("#f-graph label", "els => els.length") == 1


@pytest.fixture(scope="module")
def union(helicopters: Path) -> Path:
    """The union page of the shipped data and the helicopter register."""
    from kg.imports.pages import union_page
    from kg.imports.sipri import read_register
    from kg.imports.sipri_graph import import_register

    curated = load_graph(DATA, shacl=False).data
    register = read_register(helicopters.parent / "sipri.csv")
    page = helicopters.parent / "union.html"
    page.write_text(union_page([import_register(register, curated)], curated), encoding="utf-8")
    return page


def test_union_page_draws_imported_deals_bundled_and_makes_them_on_demand(
        union: Path, open_page: Opener) -> None:
    page = open_page(union)
    assert page.inner_text("#count").endswith(
        "; 8 imported deals, bundled per supplier \u2192 recipient")
    shown = _shown_nodes(page)
    assert not [i for i in shown if "/deal/" in i or i.startswith(("sipri:weapon", "weapons:"))]
    links = dict(page.evaluate("() => kgEdges.get().map(e => [e.id, e.label])"))
    assert links["bundle:usa>japan"] == "3 deals \u00b7 TIV 1432 \u00b7 2005\u20132019"
    # One deal is a link too: the union page draws no deal until asked.
    assert links["bundle:sipri:party/france>japan"] == "1 deal \u00b7 TIV 24 \u00b7 2001"
    page.evaluate("() => kgChoose('japan', {animate: false})")
    assert "SIPRI trade register (2025-02-03)" in page.inner_text("#panel .graphs")
    page.click("#panel [data-bundle='bundle:sipri:party/united-kingdom>japan'] button")
    assert page.inner_text("#panel h2") == "United Kingdom \u2192 Japan: 2 deals"
    rows = page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.textContent)")
    assert rows[0].startswith("Super Lynx (1995): United Kingdom \u2192 Japan1995")
    assert "amount TIV 10 \u00b7 quantity 2" in rows[0] and len(rows) == 2
    assert "sipri:2025-02-03/deal/japan.united-kingdom.1995.super-lynx" not in _shown_nodes(page)
    page.click("text=Draw these 2 deals")
    shown = _shown_nodes(page)
    assert shown["sipri:2025-02-03/deal/japan.united-kingdom.1995.super-lynx"] == \
        "Super Lynx (1995): United Kingdom \u2192 Japan"
    # Its two helicopters are drawn inside their description's group.
    assert shown[HELI_GROUP] == "transport helicopter \u00b7 2 weapons"
    assert "sipri:weapon/eh-101" not in shown
    assert "bundle:sipri:party/united-kingdom>japan" not in _ids(page, "kgEdges")
    edges = page.evaluate("() => kgEdges.get().map(e => [e.from, e.to])")
    assert ["sipri:2025-02-03/deal/japan.united-kingdom.2003.eh-101", HELI_GROUP] in edges


def test_union_page_import_filter_hides_the_bundles(union: Path, open_page: Opener) -> None:
    page = open_page(union)
    assert "bundle:usa>japan" in _ids(page, "kgEdges")
    page.click("text=Imports")
    page.uncheck(f"#f-graph input[value='{SIPRI_GRAPH}']")
    assert not [e for e in _ids(page, "kgEdges") if e.startswith("bundle:")]
    assert "sipri:party/france" not in _shown_nodes(page)
    page.check(f"#f-graph input[value='{SIPRI_GRAPH}']")
    page.fill("#asof", "2004-01-01")
    page.dispatch_event("#asof", "change")
    links = _ids(page, "kgEdges")
    # As of 2004 the US bundle's 2005 and 2019 deals were not yet made, nor reported.
    assert "bundle:sipri:party/united-kingdom>japan" in links and "bundle:usa>japan" not in links
    page.fill("#asof", "1950-01-01")
    page.dispatch_event("#asof", "change")
    assert not [e for e in _ids(page, "kgEdges") if e.startswith("bundle:")]
    assert "sipri:party/united-kingdom" not in _shown_nodes(page)  # no deal of its yet


def test_entities_with_one_label_are_told_apart(tmp_path: Path, open_page: Opener) -> None:
    from kg.core.errors import Loc
    from kg.core.model import Entity, Source, Statement
    from kg.page.render import render_page

    loc = Loc("same.yaml", 1, 1)
    entities = (Entity("georgia", "Country", "Georgia", loc),
                Entity("georgia-us", "Place", "Georgia", loc),
                Entity("mercury-a", "Person", "Mercury", loc),
                Entity("mercury-b", "Person", "mercury", loc),
                Entity("tbilisi", "Place", "Tbilisi", loc))
    statements = (Statement("tbilisi", "located-in", loc, object="georgia"),
                  Statement("mercury-a", "located-in", loc, object="georgia-us"))
    path = tmp_path / "same.html"
    path.write_text(render_page(Dataset((Source("s", "S", loc),), entities, statements)),
                    encoding="utf-8")
    page = open_page(path)
    assert _shown_nodes(page) == {
        "georgia": "Georgia (Country)", "georgia-us": "Georgia (Place)",
        "mercury-a": "Mercury (mercury-a)", "mercury-b": "mercury (mercury-b)",
        "tbilisi": "Tbilisi"}
    page.fill("#search", "georgia")
    assert page.eval_on_selector_all("#matches button", "els => els.map(e => e.textContent)") \
        == ["Georgia (Country)", "Georgia (Place)"]
    page.press("#search", "Enter")
    assert page.inner_text("#panel h2") == "Georgia (Country)"
    # On the canvas too: the labels drawn say which Georgia is which.
    drawn = {label["text"] for label in _labels(page, "node")}
    assert {"Georgia (Country)", "Georgia (Place)"} <= drawn
    page.evaluate("() => kgChoose('tbilisi', {animate: false})")
    assert page.inner_text("#panel .fact") == "Georgia (Country)"  # what Tbilisi is located in


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A country page over ``LARGE_GRAPH`` nodes: the fixture register plus 45 deals with
    Japan from the United Kingdom, each of its own weapon (3 descriptions)."""
    from conftest import FIXTURES

    root = tmp_path_factory.mktemp("crowded")
    shutil.copytree(DATA, root / "data")
    rows = "".join(f"Japan,United Kingdom,{1960 + i},,2,,Widget-{i},test widget {i % 3},2,,"
                   f"{1961 + i},New,,5,10,10\n" for i in range(45))
    register = (FIXTURES / "sipri-register.csv").read_bytes()
    (root / "sipri.csv").write_bytes(register + rows.encode())
    (root / "kg.toml").write_text('[imports]\nsipri = ["sipri.csv"]\n', encoding="utf-8")
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "out" / "countries" / "japan.html"


def _symbols(page: Any) -> dict[str, tuple[float, float, float]]:
    """Each shown node's centre and radius on the canvas."""
    return {k: tuple(v) for k, v in page.evaluate("""() => Object.fromEntries(kgNodes.getIds()
      .map(id => { const n = kgNetwork.body.nodes[id];
                   return [id, [n.x, n.y, n.options.size]]; }))""").items()}


def test_a_big_country_page_lays_out_what_it_shows(crowded: Path, open_page: Opener) -> None:
    from kg.page.html import LARGE_GRAPH

    page = open_page(crowded)
    total = int(page.inner_text("#count").split(" of ")[1].split()[0])
    assert total > LARGE_GRAPH  # the page comes laid out by kg.page.layout ...
    shown = _symbols(page)
    assert len(shown) < total // 2  # ... and shows far fewer: the deals are bundled
    # Those shown are laid out as a small page is: symbols no bigger than a 49-link hub's
    # (Japan has 45 deals more), and hardly any on top of another.
    assert max(r for _, _, r in shown.values()) == 40
    ids = sorted(shown)
    covered = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
               if ((shown[a][0] - shown[b][0]) ** 2 + (shown[a][1] - shown[b][1]) ** 2) ** 0.5
               < 0.5 * (shown[a][2] + shown[b][2])]
    assert len(covered) <= 2, covered
    # The hubs are named, however crowded the first view.
    named = {x["id"] for x in _labels(page, "node")}
    assert {"japan", "usa", "sipri:party/united-kingdom"} <= named
    # The bundle's deals, once drawn, sit along its link, not where the layout left them.
    uk = "bundle:sipri:party/united-kingdom>japan"
    page.evaluate("() => kgChoose('japan', {animate: false})")
    page.click(f"#panel [data-bundle='{uk}'] button")
    assert page.inner_text("#panel h2") == "United Kingdom \u2192 Japan: 45 deals"
    page.click("text=Draw these 45 deals")
    now = _symbols(page)
    deals = [i for i in now if "/deal/japan.united-kingdom." in i]
    assert len(deals) == 45
    (ax, ay, _), (bx, by, _) = now["sipri:party/united-kingdom"], now["japan"]
    length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
    for d in deals:
        x, y, _ = now[d]
        t = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / length ** 2
        off = abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / length
        assert 0 < t < 1 and off <= 41, (d, t, off)


def test_hovering_an_edge_labels_it(shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, _ = shipped
    page = open_page(out / "graph.html")  # the first view: no edge labelled
    assert _labels(page, "edge") == []
    at = page.evaluate("""() => {
      for (const id of kgEdges.getIds()) {
        const c = kgNetwork.canvasToDOM(kgNetwork.body.edges[id].edgeType.getPoint(0.5));
        if (kgNetwork.getEdgeAt(c) === id && kgNetwork.getNodeAt(c) === undefined)
          return {id, x: c.x, y: c.y};
      }
      return null;
    }""")
    assert at is not None
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + at["x"] - 3, box["y"] + at["y"] - 3)
    page.mouse.move(box["x"] + at["x"], box["y"] + at["y"])
    page.wait_for_function("(id) => (window.kgLabels || []).some(l => l.id === id)", arg=at["id"],
                           timeout=10_000)
    label = next(x for x in _labels(page, "edge") if x["id"] == at["id"])
    expected = page.evaluate("(id) => kgEdges.get(id).label", at["id"])
    assert label["text"].startswith(expected)
    page.mouse.move(box["x"] + 2, box["y"] + 2)  # away: the label goes
    page.wait_for_function("(id) => !window.kgLabels.some(l => l.id === id)", arg=at["id"],
                           timeout=10_000)
