"""Segment reductions that are correct and NaN-free on padding.

All functions are pure, jit-able and take static ``num_segments``. ``mask`` (optional,
``[E]`` bool) marks the rows of ``data`` that take part; masked rows contribute nothing.
Empty segments (no unmasked rows) give 0 for every reduction (never ``-inf``/NaN), and
their softmax weights are 0. These are the signatures the Pallas kernels replace.

Shapes: ``data`` is ``[E, ...]``, ``segment_ids`` ``[E]`` int in ``[0, num_segments)``;
results are ``[num_segments, ...]``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = [
    "resolve_impl",
    "segment_sum",
    "segment_count",
    "segment_mean",
    "segment_max",
    "segment_min",
    "segment_softmax",
    "segment_normalize",
]


_IMPLS = ("auto", "pallas", "xla")


def _kernels_importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def resolve_impl(impl: str = "auto", kernel_module: str = "kernels.spmm") -> str:
    """Implementation switch of the ops that have a Pallas kernel (issue 9).

    ``"auto"`` -> ``"pallas"`` on a GPU backend when ``kernel_module`` (the top-level
    ``kernels`` package of the repository) is importable, else ``"xla"`` (the jnp code here);
    ``"pallas"`` and ``"xla"`` are returned as given. The choice is made at trace time from
    the default backend; no global state is read or changed.

    Raises:
      ValueError: ``impl`` is not one of ``"auto"``, ``"pallas"``, ``"xla"``.
    """
    if impl not in _IMPLS:
        raise ValueError(f"impl must be one of {_IMPLS}, got {impl!r}")
    if impl == "auto":
        return "pallas" if jax.default_backend() == "gpu" and _kernels_importable(kernel_module) else "xla"
    return impl


def _bmask(mask, data):
    """Broadcasts an ``[E]`` mask to ``data``'s shape."""
    return jnp.reshape(mask, mask.shape + (1,) * (data.ndim - 1))


def segment_sum(data, segment_ids, num_segments: int, mask=None, indices_are_sorted: bool = False):
    """``out[s] = sum_{e: ids[e]=s, mask[e]} data[e]``."""
    if mask is not None:
        data = jnp.where(_bmask(mask, data), data, jnp.zeros((), data.dtype))
    return jax.ops.segment_sum(data, segment_ids, num_segments, indices_are_sorted=indices_are_sorted)


def segment_count(segment_ids, num_segments: int, mask=None, dtype=jnp.float32):
    """Number of (unmasked) rows in each segment, ``[num_segments]``."""
    ones = jnp.ones(segment_ids.shape, dtype)
    return segment_sum(ones, segment_ids, num_segments, mask)


def segment_mean(data, segment_ids, num_segments: int, mask=None):
    """Mean over each segment; 0 for empty segments."""
    total = segment_sum(data, segment_ids, num_segments, mask)
    count = segment_count(segment_ids, num_segments, mask, total.dtype)
    count = jnp.reshape(count, count.shape + (1,) * (total.ndim - 1))
    return total / jnp.maximum(count, 1)


def _segment_extreme(op, fill, data, segment_ids, num_segments, mask):
    if mask is not None:
        data = jnp.where(_bmask(mask, data), data, fill(data.dtype))
    out = op(data, segment_ids, num_segments)
    count = segment_count(segment_ids, num_segments, mask, jnp.int32)
    nonempty = jnp.reshape(count > 0, count.shape + (1,) * (out.ndim - 1))
    return jnp.where(nonempty, out, jnp.zeros((), out.dtype))


def _lowest(dtype):
    return jnp.array(-jnp.inf if jnp.issubdtype(dtype, jnp.floating) else jnp.iinfo(dtype).min, dtype)


def _highest(dtype):
    return jnp.array(jnp.inf if jnp.issubdtype(dtype, jnp.floating) else jnp.iinfo(dtype).max, dtype)


def segment_max(data, segment_ids, num_segments: int, mask=None):
    """Max over each segment; 0 for empty segments (not ``-inf``)."""
    return _segment_extreme(jax.ops.segment_max, _lowest, data, segment_ids, num_segments, mask)


def segment_min(data, segment_ids, num_segments: int, mask=None):
    """Min over each segment; 0 for empty segments (not ``+inf``)."""
    return _segment_extreme(jax.ops.segment_min, _highest, data, segment_ids, num_segments, mask)


def segment_softmax(logits, segment_ids, num_segments: int, mask=None):
    """Softmax of ``logits`` within each segment (e.g. attention over incoming edges).

    ``w[e] = exp(l[e] - m[s]) / sum_{e' in s} exp(l[e'] - m[s])`` with ``m[s]`` the segment
    max (numerically stable). Masked rows get weight 0; an all-masked segment gives no NaN.

    Args:
      logits: ``[E]`` or ``[E, H]`` (H heads).
    Returns:
      weights of the same shape, summing to 1 over each non-empty segment.
    """
    seg_max = segment_max(logits, segment_ids, num_segments, mask)
    shifted = logits - jax.lax.stop_gradient(seg_max)[segment_ids]
    ex = jnp.exp(shifted)
    if mask is not None:
        ex = jnp.where(_bmask(mask, ex), ex, 0.0)
    denom = jax.ops.segment_sum(ex, segment_ids, num_segments)[segment_ids]
    return ex / jnp.where(denom > 0, denom, 1.0)


def segment_normalize(weights, segment_ids, num_segments: int, mask=None):
    """Divides non-negative ``weights`` by their segment sums (0-sum segments give 0)."""
    total = segment_sum(weights, segment_ids, num_segments, mask)[segment_ids]
    w = weights if mask is None else jnp.where(_bmask(mask, weights), weights, 0.0)
    return w / jnp.where(total > 0, total, 1.0)
