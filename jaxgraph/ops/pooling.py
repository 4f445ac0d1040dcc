"""Per-graph readouts (pooling) of node features over a batch, as pure jit-able functions.

A batch of ``G`` graphs stores its nodes graph after graph; ``n_node`` (``[G]``) gives the
counts, so node ``v`` belongs to graph ``graph_segment_ids(n_node, N)[v]``. Empty graphs and
padding graphs give 0 (never NaN/``-inf``). ``node_mask`` (``[N]`` bool, optional) excludes
nodes from every reduction (e.g. :func:`jaxgraph.graph.node_mask` to zero the padding graph).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgraph.ops.segment import segment_max, segment_mean, segment_softmax, segment_sum

__all__ = [
    "graph_segment_ids",
    "graph_sum",
    "graph_mean",
    "graph_max",
    "graph_softmax",
    "graph_attention_pool",
]


def graph_segment_ids(n_node, num_nodes: int):
    """``[N]`` graph index of every node: ``repeat(arange(G), n_node)`` with static length ``N``.

    If ``sum(n_node) < N`` the trailing nodes are assigned to the last graph (as
    ``jnp.repeat`` with ``total_repeat_length`` does); padded batches have ``sum(n_node) == N``.
    """
    n_node = jnp.asarray(n_node)
    g = n_node.shape[0]
    return jnp.repeat(jnp.arange(g, dtype=jnp.int32), n_node, total_repeat_length=num_nodes)


def _ids(x, n_node):
    return graph_segment_ids(n_node, x.shape[0]), jnp.asarray(n_node).shape[0]


def graph_sum(x, n_node, node_mask=None):
    """``out[g] = Σ_{v in g} x_v``. ``x``: ``[N, ...]`` -> ``[G, ...]``."""
    ids, g = _ids(x, n_node)
    return segment_sum(x, ids, g, node_mask)


def graph_mean(x, n_node, node_mask=None):
    """``out[g] = mean_{v in g} x_v`` (0 for empty graphs). ``[N, ...]`` -> ``[G, ...]``."""
    ids, g = _ids(x, n_node)
    return segment_mean(x, ids, g, node_mask)


def graph_max(x, n_node, node_mask=None):
    """``out[g] = max_{v in g} x_v`` elementwise (0 for empty graphs). ``[N, ...]`` -> ``[G, ...]``."""
    ids, g = _ids(x, n_node)
    return segment_max(x, ids, g, node_mask)


def graph_softmax(logits, n_node, node_mask=None):
    """Softmax of node ``logits`` (``[N]`` or ``[N, H]``) over the nodes of each graph."""
    ids, g = _ids(logits, n_node)
    return segment_softmax(logits, ids, g, node_mask)


def graph_attention_pool(x, gate_logits, n_node, node_mask=None, gating: str = "softmax"):
    """Gated attention pooling (Li et al. 2016, "Gated Graph Sequence Neural Networks").

    ``gating='softmax'`` (global attention): ``out[g] = Σ_{v in g} softmax_g(a_v) x_v``.
    ``gating='sigmoid'`` (Li et al.'s graph-level output): ``out[g] = Σ_{v in g} σ(a_v) ⊙ x_v``.

    Args:
      x: ``[N, F]`` node values (already transformed, e.g. ``tanh(j(h_v))``).
      gate_logits: ``[N, 1]`` (one gate per node) or ``[N, F]`` (one per feature).
    Returns:
      ``([G, F], weights of gate_logits' shape)``.
    """
    if gating == "softmax":
        w = graph_softmax(gate_logits, n_node, node_mask)
    elif gating == "sigmoid":
        w = jax.nn.sigmoid(gate_logits)
        if node_mask is not None:
            w = jnp.where(node_mask.reshape((-1,) + (1,) * (w.ndim - 1)), w, 0.0)
    else:
        raise ValueError(f"gating must be 'softmax' or 'sigmoid', got {gating!r}")
    return graph_sum(w * x, n_node, node_mask), w
