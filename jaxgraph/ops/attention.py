"""Graph attention as a pure function (Veličković et al., 2018, "Graph Attention Networks")."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgraph.ops.segment import segment_softmax, segment_sum

__all__ = ["gat_attention"]


def gat_attention(
    h,
    senders,
    receivers,
    n: int,
    att_src,
    att_dst,
    negative_slope: float = 0.2,
    edge_mask=None,
    dropout_fn=None,
):
    """Multi-head GAT aggregation.

    ``e_ij = LeakyReLU(a_src·h_j + a_dst·h_i)`` for edge ``j -> i``;
    ``α_ij = softmax_j(e_ij)`` over ``i``'s incoming edges; ``out_i = Σ_j α_ij h_j``.

    Args:
      h: ``[N, H, C]`` projected node features (H heads).
      senders, receivers: ``[E]``.
      n: number of nodes.
      att_src, att_dst: ``[H, C]`` attention vectors.
      edge_mask: optional ``[E]`` bool.
      dropout_fn: optional ``α -> α`` applied to the attention weights (training dropout).
    Returns:
      ``([N, H, C] aggregated features, [E, H] attention weights)``.
    """
    a_s = jnp.sum(h * att_src, axis=-1)  # [N, H]
    a_d = jnp.sum(h * att_dst, axis=-1)
    logits = jax.nn.leaky_relu(a_s[senders] + a_d[receivers], negative_slope)  # [E, H]
    alpha = segment_softmax(logits, receivers, n, edge_mask)
    if dropout_fn is not None:
        alpha = dropout_fn(alpha)
    out = segment_sum(alpha[..., None] * h[senders], receivers, n, edge_mask)
    return out, alpha
