"""Masked normalisation statistics for node (and edge) features, as pure jit-able functions.

``mask`` (``[N]`` bool) marks the rows that count (e.g. real nodes of a padded batch); masked
rows are still normalised (with the real rows' statistics) but never enter a statistic.
Empty selections give mean 0 / variance 0, never NaN.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgraph.ops.pooling import graph_segment_ids
from jaxgraph.ops.segment import segment_sum

__all__ = [
    "masked_moments",
    "normalize",
    "layer_norm",
    "graph_moments",
    "graph_norm",
    "graph_size_norm",
]


def _row_weights(x, mask):
    if mask is None:
        return jnp.ones(x.shape[:-1] + (1,), x.dtype)
    m = jnp.reshape(mask, mask.shape + (1,) * (x.ndim - mask.ndim))
    return jnp.broadcast_to(m, x.shape[:-1] + (1,)).astype(x.dtype)


def masked_moments(x, mask=None, axis_name=None):
    """Mean and (biased) variance over all axes but the last, counting only ``mask`` rows.

    Args:
      x: ``[N, ..., F]``; mask: optional ``[N]`` (or ``x.shape[:-1]``) bool.
      axis_name: optional mapped axis (``shard_map``/``vmap``) to pool the statistics over.
    Returns:
      ``(mean [F], var [F], count [])``.
    """
    w = _row_weights(x, mask)
    axes = tuple(range(x.ndim - 1))
    psum = (lambda v: v) if axis_name is None else (lambda v: jax.lax.psum(v, axis_name))
    count = psum(jnp.sum(w))
    denom = jnp.maximum(count, 1.0)
    mean = psum(jnp.sum(w * x, axis=axes)) / denom
    var = psum(jnp.sum(w * (x - mean) ** 2, axis=axes)) / denom
    return mean, var, count


def normalize(x, mean, var, scale=None, bias=None, eps: float = 1e-5):
    """``(x - mean) / sqrt(var + eps) * scale + bias`` (statistics broadcast over rows)."""
    y = (x - mean) * jax.lax.rsqrt(var + eps)
    if scale is not None:
        y = y * scale
    if bias is not None:
        y = y + bias
    return y


def layer_norm(x, scale=None, bias=None, eps: float = 1e-5):
    """Per-row layer normalisation over the last axis (Ba et al., 2016)."""
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return normalize(x, mean, var, scale, bias, eps)


def graph_moments(x, n_node, node_mask=None, alpha=None):
    """Per-graph mean ``μ_g`` and variance of ``x - α μ_g`` (``α`` defaults to 1).

    Args:
      x: ``[N, F]``; n_node: ``[G]``; node_mask: optional ``[N]`` bool; alpha: ``[F]``.
    Returns:
      ``(mean [G, F], var [G, F], count [G])``.
    """
    n, g = x.shape[0], jnp.asarray(n_node).shape[0]
    ids = graph_segment_ids(n_node, n)
    w = jnp.ones((n,), x.dtype) if node_mask is None else node_mask.astype(x.dtype)
    count = segment_sum(w, ids, g)
    denom = jnp.maximum(count, 1.0)[:, None]
    mean = segment_sum(w[:, None] * x, ids, g) / denom
    shift = mean if alpha is None else alpha * mean
    centered = x - shift[ids]
    var = segment_sum(w[:, None] * centered**2, ids, g) / denom
    return mean, var, count


def graph_norm(x, n_node, alpha=None, scale=None, bias=None, node_mask=None, eps: float = 1e-5):
    """GraphNorm (Cai et al., ICML 2021): per-graph normalisation with a learnable mean shift.

    ``x̂_v = γ ⊙ (x_v - α ⊙ μ_g) / sqrt(σ²_g + eps) + β`` with ``μ_g`` the mean of graph ``g``
    and ``σ²_g = mean_{v in g} (x_v - α ⊙ μ_g)²``. ``[N, F]`` -> ``[N, F]``.
    """
    ids = graph_segment_ids(n_node, x.shape[0])
    mean, var, _ = graph_moments(x, n_node, node_mask, alpha)
    shift = mean if alpha is None else alpha * mean
    y = (x - shift[ids]) * jax.lax.rsqrt(var[ids] + eps)
    if scale is not None:
        y = y * scale
    if bias is not None:
        y = y + bias
    return y


def graph_size_norm(x, n_node):
    """Graph size normalisation of Dwivedi et al. (2020): ``x_v / sqrt(|V_g|)`` for ``v in g``.

    ``[N, ...]`` -> ``[N, ...]``; uses the node counts ``n_node`` (``[G]``).
    """
    ids = graph_segment_ids(n_node, x.shape[0])
    sizes = jnp.maximum(jnp.asarray(n_node).astype(x.dtype), 1.0)[ids]
    return x * jax.lax.rsqrt(sizes).reshape((-1,) + (1,) * (x.ndim - 1))
