"""Each citation's paragraph on the page (kg.curate.passages): built with the archived copies
the page shows it, names marked, as text; without them, the locator and the file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import kg
from kg.curate.passages import marked, page_passages
from kg.pipeline.build import build
from tests.conftest import DATA
from tests.test_data import SEEDS, needs_seeds

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
HOSTILE_ARTICLE = "Headline\nAlphaland <img src=x onerror=\"window.kgPwned=1\"> signs.\n"


def test_marked_cuts_text_at_the_longest_earliest_name() -> None:
    known = {"nk": ("North Korea",), "sk": ("South Korea",), "k": ("Korea",)}
    assert marked("North Korea and South Korea talk.", known) == [
        ["North Korea", "nk"], [" and ", None], ["South Korea", "sk"], [" talk.", None]]
    assert marked("Nothing here", known) == [["Nothing here", None]]


@needs_seeds
def test_page_passages_of_the_shipped_data() -> None:
    assert SEEDS is not None
    data, _ = kg.load(DATA)
    passages = page_passages(data, SEEDS)
    matsuno = passages["jp-kr-radar-2023 para 7"]
    assert ["Hirokazu Matsuno", "hirokazu-matsuno"] in matsuno
    assert "".join(str(text) for text, _ in matsuno).startswith("The Japanese government")
    cited = {f"{c.source} {c.locator}" for s in data.statements for c in s.citations}
    assert set(passages) == cited


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], Any]]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(("file:", "data:")) else route.abort())

        def open_page(path: Path) -> Any:
            p = context.new_page()
            p.goto(path.as_uri())
            p.wait_for_function("() => window.kgNetwork !== undefined")
            return p

        yield open_page
        browser.close()


def _panel_of(p: Any, name: str) -> None:
    p.fill("#search", name)
    p.press("#search", "Enter")


def test_page_shows_marked_passage_as_text(write_data: Callable[..., Path], tmp_path: Path,
                                           page: Callable[[Path], Any]) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    root = write_data(**{"all.yaml": """
        sources:
          - {id: a, title: Deal news, reliability: B, file: a.txt}
        entities:
          - {id: alpha, type: Country, label: Alphaland}
          - {id: deal, type: Agreement, label: Pact}
        statements:
          - subject: deal
            predicate: party
            object: alpha
            sources: [{source: a, locator: para 2, credibility: 2, attribution: first-hand}]
        """})
    with_archive, without = tmp_path / "out1", tmp_path / "out2"
    build(root, with_archive, formats=(), shacl=False, sources_dir=archive)
    build(root, without, formats=(), shacl=False)
    assert "kgPwned" not in (without / "graph.html").read_text(encoding="utf-8")
    assert "kgPwned" in (with_archive / "graph.html").read_text(encoding="utf-8")
    p = page(with_archive / "graph.html")
    _panel_of(p, "Alphaland")
    quote = p.locator("#panel blockquote.passage").first
    assert quote.inner_text() == 'Alphaland <img src=x onerror="window.kgPwned=1"> signs.'
    assert p.locator("#panel blockquote.passage mark").first.get_attribute("data-entity") \
        == "alpha"
    assert p.locator("#panel blockquote.passage img").count() == 0
    assert p.evaluate("() => window.kgPwned") is None
    p = page(without / "graph.html")
    _panel_of(p, "Alphaland")
    assert p.locator("#panel blockquote.passage").count() == 0
    # Where to read it: the citation line's tooltip, not a line under every citation.
    assert p.locator("#panel .cite").first.get_attribute("title") == \
        "passage: para 2 of a.txt (not in this page)"
    assert p.locator("#panel .fact").first.evaluate("e => e.children.length") == 2
