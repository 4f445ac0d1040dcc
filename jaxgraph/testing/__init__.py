"""Test utilities: random graphs, tree asserts, a compile counter."""
from __future__ import annotations

import functools

import jax
import numpy as np

from jaxgraph.graph.build import from_edge_list

__all__ = ["random_graph", "random_graphs", "CompileCounter", "assert_trees_allclose"]


def random_graph(rng: np.random.Generator, n: int, e: int, f: int = 4, edge_f: int = 0, self_loops: bool = True):
    """A random directed multigraph with ``n`` nodes, ``e`` edges, float features ``[n, f]``."""
    s = rng.integers(0, max(n, 1), size=e) if n else np.zeros(0, int)
    r = rng.integers(0, max(n, 1), size=e) if n else np.zeros(0, int)
    if not self_loops and n > 1:
        r = np.where(s == r, (r + 1) % n, r)
    x = rng.normal(size=(n, f)).astype(np.float32)
    ef = rng.normal(size=(e, edge_f)).astype(np.float32) if edge_f else None
    return from_edge_list(s, r, n, node_features=x, edge_features=ef)


def random_graphs(rng: np.random.Generator, count: int, n_range=(1, 12), avg_degree: float = 2.0, f: int = 4, edge_f: int = 0):
    """A list of ``count`` random graphs with node counts drawn from ``n_range`` (inclusive)."""
    out = []
    for _ in range(count):
        n = int(rng.integers(n_range[0], n_range[1] + 1))
        e = int(rng.poisson(avg_degree * n))
        out.append(random_graph(rng, n, e, f, edge_f))
    return out


class CompileCounter:
    """Wraps a function in ``jax.jit`` and counts how many times it is traced (compiled).

    >>> f = CompileCounter(lambda x: x + 1); f(1.0); f(2.0); f.count
    1
    """

    def __init__(self, fn, **jit_kwargs):
        self.count = 0

        @functools.wraps(fn)
        def traced(*args, **kwargs):
            self.count += 1
            return fn(*args, **kwargs)

        self._jitted = jax.jit(traced, **jit_kwargs)

    def __call__(self, *args, **kwargs):
        return self._jitted(*args, **kwargs)


def assert_trees_allclose(a, b, rtol: float = 1e-5, atol: float = 1e-6):
    """Asserts two pytrees have the same structure and allclose leaves."""
    sa, sb = jax.tree_util.tree_structure(a), jax.tree_util.tree_structure(b)
    if sa != sb:
        raise AssertionError(f"tree structures differ: {sa} vs {sb}")
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)
