"""kg.page.layout: the starting positions of big pages are deterministic, spread out, and put
linked nodes nearer each other than unlinked ones."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from conftest import DATA

from kg.core.model import Dataset, Entity
from kg.page.html import LARGE_GRAPH, page_data
from kg.page.layout import layout
from kg.pipeline.build import load_graph


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_graph(DATA).data


def _graph(n: int, m: int, seed: int = 3) -> list[tuple[int, int]]:
    rnd = random.Random(seed)
    # Two communities of nodes, most links inside one: a layout should keep them apart.
    half = n // 2
    out = []
    for k in range(m):
        side = 0 if k % 2 else half
        if k % 10 == 0:
            out.append((rnd.randrange(half), half + rnd.randrange(half)))
        else:
            out.append((side + rnd.randrange(half), side + rnd.randrange(half)))
    return out


def test_layout_is_deterministic_distinct_and_pulls_links_together() -> None:
    n, edges = 600, _graph(600, 1500)
    pos = layout(n, edges)
    assert pos == layout(n, list(edges)) and len(pos) == n
    assert len(set(pos)) > 0.95 * n  # spread out, not collapsed
    dist = lambda a, b: math.dist(pos[a], pos[b])  # noqa: E731
    linked = sum(dist(a, b) for a, b in edges) / len(edges)
    rnd = random.Random(9)
    pairs = [(rnd.randrange(n), rnd.randrange(n)) for _ in range(len(edges))]
    unlinked = sum(dist(a, b) for a, b in pairs) / len(pairs)
    assert linked < 0.6 * unlinked
    xs = [p[0] for p in pos]
    ys = [p[1] for p in pos]
    assert abs(sum(x * y for x, y in zip(xs, ys, strict=True))) / n < 0.2 * max(xs) ** 2


def test_big_pages_carry_positions_and_small_ones_do_not(data: Dataset) -> None:
    small = page_data(data)["entities"]
    assert isinstance(small, list) and all("x" not in e for e in small)
    extra = tuple(Entity(f"extra-{i}", "Country", f"Extra {i}", data.entities[0].loc)
                  for i in range(LARGE_GRAPH))
    big = replace(data, entities=data.entities + extra)
    ents = page_data(big)["entities"]
    assert isinstance(ents, list) and all(isinstance(e["x"], int) for e in ents)
    assert page_data(big) == page_data(big)
