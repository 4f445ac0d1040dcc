"""Pure-jnp reference for the N-cache kernels (NAT, Luo & Li, LoG 2022; issue 7).

Same signatures as :func:`kernels.ncache.kernel.fetch_call` / ``scatter_call`` (minus the
kernel options). Written independently of ``jaxgraph.temporal.ncache``'s XLA path so the kernel
tests compare two separate implementations.
"""
from __future__ import annotations

import jax.numpy as jnp

__all__ = ["fetch_ref", "scatter_ref"]


def fetch_ref(key, t, eid, rep, nodes, *, slots: int):
    """Rows ``nodes[q]*M + j``, j < M: -> (int32[Q, M], float32[Q, M], int32[Q, M],
    float32[Q, M, F]). Nodes must be in range (jnp gather clamps otherwise)."""
    m = int(slots)
    idx = (nodes[:, None] * m + jnp.arange(m, dtype=jnp.int32)).reshape(-1)  # [Q*M]
    q = nodes.shape[0]
    return (jnp.take(key, idx, axis=0).reshape(q, m), jnp.take(t, idx, axis=0).reshape(q, m),
            jnp.take(eid, idx, axis=0).reshape(q, m),
            jnp.take(rep, idx, axis=0).reshape(q, m, rep.shape[1]))


def scatter_ref(key, t, eid, rep, slot_w, ck, ct, ce, cr):
    """Writes candidate c's row at ``slot_w[c]`` when ``slot_w[c] >= 0``; ``-1`` entries are
    sent out of bounds (index S) and dropped, so they write nothing anywhere (in particular
    not slot 0). Non-negative entries must be unique (then the result is order-independent).
    """
    s = key.shape[0]
    idx = jnp.where(slot_w >= 0, slot_w, s)
    return (key.at[idx].set(ck, mode="drop"), t.at[idx].set(ct, mode="drop"),
            eid.at[idx].set(ce, mode="drop"), rep.at[idx].set(cr, mode="drop"))
