"""Pure message-passing rules of GraphSAGE, GIN, GINE, GatedGCN and MoNet.

The flax modules in :mod:`jaxgraph.nn.conv_zoo` declare parameters and call these. All
functions are jit-able with a static number of nodes ``n``; ``edge_mask`` (``[E]`` bool)
drops padding edges. Edge ``e`` sends ``senders[e] -> receivers[e]`` (``j -> i``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgraph.ops.propagation import degree, gather_scatter
from jaxgraph.ops.segment import segment_mean, segment_sum

__all__ = [
    "l2_normalize",
    "sage_aggregate",
    "gin_aggregate",
    "gine_aggregate",
    "gated_gcn_aggregate",
    "monet_pseudo_coordinates",
    "gaussian_mixture_weights",
    "monet_aggregate",
]


def l2_normalize(x, eps: float = 1e-12, axis: int = -1):
    """``x / max(||x||_2, eps)`` along ``axis`` (zero rows stay zero, no NaN)."""
    sq = jnp.sum(x * x, axis=axis, keepdims=True)
    return x * jax.lax.rsqrt(jnp.maximum(sq, eps * eps))


def sage_aggregate(x, senders, receivers, n: int, aggr: str = "mean", edge_mask=None):
    """GraphSAGE neighbourhood aggregation ``AGG_{j in N(i)} x_j`` (Hamilton et al., 2017).

    Args:
      x: ``[N, F]``; senders, receivers: ``[E]``; n: number of nodes.
      aggr: 'mean' | 'max' | 'sum'. Nodes without (unmasked) in-edges get 0.
    Returns:
      ``[n, F]``.
    """
    if aggr not in ("mean", "max", "sum"):
        raise ValueError(f"aggr must be 'mean', 'max' or 'sum', got {aggr!r}")
    return gather_scatter(x, senders, receivers, n, None, aggr, edge_mask)


def gin_aggregate(x, senders, receivers, n: int, eps=0.0, edge_mask=None):
    """GIN pre-MLP aggregation ``(1 + eps) x_i + sum_{j -> i} x_j`` (Xu et al., 2019)."""
    return (1.0 + eps) * x + gather_scatter(x, senders, receivers, n, None, "sum", edge_mask)


def gine_aggregate(x, edge_features, senders, receivers, n: int, eps=0.0, edge_mask=None):
    """GINE pre-MLP aggregation ``(1 + eps) x_i + sum_{j -> i} ReLU(x_j + e_ji)`` (Hu et al., 2020).

    Args:
      x: ``[N, F]``; edge_features: ``[E, F]`` (same width as ``x``).
    """
    msg = jax.nn.relu(x[senders] + edge_features)
    return (1.0 + eps) * x + segment_sum(msg, receivers, n, edge_mask)


def gated_gcn_aggregate(ah, bh, dh, eh, ce, senders, receivers, n: int, edge_mask=None, eps: float = 1e-6):
    """Gated graph convolution with edge gates (Bresson & Laurent 2017; Dwivedi et al. 2020).

    For edge ``j -> i`` (``i`` the receiver)::

        ê_ij = C e_ij + D h_i + E h_j
        η_ij = σ(ê_ij) / (Σ_{j' -> i} σ(ê_ij') + eps)
        h_i' = A h_i + Σ_{j -> i} η_ij ⊙ B h_j

    Args:
      ah, bh, dh, eh: ``[N, F]`` the projections ``A h``, ``B h``, ``D h``, ``E h``.
      ce: ``[E, F]`` the projection ``C e``.
    Returns:
      ``(h' [n, F], ê [E, F])`` — new node features (before norm/activation/residual) and
      the edge logits ``ê`` that become the new edge features.
    """
    e_hat = ce + dh[receivers] + eh[senders]
    sigma = jax.nn.sigmoid(e_hat)
    num = segment_sum(sigma * bh[senders], receivers, n, edge_mask)
    den = segment_sum(sigma, receivers, n, edge_mask)
    return ah + num / (den + eps), e_hat


def monet_pseudo_coordinates(senders, receivers, n: int, edge_mask=None, offset: float = 1.0, dtype=jnp.float32):
    """Degree pseudo-coordinates of MoNet (Monti et al., 2017, as in Dwivedi et al., 2020).

    ``u_ji = (1/sqrt(deg_j + offset), 1/sqrt(deg_i + offset))`` for edge ``j -> i``, ``deg``
    the in-degree (unmasked edges). ``offset=1`` is the benchmark's choice; with
    ``offset=0`` a zero-degree node gives 0 rather than ``inf``.

    Returns:
      ``[E, 2]``.
    """
    deg = degree(receivers, n, None, edge_mask, dtype) + offset
    inv = jnp.where(deg > 0, jax.lax.rsqrt(jnp.where(deg > 0, deg, 1.0)), 0.0)
    return jnp.stack([inv[senders], inv[receivers]], axis=-1)


def gaussian_mixture_weights(pseudo, mu, inv_sigma):
    """Gaussian kernels ``w_k(u) = exp(-1/2 Σ_d (u_d - μ_kd)^2 inv_σ_kd^2)`` (Monti et al., 2017).

    Args:
      pseudo: ``[E, D]`` pseudo-coordinates; mu, inv_sigma: ``[K, D]``.
    Returns:
      ``[E, K]``.
    """
    diff = pseudo[:, None, :] - mu[None, :, :]
    return jnp.exp(-0.5 * jnp.sum(diff**2 * inv_sigma[None] ** 2, axis=-1))


def monet_aggregate(h, weights, senders, receivers, n: int, aggr: str = "sum", edge_mask=None):
    """MoNet patch operator ``out_i = AGG_{j -> i} Σ_k w_k(u_ji) h_jk``.

    Args:
      h: ``[N, K, C]`` node features projected once per kernel (``h_jk = W_k x_j``).
      weights: ``[E, K]`` kernel weights from :func:`gaussian_mixture_weights`.
      aggr: 'sum' | 'mean' over incoming edges.
    Returns:
      ``[n, C]``.
    """
    if aggr not in ("sum", "mean"):
        raise ValueError(f"aggr must be 'sum' or 'mean', got {aggr!r}")
    msg = jnp.einsum("ek,ekc->ec", weights, h[senders])
    if aggr == "sum":
        return segment_sum(msg, receivers, n, edge_mask)
    return segment_mean(msg, receivers, n, edge_mask)
