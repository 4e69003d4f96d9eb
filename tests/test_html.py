"""The HTML page as written: self-contained, escaped, UTF-8, its data and focus pages."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT, tree_snapshot

from kg.core.model import Dataset
from kg.page.html import (
    FocusError,
    neighbourhood,
    page_data,
    resolve_entity,
    statement_records,
)
from kg.page.render import render_focus_page, render_page
from kg.pipeline.build import load_graph


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_graph(DATA, shacl=False).data


@pytest.fixture(scope="module")
def page(data: Dataset) -> str:
    return render_page(data)


def _page_json(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert match
    value = json.loads(match.group(1))
    assert isinstance(value, dict)
    return value


def test_page_is_self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert page.count("</script") == 3  # the bundle's own "</"+"script>" stays split
    assert len(re.findall(r"<script[ >]", page)) == 3 + 1  # + the bundle's "<script>" string


def test_csp_allows_exactly_the_pages_own_scripts(page: str) -> None:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert csp and "default-src 'none'" in csp.group(1) and "unsafe-inline' ;" not in csp.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 2
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp.group(1)
    assert "script-src 'sha256-" in csp.group(1)


def test_hostile_strings_stay_inside_the_json(data: Dataset) -> None:
    from dataclasses import replace

    evil = "</script><script>alert(1)</script><!-- & \u2028"
    first = replace(data.entities[0], label=evil, aliases=(evil,))
    page = render_page(replace(data, entities=(first, *data.entities[1:])), title=evil)
    assert "alert(1)</script>" not in page
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)" in page
    entities = _page_json(page)["entities"]
    assert isinstance(entities, list) and entities[0]["label"] == evil


def test_page_data_nodes_edges_and_citations(data: Dataset) -> None:
    d = page_data(data)
    entities = {e["id"]: e for e in d["entities"]}  # type: ignore[attr-defined]
    assert entities.keys() == {e.id for e in data.entities}
    assert entities["japan"]["group"] == "Country" and entities["sam-greaves"]["group"] == "Person"
    # Each entity is drawn as its most specific styled class, not its top-level family.
    groups = {e.type: entities[e.id]["group"] for e in data.entities}
    for kind in ("Missile", "SensorSystem", "Platform", "InformationSystem", "Claim",
                 "GovernmentBody", "ArmsTransfer", "MissileTest"):
        assert groups[kind] == kind
    assert groups["Meeting"] == "Event" and groups["Talks"] == "Event"
    according = next(s for s in statement_records(d)
                     if any(q[0] == "according to" for q in s["q"]))  # type: ignore[union-attr]
    source = next(q for q in according["q"] if q[0] == "according to")  # type: ignore[union-attr]
    assert len(source) == 3 and source[2] in entities  # the id, for the page's link
    facts = sum(1 for s in data.statements if "japan" in (s.subject, s.object))
    assert entities["japan"]["degree"] == facts
    assert entities["japan"]["size"] > entities["russia"]["size"]
    statements = statement_records(d)
    assert len(statements) == len(data.statements)
    sale = next(s for s in statements if s["p"] == "supplier")
    record = next(s for s in data.statements if s.predicate == "supplier")
    assert sale["cites"] == [{"source": c.source, "locator": c.locator,
                              "credibility": c.credibility, "attribution": c.attribution,
                              "note": c.note} for c in record.citations]
    assert ["status", record.qualifiers.status] in sale["q"]
    value = next(s for s in statements if s["p"] == "value")
    assert value["o"] is None and value["value"] == "133,300,000 USD"
    sources = d["sources"]
    assert isinstance(sources, dict)
    assert {k: v["reliability"] for k, v in sources.items()} == {
        src.id: src.reliability for src in data.sources}


def test_as_of_since_is_the_earliest_of_fact_and_report(data: Dataset) -> None:
    by_pred = {s["p"]: s for s in statement_records(page_data(data))}
    # Planned for FY2023 but reported in January 2018: it stood from the report on.
    assert by_pred["plans-to-acquire"]["since"] == "2018-01-01"
    assert by_pred["spokesperson-for"]["since"] <= "2023-05-10"


def test_large_graphs_get_quick_layout_options() -> None:
    from kg.page.html import vis_options

    small, large = vis_options(100), vis_options(5000)
    assert small["layout"] == {"improvedLayout": True, "randomSeed": 7}
    assert large["layout"] == {"improvedLayout": False, "randomSeed": 7}
    assert large["physics"] == {"enabled": False}  # drawn at kg.page.layout's positions
    assert small["physics"]["stabilization"]["enabled"] is True  # type: ignore[index]


def test_neighbourhood_and_resolve(data: Dataset) -> None:
    assert resolve_entity(data, "japan") == "japan"
    assert resolve_entity(data, "dprk") == "north-korea"
    with pytest.raises(FocusError, match="'atlantis': no entity"):
        resolve_entity(data, "atlantis")
    with pytest.raises(FocusError, match="hops must be 0 or more, not -1"):
        neighbourhood(data, "japan", hops=-1)
    zero = neighbourhood(data, "japan", hops=0)
    assert [e.id for e in zero.entities] == ["japan"] and zero.statements == ()
    import networkx as nx

    graph = nx.Graph()  # edges added, not passed: networkx 3.2-3.3 warn (no pandas)
    graph.add_edges_from((s.subject, s.object) for s in data.statements if s.object)
    for hops in (1, 2):
        part = neighbourhood(data, "japan", hops=hops)
        ids = {e.id for e in part.entities}
        assert ids == set(nx.ego_graph(graph, "japan", radius=hops))
        assert {(s.subject, s.object) for s in part.statements} == {
            (s.subject, s.object) for s in data.statements
            if s.subject in ids and (s.object is None or s.object in ids)}
    assert resolve_entity(data, "Japan") == "japan"
    eid, text = render_focus_page(data, "JPN", hops=1)
    assert eid == "japan" and '"focus":"japan"' in text


def test_page_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL="C", LANG="C", PYTHONUTF8="0",
               PYTHONIOENCODING="ascii:backslashreplace")
    subprocess.run([sys.executable, "-m", "kg", "build", "--data", str(DATA), "--out",
                    str(tmp_path)], env=env, check=True, capture_output=True)
    text = (tmp_path / "graph.html").read_bytes().decode("utf-8")
    assert "kg \u2014 knowledge graph" in text and '"glyph":"\u25cf"' in text


def test_cli_focus_on_unknown_entity_writes_nothing(tmp_path: Path) -> None:
    from conftest import run_kg

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "graph.html").write_text("old", encoding="utf-8")
    before = tree_snapshot(tmp_path / "out")
    result = run_kg("build", "--data", str(DATA), "--out", "out", "--focus", "atlantis",
                    cwd=tmp_path)
    assert result.returncode == 1
    assert "kg: error: focus 'atlantis': no entity has this id, label or alias" in result.stderr
    assert tree_snapshot(tmp_path / "out") == before


def test_statement_keys_are_the_statement_iris(data: Dataset) -> None:
    from kg.page.html import statement_key
    from kg.rdf.triples import statement_iri

    for s in data.statements:
        assert "https://w3id.org/kg/statement/" + statement_key(s) == str(statement_iri(s))
