"""The HTML page in a real browser: Debian's Chromium driven by Playwright, network blocked.

One browser per module; each test opens a fresh page whose every request other than
file: and data: is refused and recorded, and asserts that none was made.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
import zlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import DATA, ROOT, run_kg

from kg.build import build, load_graph
from kg.dates import parse_date
from kg.html import neighbourhood
from kg.model import Dataset

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
    context = browser.new_context(viewport={"width": 1400, "height": 900})
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
    return set(page.evaluate(f"() => window.{view}.getIds()"))


def _click_node(page: Any, node: str) -> None:
    pos = page.evaluate("(id) => kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id])", node)
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])


def _edge_ids(data: Dataset) -> set[str]:
    return {k for k, (_, o) in load_page_facts(data).items() if o is not None}


def load_page_facts(data: Dataset) -> dict[str, tuple[str, str | None]]:
    from kg.rdf import statement_iri
    from kg.vocab import KGS

    return {str(statement_iri(s))[len(KGS):]: (s.subject, s.object) for s in data.statements}


def test_page_loads_offline_and_draws_every_node(shipped: tuple[Path, Dataset],
                                                 open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    assert page.evaluate("() => kgNetwork.body.nodeIndices.length") == len(data.entities)
    assert _ids(page, "kgNodes") == {e.id for e in data.entities}
    assert _ids(page, "kgEdges") == _edge_ids(data)
    assert page.evaluate("() => kgNetwork.body.edgeIndices.length") == len(_edge_ids(data))
    legend = page.inner_text("#f-class")
    countries = sum(1 for e in data.entities if e.type == "Country")
    assert f"Country ({countries})" in legend


def test_click_on_node_shows_its_facts_and_sources(shipped: tuple[Path, Dataset],
                                                   open_page: Opener, tmp_path: Path) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    _click_node(page, "japan")
    assert page.inner_text("#panel h2") == "Japan"
    facts = [s for s in data.statements if "japan" in (s.subject, s.object)]
    shown = page.eval_on_selector_all("#panel .fact", "els => els.length")
    assert shown == len(facts)
    cited = page.eval_on_selector_all("#panel .cite", "els => els.map(e => e.dataset.source)")
    assert sorted(cited) == sorted(c.source for s in facts for c in s.citations)
    titles = {src.id: src.title for src in data.sources}
    panel = page.inner_text("#panel")
    for source in set(cited):
        assert titles[source] in panel
    assert "reliability " in panel and "at para" in panel and "attribution:" in panel
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
                           (ROOT / "kg" / "templates").iterdir()))])
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
    edge = page.evaluate("""() => {
      const e = kgEdges.get().find(e => e.from === 'sam-greaves');
      const a = kgNetwork.getPositions([e.from])[e.from], b = kgNetwork.getPositions([e.to])[e.to];
      kgNetwork.moveTo({position: {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2}, scale: 1});
      return e.id;
    }""")
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.inner_text("#panel h2") == "leader of"
    assert page.eval_on_selector_all("#panel .fact", "els => els.map(e => e.dataset.statement)") \
        == [edge]
    assert "Samuel Greaves" in page.inner_text("#panel .fact")


def test_filters_hide_classes_and_predicates(shipped: tuple[Path, Dataset],
                                             open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    people = {e.id for e in data.entities if e.type == "Person"}
    page.check("#f-class input[value=Person]")  # already on: a no-op
    page.uncheck("#f-class input[value=Person]")
    assert _ids(page, "kgNodes") == {e.id for e in data.entities} - people
    edges = page.evaluate("() => kgEdges.get()")
    assert edges and all(e["from"] not in people and e["to"] not in people for e in edges)
    page.check("#f-class input[value=Person]")
    page.locator("summary", has_text="Predicates").click()
    page.uncheck("#f-predicate input[value=leader-of]")
    labels = {e["label"] for e in page.evaluate("() => kgEdges.get()")}
    assert "leader of" not in labels and "party" in labels
    involved = {x for s in data.statements for x in (s.subject, s.object)}
    others = {x for s in data.statements if s.predicate != "leader-of"
              for x in (s.subject, s.object)}
    assert _ids(page, "kgNodes") == {e.id for e in data.entities
                                     if e.id in others or e.id not in involved}


def test_source_and_reliability_filters(shipped: tuple[Path, Dataset], open_page: Opener) -> None:
    out, data = shipped
    page = open_page(out / "graph.html")
    page.locator("summary", has_text="Sources").click()
    page.uncheck("#f-source input[value=jp-kr-radar-2023]")
    facts = load_page_facts(data)
    kept = {k for k, s in zip(facts, data.statements, strict=True) if s.object
            and any(c.source != "jp-kr-radar-2023" for c in s.citations)}
    assert _ids(page, "kgEdges") == kept and kept
    page.check("#f-source input[value=jp-kr-radar-2023]")
    page.locator("summary", has_text="Source reliability").click()
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
    page.fill("#search", "Tokyo")
    page.click("#matches button")
    assert page.evaluate("() => kgNetwork.getSelectedNodes()") == ["japan"]


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
    red = page.evaluate("() => kgEdges.get().filter(e => e.width === 4).length")
    assert red == steps


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
