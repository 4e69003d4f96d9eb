"""The page's JSON from per-file parts: the same bytes as the whole-dataset reference."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA

from kg.bench.generate import generate
from kg.core.model import Citation, Dataset, Qualifiers
from kg.curate.load import load
from kg.page.html import (
    LARGE_GRAPH,
    _page_json,
    _script_json,
    neighbourhood,
    page_data,
)
from kg.page.pageparts import (
    FilePage,
    file_page,
    file_parts,
    page_context,
    page_json,
    rows_json,
)
from kg.page.render import render_page, render_page_parts
from kg.pipeline.cache import read_entry, write_entry
from kg.rdf.shaclfiles import by_file

HOSTILE = "</script><b>&amp;\u2028\u2029 \"q\" <!-- x"


@pytest.fixture(scope="module")
def shipped() -> Dataset:
    return load(DATA)[0]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    root = tmp_path_factory.mktemp("gen")
    generate(root, 600, files=6)  # 600 facts: 120 entities, just over LARGE_GRAPH
    data = load(root)[0]
    assert len(data.entities) > LARGE_GRAPH and len(data.files) == 6
    return data


def _parts_by_file(data: Dataset) -> list[tuple[FilePage, str]]:
    """What a build keeping per-file summaries hands over: by_file's groups, in order."""
    context = page_context(data.entities, data.sources)
    return [(file_page(part.statements), rows_json(part.statements, context))
            for part in by_file(data).values()]


def _assert_same(data: Dataset, **options: object) -> str:
    focus = options.get("focus")
    hops = options.get("hops", 1)
    assert focus is None or isinstance(focus, str)
    assert isinstance(hops, int)
    expected = _script_json(page_data(data, focus=focus, hops=hops))
    got = page_json(data.entities, data.sources, _parts_by_file(data), focus=focus, hops=hops)
    assert got == expected
    assert json.loads(got) == json.loads(expected)
    assert got == _page_json(data, focus=focus, hops=hops)
    return got


def test_by_file_groups_are_the_statements_in_order(shipped: Dataset,
                                                    generated: Dataset) -> None:
    for data in (shipped, generated):
        groups = [p.statements for p in by_file(data).values() if p.statements]
        assert tuple(s for g in groups for s in g) == data.statements
        runs = file_parts(data, page_context(data.entities, data.sources))
        assert [len(json.loads(f"[{text}]")) for _, text in runs] == [len(g) for g in groups]
        assert [page.links for page, _ in runs] == [file_page(g).links for g in groups]


def test_shipped_data_gives_the_same_bytes(shipped: Dataset) -> None:
    got = _assert_same(shipped)
    assert '"rows":[[' in got


def test_generated_big_graph_gives_the_same_bytes(generated: Dataset) -> None:
    got = json.loads(_assert_same(generated))
    assert all(isinstance(e["x"], int) for e in got["entities"])  # the layout ran


def test_focus_pages_give_the_same_bytes(shipped: Dataset) -> None:
    eid = shipped.statements[0].subject
    _assert_same(neighbourhood(shipped, eid, hops=1), focus=eid, hops=1)


def test_empty_data_and_empty_files() -> None:
    _assert_same(Dataset())
    assert rows_json((), page_context((), ())) == ""


def test_hostile_text_is_escaped_identically(shipped: Dataset) -> None:
    first, *rest = shipped.entities
    s0, *others = shipped.statements
    cite = Citation(shipped.sources[0].id, s0.loc, locator=HOSTILE, note=HOSTILE,
                    attribution=HOSTILE)
    s0 = replace(s0, note=HOSTILE, citations=(cite,),
                 qualifiers=Qualifiers(location=first.id, according_to="nobody", note=HOSTILE))
    src, *srcs = shipped.sources
    data = replace(shipped, entities=(replace(first, label=HOSTILE, aliases=(HOSTILE,),
                                              note=HOSTILE), *rest),
                   statements=(s0, *others),
                   sources=(replace(src, title=HOSTILE, note=HOSTILE), *srcs))
    got = _assert_same(data)
    assert "</" not in got and "\u2028" not in got and "&" not in got and "<b>" not in got
    assert json.loads(got)["statements"]["rows"][0][5][0] == ["location", HOSTILE, "usa"]


def test_interleaved_files_keep_statement_order(shipped: Dataset) -> None:
    """render_page splits by runs of one file, so any statement order is kept."""
    a, b = shipped.statements[:2]
    other = replace(b, loc=replace(b.loc, file="other.yaml"))
    data = replace(shipped, statements=(a, other, *shipped.statements[2:]))
    page = render_page(data)
    assert _page_json(data, focus=None, hops=1) in page


def test_render_page_parts_is_render_page(shipped: Dataset, tmp_path: Path) -> None:
    page = render_page(shipped, title="T <&>")
    assert page == render_page_parts(shipped.entities, shipped.sources, _parts_by_file(shipped),
                                     title="T <&>", cache_dir=tmp_path)
    assert _page_json(shipped, focus=None, hops=1) in page


def test_context_digest_is_order_free_and_tracks_labels_and_days(shipped: Dataset) -> None:
    digest = page_context(shipped.entities, shipped.sources).digest
    assert page_context(shipped.entities[::-1], shipped.sources[::-1]).digest == digest
    first = shipped.entities[0]
    relabelled = (replace(first, label=first.label + "!"), *shipped.entities[1:])
    assert page_context(relabelled, shipped.sources).digest != digest
    src = shipped.sources[0]
    redated = (replace(src, published="1901-01-01"), *shipped.sources[1:])
    assert page_context(shipped.entities, redated).digest != digest


def test_file_page_pickles_and_counts(shipped: Dataset) -> None:
    page = file_page(shipped.statements)
    assert pickle.loads(pickle.dumps(page)) == page
    with_object = [s for s in shipped.statements if s.object is not None]
    assert len(page.links) == len(with_object)
    assert sum(page.degree.values()) == len(shipped.statements) + len(with_object)


def test_layout_is_cached_and_a_bad_entry_ignored(generated: Dataset, tmp_path: Path) -> None:
    parts = _parts_by_file(generated)
    expected = _script_json(page_data(generated))

    def run() -> str:
        return page_json(generated.entities, generated.sources, parts, cache_dir=tmp_path)

    assert run() == expected
    entries = [p for p in (tmp_path / "layout").rglob("*") if p.is_file()]
    assert len(entries) == 1
    entry = entries[0]
    # The entry is read: a (valid) entry with other positions shows in the page.
    write_entry(tmp_path, "layout", entry.name, [(7, 7)] * len(generated.entities))
    assert all((e["x"], e["y"]) == (7, 7) for e in json.loads(run())["entities"])
    for bad in (b"not a pickle", pickle.dumps((entry.name, [(1, 2)]))):  # garbage, wrong size
        entry.write_bytes(bad)
        assert run() == expected
    stored = read_entry(tmp_path, "layout", entry.name)  # the recomputed entry, written back
    assert isinstance(stored, list) and len(stored) == len(generated.entities)


def test_links_to_unknown_entities_are_left_out_of_the_layout(generated: Dataset) -> None:
    gone = next(s.object for s in generated.statements if s.object is not None)
    kept = tuple(e for e in generated.entities if e.id != gone)
    assert len(kept) > LARGE_GRAPH
    _assert_same(replace(generated, entities=kept))


def test_rows_key_follows_only_what_the_rows_use(shipped: Dataset) -> None:
    part = next(p for p in by_file(shipped).values()
                if any(s.qualifiers.location or s.qualifiers.according_to
                       for s in p.statements))
    page = file_page(part.statements)
    assert page.labelled and page.cited
    used, unused = page.labelled[0], next(e for e in shipped.entities
                                          if e.id not in page.labelled)

    def relabel(eid: str) -> tuple[str, str]:
        entities = tuple(replace(e, label=e.label + " (new)") if e.id == eid else e
                         for e in shipped.entities)
        context = page_context(entities, shipped.sources)
        return context.rows_key(page), rows_json(part.statements, context)

    base = page_context(shipped.entities, shipped.sources)
    before = base.rows_key(page), rows_json(part.statements, base)
    assert relabel(unused.id) == before
    key, rows = relabel(used)
    assert key != before[0] and rows != before[1]
    sources = tuple(replace(s, published="1901") if s.id == page.cited[0] else s
                    for s in shipped.sources)
    assert page_context(shipped.entities, sources).rows_key(page) != before[0]
