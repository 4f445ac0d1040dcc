"""Structural transforms of GraphsTuples.

Host-side (numpy, data-dependent shapes): :func:`make_undirected`, :func:`add_self_loops`,
:func:`remove_self_loops`, :func:`coalesce`, :func:`k_hop_nodes`, :func:`k_hop_subgraph`,
:func:`induced_subgraph`. They work on batched graphs and keep per-graph counts right.

On-device (jit-able, padding-aware through masks): :func:`degrees`,
:func:`normalized_adjacency`, :func:`laplacian`; these wrap :mod:`jaxgraph.ops`.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jraph
import numpy as np
import scipy.sparse as sp

from jaxgraph import ops
from jaxgraph.graph.batching import static_num_nodes
from jaxgraph.graph.validate import check_index_array

GraphsTuple = jraph.GraphsTuple

__all__ = [
    "coalesce",
    "make_undirected",
    "add_self_loops",
    "remove_self_loops",
    "k_hop_nodes",
    "k_hop_subgraph",
    "induced_subgraph",
    "degrees",
    "normalized_adjacency",
    "laplacian",
    "num_nodes",
]


def num_nodes(graph: GraphsTuple) -> int:
    """Total number of nodes (static: from the shape of ``n_node``'s sum on host)."""
    return int(np.asarray(graph.n_node).sum())


def _take_edges(graph: GraphsTuple, keep_idx: np.ndarray, extra: dict | None = None) -> GraphsTuple:
    """Selects edges by index (order given), recomputing ``n_edge``; ``extra`` appends edges."""
    n_node = np.asarray(graph.n_node)
    s = np.asarray(graph.senders)[keep_idx]
    r = np.asarray(graph.receivers)[keep_idx]
    edges = None if graph.edges is None else jax.tree_util.tree_map(lambda e: np.asarray(e)[keep_idx], graph.edges)
    if extra is not None:
        s = np.concatenate([s, extra["senders"]])
        r = np.concatenate([r, extra["receivers"]])
        if edges is not None:
            edges = jax.tree_util.tree_map(lambda a, b: np.concatenate([a, b]), edges, extra["edges"])
    node_graph = np.repeat(np.arange(len(n_node)), n_node)
    # Sort by (graph, sender, receiver) so batched graphs keep edges grouped per graph.
    g_of_edge = node_graph[s] if len(s) else np.zeros(0, int)
    order = np.lexsort((r, s, g_of_edge))
    s, r = s[order], r[order]
    if edges is not None:
        edges = jax.tree_util.tree_map(lambda e: e[order], edges)
    n_edge = np.bincount(g_of_edge[order], minlength=len(n_node)).astype(np.int32)
    return graph._replace(senders=s.astype(np.int32), receivers=r.astype(np.int32), edges=edges, n_edge=n_edge)


def coalesce(graph: GraphsTuple) -> GraphsTuple:
    """Sorts edges and removes duplicate ``(sender, receiver)`` pairs (first one's features kept)."""
    s, r = np.asarray(graph.senders, np.int64), np.asarray(graph.receivers, np.int64)
    n = max(num_nodes(graph), 1)
    _, first = np.unique(s * n + r, return_index=True)
    return _take_edges(graph, np.sort(first))


def make_undirected(graph: GraphsTuple) -> GraphsTuple:
    """Adds the reverse of every edge and removes duplicates.

    A reverse edge copies its forward edge's features; when both directions already exist,
    each keeps its own. The result has ``(i, j)`` iff it has ``(j, i)``.
    """
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    extra = {"senders": r, "receivers": s, "edges": graph.edges}
    both = _take_edges(graph, np.arange(len(s)), extra)
    return coalesce(both)


def add_self_loops(graph: GraphsTuple, only_missing: bool = True, fill_value: Any = 0.0) -> GraphsTuple:
    """Adds a self loop ``(i, i)`` to every node (``only_missing``: to nodes without one).

    New loops get edge features filled with ``fill_value`` (same shape/dtype per leaf).
    """
    n = num_nodes(graph)
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    nodes = np.arange(n)
    if only_missing:
        has = np.zeros(n, bool)
        has[s[s == r]] = True
        nodes = nodes[~has]
    edges = None
    if graph.edges is not None:
        edges = jax.tree_util.tree_map(
            lambda e: np.full((len(nodes),) + np.asarray(e).shape[1:], fill_value, np.asarray(e).dtype), graph.edges
        )
    extra = {"senders": nodes, "receivers": nodes, "edges": edges}
    return _take_edges(graph, np.arange(len(s)), extra)


def remove_self_loops(graph: GraphsTuple) -> GraphsTuple:
    """Removes every edge ``(i, i)``."""
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    return _take_edges(graph, np.flatnonzero(s != r))


def _csr(graph: GraphsTuple) -> sp.csr_matrix:
    n = num_nodes(graph)
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    return sp.csr_matrix((np.ones(len(s), np.int8), (s, r)), shape=(n, n))


def k_hop_nodes(graph: GraphsTuple, seeds, k: int, direction: str = "in") -> np.ndarray:
    """Sorted nodes within ``k`` hops of ``seeds`` (seeds included).

    ``direction='in'``: nodes that can send a message to a seed in ``<= k`` steps (what a
    k-layer message-passing network sees); ``'out'``: nodes reachable from the seeds;
    ``'both'``: ignoring direction.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    n = num_nodes(graph)
    seeds = check_index_array("seeds", np.atleast_1d(np.asarray(seeds)), n)
    a = _csr(graph)
    # A row vector `frontier @ step` marks the nodes one hop away from the frontier.
    if direction == "in":
        step = a.T.tocsr()  # senders of edges into the frontier
    elif direction == "out":
        step = a
    elif direction == "both":
        step = (a + a.T).tocsr()
    else:
        raise ValueError(f"direction must be 'in', 'out' or 'both', got {direction!r}")
    seen = np.zeros(n, bool)
    seen[seeds] = True
    frontier = seen.copy()
    for _ in range(k):
        nxt = np.asarray(step.T @ frontier.astype(np.int32)).ravel() > 0
        frontier = nxt & ~seen
        if not frontier.any():
            break
        seen |= frontier
    return np.flatnonzero(seen)


def induced_subgraph(graph: GraphsTuple, nodes) -> tuple[GraphsTuple, np.ndarray]:
    """The subgraph induced by ``nodes``, relabelled ``0..len(nodes)-1`` in sorted order.

    Works on a single graph (a batch is treated as one graph). Returns
    ``(subgraph, kept_edge_indices)``; node and edge features are sliced, globals kept.
    """
    n = num_nodes(graph)
    nodes = np.unique(check_index_array("nodes", np.atleast_1d(np.asarray(nodes)), n))
    new_id = np.full(n, -1, np.int64)
    new_id[nodes] = np.arange(len(nodes))
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    keep = np.flatnonzero((new_id[s] >= 0) & (new_id[r] >= 0))
    sub_nodes = None if graph.nodes is None else jax.tree_util.tree_map(lambda x: np.asarray(x)[nodes], graph.nodes)
    sub_edges = None if graph.edges is None else jax.tree_util.tree_map(lambda x: np.asarray(x)[keep], graph.edges)
    g_globals = graph.globals
    if g_globals is not None and len(np.asarray(graph.n_node)) != 1:
        g_globals = None
    sub = GraphsTuple(
        nodes=sub_nodes,
        edges=sub_edges,
        senders=new_id[s[keep]].astype(np.int32),
        receivers=new_id[r[keep]].astype(np.int32),
        globals=g_globals,
        n_node=np.array([len(nodes)], np.int32),
        n_edge=np.array([len(keep)], np.int32),
    )
    return sub, keep


def k_hop_subgraph(graph: GraphsTuple, seeds, k: int, direction: str = "in"):
    """Induced subgraph on the ``k``-hop neighbourhood of ``seeds``.

    Returns ``(subgraph, nodes, seed_positions)`` where ``nodes`` are the original ids of the
    subgraph's nodes and ``seed_positions`` the subgraph indices of the seeds.
    """
    nodes = k_hop_nodes(graph, seeds, k, direction)
    sub, _ = induced_subgraph(graph, nodes)
    seed_pos = np.searchsorted(nodes, np.atleast_1d(np.asarray(seeds)))
    return sub, nodes, seed_pos


# --------------------------------------------------------------------------- on device
def degrees(graph: GraphsTuple, direction: str = "in", edge_weight=None, edge_mask=None):
    """Per-node degree ``[N]`` (float32) as a segment sum; ``direction`` 'in' | 'out'.

    Padding-aware: pass ``edge_mask`` (e.g. :func:`jaxgraph.graph.edge_mask`) to exclude
    padding edges. jit-able (N is the static size of ``graph.nodes`` / ``n_node`` sum).
    """
    n = static_num_nodes(graph)
    if direction == "in":
        idx = graph.receivers
    elif direction == "out":
        idx = graph.senders
    else:
        raise ValueError(f"direction must be 'in' or 'out', got {direction!r}")
    return ops.degree(jnp.asarray(idx), n, edge_weight, edge_mask)


def normalized_adjacency(graph: GraphsTuple, add_self_loops: bool = True, edge_weight=None, edge_mask=None):
    """Edge list of ``D^{-1/2} (A [+ I]) D^{-1/2}`` (Kipf & Welling 2017) via segment ops.

    Returns ``(senders, receivers, weights, edge_mask)``; see :func:`jaxgraph.ops.gcn_norm`.
    """
    n = static_num_nodes(graph)
    return ops.gcn_norm(
        jnp.asarray(graph.senders), jnp.asarray(graph.receivers), n, edge_weight, add_self_loops, edge_mask
    )


def laplacian(graph: GraphsTuple, x, normalized: bool = True, edge_weight=None, edge_mask=None):
    """``L x`` with ``L = I - D^{-1/2} A D^{-1/2}`` (normalized) or ``D - A``; ``x`` is ``[N, ...]``."""
    n = static_num_nodes(graph)
    return ops.laplacian_matvec(
        x, jnp.asarray(graph.senders), jnp.asarray(graph.receivers), n, normalized, edge_weight, edge_mask
    )
