"""Work shared by cost between this process and a forked child (kg.pipeline.shares), and
the costs the streamed build's steps 1 and 2 weigh their files by."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import product
from pathlib import Path

import pytest

from kg.bench.generate import generate
from kg.pipeline import outline, stream
from kg.pipeline.shares import split


def _brute(costs: list[tuple[float, float]]) -> float:
    """The least larger total of any assignment of the items to here or the child."""
    best = float("inf")
    for where in product((0, 1), repeat=len(costs)):
        here = sum(c[0] for c, w in zip(costs, where, strict=True) if w == 0)
        there = sum(c[1] for c, w in zip(costs, where, strict=True) if w == 1)
        best = min(best, max(here, there))
    return best


def test_the_items_that_grow_most_in_the_child_stay_here() -> None:
    """Entity files (costing 2.5x in the child) stay here; statement files go there."""
    costs = [(10.0, 10.0)] * 6 + [(10.0, 25.0)] * 3
    here, there = split(costs)
    assert here == [0, 6, 7, 8] and there == [1, 2, 3, 4, 5]  # 40 here, 50 there
    assert split([(10.0, 10.0)] * 4) == ([0, 1], [2, 3])  # equal costs: halves, in order


def test_every_item_once_in_order_and_the_cut_as_good_as_any_of_its_kind() -> None:
    """Against every assignment of small random lists: each index once, both lists in
    order, and the larger total never more than the best assignment's plus one item's
    cost (the cut is between runs ordered by growth, not any subset)."""
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(0, 8)
        costs = [(float(h), float(h * rng.choice((1, 1, 2, 3)) + rng.randint(0, 3)))
                 for h in (rng.randint(0, 20) for _ in range(n))]
        here, there = split(costs)
        assert sorted(here + there) == list(range(n))
        assert here == sorted(here) and there == sorted(there)
        worst = max(sum(costs[i][0] for i in here), sum(costs[i][1] for i in there))
        assert worst <= _brute(costs) + max((c[1] for c in costs), default=0)


def test_nothing_to_share() -> None:
    assert split([]) == ([], [])
    assert split([(5.0, 9.0)]) == ([0], [])  # one item: here, where it costs less
    assert split([(0.0, 0.0), (0.0, 0.0)]) == ([], [0, 1])  # nothing to weigh: the first cut


@pytest.mark.parametrize("text", [
    "entities:\n- id: a\n",
    "statements:\n- subject: a\n",
    "entities: []\nstatements:\n- subject: a\n",
    "x: 'statements:'\nstatements: # a comment\n- {}\n",
    "  statements:\nstatements:\r\n- {}\n",
    "a:\n  statements:\n",
    "statements: []\n",
    "xstatements:\nstatements:   \n",
])
def test_the_section_is_found_as_the_regular_expression_finds_it(text: str) -> None:
    """``_opening`` (bytes.find, then a match) finds what ``_SECTION.search`` finds, and
    ``rest_bytes`` is the bytes before it (all of them when there is none)."""
    data = text.encode()
    found, expected = outline._opening(data), outline._SECTION.search(data)
    assert (found and found.span()) == (expected and expected.span())
    assert outline.rest_bytes(data) == (expected.start() if expected else len(data))


def test_costs_weigh_yaml_outside_the_section() -> None:
    entities, statements = b"entities:\n- id: a\n", b"statements:\n- subject: a\n"
    assert (len(entities), len(statements)) == (18, 25)
    assert outline.costs(entities) == (22 * 18, 55 * 18)
    assert outline.costs(statements) == (25, 25)
    assert outline.costs(entities + statements) == (25 + 22 * 18, 25 + 55 * 18)


def test_step_one_shared_gives_the_outlines_of_one_process(tmp_path: Path) -> None:
    """The shared scan (entity and source files here, statements there) gives every
    outline, with its bytes, as one process makes them, in the files' order."""
    root = generate(tmp_path / "data", 600, files=12).root
    one, issues_one = stream.scan(root, cache_dir=None, parallel=False)
    both, issues = stream.scan(root, cache_dir=None)
    assert both == one and issues == issues_one == []
    assert [o.data for o in both] == [(root.parent / o.name).read_bytes() for o in one]
    here, there = split([outline.costs(o.data) for o in one])
    assert here and there and all("statements" not in one[i].data.decode() for i in here)


def test_step_two_keeps_the_entity_files_here(tmp_path: Path) -> None:
    """``_halves`` keeps the files whose summaries cost most to send (entities, sources)
    in this process, and shares all the files, each once."""
    root = generate(tmp_path / "data", 600, files=12).root
    outlines, _ = stream.scan(root, cache_dir=None, parallel=False)
    here, there = stream._halves(outlines)
    assert sorted(o.name for o in [*here, *there]) == sorted(o.name for o in outlines)
    kinds = {o.name: Path(o.name).name.split("-")[0] for o in outlines}
    assert {"entities", "sources"} <= {kinds[o.name] for o in here}
    assert all(kinds[o.name] == "article" for o in there)
    assert [replace(o, data=b"") for o in here] == [
        replace(o, data=b"") for o in outlines if o in here]  # in the files' order
