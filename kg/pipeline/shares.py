"""Work shared between this process and a forked child on the other core, by its cost in
each.

Steps 1 and 2 of the streamed build (kg.pipeline.stream) share the data files this way.
A file costs more in the child than here: what the child makes of it is pickled, sent
through a pipe and unpickled, and for the YAML outside a statements section (entities
and sources, with the position of every value) that costs about as much as making it.
Cut by bytes alone, the child got the entity and source files (they come last) and the
parent waited for them: at a million facts, step 1 took 30 s, 16 of them sending outlines
back (docs/benchmarks.md, "Steps 1 and 2 shared by cost"). So each file has two costs,
and the files that cost most to send stay here.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate


def split(costs: Sequence[tuple[float, float]]) -> tuple[list[int], list[int]]:
    """The indexes of the items done here and of those done in the child, each in order,
    given each item's cost ``(here, in the child)``: the items whose cost grows most in
    the child stay here, and the cut between the two runs makes the larger of the two
    totals as small as it can be (the earliest such cut)."""
    order = sorted(range(len(costs)), key=lambda i: (-_growth(*costs[i]), i))
    here = [*accumulate((costs[i][0] for i in order), initial=0.0)]
    there = [*accumulate((costs[i][1] for i in reversed(order)), initial=0.0)][::-1]
    at = min(range(len(order) + 1), key=lambda k: (max(here[k], there[k]), k))
    return sorted(order[:at]), sorted(order[at:])


def _growth(here: float, there: float) -> float:
    return there / here if here > 0 else 1.0
