"""Batching, padding to static budgets, masks, and budget estimation.

Padding convention (the one jraph uses): a padded batch is the real graphs followed by one
padding graph that holds every padding node and padding edge (padding edges join padding
nodes only), followed by empty padding graphs up to the graph budget. So every batch padded
to one :class:`Budget` has identical array shapes and ``jit`` compiles once.

Masks (:func:`node_mask`, :func:`edge_mask`, :func:`graph_mask`) are jit-able and recover
the real part from ``n_node``: the padding graphs are the trailing graphs with zero nodes
plus the one before them. A batch whose last *real* graph is empty would be mistaken for
padding, so :func:`pad_to_budget` rejects such batches; put empty graphs elsewhere.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.graph.validate import validate_graph

GraphsTuple = jraph.GraphsTuple

__all__ = [
    "Budget",
    "batch",
    "unbatch",
    "pad_to_budget",
    "unpad",
    "node_mask",
    "edge_mask",
    "graph_mask",
    "estimate_budget",
    "iterate_batches",
    "round_up",
    "static_num_nodes",
]


@dataclasses.dataclass(frozen=True)
class Budget:
    """Static sizes of a padded batch (padding included)."""

    n_node: int
    n_edge: int
    n_graph: int

    def __post_init__(self):
        for f in ("n_node", "n_edge", "n_graph"):
            v = getattr(self, f)
            if not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Budget.{f} must be a non-negative int, got {v!r}")
        if self.n_node < 1:
            raise ValueError(f"Budget.n_node must be >= 1 (room for a padding node), got {self.n_node}")
        if self.n_graph < 2:
            raise ValueError(f"Budget.n_graph must be >= 2 (a real and a padding graph), got {self.n_graph}")


def round_up(x: int, multiple: int | None = None) -> int:
    """Rounds up to a multiple (if given) else to the next power of two (>= 1)."""
    x = max(int(x), 1)
    if multiple:
        return int(math.ceil(x / multiple) * multiple)
    return 1 << (x - 1).bit_length()


def batch(graphs: Sequence[GraphsTuple]) -> GraphsTuple:
    """Concatenates graphs into one batched GraphsTuple (host-side, indices offset)."""
    if len(graphs) == 0:
        raise ValueError("graphs is empty; cannot batch zero graphs")
    return jraph.batch_np(list(graphs))


def unbatch(graph: GraphsTuple) -> list[GraphsTuple]:
    """Splits a batched GraphsTuple back into single graphs (host-side)."""
    return jraph.unbatch_np(jax.tree_util.tree_map(np.asarray, graph))


def _pad_leaf(x, n_pad: int):
    x = np.asarray(x)
    return np.concatenate([x, np.zeros((n_pad,) + x.shape[1:], x.dtype)], axis=0)


def pad_to_budget(graph: GraphsTuple, budget: Budget) -> GraphsTuple:
    """Pads a (batched) graph to ``budget`` with one padding graph plus empty ones.

    Padding node/edge/global features are zeros; padding edges join the first padding node
    to itself.

    Raises:
      ValueError: if the graph does not fit (the budget must leave at least one padding node
        and one padding graph), or its last real graph is empty (ambiguous with padding).
    """
    n_node = np.asarray(graph.n_node)
    n_edge = np.asarray(graph.n_edge)
    total_n, total_e, g = int(n_node.sum()), int(n_edge.sum()), len(n_node)
    if total_n + 1 > budget.n_node:
        raise ValueError(f"graph has {total_n} nodes; budget.n_node={budget.n_node} needs >= {total_n + 1}")
    if total_e > budget.n_edge:
        raise ValueError(f"graph has {total_e} edges; budget.n_edge={budget.n_edge} is too small")
    if g + 1 > budget.n_graph:
        raise ValueError(f"graph has {g} graphs; budget.n_graph={budget.n_graph} needs >= {g + 1}")
    if g and n_node[-1] == 0:
        raise ValueError("the last real graph has n_node=0, which is ambiguous with padding; reorder the batch")
    pn, pe, pg = budget.n_node - total_n, budget.n_edge - total_e, budget.n_graph - g
    pad = lambda tree, k: None if tree is None else jax.tree_util.tree_map(lambda x: _pad_leaf(x, k), tree)
    pad_idx = np.full(pe, total_n, np.int32)
    return GraphsTuple(
        nodes=pad(graph.nodes, pn),
        edges=pad(graph.edges, pe),
        senders=np.concatenate([np.asarray(graph.senders, np.int32), pad_idx]),
        receivers=np.concatenate([np.asarray(graph.receivers, np.int32), pad_idx]),
        globals=pad(graph.globals, pg),
        n_node=np.concatenate([n_node, [pn], np.zeros(pg - 1, n_node.dtype)]).astype(np.int32),
        n_edge=np.concatenate([n_edge, [pe], np.zeros(pg - 1, n_edge.dtype)]).astype(np.int32),
    )


def _num_padding_graphs(n_node):
    """Trailing zero-node graphs + the padding graph before them (jit-able)."""
    is_zero = (n_node[::-1] == 0).astype(jnp.int32)
    trailing = jnp.sum(jnp.cumprod(is_zero))
    return trailing + 1


def static_num_nodes(graph: GraphsTuple) -> int:
    """Number of nodes as a static int (from the node features' shape, works under jit)."""
    leaves = jax.tree_util.tree_leaves(graph.nodes)
    if leaves:
        return int(leaves[0].shape[0])
    try:
        return int(np.asarray(graph.n_node).sum())
    except jax.errors.TracerArrayConversionError as e:
        raise ValueError(
            "graph.nodes is None, so the number of nodes is not static under jit; give the graph "
            "node features (e.g. zeros [N, 0])"
        ) from e


def graph_mask(graph: GraphsTuple):
    """``[G]`` bool, True for real graphs."""
    n_node = jnp.asarray(graph.n_node)
    g = n_node.shape[0]
    return jnp.arange(g) < g - _num_padding_graphs(n_node)


def node_mask(graph: GraphsTuple):
    """``[N]`` bool, True for nodes of real graphs."""
    n_node = jnp.asarray(graph.n_node)
    total = static_num_nodes(graph)
    n_real = jnp.sum(jnp.where(graph_mask(graph), n_node, 0))
    return jnp.arange(total) < n_real


def edge_mask(graph: GraphsTuple):
    """``[E]`` bool, True for edges of real graphs."""
    n_edge = jnp.asarray(graph.n_edge)
    total = graph.senders.shape[0]
    n_real = jnp.sum(jnp.where(graph_mask(graph), n_edge, 0))
    return jnp.arange(total) < n_real


def unpad(graph: GraphsTuple) -> GraphsTuple:
    """Removes padding graphs/nodes/edges (host-side)."""
    g = jax.tree_util.tree_map(np.asarray, graph)
    gm = np.asarray(graph_mask(g))
    nm = np.asarray(node_mask(g))
    em = np.asarray(edge_mask(g))
    take = lambda tree, m: None if tree is None else jax.tree_util.tree_map(lambda x: x[m], tree)
    return GraphsTuple(
        nodes=take(g.nodes, nm),
        edges=take(g.edges, em),
        senders=g.senders[em],
        receivers=g.receivers[em],
        globals=take(g.globals, gm),
        n_node=g.n_node[gm],
        n_edge=g.n_edge[gm],
    )


def estimate_budget(
    graphs: Sequence[GraphsTuple],
    batch_size: int,
    multiple: int | None = None,
    quantile: float | None = None,
    num_samples: int = 256,
    seed: int = 0,
) -> Budget:
    """A node/edge/graph budget for batches of ``batch_size`` graphs of the dataset.

    ``quantile=None`` (default): fits *any* ``batch_size`` graphs — node/edge budgets are the
    sums of the ``batch_size`` largest counts (+1 padding node). Safe but wasteful when sizes
    are skewed (PROTEINS: ~6x the typical batch).
    ``quantile=q``: the ``q``-quantile of the sizes of ``num_samples`` random batches; the rare
    batch that does not fit is split in two by :func:`iterate_batches` (same shapes, so still
    one compilation). Budgets are rounded up to ``multiple`` (else a power of two); the graph
    budget is ``batch_size + 1``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if len(graphs) == 0:
        raise ValueError("graphs is empty")
    nodes = np.array([int(np.asarray(g.n_node).sum()) for g in graphs])
    edges = np.array([int(np.asarray(g.n_edge).sum()) for g in graphs])
    k = min(batch_size, len(graphs))
    if quantile is None:
        n_need = int(np.sort(nodes)[::-1][:k].sum())
        e_need = int(np.sort(edges)[::-1][:k].sum())
    else:
        if not 0 < quantile <= 1:
            raise ValueError(f"quantile must be in (0, 1], got {quantile}")
        rng = np.random.default_rng(seed)
        picks = np.stack([rng.choice(len(graphs), k, replace=False) for _ in range(num_samples)])
        n_need = int(np.quantile(nodes[picks].sum(1), quantile))
        e_need = int(np.quantile(edges[picks].sum(1), quantile))
        n_need = max(n_need, int(nodes.max()))
        e_need = max(e_need, int(edges.max()))
    return Budget(
        n_node=round_up(n_need + 1, multiple),
        n_edge=round_up(max(e_need, 1), multiple),
        n_graph=batch_size + 1,
    )


def _fits(sizes_n, sizes_e, budget: Budget) -> bool:
    return int(sizes_n.sum()) + 1 <= budget.n_node and int(sizes_e.sum()) <= budget.n_edge


def iterate_batches(
    graphs: Sequence[GraphsTuple],
    batch_size: int,
    labels=None,
    budget: Budget | None = None,
    shuffle: bool = False,
    seed: int = 0,
    drop_remainder: bool = False,
    indices=None,
) -> Iterator[tuple[GraphsTuple, np.ndarray | None]]:
    """Yields ``(padded_batch, padded_labels)`` over the dataset, every batch to one budget.

    Args:
      graphs: single-graph GraphsTuples.
      batch_size: graphs per batch (the last batch may be smaller unless ``drop_remainder``).
      labels: optional ``[G, ...]`` array; padded with zeros to ``budget.n_graph`` rows.
      budget: defaults to :func:`estimate_budget` over ``graphs``. A batch exceeding it is
        split in two (recursively); a single graph exceeding it raises ``ValueError``.
      shuffle, seed: shuffle order with ``np.random.default_rng(seed)``.
      indices: optional subset of graph indices to iterate (e.g. a fold's train split).
    """
    budget = budget or estimate_budget(graphs, batch_size)
    if budget.n_graph < batch_size + 1:
        raise ValueError(f"budget.n_graph={budget.n_graph} < batch_size + 1 = {batch_size + 1}")
    idx = np.arange(len(graphs)) if indices is None else np.asarray(indices)
    if shuffle:
        idx = np.random.default_rng(seed).permutation(idx)
    labels = None if labels is None else np.asarray(labels)
    stop = len(idx) - (len(idx) % batch_size if drop_remainder else 0)
    n_of = np.array([int(np.asarray(g.n_node).sum()) for g in graphs])
    e_of = np.array([int(np.asarray(g.n_edge).sum()) for g in graphs])
    too_big = np.flatnonzero((n_of + 1 > budget.n_node) | (e_of > budget.n_edge))
    if too_big.size:
        i = int(too_big[0])
        raise ValueError(
            f"graph {i} ({n_of[i]} nodes, {e_of[i]} edges) does not fit budget {budget} even alone"
        )

    def emit(chunk):
        if not _fits(n_of[chunk], e_of[chunk], budget):  # rare with a quantile budget: split
            half = len(chunk) // 2
            yield from emit(chunk[:half])
            yield from emit(chunk[half:])
            return
        # Move empty graphs first so the last real graph is never empty (see pad_to_budget).
        chunk = chunk[np.argsort(n_of[chunk] > 0, kind="stable")]
        padded = pad_to_budget(batch([graphs[i] for i in chunk]), budget)
        lab = None if labels is None else _pad_leaf(labels[chunk], budget.n_graph - len(chunk))
        yield padded, lab

    for start in range(0, stop, batch_size):
        yield from emit(idx[start : start + batch_size])
