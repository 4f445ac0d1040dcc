"""Pure-jnp reference for the fused GAT kernel: per-edge logits, a segment softmax with the
segment max as shift, and a segment sum, over the ORIGINAL edge list (no CSR, no online
softmax). Veličković et al., "Graph Attention Networks" (ICLR 2018)."""
from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["gat_ref"]


def gat_ref(h, a_s, a_d, senders, receivers, n: int, negative_slope: float = 0.2,
            edge_mask=None):
    """``(out [n, H, C], lse [n, H], alpha [E, H])``: ``e = LeakyReLU(a_s[s] + a_d[r])``,
    ``alpha = softmax_r(e)`` (0 on masked edges), ``out[i] = Σ alpha h[s]``, ``lse[i] =
    log Σ exp(e)`` (0 for rows without edges)."""
    valid = jnp.ones(senders.shape, bool) if edge_mask is None else edge_mask
    logit = jax.nn.leaky_relu(a_s[senders] + a_d[receivers], negative_slope)
    mx = jax.ops.segment_max(jnp.where(valid[:, None], logit, -jnp.inf), receivers, n)
    mx = jax.lax.stop_gradient(jnp.where(jnp.isfinite(mx), mx, 0.0))
    ex = jnp.where(valid[:, None], jnp.exp(logit - mx[receivers]), 0.0)
    den = jax.ops.segment_sum(ex, receivers, n)
    alpha = ex / jnp.where(den > 0, den, 1.0)[receivers]
    out = jax.ops.segment_sum(alpha[..., None] * h[senders], receivers, n)
    lse = jnp.where(den > 0, mx + jnp.log(jnp.where(den > 0, den, 1.0)), 0.0)
    return out, lse, alpha
