"""A quick, deterministic starting layout for big graphs, computed once when the page is built.

A browser running vis-network's physics on a graph of thousands of nodes spends seconds
before the first usable frame (about 60 ms per physics step at 5,000 nodes on a slow
core), so the page draws big graphs at positions computed here and runs no physics.

The layout is a rank-based approximation of a spectral layout: every round moves each
node to the mean of itself and its neighbours (one step of graph smoothing, so linked
nodes come together), makes the y coordinates uncorrelated with the x ones (otherwise
both drift to the same smooth direction and the graph collapses onto a diagonal), then
puts the nodes back on a uniform square by the rank of their x and of their y (so density
stays even and nothing collapses to the centre). Each round costs O(nodes + edges) plus
two sorts; pure Python floats in a fixed order, ties broken by node order, coordinates
rounded to whole pixels: the same graph gives the same positions on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

#: Rounds of smoothing and re-ranking; more rounds pull linked nodes closer.
ROUNDS = 12
#: Pixels per node along the side of the square the nodes are spread over.
SPACING = 45.0


def _ranked(values: list[float], side: float) -> list[float]:
    """Each value replaced by its rank spread evenly over [-side/2, side/2]."""
    n = len(values)
    order = sorted(range(n), key=values.__getitem__)  # stable: ties keep node order
    out = [0.0] * n
    step = side / max(1, n - 1)
    for rank, i in enumerate(order):
        out[i] = rank * step - side / 2
    return out


def _decorrelated(x: list[float], y: list[float]) -> list[float]:
    """``y`` minus its projection on ``x`` (both centred by construction of the ranks)."""
    xx = math.fsum(a * a for a in x)
    if xx == 0:
        return y
    k = math.fsum(a * b for a, b in zip(x, y, strict=True)) / xx
    return [b - k * a for a, b in zip(x, y, strict=True)]


def _start(n: int, adjacent: Sequence[Sequence[int]], side: float) -> tuple[list[float],
                                                                              list[float]]:
    """x: breadth-first order from the hubs (neighbours get near ranks); y: a golden-ratio
    scatter of the same order (spread, and far from correlated with x)."""
    order: list[int] = []
    seen = [False] * n
    for root in sorted(range(n), key=lambda i: (-len(adjacent[i]), i)):
        if seen[root]:
            continue
        seen[root] = True
        todo = [root]
        for node in todo:
            order.append(node)
            for nxt in adjacent[node]:
                if not seen[nxt]:
                    seen[nxt] = True
                    todo.append(nxt)
    x = [0.0] * n
    y = [0.0] * n
    for rank, node in enumerate(order):
        x[node] = float(rank)
        y[node] = (rank * 0.6180339887498949) % 1.0
    return _ranked(x, side), _ranked(y, side)


def _smoothed(values: list[float], adjacent: Sequence[Sequence[int]]) -> list[float]:
    """Each value replaced by the mean of itself and its neighbours' values."""
    get = values.__getitem__
    return [(v + sum(map(get, adj))) / (1 + len(adj))
            for v, adj in zip(values, adjacent, strict=True)]


def layout(count: int, edges: Iterable[tuple[int, int]], *, rounds: int = ROUNDS,
           spacing: float = SPACING) -> list[tuple[int, int]]:
    """Whole-pixel (x, y) for nodes ``0..count-1`` linked by ``edges`` (index pairs)."""
    neighbours: list[set[int]] = [set() for _ in range(count)]
    for a, b in edges:
        if a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    adjacent = [sorted(s) for s in neighbours]
    side = spacing * math.sqrt(count)
    x, y = _start(count, adjacent, side)
    for _ in range(rounds):
        x = _ranked(_smoothed(x, adjacent), side)
        y = _ranked(_decorrelated(x, _smoothed(y, adjacent)), side)
    return [(round(a), round(b)) for a, b in zip(x, y, strict=True)]
