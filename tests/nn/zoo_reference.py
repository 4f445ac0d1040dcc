"""Shared helpers for the tests of jaxgraph.nn's conv zoo, readouts, norms and PEs.

References are dense float64 numpy: adjacency ``A[i, j] = #edges j -> i`` and one-hot
incidence matrices ``S[e, j] = [senders[e] == j]``, ``R[e, i] = [receivers[e] == i]``.
"""
from __future__ import annotations

import jax
import numpy as np

from jaxgraph.graph import Budget, batch, pad_to_budget
from jaxgraph.testing import random_graph, random_graphs


def make_batch(seed: int, count: int = 4, f: int = 5, edge_f: int = 0, empty_at: int | None = 1, n_range=(1, 9)):
    """A batch of random multigraphs (self loops included) with an empty graph at ``empty_at``."""
    rng = np.random.default_rng(seed)
    graphs = random_graphs(rng, count, n_range=n_range, avg_degree=2.0, f=f, edge_f=edge_f)
    if empty_at is not None:
        graphs.insert(empty_at, random_graph(rng, 0, 0, f, edge_f))
    return batch(graphs)


def pad(graph, extra_nodes: int = 7, extra_edges: int = 11, extra_graphs: int = 3):
    """Pads ``graph`` to a strictly larger budget (so padding nodes/edges/graphs exist)."""
    n = int(np.sum(graph.n_node))
    e = int(np.sum(graph.n_edge))
    g = len(graph.n_node)
    return pad_to_budget(graph, Budget(n + extra_nodes, e + extra_edges, g + extra_graphs))


def adjacency(graph) -> np.ndarray:
    """``A[i, j]`` = number of edges ``j -> i`` (float64, receiver rows)."""
    n = int(np.sum(graph.n_node))
    a = np.zeros((n, n))
    np.add.at(a, (np.asarray(graph.receivers), np.asarray(graph.senders)), 1.0)
    return a


def incidence(graph):
    """``(S [E, N], R [E, N])`` one-hot sender / receiver matrices (float64)."""
    n = int(np.sum(graph.n_node))
    e = len(np.asarray(graph.senders))
    s = np.zeros((e, n))
    r = np.zeros((e, n))
    s[np.arange(e), np.asarray(graph.senders)] = 1.0
    r[np.arange(e), np.asarray(graph.receivers)] = 1.0
    return s, r


def f64(tree):
    """Params tree -> float64 numpy tree."""
    return jax.tree_util.tree_map(lambda x: np.asarray(x, np.float64), tree)


def dense(p, x):
    """``x W + b`` for a flax Dense param dict (bias optional)."""
    y = x @ p["kernel"]
    return y + p["bias"] if "bias" in p else y


def mlp(p, x, n_layers: int, activate_final: bool = False):
    for k in range(n_layers):
        x = dense(p[f"linear_{k}"], x)
        if k < n_layers - 1 or activate_final:
            x = np.maximum(x, 0.0)
    return x


def segment_ids(n_node) -> np.ndarray:
    return np.repeat(np.arange(len(n_node)), np.asarray(n_node))
