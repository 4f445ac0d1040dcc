"""Pure-jnp reference for the SpMM kernels: the same math with ``jax.ops`` segment reductions
over the ORIGINAL (unsorted) edge list, so it shares no code path with the CSR kernels.

``out[i] = reduce_{e: r_e = i, mask_e} w_e x[s_e]`` for reduce in sum / mean / max / min;
empty rows give 0 (sum, mean, max and min alike)."""
from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["spmm_ref"]


def spmm_ref(x, senders, receivers, n: int, edge_weight=None, reduce: str = "sum",
             edge_mask=None):
    """Reference ``[n, F]`` result (see module docstring); ``x`` is ``[N, F]``."""
    msg = x[senders]
    if edge_weight is not None:
        msg = msg * edge_weight[:, None]
    valid = jnp.ones(senders.shape, bool) if edge_mask is None else edge_mask
    cnt = jax.ops.segment_sum(valid.astype(x.dtype), receivers, n)[:, None]
    if reduce in ("sum", "mean"):
        out = jax.ops.segment_sum(jnp.where(valid[:, None], msg, 0.0), receivers, n)
        return out / jnp.maximum(cnt, 1.0) if reduce == "mean" else out
    if reduce == "max":
        out = jax.ops.segment_max(jnp.where(valid[:, None], msg, -jnp.inf), receivers, n)
    elif reduce == "min":
        out = jax.ops.segment_min(jnp.where(valid[:, None], msg, jnp.inf), receivers, n)
    else:
        raise ValueError(f"reduce must be 'sum', 'mean', 'max' or 'min', got {reduce!r}")
    return jnp.where(cnt > 0, out, 0.0)
