"""PageRank in plain Python, so that `kg central` needs neither numpy nor scipy.

networkx's ``nx.pagerank`` is written on scipy sparse matrices (numpy and scipy are not
networkx dependencies, and so were not kg's: `kg central` crashed with
``ModuleNotFoundError: No module named 'numpy'`` on a fresh install). Declaring them would
add tens of megabytes of compiled wheels for one function; this is the same power iteration
(networkx's defaults: damping 0.85, tolerance 1e-6 times the number of nodes, at most 100
iterations, parallel edges adding weight 1 each, dangling nodes spreading their rank evenly)
in a few lines. Its cost is one pass over the edges per iteration, far below betweenness
centrality's, which `kg central` computes beside it. ``tests/test_network.py`` compares it
with networkx's pure-Python reference implementation.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from kg.core.errors import KGError


def pagerank(nodes: Iterable[Hashable], edges: Iterable[tuple[Hashable, Hashable]], *,
             alpha: float = 0.85, tol: float = 1.0e-6,
             max_iter: int = 100) -> dict[Hashable, float]:
    """PageRank of ``nodes`` over directed ``edges`` (a repeated edge weighs more)."""
    order = list(dict.fromkeys(nodes))
    n = len(order)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(order)}
    out: list[dict[int, float]] = [{} for _ in range(n)]
    for u, v in edges:
        row = out[index[u]]
        j = index[v]
        row[j] = row.get(j, 0.0) + 1.0
    # Row-normalised transitions, as networkx builds them.
    links: list[list[tuple[int, float]]] = []
    for row in out:
        total = sum(row.values())
        links.append([(j, w / total) for j, w in row.items()])
    dangling = [i for i in range(n) if not links[i]]
    x = [1.0 / n] * n
    for _ in range(max_iter):
        last = x
        spread = alpha * sum(last[i] for i in dangling) / n + (1.0 - alpha) / n
        x = [spread] * n
        for i, targets in enumerate(links):
            share = alpha * last[i]
            for j, w in targets:
                x[j] += share * w
        if sum(abs(a - b) for a, b in zip(x, last, strict=True)) < n * tol:
            return {node: x[i] for i, node in enumerate(order)}
    raise KGError(f"PageRank did not converge in {max_iter} iterations")
