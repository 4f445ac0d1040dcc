"""Graph-level readouts: one ``[G, F]`` vector per graph of a (padded) batch.

Node ``v`` belongs to graph ``repeat(arange(G), n_node)[v]`` (see
:func:`jaxgraph.ops.graph_segment_ids`). Empty graphs and padding graphs give finite values
(0 for sum/mean/max/attention when they hold no unmasked node). Pass ``node_mask``
(:func:`jaxgraph.graph.node_mask`) to also exclude the padding graph's nodes, which makes
its row 0. The math lives in :mod:`jaxgraph.ops.pooling`.
"""
from __future__ import annotations

from typing import Callable, Sequence

import flax.linen as nn
import jraph

from jaxgraph import ops

__all__ = ["sum_readout", "mean_readout", "max_readout", "Readout", "AttentionReadout"]

_FNS = {"sum": ops.graph_sum, "mean": ops.graph_mean, "max": ops.graph_max}


def sum_readout(graph: jraph.GraphsTuple, node_mask=None):
    """``out[g] = Σ_{v in g} h_v``; nodes ``[N, F]`` -> ``[G, F]``."""
    return ops.graph_sum(graph.nodes, graph.n_node, node_mask)


def mean_readout(graph: jraph.GraphsTuple, node_mask=None):
    """``out[g] = mean_{v in g} h_v`` (0 for empty graphs); ``[N, F]`` -> ``[G, F]``."""
    return ops.graph_mean(graph.nodes, graph.n_node, node_mask)


def max_readout(graph: jraph.GraphsTuple, node_mask=None):
    """``out[g] = max_{v in g} h_v`` per feature (0 for empty graphs); ``[N, F]`` -> ``[G, F]``."""
    return ops.graph_max(graph.nodes, graph.n_node, node_mask)


class Readout(nn.Module):
    """Parameter-free readout ``reduce`` in 'sum' | 'mean' | 'max'; ``[N, F]`` -> ``[G, F]``."""

    reduce: str = "sum"

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, node_mask=None):
        if self.reduce not in _FNS:
            raise ValueError(f"reduce must be one of {sorted(_FNS)}, got {self.reduce!r}")
        return _FNS[self.reduce](graph.nodes, graph.n_node, node_mask)


class AttentionReadout(nn.Module):
    """Gated attention pooling (Li et al., ICLR 2016, "Gated Graph Sequence Neural Networks";
    the "global attention" readout).

    ``a_v = gate(h_v)`` (an MLP with hidden sizes ``gate_features`` and a scalar output),
    ``f_v = Dense_features(h_v)`` (``h_v`` itself when ``features`` is None), then

    * ``gating='softmax'``: ``out[g] = Σ_{v in g} softmax_{u in g}(a_u)_v f_v``;
    * ``gating='sigmoid'``: ``out[g] = Σ_{v in g} σ(a_v) f_v`` (Li et al.'s form).

    Call:
      graph: nodes ``[N, F]``; node_mask: optional ``[N]`` bool.
    Returns:
      ``[G, features or F]``; with ``return_weights=True`` also the ``[N, 1]`` node weights.
    """

    features: int | None = None
    gate_features: Sequence[int] = ()
    gating: str = "softmax"
    activation: Callable = nn.relu

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, node_mask=None, return_weights: bool = False):
        h = graph.nodes
        a = h
        for i, f in enumerate(self.gate_features):
            a = self.activation(nn.Dense(f, name=f"gate_hidden_{i}")(a))
        a = nn.Dense(1, name="gate")(a)
        f = h if self.features is None else nn.Dense(self.features, name="value")(h)
        out, w = ops.graph_attention_pool(f, a, graph.n_node, node_mask, self.gating)
        return (out, w) if return_weights else out

